#!/usr/bin/env bash
# Workload text never travels over the simple query protocol. A database with
# standard_conforming_strings = off splits a text that libpg_query (which reads
# strings the standard way) parses as one SELECT into several statements: a
# backslash in 'a\' escapes the quote on that server, and the "string literal"
# that follows becomes COMMIT; BEGIN READ WRITE; INSERT ...; COMMIT. The
# generic-plan path (a statement with $n and no parameter values, both sides
# 16+) once sent EXPLAIN (GENERIC_PLAN) <text> through query_simple and
# committed that INSERT; it now goes through PREPARE over the extended
# protocol, which takes exactly one statement.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$GL_SOURCE_DIR/tests/integration/check_lib.sh"
. "$(dirname "$0")/qr_lib.sh"
gl_require_bin

a=$(gl_clone_db green "$(gl_unique_name qr_scs_a)")
b=$(gl_clone_db green "$(gl_unique_name qr_scs_b)")
for db in "$a" "$b"; do
  gl_sql green postgres "ALTER DATABASE \"$db\" SET standard_conforming_strings = off" >/dev/null
  gl_sql green postgres "ALTER DATABASE \"$db\" SET escape_string_warning = off" >/dev/null
done
count() { gl_sql green "$1" "SELECT count(*) FROM genre WHERE name = 'pwned'"; }

# One SELECT for libpg_query; on a standard_conforming_strings=off server over the
# simple protocol: EXPLAIN ... 'a\', '; COMMIT; BEGIN READ WRITE; INSERT ...; COMMIT; SELECT 1 --'
cat >"$GL_TMP/workload.json" <<'JSON'
{"format": "greenlight-workload/1", "queries": [
  {"name": "hidden", "sql": "SELECT $1::int AS n, 'a\\', '; COMMIT; BEGIN READ WRITE; INSERT INTO genre (genre_id, name) VALUES (99, $$pwned$$); COMMIT; SELECT 1 --'"},
  {"name": "event_by_id", "sql": "SELECT title FROM event WHERE event_id = $1"}
]}
JSON
qr_config "$GL_TMP/config.json" "$GL_TMP/workload.json" '.samples = 3 | .warmup = 0'
"$GL_BIN" check --no-color --out "$GL_TMP/out" --plugins query_regression --config "$GL_TMP/config.json" \
  --blue "$(gl_conninfo green "$a")" --green "$(gl_conninfo green "$b")" >"$GL_TMP/stdout" 2>&1 || true
[ -f "$GL_TMP/out/report.json" ] || cat "$GL_TMP/stdout"
r=$GL_TMP/out/report.json
assert_report_valid "$r"
assert_eq 0 "$(count "$a")" "nothing was inserted on blue"
assert_eq 0 "$(count "$b")" "nothing was inserted on green"
# The ordinary $n statement is still compared by its generic plan on both 17s.
assert_eq "" "$(qr_codes_for "$r" event_by_id)" "the generic plan of event_by_id is compared and equal"
# The server refuses the text as several commands (or, on a session that pins
# standard_conforming_strings, plans it as the one SELECT it then is).
case "$(qr_codes_for "$r" hidden)" in
  "" | query_regression.query_failed) assert_eq ok ok ;;
  *) gl_fail "hidden: unexpected findings $(qr_codes_for "$r" hidden)" ;;
esac
assert_eq 0 "$(gl_sql green "$a" "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'")" "no transaction left open"
