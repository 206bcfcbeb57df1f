#!/usr/bin/env bash
# The harness itself: both servers answer, blue runs PostgreSQL 15 and green 17,
# Pagila is loaded on both, clones are private copies, and the test password
# works (and only it) over 127.0.0.1.
. "$(dirname "$0")/lib.sh"

for side in blue green; do
  assert_exit 0 gl_sql "$side" pagila "SELECT 1"
  assert_eq 1 "$(cat "$GL_LAST_OUT")" "$side answers"
done

assert_eq 15 "$(gl_sql blue pagila "SELECT current_setting('server_version_num')::int / 10000")" "blue major version"
assert_eq 17 "$(gl_sql green pagila "SELECT current_setting('server_version_num')::int / 10000")" "green major version"

for side in blue green; do
  assert_eq 1000 "$(gl_sql "$side" pagila "SELECT count(*) FROM film")" "film rows on $side"
  assert_eq 16044 "$(gl_sql "$side" pagila "SELECT count(*) FROM rental")" "rental rows on $side"
  assert_eq logical "$(gl_sql "$side" pagila "SHOW wal_level")" "wal_level on $side"
done

# The conninfo strings in env.sh reach the right servers.
assert_eq 15 "$("$GL_PSQL" -X -A -t -c "SHOW server_version_num" "$GL_BLUE" | cut -c1-2)" "GL_BLUE reaches 15"
assert_eq 17 "$("$GL_PSQL" -X -A -t -c "SHOW server_version_num" "$GL_GREEN" | cut -c1-2)" "GL_GREEN reaches 17"

# A clone is a full copy, and writes to it do not reach pagila.
db=$(gl_clone_db green "$(gl_unique_name smoke)")
assert_eq 1000 "$(gl_sql green "$db" "SELECT count(*) FROM film")" "film rows in clone"
gl_sql green "$db" "DELETE FROM film_actor WHERE film_id = 1" >/dev/null
assert_eq 0 "$(gl_sql green "$db" "SELECT count(*) FROM film_actor WHERE film_id = 1")" "delete in clone"
assert_eq 10 "$(gl_sql green pagila "SELECT count(*) FROM film_actor WHERE film_id = 1")" "pagila untouched by clone"

# Password authentication over TCP: the test password in, a wrong one out.
assert_exit 0 env PGPASSWORD="$GL_TEST_PASSWORD" "$GL_PSQL" -X -A -t -c "SELECT 'tcp'" "$(gl_conninfo_tcp blue pagila)"
assert_eq tcp "$(cat "$GL_LAST_OUT")" "password login on blue"
assert_exit 2 env PGPASSWORD=wrong "$GL_PSQL" -X -A -t -c "SELECT 1" "$(gl_conninfo_tcp green pagila)"
assert_contains "$(cat "$GL_LAST_ERR")" "password authentication failed" "wrong password refused"

# json_get reads what jq reads.
printf '{"decision":{"action":"hold","reasons":[{"rule":"r1"}]}}' >"$GL_TMP/r.json"
assert_eq hold "$(json_get "$GL_TMP/r.json" '.decision.action')"
assert_eq r1 "$(json_get "$GL_TMP/r.json" '.decision.reasons[0].rule')"
assert_not_contains "$(cat "$GL_TMP/r.json")" "switchover"
