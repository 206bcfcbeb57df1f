#!/usr/bin/env bash
# What every greenlight connection pins and bounds, whatever the database:
# - the settings that change how SQL text is read and values written
#   (standard_conforming_strings, backslash_quote, client_encoding, DateStyle,
#   IntervalStyle, extra_float_digits, bytea_output, TimeZone) are pinned,
#   while the parameters check still sees the database's own values;
# - names from a SQL_ASCII database that are not UTF-8 reach the report
#   escaped (\xNN), and the report is written;
# - connect_timeout=0 in a target does not remove the connect bound;
# - a plugin leaves the session as it found it: the schema check's planner
#   settings (jit, parallel workers) do not outlive its collect, so a plugin
#   after it on the same connection reads the server's settings, not schema's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin
tp=$GL_BUILD_DIR/test-plugins/hostile
blue=$(gl_conninfo blue "$GL_DB")
gdb=$(gl_clone_db blue "$(gl_unique_name session)")
green=$(gl_conninfo blue "$gdb")

# The database asks for every text setting greenlight must not read with.
gl_sql blue postgres "ALTER DATABASE \"$gdb\" SET standard_conforming_strings = off" >/dev/null
gl_sql blue postgres "ALTER DATABASE \"$gdb\" SET backslash_quote = on" >/dev/null
gl_sql blue postgres "ALTER DATABASE \"$gdb\" SET DateStyle = 'SQL, DMY'" >/dev/null
gl_sql blue postgres "ALTER DATABASE \"$gdb\" SET IntervalStyle = 'sql_standard'" >/dev/null
gl_sql blue postgres "ALTER DATABASE \"$gdb\" SET extra_float_digits = 0" >/dev/null
gl_sql blue postgres "ALTER DATABASE \"$gdb\" SET bytea_output = 'escape'" >/dev/null
gl_sql blue postgres "ALTER DATABASE \"$gdb\" SET TimeZone = 'Pacific/Chatham'" >/dev/null

printf '{"plugins": {"hostile": {"mode": "settings"}}}\n' >"$GL_TMP/settings.json"
assert_exit 0 gl_check "$GL_TMP/pinned" --blue "$blue" --green "$green" --plugin-path "$tp" \
  --plugins hostile --config "$GL_TMP/settings.json"
assert_eq ok "$(json_get "$GL_TMP/pinned/report.json" '.plugins[] | select(.name == "hostile") | .status')"

# The parameters check reports the database's values, not greenlight's pins.
assert_exit 1 gl_check "$GL_TMP/params" --blue "$blue" --green "$green" --plugins parameters
r=$GL_TMP/params/report.json
assert_eq "SQL, DMY" "$(json_get "$r" '.findings[] | select(.object == "DateStyle") | .green')"
assert_eq "off" "$(json_get "$r" '.findings[] | select(.object == "standard_conforming_strings") | .green')"
assert_eq "Pacific/Chatham" "$(json_get "$r" '.findings[] | select(.object == "TimeZone") | .green')"

# SQL_ASCII: a table named caf<0xe9> (Latin-1 bytes) on blue only.
ab=$(gl_unique_name ascii_b)
ag=$(gl_unique_name ascii_g)
for db in "$ab" "$ag"; do
  gl_sql blue postgres "CREATE DATABASE \"$db\" ENCODING SQL_ASCII LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" >/dev/null
  printf 'blue:%s\n' "$db" >>"$GL_TMP/.cloned-dbs"
done
gl_sql blue "$ab" "CREATE TABLE public.\"caf$(printf '\351')\" (id int); CREATE TABLE public.plain (id int)" >/dev/null
gl_sql blue "$ag" "CREATE TABLE public.plain (id int)" >/dev/null
assert_exit 1 gl_check "$GL_TMP/ascii" --blue "$(gl_conninfo blue "$ab")" --green "$(gl_conninfo blue "$ag")" \
  --plugins schema
r=$GL_TMP/ascii/report.json
assert_report_valid "$r"
assert_contains "$(json_get "$r" '[.findings[].object] | join(" ")')" 'public.caf\xe9'

