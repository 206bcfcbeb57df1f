#!/usr/bin/env bash
# Major-upgrade readiness against the real 15 (blue) and 17 (green) servers:
# columns pg_upgrade refuses (reg*, aclitem, system composites, through
# domains, arrays and composites), the version ranges of the <= 13 checks
# (from an edited snapshot), extension update paths and switchover risks,
# collation versions of indexed collations (ICU 72 on blue, the embedded
# ICU on green, and versions forged in the catalogs), the database locale,
# build settings, tables without statistics, and the data_file setting.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$GL_SOURCE_DIR/tests/integration/check_lib.sh"
gl_require_bin

run_check() { gl_check_decided engine_version "$@"; assert_report_valid "$1/report.json"; } # OUTDIR ARGS...
finding() { # REPORT CODE OBJECT JQ
  json_get "$1" "[.findings[] | select(.code == \"$2\" and .object == \"$3\")] | .[0] | $4"
}
count() { # REPORT JQ-SELECT
  json_get "$1" "[.findings[] | select($2)] | length"
}

# --- $GL_DB 15 -> 17: nothing from the readiness checks above info/warning ---
run_check "$GL_TMP/same_db" --blue "$(gl_conninfo blue "$GL_DB")" --green "$(gl_conninfo green "$GL_DB")"
r=$GL_TMP/same_db/report.json
assert_eq 0 "$(count "$r" '.severity == "error" or .severity == "critical"')" "$GL_DB 15 -> 17 has no blocker"
assert_eq 0 "$(count "$r" '.code | startswith("engine_version.upgrade.")')"
assert_eq 0 "$(count "$r" '.code | startswith("engine_version.build_setting.")')" "same build settings"
assert_eq 0 "$(count "$r" '.code == "engine_version.statistics.missing"')" "the fixture analyzed $GL_DB"
# krb_server_keyfile's built-in default differs between Debian's 15 and the embedded 17
assert_eq info "$(finding "$r" engine_version.parameter.default_changed defaults .severity)"
assert_contains "$(finding "$r" engine_version.parameter.default_changed defaults '[.details.parameters[].name] | join(",")')" "krb_server_keyfile"
assert_contains "$(finding "$r" engine_version.parameter.default_changed defaults .details.fix)" "ALTER SYSTEM SET"
# every finding of this check carries a fix
assert_eq 0 "$(count "$r" '.check == "engine_version" and ((.details.fix // "") == "")')" "each finding has details.fix"

# --- columns pg_upgrade refuses ---
b=$(gl_clone_db blue "$(gl_unique_name evu_b)")
gl_sql blue "$b" "
  CREATE TABLE up_reg (id int, fn regproc, cfg regconfig, fine regclass, who regrole);
  CREATE DOMAIN d_proc AS regprocedure;
  CREATE TYPE comp AS (x d_proc[]);
  CREATE TABLE up_nested (id int, c comp);
  CREATE TABLE up_acl (id int, a aclitem[]);
  CREATE TABLE up_sys (id int, r pg_catalog.pg_class);
  CREATE MATERIALIZED VIEW up_mv AS SELECT 'now'::regproc AS f;" >/dev/null
