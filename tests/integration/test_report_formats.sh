#!/usr/bin/env bash
# --format LIST / --out DIR from real runs: text, json, junit (Ant JUnit XSD),
# sarif (SARIF 2.1.0 schema), github annotations + $GITHUB_STEP_SUMMARY,
# markdown; `greenlight report --from` re-renders the same bytes; text taken
# from inputs cannot inject Markdown/HTML or workflow commands; bad lists and
# bad saved reports are usage errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin
SHARED=$GL_SOURCE_DIR/../shared/schemas
VALIDATE=$GL_SOURCE_DIR/tests/integration/validate_formats.py

a=$(gl_clone_db blue "$(gl_unique_name fmt_a)")
b=$(gl_clone_db blue "$(gl_unique_name fmt_b)")
gl_sql blue postgres "ALTER DATABASE \"$b\" SET work_mem = '64MB'" >/dev/null
blue=$(gl_conninfo blue "$a")
green=$(gl_conninfo blue "$b")

# A change id that tries to inject Markdown, HTML, a mention and a workflow command.
jq -n '{id: "CHG-1 <script>alert(1)</script> [x](http://evil.example) @team\n::error::pwned", kind: "parameters"}' >"$GL_TMP/change.json"

# --- a held run, every format -------------------------------------------------
held=$GL_TMP/held
assert_exit 1 env GITHUB_STEP_SUMMARY="$GL_TMP/summary.md" "$GL_BIN" check --blue "$blue" --green "$green" \
  --change "$GL_TMP/change.json" --format github,text,json,junit,sarif,markdown --out "$held"
for f in report.json report.txt report.junit.xml report.sarif report.md report.github.txt; do
  assert_file_exists "$held/$f"
done
assert_report_valid "$held/report.json"
assert_eq hold "$(json_get "$held/report.json" .decision.action)"

# github: stdout is the first format; the decision first, then the finding.
assert_eq "::error title=greenlight%3A hold::decision: hold" "$(head -n1 "$GL_LAST_OUT")"
assert_contains "$(cat "$GL_LAST_OUT")" "::error title=parameters.changed (warning)::work_mem: "
assert_eq "$(cat "$held/report.github.txt")" "$(cat "$GL_LAST_OUT")" "stdout is the github file"
assert_eq 0 "$(grep -c '^::error::pwned' "$GL_LAST_OUT" || true)" "no injected workflow command"
# ... and the Markdown summary was appended for the job page.
assert_contains "$(cat "$GL_TMP/summary.md")" "## ⛔ greenlight: **hold**"
assert_contains "$(cat "$GL_TMP/summary.md")" "| warning **blocking** | parameters.changed | work\\_mem | 4MB | 64MB |"

# text file: the terminal summary without colour.
assert_contains "$(cat "$held/report.txt")" "decision: hold (exit 1)"
assert_eq 0 "$(grep -c $'\033' "$held/report.txt" || true)" "no ANSI colour in report.txt"

# junit: structure always; the Ant JUnit XSD when ../shared is there.
python3 "$VALIDATE" junit "$held/report.junit.xml" >"$GL_TMP/v.out" 2>&1 || gl_fail "junit structure: $(cat "$GL_TMP/v.out")"
if [ -f "$SHARED/junit.xsd" ]; then
  xmllint --noout --schema "$SHARED/junit.xsd" "$held/report.junit.xml" >"$GL_TMP/v.out" 2>&1 ||
    gl_fail "junit does not validate: $(cat "$GL_TMP/v.out")"
  GL_ASSERTIONS=$((GL_ASSERTIONS + 1))
else
  echo "SKIP junit.xsd validation: $SHARED/junit.xsd is absent (a clone without ../shared)"
fi
assert_eq 1 "$(xmllint --xpath 'count(//testsuite[@name="greenlight.decision"]/testcase/failure[@type="hold"])' "$held/report.junit.xml")"
assert_eq 1 "$(xmllint --xpath 'count(//testsuite[@name="check.parameters"]/testcase[@name="parameters.changed"]/failure)' "$held/report.junit.xml")"
assert_contains "$(xmllint --xpath 'string(//testcase[@name="parameters.changed"]/failure)' "$held/report.junit.xml")" "work_mem"

# sarif: structure always; the OASIS schema when ../shared is there.
python3 "$VALIDATE" sarif "$held/report.sarif" >"$GL_TMP/v.out" 2>&1 || gl_fail "sarif structure: $(cat "$GL_TMP/v.out")"
if [ -f "$SHARED/sarif-schema-2.1.0.json" ]; then
  python3 -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' \
    "$SHARED/sarif-schema-2.1.0.json" "$held/report.sarif" >"$GL_TMP/v.out" 2>&1 ||
    gl_fail "sarif does not validate: $(tail -5 "$GL_TMP/v.out")"
  GL_ASSERTIONS=$((GL_ASSERTIONS + 1))
