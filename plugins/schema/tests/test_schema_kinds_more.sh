#!/usr/bin/env bash
# One change of each remaining object kind on green (publications, ranges,
# owners, column privileges, sequence values, trigger enable states,
# comments, materialized views, partition bounds): the schema check reports
# exactly these findings (code, severity, object) and nothing else.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$(dirname "$0")/schema_lib.sh"
gl_require_bin

role="gl_schema_kinds_$$"
gl_sql blue postgres "CREATE ROLE $role" >/dev/null
cleanup_role() {
  [ -f "$GL_TMP/.cloned-dbs" ] && while IFS=: read -r side name; do
    gl_sql "$side" postgres "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null 2>&1
  done <"$GL_TMP/.cloned-dbs"
  gl_sql blue postgres "DROP ROLE IF EXISTS $role" >/dev/null 2>&1
  return 0
}
trap 'rc=$?; cleanup_role; gl__closing_line $rc' EXIT

setup="
CREATE SCHEMA k;
CREATE TABLE k.acc (id int PRIMARY KEY, name text, secret text);
CREATE INDEX acc_name_idx ON k.acc (name);
CREATE TABLE k.other (id int PRIMARY KEY);
CREATE SEQUENCE k.seq1;
CREATE FUNCTION k.f1(int) RETURNS int LANGUAGE sql AS 'SELECT \$1';
CREATE FUNCTION k.trgf() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER tr_off BEFORE INSERT ON k.acc FOR EACH ROW EXECUTE FUNCTION k.trgf();
CREATE TRIGGER tr_always BEFORE UPDATE ON k.acc FOR EACH ROW EXECUTE FUNCTION k.trgf();
CREATE TRIGGER tr_replica BEFORE DELETE ON k.acc FOR EACH ROW EXECUTE FUNCTION k.trgf();
CREATE TRIGGER tr_back BEFORE INSERT ON k.other FOR EACH ROW EXECUTE FUNCTION k.trgf();
ALTER TABLE k.other DISABLE TRIGGER tr_back;
CREATE TYPE k.frange AS RANGE (subtype = float8);
CREATE VIEW k.v1 AS SELECT id FROM k.acc;
CREATE MATERIALIZED VIEW k.mv_def AS SELECT id, name FROM k.acc;
CREATE MATERIALIZED VIEW k.mv_kind AS SELECT id FROM k.acc;
CREATE MATERIALIZED VIEW k.mv_gone AS SELECT id FROM k.acc;
CREATE TABLE k.parts (day int, v text) PARTITION BY RANGE (day);
CREATE TABLE k.parts_1 PARTITION OF k.parts FOR VALUES FROM (0) TO (10);
CREATE TABLE k.parts_2 PARTITION OF k.parts FOR VALUES FROM (10) TO (20);
CREATE PUBLICATION pub_tables FOR TABLE k.acc;
CREATE PUBLICATION pub_actions FOR TABLE k.other;
CREATE PUBLICATION pub_gone FOR TABLE k.acc;
CREATE PUBLICATION greenlight_dep FOR TABLE k.acc;
GRANT SELECT (name) ON k.acc TO PUBLIC;
"
changes="
ALTER PUBLICATION pub_tables ADD TABLE k.other;
ALTER PUBLICATION pub_actions SET (publish = 'insert, update');
DROP PUBLICATION pub_gone;
CREATE PUBLICATION pub_new FOR ALL TABLES;
-- greenlight's own deployment publications (greenlight_*) are no findings
DROP PUBLICATION greenlight_dep;
CREATE PUBLICATION greenlight_dep_rev FOR ALL TABLES;
DROP TYPE k.frange;
CREATE TYPE k.frange AS RANGE (subtype = float8, subtype_diff = float8mi);
ALTER TABLE k.acc OWNER TO $role;
ALTER FUNCTION k.f1(int) OWNER TO $role;
ALTER SEQUENCE k.seq1 OWNER TO $role;
ALTER SCHEMA k OWNER TO $role;
REVOKE SELECT (name) ON k.acc FROM PUBLIC;
GRANT UPDATE (secret) ON k.acc TO $role;
ALTER TABLE k.acc DISABLE TRIGGER tr_off;
ALTER TABLE k.acc ENABLE ALWAYS TRIGGER tr_always;
ALTER TABLE k.acc ENABLE REPLICA TRIGGER tr_replica;
ALTER TABLE k.other ENABLE TRIGGER tr_back;
COMMENT ON COLUMN k.acc.name IS 'display name';
COMMENT ON INDEX k.acc_name_idx IS 'lookup';
COMMENT ON FUNCTION k.f1(int) IS 'identity';
COMMENT ON SCHEMA k IS 'kinds';
COMMENT ON CONSTRAINT acc_pkey ON k.acc IS 'key';
COMMENT ON VIEW k.v1 IS 'ids';
COMMENT ON SEQUENCE k.seq1 IS 'counter';
COMMENT ON TRIGGER tr_always ON k.acc IS 'audit';
DROP MATERIALIZED VIEW k.mv_def;
CREATE MATERIALIZED VIEW k.mv_def AS SELECT id, upper(name) AS name FROM k.acc;
DROP MATERIALIZED VIEW k.mv_kind;
CREATE VIEW k.mv_kind AS SELECT id FROM k.acc;
DROP MATERIALIZED VIEW k.mv_gone;
ALTER TABLE k.parts DETACH PARTITION k.parts_2;
ALTER TABLE k.parts ATTACH PARTITION k.parts_2 FOR VALUES FROM (10) TO (30);
"

