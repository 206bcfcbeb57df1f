#!/usr/bin/env bash
# Objects hanging off views and materialized views are compared like those of
# tables: an INSTEAD OF trigger on a view, an index on a materialized view, and
# rules (CREATE RULE) on tables and views.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$(dirname "$0")/schema_lib.sh"
gl_require_bin

setup="
CREATE SCHEMA k18;
CREATE TABLE k18.t (id int PRIMARY KEY, v text);
CREATE VIEW k18.v AS SELECT id, v FROM k18.t;
CREATE MATERIALIZED VIEW k18.mv AS SELECT id, v FROM k18.t;
CREATE FUNCTION k18.ins() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN INSERT INTO k18.t VALUES (NEW.id, NEW.v); RETURN NEW; END';
CREATE RULE keep_quiet AS ON DELETE TO k18.t DO INSTEAD NOTHING;
CREATE TRIGGER v_ins INSTEAD OF INSERT ON k18.v FOR EACH ROW EXECUTE FUNCTION k18.ins();
CREATE INDEX mv_id_idx ON k18.mv (id);
"
changes="
CREATE RULE log_insert AS ON INSERT TO k18.t DO ALSO NOTIFY k18_t;
CREATE OR REPLACE RULE keep_quiet AS ON DELETE TO k18.t WHERE old.id > 0 DO INSTEAD NOTHING;
CREATE RULE v_upd AS ON UPDATE TO k18.v DO INSTEAD UPDATE k18.t SET v = new.v WHERE id = old.id;
DROP TRIGGER v_ins ON k18.v;
CREATE INDEX mv_v_idx ON k18.mv (v);
"
printf '{"plugins": {"schema": {"include_schemas": ["k18"]}}}' >"$GL_TMP/config.json"
schema_pair schema_rules "$setup" "$GL_TMP/config.json"
a=$SCHEMA_A b=$SCHEMA_B

gl_sql blue "$b" "$changes" >/dev/null
schema_check "$GL_TMP/after.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo blue "$b")" --config "$GL_TMP/config.json"
assert_eq "schema.index.added info k18.mv_v_idx
schema.rule.added warning k18.t.log_insert
schema.rule.added warning k18.v.v_upd
schema.rule.definition_changed warning k18.t.keep_quiet
schema.trigger.dropped error k18.v.v_ins" "$(schema_findings "$GL_TMP/after.json")"

# The same on 15 and 17: no finding.
g=$(gl_clone_db green "$(gl_unique_name schema_rules_g)")
gl_sql green "$g" "$setup" >/dev/null
schema_check "$GL_TMP/cross.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo green "$g")" --config "$GL_TMP/config.json"
assert_eq "" "$(schema_findings "$GL_TMP/cross.json")" "15 vs 17, same rules, triggers and indexes"
