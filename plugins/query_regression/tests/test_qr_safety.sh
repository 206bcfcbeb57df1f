#!/usr/bin/env bash
# A workload can never write or act on the server: writing statements are
# refused by the parser check; every function a statement can call (calls,
# operators, casts) must be marked immutable or stable by the server and not be
# one of the families that change state or run SQL text while stable (the
# allow rule, checked on each side before anything runs); a function that
# writes anyway fails in the READ ONLY transaction; blue is unchanged
# afterwards. Connected as a superuser, the check says so; as a
# least-privilege role (pg_read_all_data) it runs the same workload silently.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$GL_SOURCE_DIR/tests/integration/check_lib.sh"
. "$(dirname "$0")/qr_lib.sh"
gl_require_bin

a=$(gl_clone_db blue "$(gl_unique_name qr_safe)")
gl_sql blue "$a" "CREATE FUNCTION sneaky() RETURNS int LANGUAGE sql AS \$\$ INSERT INTO venue (name, city, capacity) VALUES ('sneaky', 'Lyon', 1) RETURNING 1 \$\$" >/dev/null
# Marked stable but writes: the allow rule trusts the marking; the server stops the write.
gl_sql blue "$a" "CREATE FUNCTION liar() RETURNS int LANGUAGE plpgsql STABLE AS \$\$ BEGIN INSERT INTO venue (name, city, capacity) VALUES ('liar', 'Lyon', 1); RETURN 1; END \$\$" >/dev/null
gl_sql blue "$a" "CREATE FUNCTION cat_count() RETURNS bigint LANGUAGE sql STABLE AS \$\$ SELECT count(*) FROM venue \$\$" >/dev/null
gl_sql blue "$a" "CREATE FUNCTION vol_eq(int, int) RETURNS bool LANGUAGE sql VOLATILE AS \$\$ SELECT \$1 = \$2 \$\$" >/dev/null
gl_sql blue "$a" "CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = vol_eq)" >/dev/null
gl_sql blue "$a" "CREATE TYPE pair AS (x int, y int)" >/dev/null
gl_sql blue "$a" "CREATE FUNCTION vol_cast(int) RETURNS pair LANGUAGE sql VOLATILE AS \$\$ SELECT \$1, \$1 \$\$" >/dev/null
gl_sql blue "$a" "CREATE CAST (int AS pair) WITH FUNCTION vol_cast(int)" >/dev/null
b=$(gl_clone_db blue "$(gl_unique_name qr_safe_b)" "$a")
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
  {"name": "random", "sql": "SELECT random()"},
  {"name": "table_to_xml", "sql": "SELECT table_to_xml('venue', true, false, '')"},
  {"name": "query_to_xml", "sql": "SELECT query_to_xml('SELECT pg_terminate_backend(1)', true, false, '')"},
  {"name": "txid_current", "sql": "SELECT pg_catalog.txid_current()"},
  {"name": "slot_changes", "sql": "SELECT * FROM pg_logical_slot_get_changes('s', NULL, NULL)"},
  {"name": "volatile_operator", "sql": "SELECT 1 === 1"},
  {"name": "volatile_cast", "sql": "SELECT 5::pair"},
  {"name": "stable_liar", "sql": "SELECT liar()"},
  {"name": "stable_function", "sql": "SELECT cat_count()"},
  {"name": "fine", "sql": "SELECT genre_id, name FROM genre ORDER BY genre_id"}
]}
JSON
# Fails on green only, when it runs (planning is fine on both): the results run
# has both sides at once, and the finding must still name green and the server's error.
jq --arg db "$b" '.queries += [{"name": "fails_on_green",
  "sql": ("SELECT 10 / (current_database() <> '"'"'" + $db + "'"'"')::int AS x")}]' "$GL_TMP/workload.json" >"$GL_TMP/w.json"
mv "$GL_TMP/w.json" "$GL_TMP/workload.json"
# Latency is not what this test is about: 3 samples on a shared machine can differ by chance.
qr_config "$GL_TMP/config.json" "$GL_TMP/workload.json" '.samples = 3 | .warmup = 0 | .effect_tolerance = 100'
blue=$(gl_conninfo blue "$a")

assert_exit 1 "$GL_BIN" check --no-color --out "$GL_TMP/out" --plugins query_regression --config "$GL_TMP/config.json" \
  --blue "$blue" --green "$(gl_conninfo blue "$b")"
r=$GL_TMP/out/report.json
assert_report_valid "$r"
for q in insert update delete writing_cte nested_writing_cte for_update select_into nextval two_statements ddl not_sql; do
  assert_eq "query_regression.query_refused" "$(qr_codes_for "$r" "$q")" "query $q is refused"
done
assert_contains "$(json_get "$r" '.findings[] | select(.object == "writing_cte") | .message')" "data-modifying"
assert_contains "$(json_get "$r" '.findings[] | select(.object == "for_update") | .message')" "FOR UPDATE"
assert_contains "$(json_get "$r" '.findings[] | select(.object == "two_statements") | .message')" "exactly one statement"
assert_contains "$(json_get "$r" '.findings[] | select(.object == "nextval") | .message')" "nextval"
msg() { json_get "$r" ".findings[] | select(.object == \"$1\") | .message"; }
# The allow rule: functions the server marks volatile, and the stable families that act.
for q in hidden_writer random table_to_xml query_to_xml txid_current slot_changes volatile_operator volatile_cast; do
  assert_eq "query_regression.query_refused" "$(qr_codes_for "$r" "$q")" "query $q is refused by the allow rule"
