#!/usr/bin/env bash
# The same schema gives zero schema findings: the dataset ($GL_DB) 15 vs 15,
# 15 vs 17 (version noise normalised), and offline from snapshots.
# gl-datasets: gltest pagila
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$(dirname "$0")/schema_lib.sh"
gl_require_bin

# Per dataset: a table and one of its columns, a function, a table with a
# primary key and a timestamp column for views, and how many tables (partitions
# included) and triggers the catalog holds.
case "$GL_DB" in
  gltest) tab=public.customer col=first_name fn="public.seats_left(integer)"
    vtab=public.booking vkey=booking_id vts=booked_at vdate=2025-08-01 vdate2=2025-08-02 ntables=14 ntriggers=3 ;;
  pagila) tab=public.actor col=first_name fn="public.last_day(timestamp with time zone)"
    vtab=public.rental vkey=rental_id vts=rental_date vdate=2005-08-01 vdate2=2005-08-02 ntables=22 ntriggers=15 ;;
esac

a=$(gl_clone_db blue "$(gl_unique_name schema_id_a)")
b=$(gl_clone_db blue "$(gl_unique_name schema_id_b)")
g=$(gl_clone_db green "$(gl_unique_name schema_id_g)")

schema_check "$GL_TMP/same15.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo blue "$b")"
assert_eq "" "$(schema_findings "$GL_TMP/same15.json")" "$GL_DB 15 vs 15"

schema_check "$GL_TMP/v15v17.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo green "$g")"
assert_eq "" "$(schema_findings "$GL_TMP/v15v17.json")" "$GL_DB 15 vs 17"

# The same grants on 15 and 17: 17's owners also hold MAINTAIN ('m'), which 15
# cannot grant, so it is not a difference.
grants="GRANT SELECT ON $tab TO PUBLIC; GRANT UPDATE ($col) ON $tab TO PUBLIC;
REVOKE EXECUTE ON FUNCTION $fn FROM PUBLIC"
gl_sql blue "$a" "$grants" >/dev/null
gl_sql green "$g" "$grants" >/dev/null
schema_check "$GL_TMP/grants.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo green "$g")"
assert_eq "" "$(schema_findings "$GL_TMP/grants.json")" "$GL_DB 15 vs 17 with the same grants"
gl_sql blue "$a" "GRANT SELECT ON $tab TO PUBLIC, pg_monitor" >/dev/null
schema_check "$GL_TMP/grants2.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo green "$g")"
assert_eq "schema.privilege.revoked error $tab" "$(schema_findings "$GL_TMP/grants2.json")" "a grant only on 15"
gl_sql blue "$a" "REVOKE SELECT ON $tab FROM pg_monitor" >/dev/null

# Views over one relation: 16+ prints "booked_at" where 15 printed
# "booking.booked_at"; the same views must not differ. A two-table view keeps
# its qualifiers, and a real change in a single-table view is still seen.
views="CREATE VIEW public.recent_rows AS SELECT $vkey, $vts FROM $vtab WHERE $vts > '$vdate';
CREATE MATERIALIZED VIEW public.rows_per_day AS SELECT $vts::date AS day, count(*) AS n FROM $vtab GROUP BY 1;"
gl_sql blue "$a" "$views" >/dev/null
gl_sql green "$g" "$views" >/dev/null
schema_check "$GL_TMP/views.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo green "$g")"
assert_eq "" "$(schema_findings "$GL_TMP/views.json")" "single-table views 15 vs 17"
gl_sql green "$g" "CREATE OR REPLACE VIEW public.recent_rows AS SELECT $vkey, $vts FROM $vtab WHERE $vts > '$vdate2'" >/dev/null
schema_check "$GL_TMP/views2.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo green "$g")"
assert_eq "schema.view.definition_changed warning public.recent_rows" "$(schema_findings "$GL_TMP/views2.json")" "changed single-table view"
gl_sql blue "$a" "DROP VIEW public.recent_rows; DROP MATERIALIZED VIEW public.rows_per_day" >/dev/null
gl_sql green "$g" "DROP VIEW public.recent_rows; DROP MATERIALIZED VIEW public.rows_per_day" >/dev/null

# The facts hold the whole catalog: a snapshot of each side compares offline
# with the same (empty) result, and the snapshots are not empty.
"$GL_BIN" snapshot --plugins schema --target "$(gl_conninfo blue "$a")" -o "$GL_TMP/blue.snap" >/dev/null
"$GL_BIN" snapshot --plugins schema --target "$(gl_conninfo green "$g")" -o "$GL_TMP/green.snap" >/dev/null
assert_eq "$ntables" "$(json_get "$GL_TMP/blue.snap" '.plugins.schema.facts.tables | length')" "$GL_DB tables"
assert_eq "$ntriggers" "$(json_get "$GL_TMP/green.snap" '.plugins.schema.facts.triggers | length')" "$GL_DB triggers"
schema_check "$GL_TMP/offline.json" "$GL_TMP/blue.snap" "$GL_TMP/green.snap"
assert_eq "" "$(schema_findings "$GL_TMP/offline.json")" "offline from snapshots"

# And the offline diff sees a change: blue's snapshot against green live after one.
gl_sql green "$g" "ALTER TABLE $tab ADD COLUMN nickname text" >/dev/null
schema_check "$GL_TMP/mixed.json" "$GL_TMP/blue.snap" "$(gl_conninfo green "$g")"
assert_eq "schema.column.added info $tab.nickname" "$(schema_findings "$GL_TMP/mixed.json")"
