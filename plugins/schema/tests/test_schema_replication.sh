#!/usr/bin/env bash
# Replication readiness on blue: sequences behind on green; with a publication
# on blue, unlogged tables, tables without replica identity, large objects and
# tables missing from the publication.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$(dirname "$0")/schema_lib.sh"
gl_require_bin

a=$(gl_clone_db blue "$(gl_unique_name schema_repl_a)")
b=$(gl_clone_db blue "$(gl_unique_name schema_repl_b)")
blue=$(gl_conninfo blue "$a")
green=$(gl_conninfo blue "$b")

# The shipped database publishes every table (gltest_pub) and gives no
# readiness finding.
schema_check "$GL_TMP/shipped.json" "$blue" "$green"
assert_eq "" "$(schema_findings "$GL_TMP/shipped.json")" "gltest as shipped is ready"

# Sequences: blue moved on, green did not.
gl_sql blue "$a" "SELECT nextval('public.customer_customer_id_seq')" >/dev/null
schema_check "$GL_TMP/seq.json" "$blue" "$green"
assert_eq "schema.replication.sequences warning sequences" "$(schema_findings "$GL_TMP/seq.json")"
assert_eq 20001 "$(json_get "$GL_TMP/seq.json" '.findings[0].blue["public.customer_customer_id_seq"]')"
assert_eq 20000 "$(json_get "$GL_TMP/seq.json" '.findings[0].green["public.customer_customer_id_seq"]')"
gl_sql blue "$b" "SELECT setval('public.customer_customer_id_seq', 20001)" >/dev/null

# Without a publication the readiness checks stay quiet ("auto")...
for db in "$a" "$b"; do
  gl_sql blue "$db" "DROP PUBLICATION gltest_pub; CREATE TABLE public.no_pk (x int)" >/dev/null
done
gl_sql blue "$a" "CREATE UNLOGGED TABLE public.scratch (id int PRIMARY KEY)" >/dev/null
gl_sql blue "$b" "CREATE UNLOGGED TABLE public.scratch (id int PRIMARY KEY)" >/dev/null
schema_check "$GL_TMP/nopub.json" "$blue" "$green"
assert_eq "" "$(schema_findings "$GL_TMP/nopub.json")"

# ...and speak once blue publishes.
gl_sql blue "$a" "CREATE PUBLICATION gl_pub FOR TABLE public.venue, public.booking, public.no_pk" >/dev/null
gl_sql blue "$a" "SELECT lo_create(0)" >/dev/null
schema_check "$GL_TMP/pub.json" "$blue" "$green"
f=$(schema_findings "$GL_TMP/pub.json")
assert_contains "$f" "schema.publication.dropped warning gl_pub"
assert_contains "$f" "schema.replication.unlogged_table error public.scratch"
assert_contains "$f" "schema.replication.large_objects error pg_largeobject"
assert_contains "$f" "schema.replication.no_replica_identity error public.no_pk"
assert_contains "$f" "schema.replication.not_in_publication error public.event"
assert_not_contains "$f" "not_in_publication error public.venue"
assert_not_contains "$f" "not_in_publication error public.booking_2025_h1" "a sub-partition is published through its parents"
assert_not_contains "$f" "no_replica_identity error public.event" "event has a primary key"
assert_eq 1 "$(json_get "$GL_TMP/pub.json" '[.findings[] | select(.code == "schema.replication.large_objects")][0].blue')"

# "never" turns them off; sequences stay checked either way.
printf '{"plugins": {"schema": {"replication_readiness": "never"}}}' >"$GL_TMP/never.json"
schema_check "$GL_TMP/never.out" "$blue" "$green" --config "$GL_TMP/never.json"
assert_eq "schema.publication.dropped warning gl_pub" "$(schema_findings "$GL_TMP/never.out")"

# Filters: excluded objects are neither diffed nor checked.
gl_sql blue "$b" "ALTER TABLE public.customer ADD COLUMN nickname text; CREATE TABLE public.tmp_x (id int)" >/dev/null
printf '{"plugins": {"schema": {"replication_readiness": "never", "exclude_objects": ["public.customer", "public.tmp_*", "gl_pub"]}}}' >"$GL_TMP/filter.json"
schema_check "$GL_TMP/filter.out" "$blue" "$green" --config "$GL_TMP/filter.json"
assert_eq "" "$(schema_findings "$GL_TMP/filter.out")" "excluded objects"
printf '{"plugins": {"schema": {"exclude_schemas": ["public"], "replication_readiness": "never", "exclude_objects": "gl_pub"}}}' >"$GL_TMP/schemas.json"
schema_check "$GL_TMP/schemas.out" "$blue" "$green" --config "$GL_TMP/schemas.json"
assert_eq "" "$(schema_findings "$GL_TMP/schemas.out")" "excluded schema"
