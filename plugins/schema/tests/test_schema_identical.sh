#!/usr/bin/env bash
# The same schema gives zero schema findings: Pagila 15 vs 15, Pagila 15 vs
# 17 (version noise normalised), and offline from snapshots.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$(dirname "$0")/schema_lib.sh"
gl_require_bin

a=$(gl_clone_db blue "$(gl_unique_name schema_id_a)")
b=$(gl_clone_db blue "$(gl_unique_name schema_id_b)")
g=$(gl_clone_db green "$(gl_unique_name schema_id_g)")

schema_check "$GL_TMP/same15.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo blue "$b")"
assert_eq "" "$(schema_findings "$GL_TMP/same15.json")" "Pagila 15 vs 15"

schema_check "$GL_TMP/v15v17.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo green "$g")"
assert_eq "" "$(schema_findings "$GL_TMP/v15v17.json")" "Pagila 15 vs 17"

# The same grants on 15 and 17: 17's owners also hold MAINTAIN ('m'), which 15
# cannot grant, so it is not a difference.
grants="GRANT SELECT ON public.actor TO PUBLIC; GRANT UPDATE (first_name) ON public.actor TO PUBLIC;
REVOKE EXECUTE ON FUNCTION public.last_day(timestamp with time zone) FROM PUBLIC"
gl_sql blue "$a" "$grants" >/dev/null
gl_sql green "$g" "$grants" >/dev/null
schema_check "$GL_TMP/grants.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo green "$g")"
assert_eq "" "$(schema_findings "$GL_TMP/grants.json")" "Pagila 15 vs 17 with the same grants"
gl_sql blue "$a" "GRANT SELECT ON public.actor TO PUBLIC, pg_monitor" >/dev/null
schema_check "$GL_TMP/grants2.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo green "$g")"
assert_eq "schema.privilege.revoked error public.actor" "$(schema_findings "$GL_TMP/grants2.json")" "a grant only on 15"
gl_sql blue "$a" "REVOKE SELECT ON public.actor FROM pg_monitor" >/dev/null

# Views over one relation: 16+ prints "placed_at" where 15 printed
# "rental.rental_date"; the same views must not differ. A two-table view keeps
# its qualifiers, and a real change in a single-table view is still seen.
views="CREATE VIEW public.recent_rentals AS SELECT rental_id, rental_date FROM public.rental WHERE rental_date > '2005-08-01';
CREATE MATERIALIZED VIEW public.rentals_per_day AS SELECT rental_date::date AS day, count(*) AS n FROM public.rental GROUP BY 1;"
gl_sql blue "$a" "$views" >/dev/null
gl_sql green "$g" "$views" >/dev/null
schema_check "$GL_TMP/views.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo green "$g")"
assert_eq "" "$(schema_findings "$GL_TMP/views.json")" "single-table views 15 vs 17"
gl_sql green "$g" "CREATE OR REPLACE VIEW public.recent_rentals AS SELECT rental_id, rental_date FROM public.rental WHERE rental_date > '2005-08-02'" >/dev/null
schema_check "$GL_TMP/views2.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo green "$g")"
assert_eq "schema.view.definition_changed warning public.recent_rentals" "$(schema_findings "$GL_TMP/views2.json")" "changed single-table view"
gl_sql blue "$a" "DROP VIEW public.recent_rentals; DROP MATERIALIZED VIEW public.rentals_per_day" >/dev/null
gl_sql green "$g" "DROP VIEW public.recent_rentals; DROP MATERIALIZED VIEW public.rentals_per_day" >/dev/null

# The facts hold the whole catalog: a snapshot of each side compares offline
# with the same (empty) result, and the snapshots are not empty.
"$GL_BIN" snapshot --plugins schema --target "$(gl_conninfo blue "$a")" -o "$GL_TMP/blue.snap" >/dev/null
"$GL_BIN" snapshot --plugins schema --target "$(gl_conninfo green "$g")" -o "$GL_TMP/green.snap" >/dev/null
assert_eq 22 "$(json_get "$GL_TMP/blue.snap" '.plugins.schema.facts.tables | length')" "Pagila tables"
assert_eq 15 "$(json_get "$GL_TMP/green.snap" '.plugins.schema.facts.triggers | length')" "Pagila triggers"
schema_check "$GL_TMP/offline.json" "$GL_TMP/blue.snap" "$GL_TMP/green.snap"
assert_eq "" "$(schema_findings "$GL_TMP/offline.json")" "offline from snapshots"

# And the offline diff sees a change: blue's snapshot against green live after one.
gl_sql green "$g" "ALTER TABLE public.actor ADD COLUMN nickname text" >/dev/null
schema_check "$GL_TMP/mixed.json" "$GL_TMP/blue.snap" "$(gl_conninfo green "$g")"
assert_eq "schema.column.added info public.actor.nickname" "$(schema_findings "$GL_TMP/mixed.json")"
