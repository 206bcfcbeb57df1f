#!/usr/bin/env bash
# Inheritance, per-partition columns and definitions compared on their parse
# tree: a table that starts or stops inheriting, a column that moves between
# inherited and local, NOT NULL or a default on one partition only, a changed
# string literal in a view (once hidden by a text clean-up that stripped
# "orders." inside literals too) and a blank at a line end inside a function
# body are each exactly one finding, on 15 vs 15 and on 15 vs 17; the same
# setup on 15 and 17 gives none (17 prints single-relation views without the
# qualifier 15 prints).
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$(dirname "$0")/schema_lib.sh"
gl_require_bin

setup="
CREATE SCHEMA ih;
CREATE TABLE ih.base (id int, note text);
CREATE TABLE ih.child (id int, note text, own int) INHERITS (ih.base);
CREATE TABLE ih.kid () INHERITS (ih.base);
CREATE TABLE ih.kid2 () INHERITS (ih.base);
CREATE TABLE ih.loner (id int, note text);
CREATE TABLE ih.parts (day int, v text, w int DEFAULT 0) PARTITION BY RANGE (day);
CREATE TABLE ih.parts_1 PARTITION OF ih.parts FOR VALUES FROM (0) TO (10);
CREATE TABLE ih.parts_2 PARTITION OF ih.parts FOR VALUES FROM (10) TO (20);
CREATE TABLE ih.parts_3 PARTITION OF ih.parts FOR VALUES FROM (20) TO (30);
ALTER TABLE ih.parts_3 ALTER COLUMN v SET DEFAULT 'three';
CREATE TABLE ih.orders (id int, label text);
CREATE VIEW ih.v_lit AS SELECT id, 'orders.label'::text AS tag FROM ih.orders;
CREATE VIEW ih.v_alias AS SELECT o.id FROM ih.orders o WHERE o.label <> '';
CREATE VIEW ih.v_two AS SELECT a.id, b.note FROM ih.orders a JOIN ih.base b ON b.id = a.id;
CREATE FUNCTION ih.body() RETURNS text LANGUAGE sql AS \$\$SELECT 'line one 
line two'\$\$;
"
changes="
ALTER TABLE ih.loner INHERIT ih.base;
ALTER TABLE ih.kid NO INHERIT ih.base;
DROP TABLE ih.kid2;
CREATE TABLE ih.kid2 (note text) INHERITS (ih.base);
ALTER TABLE ih.parts_1 ALTER COLUMN v SET NOT NULL;
ALTER TABLE ih.parts_2 ALTER COLUMN w SET DEFAULT 5;
ALTER TABLE ih.parts_3 ALTER COLUMN v DROP DEFAULT;
CREATE OR REPLACE VIEW ih.v_lit AS SELECT id, 'label'::text AS tag FROM ih.orders;
CREATE OR REPLACE FUNCTION ih.body() RETURNS text LANGUAGE sql AS \$\$SELECT 'line one
line two'\$\$;
"
expected="schema.column.inheritance_changed warning ih.kid2.note
schema.function.definition_changed warning ih.body()
schema.table.inheritance_changed error ih.kid
schema.table.inheritance_changed error ih.loner
schema.table.partition_default_changed warning ih.parts_2
schema.table.partition_default_changed warning ih.parts_3
schema.table.partition_nullability_changed error ih.parts_1
schema.view.definition_changed warning ih.v_lit"

printf '{"plugins": {"schema": {"include_schemas": ["ih"], "replication_readiness": "never"}}}' >"$GL_TMP/config.json"
schema_pair schema_inh "$setup" "$GL_TMP/config.json"
a=$SCHEMA_A b=$SCHEMA_B

gl_sql blue "$b" "$changes" >/dev/null
schema_check "$GL_TMP/after.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo blue "$b")" --config "$GL_TMP/config.json"
assert_eq "$expected" "$(schema_findings "$GL_TMP/after.json")" "15 vs 15: one finding per change"
r=$GL_TMP/after.json
get() { jq -c "[.findings[] | select(.code == \"$1\" and .object == \"$2\")][0] | $3" "$r"; }
assert_eq '""' "$(get schema.table.inheritance_changed ih.loner .blue)"
assert_eq '"ih.base"' "$(get schema.table.inheritance_changed ih.loner .green)"
assert_eq '"ih.base"' "$(get schema.table.inheritance_changed ih.kid .blue)"
assert_eq '"inherited"' "$(get schema.column.inheritance_changed ih.kid2.note .blue)"
assert_eq '"local and inherited"' "$(get schema.column.inheritance_changed ih.kid2.note .green)"
assert_eq '"v"' "$(get schema.table.partition_nullability_changed ih.parts_1 .green)"
assert_eq '"w 5"' "$(get schema.table.partition_default_changed ih.parts_2 .green)"
assert_eq "\"v 'three'::text\"" "$(get schema.table.partition_default_changed ih.parts_3 .blue)"
assert_eq '""' "$(get schema.table.partition_default_changed ih.parts_3 .green)" "same as the parent's again"
assert_contains "$(get schema.view.definition_changed ih.v_lit .blue)" "'orders.label'::text"
assert_eq hold "$(json_get "$r" .decision.action)" "the run holds"

# 15 vs 17: the same setup gives nothing, the same changes give the same findings.
g=$(gl_clone_db green "$(gl_unique_name schema_inh_g)")
gl_sql green "$g" "$setup" >/dev/null
schema_check "$GL_TMP/cross.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo green "$g")" --config "$GL_TMP/config.json"
assert_eq "" "$(schema_findings "$GL_TMP/cross.json")" "15 vs 17, same setup"
assert_not_contains "$(jq -r '.findings[]' "$GL_TMP/cross.json")" "v_alias"
gl_sql green "$g" "$changes" >/dev/null
schema_check "$GL_TMP/cross2.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo green "$g")" --config "$GL_TMP/config.json"
assert_eq "$expected" "$(schema_findings "$GL_TMP/cross2.json")" "15 vs 17: the same findings"