else
  echo "SKIP SARIF schema validation: $SHARED/sarif-schema-2.1.0.json is absent (a clone without ../shared)"
fi
s=$held/report.sarif
assert_eq warning "$(json_get "$s" '.runs[0].results[] | select(.ruleId == "parameters.changed") | .level')"
assert_eq work_mem "$(json_get "$s" '.runs[0].results[] | select(.ruleId == "parameters.changed") | .locations[0].logicalLocations[0].fullyQualifiedName')"
assert_eq "$(json_get "$held/report.json" '[.findings[].code] | unique | length')" "$(json_get "$s" '.runs[0].tool.driver.rules | length')" "one rule per code"
assert_eq "$(json_get "$held/report.json" '.findings | length')" "$(json_get "$s" '.runs[0].results | length')" "one result per finding"
assert_contains "$(json_get "$s" '.runs[0].tool.driver.rules[0].help.text')" "share/doc/checks/"

# markdown: decision and reasons first; nothing from the input becomes markup.
md=$(cat "$held/report.md")
assert_eq "## ⛔ greenlight: **hold**" "$(head -n1 "$held/report.md")"
assert_contains "$md" "### Reasons"
assert_contains "$md" "### parameters"
assert_not_contains "$md" "<script>"
assert_not_contains "$md" "](http"
assert_not_contains "$md" " @team"
assert_contains "$md" "\\<script\\>"
assert_eq "$(head -n1 "$held/report.md")" "$(head -n1 "$GL_TMP/summary.md")"

# --- a switchover run -------------------------------------------------------
printf '{"id":"CHG-2","kind":"parameters","parameters":{"work_mem":"64MB"}}' >"$GL_TMP/declared.json"
assert_exit 0 "$GL_BIN" check --blue "$blue" --green "$green" --change "$GL_TMP/declared.json" \
  --format markdown,junit --out "$GL_TMP/ok"
assert_eq "## ✅ greenlight: **switchover**" "$(head -n1 "$GL_LAST_OUT")"
assert_eq 0 "$(xmllint --xpath 'count(//failure)' "$GL_TMP/ok/report.junit.xml")" "no failure when authorised"
assert_eq 0 "$(json_get "$GL_TMP/ok/report.json" .decision.exit_code)"

# --- greenlight report re-renders a saved run --------------------------------
assert_exit 0 "$GL_BIN" report --from "$held/report.json" --format sarif
cmp -s "$GL_LAST_OUT" "$held/report.sarif" || gl_fail "report --format sarif differs from the run's report.sarif"
assert_exit 0 "$GL_BIN" report --from "$held/report.json" --format text,junit,markdown --out "$GL_TMP/again"
cmp -s "$GL_TMP/again/report.junit.xml" "$held/report.junit.xml" || gl_fail "re-rendered JUnit differs"
cmp -s "$GL_TMP/again/report.md" "$held/report.md" || gl_fail "re-rendered Markdown differs"
assert_contains "$(cat "$GL_LAST_OUT")" "decision: hold (exit 1)"

# --- usage errors --------------------------------------------------------------
assert_exit 64 "$GL_BIN" check --blue "$blue" --green "$green" --format text,pdf
assert_contains "$(cat "$GL_LAST_ERR")" 'unknown format "pdf" (known: text, json, junit, sarif, github, markdown, html)'
assert_exit 64 "$GL_BIN" check --blue "$blue" --green "$green" --format junit,junit
assert_contains "$(cat "$GL_LAST_ERR")" '"junit" is listed twice'
assert_exit 64 "$GL_BIN" report --format junit
assert_contains "$(cat "$GL_LAST_ERR")" "report needs --from FILE"
assert_exit 64 "$GL_BIN" report --from "$GL_TMP/missing.json"
assert_contains "$(cat "$GL_LAST_ERR")" "missing.json"
echo '{"schema_version":"2.0"}' >"$GL_TMP/other.json"
assert_exit 64 "$GL_BIN" report --from "$GL_TMP/other.json"
assert_contains "$(cat "$GL_LAST_ERR")" "is not a greenlight 1.x report"
echo '[1,' >"$GL_TMP/broken.json"
assert_exit 64 "$GL_BIN" report --from "$GL_TMP/broken.json"
assert_contains "$(cat "$GL_LAST_ERR")" "broken.json"
