#!/usr/bin/env bash
# Green cannot be reached: exit 69, decision hold, a schema-valid report, and
# the password given in the conninfo appears nowhere (stdout, stderr, report).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin

secret="Sup3r-Secret-$RANDOM"
blue="$(gl_conninfo_tcp blue "$GL_DB") password=$GL_TEST_PASSWORD"
green="host=127.0.0.1 port=1 user=postgres dbname=$GL_DB password=$secret connect_timeout=3"
assert_exit 69 gl_check "$GL_TMP/r" --blue "$blue" --green "$green"
r=$GL_TMP/r/report.json
assert_report_valid "$r"
assert_eq hold "$(json_get "$r" .decision.action)"
assert_eq 69 "$(json_get "$r" .decision.exit_code)"
assert_eq connect "$(json_get "$r" '.errors[0].stage')"
assert_eq green "$(json_get "$r" '.errors[0].side')"
assert_eq unavailable "$(json_get "$r" .targets.green.kind)"
assert_contains "$(json_get "$r" .targets.green.display)" "password=********"
for f in "$GL_LAST_OUT" "$GL_LAST_ERR" "$r"; do
  assert_not_contains "$(cat "$f")" "$secret" "password leaked into $f"
  assert_not_contains "$(cat "$f")" "$GL_TEST_PASSWORD" "blue password leaked into $f"
done

# Wrong password on a reachable server: also 69, and the wrong password is not echoed.
assert_exit 69 gl_check "$GL_TMP/w" --blue "$blue" --green "$(gl_conninfo_tcp green "$GL_DB") password=$secret"
assert_contains "$(cat "$GL_LAST_OUT")" "password authentication failed"
for f in "$GL_LAST_OUT" "$GL_LAST_ERR" "$GL_TMP/w/report.json"; do
  assert_not_contains "$(cat "$f")" "$secret" "password leaked into $f"
done

# A URI with a password, and a password through PGPASSWORD, stay hidden too.
hp="127.0.0.1:$GL_BLUE_PORT"
# green: another database of blue's server (one database on both sides is refused)
twin=$(gl_clone_db blue "$(gl_unique_name unavail)")
assert_exit 0 gl_check "$GL_TMP/u" --blue "postgresql://postgres:$GL_TEST_PASSWORD@$hp/$GL_DB" \
  --green "postgresql://postgres:$GL_TEST_PASSWORD@$hp/$twin" --format json
for f in "$GL_LAST_OUT" "$GL_LAST_ERR" "$GL_TMP/u/report.json"; do
  assert_not_contains "$(cat "$f")" "$GL_TEST_PASSWORD" "URI password leaked into $f"
done
assert_exit 0 env PGPASSWORD="$GL_TEST_PASSWORD" "$GL_BIN" check --format json --blue "$(gl_conninfo_tcp blue "$GL_DB")" \
  --green "$(gl_conninfo_tcp blue "$twin")"
assert_not_contains "$(cat "$GL_LAST_OUT")" "$GL_TEST_PASSWORD"

# A password from a .pgpass file (PGPASSFILE) works and stays hidden as well.
printf '127.0.0.1:%s:*:postgres:%s\n' "$GL_BLUE_PORT" "$GL_TEST_PASSWORD" >"$GL_TMP/pgpass"
chmod 600 "$GL_TMP/pgpass"
assert_exit 0 env PGPASSFILE="$GL_TMP/pgpass" "$GL_BIN" check --format json -v --blue "$(gl_conninfo_tcp blue "$GL_DB")" \
  --green "$(gl_conninfo_tcp blue "$twin")"
assert_eq switchover "$(jq -r .decision.action "$GL_LAST_OUT")"
assert_not_contains "$(cat "$GL_LAST_OUT" "$GL_LAST_ERR")" "$GL_TEST_PASSWORD"
