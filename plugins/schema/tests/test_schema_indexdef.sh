#!/usr/bin/env bash
# The schema plugin assembles a plain index's definition from pg_index instead
# of calling pg_get_indexdef (which opens every table). Both must print the
# same text: for every index kind below, on PostgreSQL 15 and 17, the
# definition in the facts equals pg_get_indexdef's, including the indexes
# that fall back to pg_get_indexdef (collations, operator classes, ordering,
# options, predicates, expressions, NULLS NOT DISTINCT).
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$(dirname "$0")/schema_lib.sh"
gl_require_bin

setup='
CREATE SCHEMA "Odd Schema";
CREATE TYPE mood AS ENUM ($$a$$, $$b$$);
CREATE DOMAIN dint AS int;
CREATE TABLE "Odd Schema"."Tab" ("Col" int, "select" text, v varchar(10), c char(4), t text COLLATE "C",
  arr int[], m mood, d dint, j jsonb, ts tsvector, r int4range, nm name, p point, x numeric, b bytea,
  u uuid, i8 bigint, f float8, tz timestamptz, bo bool, oi oid, ip inet, bits bit(3), vb varbit,
  "UPPER" text, "user" int);
CREATE INDEX ON "Odd Schema"."Tab" ("Col");
CREATE INDEX ON "Odd Schema"."Tab" ("select", v);
CREATE UNIQUE INDEX "Weird Idx" ON "Odd Schema"."Tab" (c) INCLUDE (t, "Col");
CREATE INDEX ON "Odd Schema"."Tab" (t);
CREATE INDEX ON "Odd Schema"."Tab" ("select" COLLATE "C");
CREATE INDEX ON "Odd Schema"."Tab" (t COLLATE "default");
CREATE INDEX ON "Odd Schema"."Tab" (t COLLATE "C");
CREATE INDEX ON "Odd Schema"."Tab" ("select" text_pattern_ops);
CREATE INDEX ON "Odd Schema"."Tab" (v varchar_pattern_ops);
CREATE INDEX ON "Odd Schema"."Tab" (v text_ops);
CREATE INDEX ON "Odd Schema"."Tab" ("Col" DESC);
CREATE INDEX ON "Odd Schema"."Tab" ("Col" NULLS FIRST);
CREATE INDEX ON "Odd Schema"."Tab" ("Col" DESC NULLS LAST, "select");
CREATE INDEX ON "Odd Schema"."Tab" (arr);
CREATE INDEX ON "Odd Schema"."Tab" USING gin (arr);
CREATE INDEX ON "Odd Schema"."Tab" (m);
CREATE INDEX ON "Odd Schema"."Tab" (d);
CREATE INDEX ON "Odd Schema"."Tab" USING gin (j);
CREATE INDEX ON "Odd Schema"."Tab" USING gin (j jsonb_path_ops);
CREATE INDEX ON "Odd Schema"."Tab" USING gin (ts);
CREATE INDEX ON "Odd Schema"."Tab" USING gist (ts);
CREATE INDEX ON "Odd Schema"."Tab" USING gist (r);
CREATE INDEX ON "Odd Schema"."Tab" (r);
CREATE INDEX ON "Odd Schema"."Tab" USING hash (v);
CREATE INDEX ON "Odd Schema"."Tab" USING hash (c);
CREATE INDEX ON "Odd Schema"."Tab" USING brin (tz);
CREATE INDEX ON "Odd Schema"."Tab" USING brin (i8 int8_minmax_multi_ops (values_per_range = 16));
CREATE INDEX ON "Odd Schema"."Tab" (nm);
CREATE INDEX ON "Odd Schema"."Tab" USING gist (p);
CREATE INDEX ON "Odd Schema"."Tab" USING spgist (p);
CREATE INDEX ON "Odd Schema"."Tab" (x, b, u, i8, f, tz, bo, oi, ip, bits, vb);
CREATE INDEX ON "Odd Schema"."Tab" USING gist (ip inet_ops);
CREATE INDEX ON "Odd Schema"."Tab" (c bpchar_pattern_ops);
CREATE INDEX ON "Odd Schema"."Tab" ("Col") WITH (fillfactor = 70);
CREATE INDEX ON "Odd Schema"."Tab" ("Col") WHERE "Col" > 0;
CREATE INDEX ON "Odd Schema"."Tab" (lower(t));
CREATE INDEX ON "Odd Schema"."Tab" ("UPPER", "user") INCLUDE (nm);
CREATE UNIQUE INDEX ON "Odd Schema"."Tab" (u) NULLS NOT DISTINCT;
CREATE INDEX ON "Odd Schema"."Tab" (ip);
CREATE TABLE pt (id int, k text) PARTITION BY RANGE (id);
CREATE TABLE pt1 PARTITION OF pt FOR VALUES FROM (0) TO (10);
CREATE INDEX ON pt (k);
CREATE INDEX ON ONLY pt (id);
CREATE TABLE "user" ("order" int, "group" text, "Mixed" varchar);
CREATE INDEX "index" ON "user" ("order", "group");
CREATE INDEX ON "user" ("Mixed");
CREATE UNIQUE INDEX ON "user" ("order") WHERE "group" IS NOT NULL;
'

# Every user index but those backing a constraint (described by the constraint).
pg_defs="SELECT n.nspname || '.' || ic.relname || '|' || pg_catalog.pg_get_indexdef(x.indexrelid)
FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' AND NOT ic.relispartition
AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x'))
ORDER BY 1"

for side in blue green; do
  db=$(gl_clone_db "$side" "$(gl_unique_name "schema_idx_$side")")
  gl_sql "$side" "$db" "$setup" >/dev/null
  "$GL_BIN" snapshot --plugins schema --target "$(gl_conninfo "$side" "$db")" -o "$GL_TMP/$side.snap" >/dev/null
  gl_sql "$side" "$db" "$pg_defs" >"$GL_TMP/$side.expected"
  jq -r '.plugins.schema.facts.indexes | to_entries[] | select(.value | split("\u001f")[1] | startswith("CONSTRAINT ") | not)
         | "\(.key)|\(.value | split("\u001f")[1])"' "$GL_TMP/$side.snap" | LC_ALL=C sort >"$GL_TMP/$side.actual"
  LC_ALL=C sort -o "$GL_TMP/$side.expected" "$GL_TMP/$side.expected"
  # The setup's indexes and the test database's own (those attached to a
  # partitioned index follow their parent and are not listed) are all there...
  assert_eq 1 "$([ "$(wc -l <"$GL_TMP/$side.expected")" -ge 50 ] && echo 1)" "$side: index count"
  # ...and each definition is pg_get_indexdef's, byte for byte.
  assert_eq "" "$(diff "$GL_TMP/$side.expected" "$GL_TMP/$side.actual")" "$side: definitions equal pg_get_indexdef"
done

# The same indexes on 15 and 17 give no finding. (The test database publishes
# all tables, and some of the setup's have no primary key: readiness is
# test_schema_replication.sh's business.)
printf '{"plugins": {"schema": {"replication_readiness": "never"}}}' >"$GL_TMP/config.json"
schema_check "$GL_TMP/cmp.json" "$GL_TMP/blue.snap" "$GL_TMP/green.snap" --config "$GL_TMP/config.json"
assert_eq "" "$(schema_findings "$GL_TMP/cmp.json")" "15 vs 17 with every index kind"
