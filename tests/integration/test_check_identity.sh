#!/usr/bin/env bash
# One database on both sides is refused (exit 64, both sides named), however
# it is reached: the same conninfo, socket vs TCP, the same snapshot file, two
# snapshots of one side, a snapshot of blue against live blue. The honest
# look-alikes stay valid: two databases of one server, and a physical clone
# (same system identifier and database oid, another postmaster).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin

blue=$(gl_conninfo blue "$GL_DB")
green=$(gl_conninfo green "$GL_DB")
refusal="--blue and --green are the same database: \"$GL_DB\""

assert_exit 64 "$GL_BIN" check --no-color --blue "$blue" --green "$blue"
assert_contains "$(cat "$GL_LAST_ERR")" "$refusal"
assert_contains "$(cat "$GL_LAST_ERR")" "Green must be the changed copy, not blue itself"
assert_eq "" "$(cat "$GL_LAST_OUT")" "nothing decided on stdout"

# the same database over TCP with a password: still one database, no password shown
tcp="$(gl_conninfo_tcp blue "$GL_DB") password=$GL_TEST_PASSWORD"
assert_exit 64 "$GL_BIN" check --no-color --blue "$blue" --green "$tcp"
assert_contains "$(cat "$GL_LAST_ERR")" "$refusal"
assert_not_contains "$(cat "$GL_LAST_ERR")" "$GL_TEST_PASSWORD"

# two databases of one server are a valid pair
other=$(gl_clone_db blue "$(gl_unique_name ident)")
gl_check_decided parameters "$GL_TMP/twodb" --blue "$blue" --green "$(gl_conninfo blue "$other")"
r=$GL_TMP/twodb/report.json
assert_report_valid "$r"
assert_eq "$GL_DB" "$(json_get "$r" .targets.blue.identity.database)"
assert_eq "$other" "$(json_get "$r" .targets.green.identity.database)"
assert_eq "$(json_get "$r" .targets.blue.identity.system_identifier)" \
  "$(json_get "$r" .targets.green.identity.system_identifier)" "one server"

# snapshots carry the identity of their side
assert_exit 0 "$GL_BIN" snapshot --plugins parameters --target "$blue" -o "$GL_TMP/blue1.json"
assert_exit 0 "$GL_BIN" snapshot --plugins parameters --target "$blue" -o "$GL_TMP/blue2.json"
assert_exit 0 "$GL_BIN" snapshot --plugins parameters --target "$green" -o "$GL_TMP/green.json"
assert_eq "$GL_DB" "$(json_get "$GL_TMP/blue1.json" .identity.database)"
assert_exit 64 "$GL_BIN" check --plugins parameters --blue "$GL_TMP/blue1.json" --green "$GL_TMP/blue1.json"
assert_contains "$(cat "$GL_LAST_ERR")" "--blue and --green are the same snapshot file"
assert_exit 64 "$GL_BIN" check --plugins parameters --blue "$GL_TMP/blue1.json" --green "$GL_TMP/blue2.json"
assert_contains "$(cat "$GL_LAST_ERR")" "$refusal"
assert_exit 64 "$GL_BIN" check --plugins parameters --blue "$GL_TMP/blue1.json" --green "$blue"
assert_contains "$(cat "$GL_LAST_ERR")" "$refusal"
gl_check_decided parameters "$GL_TMP/snaps" --blue "$GL_TMP/blue1.json" --green "$GL_TMP/green.json"
# a snapshot on standard input
gl_check_decided parameters "$GL_TMP/stdin" --blue "$GL_TMP/blue1.json" --green - <"$GL_TMP/green.json"
assert_eq snapshot "$(json_get "$GL_TMP/stdin/report.json" .targets.green.kind)"

# A physical clone shares blue's system identifier and database oids, but is
# another server: its own postmaster and data directory.
# (its own short dir the server user can enter: GL_TMP is private)
srv=$(mktemp -d /tmp/gl-ident.XXXXXX)
chmod 755 "$srv"
trap 'gl_pg_stop "$srv/a"; gl_pg_stop "$srv/b"; rm -rf "$srv"; gl__closing_line $?' EXIT
gl_pg_init ident 15 "$srv/a" || gl_fail "initdb failed"
gl_pg_start "$srv/a" || gl_fail "start failed"
gl_pg_psql "$srv/a" postgres -q -c "CREATE DATABASE app" || gl_fail "create database failed"
gl_pg_stop "$srv/a"
mkdir -p "$srv/b/log"
cp -a "$srv/a/data" "$srv/b/data"
cp -a "$srv/a/gl-pg.env" "$srv/b/gl-pg.env"
chmod 755 "$srv/b" "$srv/b/log"
if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$srv/b"; fi
gl_pg__write_conf "$srv/b" "$(gl_pg_free_port)"
gl_pg_start "$srv/a" || gl_fail "restart failed"
gl_pg_start "$srv/b" || gl_fail "clone start failed"
a=$(gl_pg_conninfo "$srv/a" app)
b=$(gl_pg_conninfo "$srv/b" app)
gl_check_decided parameters "$GL_TMP/clone" --blue "$a" --green "$b"
r=$GL_TMP/clone/report.json
assert_eq "$(json_get "$r" .targets.blue.identity.system_identifier)" \
  "$(json_get "$r" .targets.green.identity.system_identifier)" "the clone shares the system identifier"
assert_eq "$(json_get "$r" .targets.blue.identity.database_oid)" \
  "$(json_get "$r" .targets.green.identity.database_oid)" "and the database oid"
assert_exit 64 "$GL_BIN" check --plugins parameters --blue "$a" --green "$a"
assert_contains "$(cat "$GL_LAST_ERR")" "--blue and --green are the same database: \"app\""
