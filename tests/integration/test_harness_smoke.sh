#!/usr/bin/env bash
# The harness itself: both servers answer, blue runs PostgreSQL 15 and green 17,
# the dataset ($GL_DB: the shipped gltest, or Pagila in the Pagila variant) is
# loaded and analyzed on both, clones are private copies, and the test password
# works (and only it) over 127.0.0.1.
# gl-datasets: gltest pagila
. "$(dirname "$0")/lib.sh"

# Rows each dataset must have: a table and its count, twice; then a child
# table, the key of one parent row and its children's count (for the clone test).
case "$GL_DB" in
  gltest) t1=event n1=5000 t2=booking n2=60000 child=ticket key=booking_id id=1 nchild=2 ;;
  pagila) t1=film n1=1000 t2=rental n2=16044 child=film_actor key=film_id id=1 nchild=10 ;;
esac

for side in blue green; do
  assert_exit 0 gl_sql "$side" "$GL_DB" "SELECT 1"
  assert_eq 1 "$(cat "$GL_LAST_OUT")" "$side answers"
done

assert_eq 15 "$(gl_sql blue "$GL_DB" "SELECT current_setting('server_version_num')::int / 10000")" "blue major version"
assert_eq 17 "$(gl_sql green "$GL_DB" "SELECT current_setting('server_version_num')::int / 10000")" "green major version"

for side in blue green; do
  assert_eq "$n1" "$(gl_sql "$side" "$GL_DB" "SELECT count(*) FROM $t1")" "$t1 rows on $side"
  assert_eq "$n2" "$(gl_sql "$side" "$GL_DB" "SELECT count(*) FROM $t2")" "$t2 rows on $side"
  # reltuples is -1 until a table is first vacuumed or analyzed.
  assert_eq 0 "$(gl_sql "$side" "$GL_DB" "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.reltuples < 0")" \
    "every table analyzed on $side"
  assert_eq logical "$(gl_sql "$side" "$GL_DB" "SHOW wal_level")" "wal_level on $side"
done

# The conninfo strings in env.sh reach the right servers.
assert_eq 15 "$("$GL_PSQL" -X -A -t -c "SHOW server_version_num" "$GL_BLUE" | cut -c1-2)" "GL_BLUE reaches 15"
assert_eq 17 "$("$GL_PSQL" -X -A -t -c "SHOW server_version_num" "$GL_GREEN" | cut -c1-2)" "GL_GREEN reaches 17"
assert_eq "$GL_DB" "$("$GL_PSQL" -X -A -t -c "SELECT current_database()" "$GL_BLUE")" "GL_BLUE names the dataset"

# A clone is a full copy, and writes to it do not reach the original.
db=$(gl_clone_db green "$(gl_unique_name smoke)")
assert_eq "$n1" "$(gl_sql green "$db" "SELECT count(*) FROM $t1")" "$t1 rows in clone"
gl_sql green "$db" "DELETE FROM $child WHERE $key = $id" >/dev/null
assert_eq 0 "$(gl_sql green "$db" "SELECT count(*) FROM $child WHERE $key = $id")" "delete in clone"
assert_eq "$nchild" "$(gl_sql green "$GL_DB" "SELECT count(*) FROM $child WHERE $key = $id")" "$GL_DB untouched by clone"

# Password authentication over TCP: the test password in, a wrong one out.
assert_exit 0 env PGPASSWORD="$GL_TEST_PASSWORD" "$GL_PSQL" -X -A -t -c "SELECT 'tcp'" "$(gl_conninfo_tcp blue "$GL_DB")"
assert_eq tcp "$(cat "$GL_LAST_OUT")" "password login on blue"
assert_exit 2 env PGPASSWORD=wrong "$GL_PSQL" -X -A -t -c "SELECT 1" "$(gl_conninfo_tcp green "$GL_DB")"
assert_contains "$(cat "$GL_LAST_ERR")" "password authentication failed" "wrong password refused"

# json_get reads what jq reads.
printf '{"decision":{"action":"hold","reasons":[{"rule":"r1"}]}}' >"$GL_TMP/r.json"
assert_eq hold "$(json_get "$GL_TMP/r.json" '.decision.action')"
assert_eq r1 "$(json_get "$GL_TMP/r.json" '.decision.reasons[0].rule')"
assert_not_contains "$(cat "$GL_TMP/r.json")" "switchover"