done
assert_eq "query hidden_writer was not run: it calls sneaky(): on blue that is sneaky(), marked volatile (it may change state); only functions the server marks immutable or stable may run" "$(msg hidden_writer)"
assert_contains "$(msg random)" "it calls random(): on blue that is random(), marked volatile"
assert_contains "$(msg table_to_xml)" "it calls table_to_xml(), which changes server state or runs SQL text the check cannot see"
assert_contains "$(msg query_to_xml)" "it calls query_to_xml()"
assert_contains "$(msg txid_current)" "it calls txid_current(), which changes server state"
assert_contains "$(msg volatile_operator)" "it uses operator ===: on blue its function is vol_eq(integer,integer), marked volatile"
assert_contains "$(msg volatile_cast)" "it casts to pair: on blue its input or a cast function is vol_cast(integer), marked volatile"
# Marked stable, writes anyway: the server stops it (and READ ONLY would), with its message.
assert_eq "query_regression.query_failed" "$(qr_codes_for "$r" stable_liar)"
hw=$(msg stable_liar)
assert_contains "$hw" "INSERT is not allowed in a non-volatile function" "query_failed names the server's error"
assert_contains "$hw" "on blue" "query_failed names the side"
assert_contains "$(json_get "$r" '.findings[] | select(.object == "stable_liar") | .blue')" "INSERT"
assert_eq "" "$(qr_codes_for "$r" stable_function)" "a stable function runs"
assert_eq "query_regression.query_failed" "$(qr_codes_for "$r" fails_on_green)"
assert_eq "query fails_on_green failed: the query failed on green: ERROR:  division by zero" "$(msg fails_on_green)"
assert_eq "" "$(qr_codes_for "$r" fine)" "the read-only query runs and matches itself"
# Connected as postgres: a warning per side, naming the least-privilege role.
assert_eq 2 "$(qr_count "$r" query_regression.superuser)" "superuser warned on both sides"
assert_contains "$(msg blue)" "the workload ran on blue as postgres, a superuser: run the check as a least-privilege role"

assert_eq "$before" "$(gl_sql blue "$a" "SELECT count(*) || ':' || sum(hashtext(name)) FROM venue")" "blue's data unchanged"
assert_eq "$seq_before" "$(gl_sql blue "$a" "SELECT last_value FROM venue_venue_id_seq")" "blue's sequence unchanged"
assert_eq "" "$(gl_sql blue "$a" "SELECT to_regclass('evil_copy')")" "no table created"
assert_eq 0 "$(gl_sql blue "$a" "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'")" "no transaction left open"

# The least-privilege role of share/doc/checks/query_regression.md: no warning, same verdicts.
role=$(gl_unique_name qr_reader)
# Dropped after lib.sh's cleanup has dropped the databases that hold its grants.
trap 'rc=$?; gl__closing_line $rc; gl_sql blue postgres "DROP ROLE IF EXISTS $role" >/dev/null 2>&1; exit $rc' EXIT
gl_sql blue postgres "CREATE ROLE $role LOGIN IN ROLE pg_read_all_data" >/dev/null
gl_sql blue "$a" "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO $role" >/dev/null
gl_sql blue "$b" "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO $role" >/dev/null
assert_exit 1 "$GL_BIN" check --no-color --out "$GL_TMP/ro" --plugins query_regression --config "$GL_TMP/config.json" \
  --blue "$(gl_conninfo blue "$a" | sed "s/user=postgres/user=$role/")" --green "$(gl_conninfo blue "$b" | sed "s/user=postgres/user=$role/")"
r=$GL_TMP/ro/report.json
assert_eq 0 "$(qr_count "$r" query_regression.superuser)" "no superuser warning"
assert_eq "" "$(qr_codes_for "$r" fine)" "the workload runs as the reader role"
assert_eq "query_regression.query_refused" "$(qr_codes_for "$r" random)"

# A workload whose every query is filtered out (all refused) measured nothing:
# the configured check fails saying so (the run holds, 70), never "ok" with a
# score of 0 of 0.
cat >"$GL_TMP/all_refused.json" <<'JSON'
{"format": "greenlight-workload/1", "queries": [
  {"name": "delete", "sql": "DELETE FROM venue"},
  {"name": "ddl", "sql": "DROP TABLE venue"}
]}
JSON
qr_config "$GL_TMP/all_refused_config.json" "$GL_TMP/all_refused.json"
assert_exit 70 "$GL_BIN" check --no-color --out "$GL_TMP/refused_all" --plugins query_regression \
  --config "$GL_TMP/all_refused_config.json" --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo blue "$b")"
r=$GL_TMP/refused_all/report.json
assert_report_valid "$r"
assert_eq failed "$(json_get "$r" '.plugins[0].status')"
assert_eq "query_regression measured nothing: the workload gave 2 case(s) and none ran on both sides (2 refused, 0 not comparable); fix the workload (share/doc/checks/query_regression.md) or leave query_regression out of --config" \
  "$(json_get "$r" '.plugins[0].error')"
assert_eq hold "$(json_get "$r" .decision.action)"