a=$(gl_clone_db blue "$(gl_unique_name schema_more_a)")
b=$(gl_clone_db blue "$(gl_unique_name schema_more_b)")
blue=$(gl_conninfo blue "$a")
green=$(gl_conninfo blue "$b")
gl_sql blue "$a" "$setup" >/dev/null
gl_sql blue "$b" "$setup" >/dev/null
# Blue publishes: readiness findings are test_schema_replication.sh's business.
printf '{"plugins": {"schema": {"replication_readiness": "never"}}}' >"$GL_TMP/config.json"
schema_check "$GL_TMP/before.json" "$blue" "$green" --config "$GL_TMP/config.json"
assert_eq "" "$(schema_findings "$GL_TMP/before.json")" "same setup on both sides"

gl_sql blue "$b" "$changes" >/dev/null
schema_check "$GL_TMP/after.json" "$blue" "$green" --config "$GL_TMP/config.json"
expected="schema.comment.changed info k
schema.comment.changed info k.acc.acc_pkey
schema.comment.changed info k.acc.name
schema.comment.changed info k.acc.tr_always
schema.comment.changed info k.acc_name_idx
schema.comment.changed info k.f1(integer)
schema.comment.changed info k.seq1
schema.comment.changed info k.v1
schema.privilege.granted info k.acc.secret
schema.privilege.owner_changed warning k
schema.privilege.owner_changed warning k.acc
schema.privilege.owner_changed warning k.f1(integer)
schema.privilege.owner_changed warning k.seq1
schema.privilege.revoked error k.acc.name
schema.publication.added info pub_new
schema.publication.definition_changed warning pub_actions
schema.publication.dropped warning pub_gone
schema.publication.tables_changed warning pub_tables
schema.table.partition_bound_changed error k.parts_2
schema.trigger.enabled_changed error k.acc.tr_off
schema.trigger.enabled_changed warning k.acc.tr_always
schema.trigger.enabled_changed warning k.acc.tr_replica
schema.trigger.enabled_changed warning k.other.tr_back
schema.type.range.changed warning k.frange
schema.view.definition_changed warning k.mv_def
schema.view.dropped error k.mv_gone
schema.view.kind_changed warning k.mv_kind"
assert_eq "$expected" "$(schema_findings "$GL_TMP/after.json")" "findings after one change of each kind"