run_check "$GL_TMP/types" --blue "$(gl_conninfo blue "$b")" --green "$(gl_conninfo green "$GL_DB")"
r=$GL_TMP/types/report.json
assert_eq error "$(finding "$r" engine_version.upgrade.reg_type public.up_reg.fn .severity)"
assert_eq regproc "$(finding "$r" engine_version.upgrade.reg_type public.up_reg.fn .blue)"
assert_eq "every major upgrade" "$(finding "$r" engine_version.upgrade.reg_type public.up_reg.fn .details.applies_to)"
assert_contains "$(finding "$r" engine_version.upgrade.reg_type public.up_reg.fn .details.fix)" "TYPE text"
assert_eq error "$(finding "$r" engine_version.upgrade.reg_type public.up_reg.cfg .severity)"
assert_eq 0 "$(count "$r" '.object == "public.up_reg.fine" or .object == "public.up_reg.who"')" "regclass and regrole survive pg_upgrade"
assert_eq comp "$(finding "$r" engine_version.upgrade.reg_type public.up_nested.c .blue)" "found through a composite of an array of a domain"
assert_eq "table" "$(finding "$r" engine_version.upgrade.reg_type public.up_nested.c '.details.relkind | if . == "r" then "table" else . end')"
assert_eq m "$(finding "$r" engine_version.upgrade.reg_type public.up_mv.f .details.relkind)" "materialized views too"
assert_eq error "$(finding "$r" engine_version.upgrade.aclitem public.up_acl.a .severity)"
assert_eq 16 "$(finding "$r" engine_version.upgrade.aclitem public.up_acl.a .details.first_bad_version)"
assert_eq "blue < 16 <= green" "$(finding "$r" engine_version.upgrade.aclitem public.up_acl.a .details.applies_to)"
assert_eq error "$(finding "$r" engine_version.upgrade.system_composite public.up_sys.r .severity)"
assert_eq 0 "$(count "$r" '.object | startswith("public.up_reg.id")')"
# the same database as green on the same 15: no major step, nothing to refuse
b2=$(gl_clone_db blue "$(gl_unique_name evu_b2)" "$b")
run_check "$GL_TMP/types_same" --blue "$(gl_conninfo blue "$b")" --green "$(gl_conninfo blue "$b2")"
assert_eq 0 "$(count "$GL_TMP/types_same/report.json" '.code | startswith("engine_version.upgrade.")')"

