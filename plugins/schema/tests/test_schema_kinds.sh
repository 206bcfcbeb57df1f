#!/usr/bin/env bash
# One change of each object kind on green; the schema check reports exactly
# these findings (code, severity, object) and nothing else.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$(dirname "$0")/schema_lib.sh"
gl_require_bin

setup="
CREATE SCHEMA t;
CREATE TABLE t.gone (id int PRIMARY KEY);
CREATE TABLE t.acc (id int PRIMARY KEY, name varchar(20), note text, qty int,
                    price numeric(10,2), code text, extra text);
CREATE INDEX acc_note_idx ON t.acc (note);
ALTER TABLE t.acc ADD CONSTRAINT acc_qty_chk CHECK (qty >= 0);
CREATE SEQUENCE t.s1;
CREATE VIEW t.v1 AS SELECT id FROM t.acc;
CREATE FUNCTION t.f1(int) RETURNS int LANGUAGE sql AS 'SELECT \$1';
CREATE FUNCTION t.trgf() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER tr1 BEFORE INSERT ON t.acc FOR EACH ROW EXECUTE FUNCTION t.trgf();
CREATE TYPE t.mood AS ENUM ('sad', 'ok');
CREATE DOMAIN t.posint AS int CHECK (VALUE > 0);
CREATE TYPE t.pair AS (a int, b text);
GRANT SELECT ON t.acc TO PUBLIC;
"
changes="
DROP TABLE t.gone;
CREATE TABLE t.newtab (id int);
ALTER TABLE t.acc ALTER name TYPE varchar(10);
ALTER TABLE t.acc ALTER price TYPE numeric(12,2);
ALTER TABLE t.acc DROP COLUMN extra;
ALTER TABLE t.acc ADD COLUMN added1 text;
ALTER TABLE t.acc ADD COLUMN req int NOT NULL;
ALTER TABLE t.acc ALTER note SET NOT NULL;
ALTER TABLE t.acc ALTER qty SET DEFAULT 5;
ALTER TABLE t.acc ADD CONSTRAINT acc_code_chk CHECK (code <> '');
ALTER TABLE t.acc DROP CONSTRAINT acc_qty_chk;
DROP INDEX t.acc_note_idx;
CREATE INDEX acc_code_idx ON t.acc (code);
ALTER SEQUENCE t.s1 INCREMENT 5;
CREATE OR REPLACE VIEW t.v1 AS SELECT id FROM t.acc WHERE id > 0;
CREATE OR REPLACE FUNCTION t.f1(int) RETURNS int LANGUAGE sql AS 'SELECT \$1 + 1';
ALTER TABLE t.acc DISABLE TRIGGER tr1;
ALTER TYPE t.mood ADD VALUE 'happy';
ALTER DOMAIN t.posint ADD CONSTRAINT posint_small CHECK (VALUE < 1000);
ALTER TYPE t.pair ADD ATTRIBUTE c date;
REVOKE SELECT ON t.acc FROM PUBLIC;
COMMENT ON TABLE t.acc IS 'accounts';
ALTER TABLE t.acc ENABLE ROW LEVEL SECURITY;
CREATE POLICY p1 ON t.acc USING (id > 0);
CREATE EXTENSION citext;
"

a=$(gl_clone_db blue "$(gl_unique_name schema_kinds_a)")
b=$(gl_clone_db blue "$(gl_unique_name schema_kinds_b)")
gl_sql blue "$a" "$setup" >/dev/null
gl_sql blue "$b" "$setup" >/dev/null
schema_check "$GL_TMP/before.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo blue "$b")"
assert_eq "" "$(schema_findings "$GL_TMP/before.json")" "same setup on both sides"

gl_sql blue "$b" "$changes" >/dev/null
schema_check "$GL_TMP/after.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo blue "$b")"
expected="schema.column.added error t.acc.req
schema.column.added info t.acc.added1
schema.column.default_changed warning t.acc.qty
schema.column.dropped critical t.acc.extra
schema.column.nullability_changed error t.acc.note
schema.column.type_changed error t.acc.name
schema.column.type_changed warning t.acc.price
schema.comment.changed info t.acc
schema.constraint.added error t.acc.acc_code_chk
schema.constraint.added error t.posint.posint_small
schema.constraint.dropped warning t.acc.acc_qty_chk
schema.extension.added info citext
schema.function.definition_changed warning t.f1(integer)
schema.index.added info t.acc_code_idx
schema.index.dropped warning t.acc_note_idx
schema.privilege.revoked error t.acc
schema.rls.enabled_changed error t.acc
schema.rls.policy.added warning t.acc.p1
schema.sequence.increment_changed warning t.s1
schema.table.added info t.newtab
schema.table.dropped critical t.gone
schema.trigger.enabled_changed error t.acc.tr1
schema.type.composite.changed warning t.pair
schema.type.enum.label_added info t.mood
schema.view.definition_changed warning t.v1"
assert_eq "$expected" "$(schema_findings "$GL_TMP/after.json")" "findings after one change of each kind"

# The findings carry both definitions.
r=$GL_TMP/after.json
assert_eq "character varying(20)" "$(json_get "$r" '.findings[] | select(.code == "schema.column.type_changed" and .object == "t.acc.name") | .blue')"
assert_eq "character varying(10)" "$(json_get "$r" '.findings[] | select(.code == "schema.column.type_changed" and .object == "t.acc.name") | .green')"
assert_eq '["happy"]' "$(jq -c '.findings[] | select(.code == "schema.type.enum.label_added") | .details' "$r")"
assert_eq '["=r"]' "$(jq -c '.findings[] | select(.code == "schema.privilege.revoked") | .details.revoked' "$r")"
assert_contains "$(json_get "$r" '.findings[] | select(.code == "schema.view.definition_changed") | .green')" "WHERE acc.id > 0"
assert_eq "CHECK ((qty >= 0))" "$(json_get "$r" '.findings[] | select(.code == "schema.constraint.dropped") | .blue.definition')"

# The same green checked against the other way round: drops become adds.
schema_check "$GL_TMP/reverse.json" "$(gl_conninfo blue "$b")" "$(gl_conninfo blue "$a")"
assert_contains "$(schema_findings "$GL_TMP/reverse.json")" "schema.table.added info t.gone"
assert_contains "$(schema_findings "$GL_TMP/reverse.json")" "schema.type.enum.label_removed error t.mood"
assert_contains "$(schema_findings "$GL_TMP/reverse.json")" "schema.extension.dropped error citext"
