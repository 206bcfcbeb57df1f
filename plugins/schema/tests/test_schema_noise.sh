#!/usr/bin/env bash
# What is not a difference of its own stays quiet: a range type's constructor
# functions come with the type (one type finding), an index on a partitioned
# table is one finding about the parent's index (not one per partition), an
# extension is filtered by the schema it lives in, and a FOR ALL TABLES
# publication does not change when a table is added. (17's domain NOT NULL
# constraints: test_schema_identical.sh, gltest 15 vs 17.)
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$(dirname "$0")/schema_lib.sh"
gl_require_bin

a=$(gl_clone_db blue "$(gl_unique_name schema_noise_a)")
b=$(gl_clone_db blue "$(gl_unique_name schema_noise_b)")
blue=$(gl_conninfo blue "$a")
green=$(gl_conninfo blue "$b")
printf '{"plugins": {"schema": {"replication_readiness": "never"}}}' >"$GL_TMP/never.json"

gl_sql blue "$b" "CREATE TYPE public.score_range AS RANGE (subtype = float8);
  CREATE INDEX booking_status_idx ON public.booking (status);
  CREATE TABLE public.added_later (id int PRIMARY KEY);
  CREATE SCHEMA ext; CREATE EXTENSION citext SCHEMA ext" >/dev/null
schema_check "$GL_TMP/r.json" "$blue" "$green" --config "$GL_TMP/never.json"
assert_eq "schema.extension.added info citext
schema.index.added info public.booking_status_idx
schema.namespace.added info ext
schema.table.added info public.added_later
schema.type.added info public.score_range" "$(schema_findings "$GL_TMP/r.json")" \
  "one finding per change: no constructor functions, no partition indexes, no publication change"

# Excluding the extension's schema leaves the extension out too (both ways).
printf '{"plugins": {"schema": {"replication_readiness": "never", "exclude_schemas": ["ext"]}}}' >"$GL_TMP/ex.json"
schema_check "$GL_TMP/ex.out" "$blue" "$green" --config "$GL_TMP/ex.json"
assert_not_contains "$(schema_findings "$GL_TMP/ex.out")" "citext" "exclude_schemas filters extensions"
printf '{"plugins": {"schema": {"replication_readiness": "never", "include_schemas": ["public"]}}}' >"$GL_TMP/in.json"
schema_check "$GL_TMP/in.out" "$blue" "$green" --config "$GL_TMP/in.json"
assert_not_contains "$(schema_findings "$GL_TMP/in.out")" "citext" "include_schemas filters extensions"
assert_contains "$(schema_findings "$GL_TMP/in.out")" "schema.type.added info public.score_range" "public still compared"

# Dropping the parent's index is one finding too.
gl_sql blue "$a" "CREATE INDEX booking_status_idx ON public.booking (status)" >/dev/null
gl_sql blue "$b" "DROP INDEX public.booking_status_idx" >/dev/null
schema_check "$GL_TMP/drop.json" "$blue" "$green" --config "$GL_TMP/in.json"
assert_eq "schema.index.dropped warning public.booking_status_idx" \
  "$(schema_findings "$GL_TMP/drop.json" | grep '^schema.index')" "a partitioned index dropped: one finding"
