#!/usr/bin/env bash
# A workload can never write: writing statements are refused before they run,
# a function that writes behind a SELECT fails in the READ ONLY transaction,
# and blue is unchanged afterwards.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$GL_SOURCE_DIR/tests/integration/check_lib.sh"
. "$(dirname "$0")/qr_lib.sh"
gl_require_bin

a=$(gl_clone_db blue "$(gl_unique_name qr_safe)")
gl_sql blue "$a" "CREATE FUNCTION sneaky() RETURNS int LANGUAGE sql AS \$\$ INSERT INTO venue (name, city, capacity) VALUES ('sneaky', 'Lyon', 1) RETURNING 1 \$\$" >/dev/null
before=$(gl_sql blue "$a" "SELECT count(*) || ':' || sum(hashtext(name)) FROM venue")
seq_before=$(gl_sql blue "$a" "SELECT last_value FROM venue_venue_id_seq")

cat >"$GL_TMP/workload.json" <<'JSON'
{"format": "greenlight-workload/1", "queries": [
  {"name": "insert", "sql": "INSERT INTO venue (name, city, capacity) VALUES ('evil', 'Lyon', 1)"},
  {"name": "update", "sql": "UPDATE venue SET name = 'evil'"},
  {"name": "delete", "sql": "DELETE FROM venue"},
  {"name": "writing_cte", "sql": "WITH d AS (DELETE FROM venue RETURNING *) SELECT count(*) FROM d"},
  {"name": "nested_writing_cte", "sql": "SELECT * FROM (WITH u AS (UPDATE venue SET name = 'x' RETURNING 1) SELECT * FROM u) s"},
  {"name": "for_update", "sql": "SELECT * FROM venue FOR UPDATE"},
  {"name": "select_into", "sql": "SELECT * INTO evil_copy FROM venue"},
  {"name": "nextval", "sql": "SELECT nextval('venue_venue_id_seq')"},
  {"name": "two_statements", "sql": "SELECT 1; DELETE FROM venue"},
  {"name": "ddl", "sql": "DROP TABLE venue"},
  {"name": "not_sql", "sql": "SELEKT everything"},
  {"name": "hidden_writer", "sql": "SELECT sneaky()"},
  {"name": "fine", "sql": "SELECT genre_id, name FROM genre ORDER BY genre_id"}
]}
JSON
# Latency is not what this test is about: 3 samples on a shared machine can differ by chance.
qr_config "$GL_TMP/config.json" "$GL_TMP/workload.json" '.samples = 3 | .warmup = 0 | .effect_tolerance = 100'
blue=$(gl_conninfo blue "$a")

assert_exit 1 "$GL_BIN" check --no-color --out "$GL_TMP/out" --plugins query_regression --config "$GL_TMP/config.json" \
  --blue "$blue" --green "$blue"
r=$GL_TMP/out/report.json
assert_report_valid "$r"
for q in insert update delete writing_cte nested_writing_cte for_update select_into nextval two_statements ddl not_sql; do
  assert_eq "query_regression.query_refused" "$(qr_codes_for "$r" "$q")" "query $q is refused"
done
assert_contains "$(json_get "$r" '.findings[] | select(.object == "writing_cte") | .message')" "data-modifying"
assert_contains "$(json_get "$r" '.findings[] | select(.object == "for_update") | .message')" "FOR UPDATE"
assert_contains "$(json_get "$r" '.findings[] | select(.object == "two_statements") | .message')" "exactly one statement"
assert_contains "$(json_get "$r" '.findings[] | select(.object == "nextval") | .message')" "nextval"
# The parser cannot see inside sneaky(); the READ ONLY transaction stops it.
assert_eq "query_regression.query_failed" "$(qr_codes_for "$r" hidden_writer)"
# The finding carries the server's own message, not just "it failed".
hw=$(json_get "$r" '.findings[] | select(.object == "hidden_writer") | .message')
assert_contains "$hw" "read-only transaction" "query_failed names the server's error"
assert_contains "$hw" "on blue" "query_failed names the side"
assert_contains "$(json_get "$r" '.findings[] | select(.object == "hidden_writer") | .blue')" "cannot execute INSERT"
assert_eq "" "$(qr_codes_for "$r" fine)" "the read-only query runs and matches itself"

assert_eq "$before" "$(gl_sql blue "$a" "SELECT count(*) || ':' || sum(hashtext(name)) FROM venue")" "blue's data unchanged"
assert_eq "$seq_before" "$(gl_sql blue "$a" "SELECT last_value FROM venue_venue_id_seq")" "blue's sequence unchanged"
assert_eq "" "$(gl_sql blue "$a" "SELECT to_regclass('evil_copy')")" "no table created"
assert_eq 0 "$(gl_sql blue "$a" "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'")" "no transaction left open"