# What the findings carry.
r=$GL_TMP/after.json
get() { jq -c "[.findings[] | select(.code == \"$1\" and .object == \"$2\")][0] | $3" "$r"; }
assert_eq '"postgres"' "$(get schema.privilege.owner_changed k.acc .blue)"
assert_eq "\"$role\"" "$(get schema.privilege.owner_changed k.acc .green)"
assert_eq '["=r"]' "$(get schema.privilege.revoked k.acc.name .details.revoked)"
assert_eq "[\"$role=w\"]" "$(get schema.privilege.granted k.acc.secret .details.granted)"
assert_eq '"k.acc"' "$(get schema.publication.tables_changed pub_tables .blue)"
assert_eq '"k.acc,k.other"' "$(get schema.publication.tables_changed pub_tables .green)"
assert_eq '{"delete":"t","truncate":"t"}' "$(get schema.publication.definition_changed pub_actions .blue)"
assert_eq '{"delete":"f","truncate":"f"}' "$(get schema.publication.definition_changed pub_actions .green)"
assert_eq '"FOR VALUES FROM (10) TO (20)"' "$(get schema.table.partition_bound_changed k.parts_2 .blue)"
assert_eq '"FOR VALUES FROM (10) TO (30)"' "$(get schema.table.partition_bound_changed k.parts_2 .green)"
assert_eq '"O"' "$(get schema.trigger.enabled_changed k.acc.tr_off .blue)"
assert_eq '"D"' "$(get schema.trigger.enabled_changed k.acc.tr_off .green)"
assert_eq '"A"' "$(get schema.trigger.enabled_changed k.acc.tr_always .green)"
assert_eq '"R"' "$(get schema.trigger.enabled_changed k.acc.tr_replica .green)"
assert_eq '"display name"' "$(get schema.comment.changed k.acc.name .green)"
assert_contains "$(get schema.type.range.changed k.frange .green)" "SUBDIFF float8mi"
assert_eq '"m"' "$(get schema.view.kind_changed k.mv_kind .blue)"
assert_eq '"v"' "$(get schema.view.kind_changed k.mv_kind .green)"
assert_contains "$(get schema.view.definition_changed k.mv_def .green)" "upper(acc.name)"

# Sequence values: blue ahead of green is a readiness warning (checked even
# with readiness "never"); green ahead is fine.
gl_sql blue "$a" "SELECT nextval('k.seq1'), nextval('k.seq1')" >/dev/null
gl_sql blue "$b" "SELECT nextval('k.seq1')" >/dev/null
schema_check "$GL_TMP/seq.json" "$blue" "$green" --config "$GL_TMP/config.json"
assert_eq "schema.replication.sequences warning sequences" \
  "$(schema_findings "$GL_TMP/seq.json" | grep replication)"
assert_eq '{"k.seq1":2}' "$(jq -c '.findings[] | select(.code == "schema.replication.sequences") | .blue' "$GL_TMP/seq.json")"
assert_eq '{"k.seq1":1}' "$(jq -c '.findings[] | select(.code == "schema.replication.sequences") | .green' "$GL_TMP/seq.json")"
gl_sql blue "$b" "SELECT setval('k.seq1', 50)" >/dev/null
schema_check "$GL_TMP/seq2.json" "$blue" "$green" --config "$GL_TMP/config.json"
assert_eq "" "$(schema_findings "$GL_TMP/seq2.json" | grep replication || true)" "green ahead of blue"

# Detaching a partition on green: one table-level finding, not its columns as
# "added" (a partition's columns follow its parent and are not collected).
pa=$(gl_clone_db blue "$(gl_unique_name detach_a)")
pb=$(gl_clone_db blue "$(gl_unique_name detach_b)")
for db in "$pa" "$pb"; do
  gl_sql blue "$db" "CREATE TABLE public.booking_2030 PARTITION OF public.booking
    FOR VALUES FROM ('2030-01-01 00:00:00+00') TO ('2031-01-01 00:00:00+00')" >/dev/null
done
gl_sql blue "$pb" "ALTER TABLE public.booking DETACH PARTITION public.booking_2030" >/dev/null
schema_check "$GL_TMP/detach.json" "$(gl_conninfo blue "$pa")" "$(gl_conninfo blue "$pb")"
assert_contains "$(schema_findings "$GL_TMP/detach.json")" "partition_parent_changed error public.booking_2030"
assert_not_contains "$(schema_findings "$GL_TMP/detach.json")" "schema.column.added"