# --- version ranges of the <= 13 checks, from an edited snapshot of blue ---
assert_exit 0 "$GL_BIN" snapshot --target "$(gl_conninfo blue "$GL_DB")" -o "$GL_TMP/blue.json" --plugins engine_version
F='.plugins.engine_version.facts'
jq "$F.upgrade_objects = [{kind: \"postfix_operator\", schema: \"public\", name: \"!!(bigint,NONE)\"},
                          {kind: \"encoding_conversion\", schema: \"public\", name: \"my_conv\"}]
    | $F.upgrade_columns = [{kind: \"sql_identifier\", schema: \"public\", relation: \"t\", relkind: \"r\", column: \"c\", type: \"information_schema.sql_identifier\"}]" \
  "$GL_TMP/blue.json" >"$GL_TMP/objects15.json"
jq "$F.server_version_num = 130010 | $F.server_version = \"13.10\"" "$GL_TMP/objects15.json" >"$GL_TMP/objects13.json"
jq "$F.server_version_num = 110020 | $F.server_version = \"11.20\"" "$GL_TMP/objects15.json" >"$GL_TMP/objects11.json"
run_check "$GL_TMP/from13" --blue "$GL_TMP/objects13.json" --green "$(gl_conninfo green "$GL_DB")"
r=$GL_TMP/from13/report.json
assert_eq error "$(finding "$r" engine_version.upgrade.postfix_operator 'public.!!(bigint,NONE)' .severity)"
assert_eq "blue < 14 <= green" "$(finding "$r" engine_version.upgrade.postfix_operator 'public.!!(bigint,NONE)' .details.applies_to)"
assert_eq error "$(finding "$r" engine_version.upgrade.encoding_conversion public.my_conv .severity)"
assert_eq 0 "$(count "$r" '.code == "engine_version.upgrade.sql_identifier"')" "sql_identifier broke in 12: not crossed from 13"
run_check "$GL_TMP/from11" --blue "$GL_TMP/objects11.json" --green "$(gl_conninfo green "$GL_DB")"
assert_eq error "$(finding "$GL_TMP/from11/report.json" engine_version.upgrade.sql_identifier public.t.c .severity)" "crossed from 11"
run_check "$GL_TMP/from15" --blue "$GL_TMP/objects15.json" --green "$(gl_conninfo green "$GL_DB")"
assert_eq 0 "$(count "$GL_TMP/from15/report.json" '.code | startswith("engine_version.upgrade.")')" "15 -> 17 crosses none of them"

# --- extensions: update paths from blue's version, switchover risks ---
e=$(gl_clone_db blue "$(gl_unique_name evu_e)")
gl_sql blue "$e" "CREATE EXTENSION hstore VERSION '1.4'" >/dev/null
run_check "$GL_TMP/ext" --blue "$(gl_conninfo blue "$e")" --green "$(gl_conninfo green "$GL_DB")"
r=$GL_TMP/ext/report.json
assert_eq warning "$(finding "$r" engine_version.extension.not_installed hstore .severity)"
assert_eq "CREATE EXTENSION hstore VERSION '1.4';" "$(finding "$r" engine_version.extension.not_installed hstore '.details.fix | sub("^In green.s database: "; "")')"
assert_eq info "$(finding "$r" engine_version.extension.update_available hstore .severity)"
assert_eq 1.8 "$(finding "$r" engine_version.extension.update_available hstore .green)"
assert_eq 1.4--1.5--1.6--1.7--1.8 "$(finding "$r" engine_version.extension.update_available hstore .details.update_path)"
assert_contains "$(finding "$r" engine_version.extension.update_available hstore .details.fix)" "ALTER EXTENSION hstore UPDATE TO '1.8'"
assert_exit 0 "$GL_BIN" snapshot --target "$(gl_conninfo blue "$e")" -o "$GL_TMP/ext.json" --plugins engine_version
jq "$F.extensions_installed.hstore = \"0.9\" | $F.extensions_installed.pg_cron = \"1.6\" | $F.extensions_installed.citus = \"12.1\"" \
  "$GL_TMP/ext.json" >"$GL_TMP/ext_edit.json"
run_check "$GL_TMP/ext2" --blue "$GL_TMP/ext_edit.json" --green "$(gl_conninfo green "$GL_DB")"
r=$GL_TMP/ext2/report.json
assert_eq warning "$(finding "$r" engine_version.extension.no_update_path hstore .severity)" "green cannot update from 0.9"
assert_contains "$(finding "$r" engine_version.extension.no_update_path hstore .details.fix)" "pg_extension_update_paths('hstore')"
assert_eq warning "$(finding "$r" engine_version.extension.switchover_risk pg_cron .severity)"
assert_contains "$(finding "$r" engine_version.extension.switchover_risk pg_cron .details.fix)" "cron.job"
assert_eq error "$(finding "$r" engine_version.extension.switchover_risk citus .severity)"
assert_eq critical "$(finding "$r" engine_version.extension.missing pg_cron .severity)"

# --- collations used by indexes ---
cb=$(gl_clone_db blue "$(gl_unique_name evu_cb)")
cg=$(gl_clone_db green "$(gl_unique_name evu_cg)")
for side in blue green; do
  db=$cb
  [ "$side" = green ] && db=$cg
  gl_sql "$side" "$db" "CREATE TABLE words (w text);
    CREATE INDEX words_icu ON words (w COLLATE \"en-x-icu\");
    CREATE INDEX words_plain ON words (w);" >/dev/null
done
run_check "$GL_TMP/coll" --blue "$(gl_conninfo blue "$cb")" --green "$(gl_conninfo green "$cg")"
r=$GL_TMP/coll/report.json
bv=$(gl_sql blue "$cb" "SELECT pg_collation_actual_version(oid) FROM pg_collation WHERE collname = 'en-x-icu'")
gv=$(gl_sql green "$cg" "SELECT pg_collation_actual_version(oid) FROM pg_collation WHERE collname = 'en-x-icu'")
if [ "$bv" != "$gv" ]; then
  assert_eq warning "$(finding "$r" engine_version.collation.version_changed en-x-icu .severity)" "ICU $bv on blue, $gv on green"
  assert_eq "$bv" "$(finding "$r" engine_version.collation.version_changed en-x-icu .blue)"
  assert_eq "public.words_icu" "$(finding "$r" engine_version.collation.version_changed en-x-icu '.details.indexes | join(",")')"
  assert_contains "$(finding "$r" engine_version.collation.version_changed en-x-icu .details.fix)" "REINDEX INDEX CONCURRENTLY each of: public.words_icu"
fi
assert_eq 0 "$(count "$r" '.code == "engine_version.collation.version_mismatch"')" "recorded versions match the libraries"
# green's catalog says the collation was created under another ICU: its index may be corrupt
gl_sql green "$cg" "UPDATE pg_collation SET collversion = '1.0' WHERE collname = 'en-x-icu'" >/dev/null
run_check "$GL_TMP/coll2" --blue "$(gl_conninfo blue "$cb")" --green "$(gl_conninfo green "$cg")"
r=$GL_TMP/coll2/report.json
assert_eq error "$(finding "$r" engine_version.collation.version_mismatch en-x-icu .severity)"
assert_eq green "$(finding "$r" engine_version.collation.version_mismatch en-x-icu .details.side)"
assert_eq 1.0 "$(finding "$r" engine_version.collation.version_mismatch en-x-icu .blue)"
assert_eq "$gv" "$(finding "$r" engine_version.collation.version_mismatch en-x-icu .green)"
assert_contains "$(finding "$r" engine_version.collation.version_mismatch en-x-icu .details.fix)" "public.words_icu; then ALTER COLLATION en-x-icu REFRESH VERSION"
assert_not_contains "$(finding "$r" engine_version.collation.version_mismatch en-x-icu .details.fix)" "words_plain"

# an ICU database on green: another locale provider than blue's, and a forged datcollversion
ig=$(gl_unique_name evu_icu)
gl_sql green postgres "CREATE DATABASE \"$ig\" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C.UTF-8'" >/dev/null
printf 'green:%s\n' "$ig" >>"$GL_TMP/.cloned-dbs"
gl_sql green "$ig" "CREATE TABLE names (n text); CREATE INDEX names_n ON names (n)" >/dev/null
gl_sql green postgres "UPDATE pg_database SET datcollversion = '0.1' WHERE datname = '$ig'" >/dev/null
run_check "$GL_TMP/dbcoll" --blue "$(gl_conninfo blue "$GL_DB")" --green "$(gl_conninfo green "$ig")"
r=$GL_TMP/dbcoll/report.json
assert_eq warning "$(finding "$r" engine_version.database_locale.differs locale_provider .severity)"
assert_eq c "$(finding "$r" engine_version.database_locale.differs locale_provider .blue)"
assert_eq i "$(finding "$r" engine_version.database_locale.differs locale_provider .green)"
assert_eq error "$(finding "$r" engine_version.collation.database_version_mismatch "$ig" .severity)"
assert_eq 0.1 "$(finding "$r" engine_version.collation.database_version_mismatch "$ig" .blue)"
assert_eq public.names_n "$(finding "$r" engine_version.collation.database_version_mismatch "$ig" '.details.indexes | join(",")')"
assert_contains "$(finding "$r" engine_version.collation.database_version_mismatch "$ig" .details.fix)" "ALTER DATABASE $ig REFRESH COLLATION VERSION"

# --- build settings, from an edited snapshot of green ---
assert_exit 0 "$GL_BIN" snapshot --target "$(gl_conninfo green "$GL_DB")" -o "$GL_TMP/green.json" --plugins engine_version
jq "$F.build.block_size = \"16384\" | $F.build.data_checksums = \"on\"" "$GL_TMP/green.json" >"$GL_TMP/green_build.json"
run_check "$GL_TMP/build" --blue "$(gl_conninfo blue "$GL_DB")" --green "$GL_TMP/green_build.json"
r=$GL_TMP/build/report.json
assert_eq error "$(finding "$r" engine_version.build_setting.differs block_size .severity)"
assert_eq 8192 "$(finding "$r" engine_version.build_setting.differs block_size .blue)"
assert_eq 16384 "$(finding "$r" engine_version.build_setting.differs block_size .green)"
assert_contains "$(finding "$r" engine_version.build_setting.differs data_checksums .details.fix)" "pg_checksums"
assert_eq 2 "$(count "$r" '.code == "engine_version.build_setting.differs"')"

# --- statistics: a table green never analyzed, blue did ---
sb=$(gl_clone_db blue "$(gl_unique_name evu_sb)")
sg=$(gl_clone_db green "$(gl_unique_name evu_sg)")
for side in blue green; do
  db=$sb
  [ "$side" = green ] && db=$sg
  gl_sql "$side" "$db" "CREATE TABLE fresh (id int) WITH (autovacuum_enabled = false);
    INSERT INTO fresh SELECT generate_series(1, 1000);
    CREATE TABLE empty_analyzed (id int) WITH (autovacuum_enabled = false);
    ANALYZE empty_analyzed;" >/dev/null
done
gl_sql blue "$sb" "ANALYZE fresh" >/dev/null
run_check "$GL_TMP/stats" --blue "$(gl_conninfo blue "$sb")" --green "$(gl_conninfo green "$sg")"
r=$GL_TMP/stats/report.json
assert_eq warning "$(finding "$r" engine_version.statistics.missing "$sg" .severity)" "blue has statistics green lacks"
assert_eq public.fresh "$(finding "$r" engine_version.statistics.missing "$sg" '.details.tables | join(",")')" "an analyzed empty table is not listed"
assert_eq public.fresh "$(finding "$r" engine_version.statistics.missing "$sg" '.details.analyzed_on_blue | join(",")')"
assert_contains "$(finding "$r" engine_version.statistics.missing "$sg" .details.fix)" "vacuumdb --analyze-in-stages --dbname=$sg"
assert_contains "$(finding "$r" engine_version.statistics.missing "$sg" .details.fix)" "ANALYZE public.fresh;"
gl_sql green "$sg" "ANALYZE fresh" >/dev/null
run_check "$GL_TMP/stats2" --blue "$(gl_conninfo blue "$sb")" --green "$(gl_conninfo green "$sg")"
assert_eq 0 "$(count "$GL_TMP/stats2/report.json" '.code == "engine_version.statistics.missing"')" "fixed by ANALYZE"

# --- the data_file setting replaces the embedded data ---
cat >"$GL_TMP/data.txt" <<'DATA'
format 1
parameter 16 force_parallel_mode my_successor A test successor.
extension hstore warning A test reason.
DATA
printf '{"plugins": {"engine_version": {"data_file": "%s"}}}' "$GL_TMP/data.txt" >"$GL_TMP/config.json"
p=$(gl_clone_db blue "$(gl_unique_name evu_p)")
gl_sql blue postgres "ALTER DATABASE \"$p\" SET force_parallel_mode = on" >/dev/null
run_check "$GL_TMP/data" --config "$GL_TMP/config.json" --blue "$(gl_conninfo blue "$e")" --green "$(gl_conninfo green "$GL_DB")"
assert_eq "A test reason." "$(finding "$GL_TMP/data/report.json" engine_version.extension.switchover_risk hstore .details.reason)"
run_check "$GL_TMP/data2" --config "$GL_TMP/config.json" --blue "$(gl_conninfo blue "$p")" --green "$(gl_conninfo green "$GL_DB")"
assert_eq my_successor "$(finding "$GL_TMP/data2/report.json" engine_version.parameter.removed force_parallel_mode .details.renamed_to)"
run_check "$GL_TMP/data3" --blue "$(gl_conninfo blue "$p")" --green "$(gl_conninfo green "$GL_DB")"
assert_eq debug_parallel_query "$(finding "$GL_TMP/data3/report.json" engine_version.parameter.removed force_parallel_mode .details.renamed_to)" "embedded data without the setting"
assert_contains "$(finding "$GL_TMP/data3/report.json" engine_version.parameter.removed force_parallel_mode .details.fix)" "set debug_parallel_query instead of force_parallel_mode"
# a broken data file fails the plugin (the run holds), naming the line
printf 'format 1\nparameter 16\n' >"$GL_TMP/bad.txt"
printf '{"plugins": {"engine_version": {"data_file": "%s"}}}' "$GL_TMP/bad.txt" >"$GL_TMP/bad.json"
assert_exit 70 "$GL_BIN" check --no-color --plugins engine_version --config "$GL_TMP/bad.json" --out "$GL_TMP/bad" \
  --blue "$(gl_conninfo blue "$GL_DB")" --green "$(gl_conninfo green "$GL_DB")"
assert_contains "$(json_get "$GL_TMP/bad/report.json" '.errors[0].message')" "line 2"
