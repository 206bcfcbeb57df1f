#!/usr/bin/env bash
# Storage parameters of tables, options of views, per-column statistics
# targets and generation expressions are compared: each change on green is
# exactly one finding, and a changed generation expression is an error (every
# row's stored value changes meaning), where a changed default is a warning.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$(dirname "$0")/schema_lib.sh"
gl_require_bin

setup="
CREATE SCHEMA k17;
CREATE TABLE k17.t (id int PRIMARY KEY, a int, c text DEFAULT 'x', b int GENERATED ALWAYS AS (a * 2) STORED)
  WITH (autovacuum_enabled = false);
CREATE VIEW k17.v AS SELECT id, a FROM k17.t;
"
changes="
ALTER TABLE k17.t SET (fillfactor = 70);
ALTER VIEW k17.v SET (security_barrier = true);
ALTER TABLE k17.t ALTER COLUMN a SET STATISTICS 500;
ALTER TABLE k17.t DROP COLUMN b, ADD COLUMN b int GENERATED ALWAYS AS (a * 3) STORED;
ALTER TABLE k17.t ALTER COLUMN c SET DEFAULT 'y';
"
printf '{"plugins": {"schema": {"include_schemas": ["k17"]}}}' >"$GL_TMP/config.json"
schema_pair schema_opt "$setup" "$GL_TMP/config.json"
a=$SCHEMA_A b=$SCHEMA_B

gl_sql blue "$b" "$changes" >/dev/null
schema_check "$GL_TMP/after.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo blue "$b")" --config "$GL_TMP/config.json"
assert_eq "schema.column.default_changed warning k17.t.c
schema.column.generation_expression_changed error k17.t.b
schema.column.statistics_target_changed info k17.t.a
schema.table.options_changed warning k17.t
schema.view.options_changed warning k17.v" "$(schema_findings "$GL_TMP/after.json")"
f='.findings[] | select(.code == "schema.table.options_changed")'
assert_eq "autovacuum_enabled=false" "$(json_get "$GL_TMP/after.json" "$f | .blue")"
assert_eq "autovacuum_enabled=false,fillfactor=70" "$(json_get "$GL_TMP/after.json" "$f | .green")"
assert_eq "(a * 3)" "$(json_get "$GL_TMP/after.json" '.findings[] | select(.code == "schema.column.generation_expression_changed") | .green')"
assert_eq hold "$(json_get "$GL_TMP/after.json" .decision.action)" "the run holds"

# The same on 15 and 17: no finding (17 says NULL, 15 -1 for the default statistics target).
g=$(gl_clone_db green "$(gl_unique_name schema_opt_g)")
gl_sql green "$g" "$setup" >/dev/null
schema_check "$GL_TMP/cross.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo green "$g")" --config "$GL_TMP/config.json"
assert_eq "" "$(schema_findings "$GL_TMP/cross.json")" "15 vs 17, same options"

# An include_schemas pattern that selects no schema ("k71" for k17) means part
# of what was asked was never compared: the check fails (the run holds, 70)
# naming the pattern, instead of an "ok" that compared nothing.
printf '{"plugins": {"schema": {"include_schemas": ["k17", "k71"]}}}' >"$GL_TMP/typo.json"
assert_exit 70 "$GL_BIN" check --plugins schema --format json --blue "$(gl_conninfo blue "$a")" \
  --green "$(gl_conninfo blue "$b")" --config "$GL_TMP/typo.json"
assert_eq failed "$(jq -r '.plugins[0].status' "$GL_LAST_OUT")"
assert_eq 'schema: config include_schemas "k71" matches no schema on blue or green, so nothing was compared for it: check the name (schema names are case-sensitive; `\dn` in psql lists them)' \
  "$(jq -r '.plugins[0].error' "$GL_LAST_OUT")"
