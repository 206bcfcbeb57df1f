#!/usr/bin/env bash
# Collations are objects: one created, dropped or redefined on green is a
# finding of its own (a changed collation reorders every index and ORDER BY
# that uses it: an error); the same ICU and libc collations on 15 and 17 (whose
# catalogs name the ICU locale differently) give none.
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$(dirname "$0")/schema_lib.sh"
gl_require_bin

setup="
CREATE SCHEMA k19;
CREATE COLLATION k19.german (provider = icu, locale = 'de-DE');
CREATE COLLATION k19.plain (provider = libc, locale = 'C');
CREATE COLLATION k19.gone (provider = icu, locale = 'fr-FR');
COMMENT ON COLLATION k19.plain IS 'byte order';
"
changes="
DROP COLLATION k19.gone;
CREATE COLLATION k19.added (provider = icu, locale = 'sv-SE');
DROP COLLATION k19.german;
CREATE COLLATION k19.german (provider = icu, locale = 'de-DE', deterministic = false);
"
printf '{"plugins": {"schema": {"include_schemas": ["k19"]}}}' >"$GL_TMP/config.json"
schema_pair schema_coll "$setup" "$GL_TMP/config.json"
a=$SCHEMA_A b=$SCHEMA_B

gl_sql blue "$b" "$changes" >/dev/null
schema_check "$GL_TMP/after.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo blue "$b")" --config "$GL_TMP/config.json"
assert_eq "schema.collation.added info k19.added
schema.collation.definition_changed error k19.german
schema.collation.dropped error k19.gone" "$(schema_findings "$GL_TMP/after.json")"

g=$(gl_clone_db green "$(gl_unique_name schema_coll_g)")
gl_sql green "$g" "$setup" >/dev/null
schema_check "$GL_TMP/cross.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo green "$g")" --config "$GL_TMP/config.json"
assert_eq "" "$(schema_findings "$GL_TMP/cross.json")" "15 vs 17, same collations"
