#!/usr/bin/env bash
# Randomised: N random DDL changes of many kinds (schema_random.py, seeded;
# GL_SCHEMA_SEED and GL_SCHEMA_CHANGES override) are applied to green, a
# clone of blue (both the test database on the PostgreSQL 15 server, so pg_dump 15 reads
# both). Asserts:
#   1. the findings are exactly the changes' expected ones (code, severity,
#      object): every change is reported and nothing else is;
#   2. every object whose pg_dump --schema-only entry differs between the two
#      databases has a finding about it (or its table).
. "$(dirname "$0")/../../../tests/integration/lib.sh"
. "$(dirname "$0")/schema_lib.sh"
gl_require_bin

seed=${GL_SCHEMA_SEED:-$(( $(date +%s) % 100000 ))}
n=${GL_SCHEMA_CHANGES:-25}
echo "seed $seed, $n changes (rerun with GL_SCHEMA_SEED=$seed)"
role="gl_schema_rnd_$$"
gl_sql blue postgres "CREATE ROLE $role" >/dev/null
# The role owns objects in the clones: drop them, then the role, on any exit.
cleanup_role() {
  [ -f "$GL_TMP/.cloned-dbs" ] && while IFS=: read -r side name; do
    gl_sql "$side" postgres "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null 2>&1
  done <"$GL_TMP/.cloned-dbs"
  gl_sql blue postgres "DROP ROLE IF EXISTS $role" >/dev/null 2>&1
  return 0
}
trap 'rc=$?; cleanup_role; gl__closing_line $rc' EXIT

python3 "$(dirname "$0")/schema_random.py" "$seed" "$n" "$role" "$GL_TMP" >"$GL_TMP/names.txt"
a=$(gl_clone_db blue "$(gl_unique_name schema_rnd_a)")
b=$(gl_clone_db blue "$(gl_unique_name schema_rnd_b)")
gl_psql blue "$a" -q -v ON_ERROR_STOP=1 -f "$GL_TMP/setup.sql" >/dev/null
gl_psql blue "$b" -q -v ON_ERROR_STOP=1 -f "$GL_TMP/setup.sql" >/dev/null
gl_psql blue "$b" -q -v ON_ERROR_STOP=1 -f "$GL_TMP/changes.sql" >/dev/null ||
  gl_fail "the generated changes did not apply (seed $seed): $(cat "$GL_TMP/changes.sql")"

# Blue has a publication (part of the setup): readiness would speak about every
# table; it has its own test.
printf '{"plugins": {"schema": {"replication_readiness": "never"}}}' >"$GL_TMP/config.json"
schema_check "$GL_TMP/report.json" "$(gl_conninfo blue "$a")" "$(gl_conninfo blue "$b")" --config "$GL_TMP/config.json"
schema_findings "$GL_TMP/report.json" >"$GL_TMP/actual.txt"
if ! diff -u "$GL_TMP/expected.txt" "$GL_TMP/actual.txt" >"$GL_TMP/findings.diff"; then
  gl_fail "seed $seed: findings differ from the changes' (- expected, + reported):
$(cat "$GL_TMP/findings.diff")
changes:
$(cat "$GL_TMP/changes.sql")"
fi
GL_ASSERTIONS=$((GL_ASSERTIONS + 1))

# pg_dump's view: split each dump into its TOC entries ("-- Name: N; Type: T;
# Schema: S; ...") and list the entries whose text differs or that exist on
# one side only.
. "$GL_CLUSTER_STATE/env.sh"
dump() {
  "$GL_PG15_BIN/pg_dump" --schema-only -h "$GL_BLUE_HOST" -p "$GL_BLUE_PORT" -U postgres -d "$1" -f "$2"
}
dump "$a" "$GL_TMP/blue.sql"
dump "$b" "$GL_TMP/green.sql"
python3 - "$GL_TMP/blue.sql" "$GL_TMP/green.sql" "$GL_TMP/actual.txt" >"$GL_TMP/unmatched.txt" <<'PY'
import re, sys

def entries(path):
    out, key, body = {}, None, []
    for line in open(path, encoding="utf-8"):
        m = re.match(r"-- (?:Data for )?Name: (.*); Type: (.*); Schema: (.*); Owner: ", line)
        if line.startswith("-- PostgreSQL database dump complete"):
            m = None
            if key:
                out[key] = "".join(body)
            key = None   # the footer belongs to no entry
        elif m:
            if key:
                out[key] = "".join(body)
            key, body = (m.group(2), m.group(3), m.group(1)), []
        elif key and not line.startswith(("\\restrict ", "\\unrestrict ")):
            body.append(line)   # (\restrict keys are random per dump)
    if key:
        out[key] = "".join(body)
    return out

blue, green = entries(sys.argv[1]), entries(sys.argv[2])
objects = [line.split(" ", 2)[2].strip() for line in open(sys.argv[3])]

def covered(kind, schema, name, body):
    # An index entry is named without its table: a finding on the table
    # (dropped, say) covers it too.
    m = re.search(r" ON (?:ONLY )?(\S+) USING ", body)
    if kind == "INDEX" and m and covered("TABLE", "-", m.group(1).replace('"', ""), ""):
        return True
    # pg_dump names: "table", "table column" (DEFAULT, COMMENT ON COLUMN),
    # "table constraint" / "table trigger" / "table policy", "func(args)",
    # "TABLE x" / "COLUMN t.c" (COMMENT, ACL), "pub table".
    if kind.startswith("PUBLICATION "):   # "pub table": publications have no schema
        return any(o == name.split(" ")[0] for o in objects)
    name = re.sub(r"^(TABLE|VIEW|MATERIALIZED VIEW|SEQUENCE|FUNCTION|TYPE|DOMAIN|SCHEMA|INDEX|"
                  r"COLUMN|CONSTRAINT|TRIGGER|EXTENSION|PUBLICATION) ", "", name)
    name = re.sub(r"^(\S+) ON (\S+)$", r"\2 \1", name)        # COMMENT ON CONSTRAINT c ON t
    parts = re.split(r"[ .]", name.split("(")[0].replace('"', ""))
    base = [schema] if schema != "-" else []
    keys = {".".join(base + parts[:i]) for i in range(1, len(parts) + 1)}
    for o in objects:
        o_base = o.split("(")[0]
        if o_base in keys or any(o_base.startswith(k + ".") for k in keys):
            return True
    return False

for key in sorted(set(blue) | set(green)):
    if blue.get(key) != green.get(key):
        kind, schema, name = key
        if not covered(kind, schema, name, blue.get(key) or green.get(key)):
            print(f"{kind} {schema} {name}")
PY
assert_eq "" "$(cat "$GL_TMP/unmatched.txt")" "seed $seed: pg_dump entries that differ without a finding"
assert_eq 1 "$([ "$(diff "$GL_TMP/blue.sql" "$GL_TMP/green.sql" | grep -c '^[<>]')" -gt 0 ] && echo 1)" "pg_dump sees the changes"