# connect_timeout=0 (wait forever) still gets greenlight's connect bound: a
# listener that never answers the startup packet is given up.
port_file=$GL_TMP/port
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(120)' "$port_file" &
listener=$!
for _ in $(seq 1 100); do [ -s "$port_file" ] && break; sleep 0.1; done
start=$(date +%s)
assert_exit 69 gl_check "$GL_TMP/mute" --blue "host=127.0.0.1 port=$(cat "$port_file") dbname=x user=x connect_timeout=0" \
  --green "$green" --plugins parameters
took=$(($(date +%s) - start))
kill "$listener" 2>/dev/null || true
[ "$took" -lt 60 ] || gl_fail "connect_timeout=0 waited $took s (bound 10 s)"
assert_contains "$(json_get "$GL_TMP/mute/report.json" '.errors[0].message')" "blue side"

# A server that stops answering right after the connection is made (before
# any plugin runs: the session set-up and identity queries) is given up
# within the client-side bound, not waited on for ever: a proxy in front of
# blue forwards the startup, then swallows every answer to greenlight's
# session set-up. --statement-timeout 1000: bound 1 s + 5 s.
port_file=$GL_TMP/proxy-port
blue_port=$(gl__side blue)
blue_port=${blue_port#* }
python3 -c '
import socket, sys, threading
target = int(sys.argv[2])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
def pipe(src, dst, state, watch):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                return
            if watch and b"default_transaction_read_only" in b:
                state["mute"] = True
            if watch or not state["mute"]:
                dst.sendall(b)
    except OSError:
        return
while True:
    c, _ = s.accept()
    u = socket.create_connection(("127.0.0.1", target))
    st = {"mute": False}
    threading.Thread(target=pipe, args=(c, u, st, True), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c, st, False), daemon=True).start()
' "$port_file" "$blue_port" &
proxy=$!
for _ in $(seq 1 100); do [ -s "$port_file" ] && break; sleep 0.1; done
start=$(date +%s)
assert_exit 69 gl_check "$GL_TMP/mute-setup" \
  --blue "host=127.0.0.1 port=$(cat "$port_file") user=postgres dbname=$GL_DB password=$GL_TEST_PASSWORD" \
  --green "$green" --plugins parameters --statement-timeout 1000
took=$(($(date +%s) - start))
kill "$proxy" 2>/dev/null || true
[ "$took" -lt 30 ] || gl_fail "a server mute after connecting held only after $took s (bound 6 s)"
assert_contains "$(json_get "$GL_TMP/mute-setup/report.json" '.errors[0].message')" \
  "the blue server did not answer a query within 6.0 s (statement_timeout 1.0 s plus 5.0 s for the network)"
assert_not_contains "$(cat "$GL_LAST_OUT" "$GL_LAST_ERR" "$GL_TMP/mute-setup/report.json")" "$GL_TEST_PASSWORD"

# schema, then a plugin that reads pg_settings, one after the other on one connection:
# the copies in one directory load in name order (a_ before b_).
order=$GL_TMP/order
mkdir -p "$order"
cp "$GL_BUILD_DIR/plugins/schema.so" "$order/a_schema.so"
cp "$tp/hostile.so" "$order/b_hostile.so"
printf '{"plugins": {"hostile": {"mode": "untouched"}}}\n' >"$GL_TMP/untouched.json"
assert_exit 0 gl_check "$GL_TMP/untouched" --blue "$(gl_conninfo blue "$GL_DB")" \
  --green "$(gl_conninfo green "$GL_DB")" --plugin-path "$order" --plugins schema,hostile --jobs 1 \
  --config "$GL_TMP/untouched.json"
assert_eq "schema hostile" "$(json_get "$GL_TMP/untouched/report.json" '[.plugins[].name] | join(" ")')"
assert_eq ok "$(json_get "$GL_TMP/untouched/report.json" '.plugins[] | select(.name == "hostile") | .status')"
