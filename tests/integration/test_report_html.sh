#!/usr/bin/env bash
# --format html from real runs, rendered in headless Chromium: a held run with
# parameter, schema and query findings (a dropped index: a schema difference,
# a changed plan and a slower query) and a clean run. What a reader sees is
# asserted on the DOM Chromium built (decision, reasons, blue | green columns,
# the latency chart, the plan side by side, declared vs observed), with no
# console error and nothing fetched; text from the inputs stays text.
# Screenshots are saved under <build>/screenshots. A 10,000-finding report
# (the held run's findings repeated) must render and page without freezing.
# gl-timing: serial (latency is judged: run alone, not beside another test's load)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
. "$GL_SOURCE_DIR/plugins/query_regression/tests/qr_lib.sh"
gl_require_bin
command -v chromium >/dev/null 2>&1 || gl_fail "chromium is not installed (bash tests/harness/install-deps.sh)"
SHOTS=$(cd "$(dirname "$GL_BIN")/.." && pwd)/screenshots
mkdir -p "$SHOTS"

# chromium_run OUT ERR ARGS... : headless Chromium with its own profile, no
# network at all (every host resolves to nothing), bounded in time.
chromium_run() {
  local out=$1 err=$2
  shift 2
  timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
    --user-data-dir="$GL_TMP/chromium" --host-resolver-rules="MAP * ~NOTFOUND" \
    --enable-logging=stderr --v=0 "$@" >"$out" 2>"$err"
}

# render NAME FILE: DOM to $GL_TMP/NAME.dom, a screenshot to $SHOTS/NAME.png;
# fails on any console message (errors, CSP violations, blocked requests).
render() {
  local name=$1 file=$2
  chromium_run "$GL_TMP/$name.dom" "$GL_TMP/$name.err" --dump-dom "file://$file" ||
    gl_fail "chromium --dump-dom $name failed: $(tail -5 "$GL_TMP/$name.err")"
  assert_eq "" "$(grep ':CONSOLE' "$GL_TMP/$name.err" || true)" "no console message rendering $name"
  chromium_run /dev/null "$GL_TMP/$name.shot.err" --window-size=1280,2400 --hide-scrollbars \
    --screenshot="$SHOTS/$name.png" "file://$file" ||
    gl_fail "chromium --screenshot $name failed: $(tail -5 "$GL_TMP/$name.shot.err")"
  assert_file_exists "$SHOTS/$name.png"
}

a=$(gl_clone_db blue "$(gl_unique_name html_a)")
b=$(gl_clone_db blue "$(gl_unique_name html_b)")
gl_sql blue "$b" "DROP INDEX ticket_booking_idx" >/dev/null
gl_sql blue postgres "ALTER DATABASE \"$b\" SET work_mem = '64MB'" >/dev/null
blue=$(gl_conninfo blue "$a")
green=$(gl_conninfo blue "$b")

cat >"$GL_TMP/workload.json" <<'JSON'
{"format": "greenlight-workload/1", "queries": [
  {"name": "tickets_of_booking", "sql": "SELECT ticket_id, seat_no FROM ticket WHERE booking_id = $1 ORDER BY ticket_id",
   "params": [[367]], "thresholds": {"samples": 15, "min_effect_ms": 0.2}}
]}
JSON
qr_config "$GL_TMP/config.json" "$GL_TMP/workload.json"
# A change that declares work_mem (observed) and a schema object (not observed),
# with an id that tries to inject markup and a script.
jq -n '{id: "CHG-7 <script>alert(1)</script><img src=x onerror=alert(2)>", kind: "parameters",
        parameters: {work_mem: "32MB"}, schema: ["public.not_touched"]}' >"$GL_TMP/change.json"

# --- the held run --------------------------------------------------------------
held=$GL_TMP/held
assert_exit 1 "$GL_BIN" check --blue "$blue" --green "$green" --config "$GL_TMP/config.json" \
  --change "$GL_TMP/change.json" --format html,json --out "$held"
assert_file_exists "$held/report.html"
cmp -s "$GL_LAST_OUT" "$held/report.html" || gl_fail "stdout (the first format) differs from report.html"
r=$held/report.json
assert_eq hold "$(json_get "$r" .decision.action)"
for code in parameters.changed query_regression.plan_changed query_regression.latency_regressed; do
  assert_eq true "$(jq --arg c "$code" '[.findings[].code] | index($c) != null' "$r")" "the held run has a $code finding"
done
assert_eq true "$(jq '[.findings[].check] | index("schema") != null' "$r")" "the held run has a schema finding"

# Self-contained: no URL to fetch, one script (ours), one style (ours).
html=$held/report.html
# tags: every element and its URL-bearing attributes, as an HTML parser sees them.
tags() {
  python3 -c '
import sys, html.parser
class P(html.parser.HTMLParser):
    def handle_starttag(self, tag, attrs):
        urls = [k for k, v in attrs if k in ("src", "href", "action", "srcset", "poster", "data")]
        print(tag, *urls)
P().feed(open(sys.argv[1], encoding="utf-8").read())' "$1"
}
assert_eq "" "$(tags "$html" | awk 'NF > 1')" "no element with a URL attribute"
assert_eq 1 "$(tags "$html" | grep -c '^script')" "one script element"
assert_eq 0 "$(tags "$html" | grep -Ec '^(img|link|iframe|object|embed)' || true)" "no element that fetches"
assert_contains "$(cat "$html")" "default-src 'none'"

render held "$html"
dom=$(cat "$GL_TMP/held.dom")
assert_contains "$dom" 'data-ready="1"' "the page script ran to the end"
assert_contains "$dom" '<header class="decision decision-hold" id="decision"><h1>greenlight decision: <span>hold</span></h1>'
assert_contains "$dom" "undeclared_parameters"
# The injected id is text in the DOM, not elements.
assert_contains "$dom" "CHG-7 &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
assert_eq 1 "$(tags "$GL_TMP/held.dom" | grep -c '^script')" "no injected script element in the DOM"
assert_eq 0 "$(tags "$GL_TMP/held.dom" | grep -c '^img' || true)" "no injected image in the DOM"
# Parameters side by side, blue | green.
assert_contains "$dom" '<td>work_mem</td><td class="blue">4MB</td><td class="green">64MB</td>'
# Declared vs observed: work_mem declared 32MB, green has 64MB; the schema object did not change.
assert_contains "$dom" '<td>parameter work_mem</td><td>32MB</td><td class="green">64MB</td><td>parameters.changed</td>'
assert_contains "$dom" '<td>schema object</td><td>public.not_touched</td><td class="green">-</td><td>no difference observed</td>'
# The latency chart: an SVG with both sides' samples, p50/p95 markers and the verdict.
assert_contains "$dom" '<figure class="latency" data-verdict="regressed"><h3>tickets_of_booking</h3><svg class="latency-chart"'
chart=$(sed -n '/<svg class="latency-chart"/,/<\/svg>/p' "$GL_TMP/held.dom")
green_dots=$(python3 -c 'import sys; s=sys.stdin.read(); print(s.split("<g class=\"green\"",1)[1].split("</g>",1)[0].count("<circle"))' <<<"$chart")
assert_eq "$(json_get "$r" '.findings[] | select(.code == "query_regression.latency_regressed") | .details.green_samples_ms | length')" \
  "$green_dots" "one dot per green sample"
assert_contains "$chart" "verdict: regressed"
assert_contains "$chart" ">p50</text>"
assert_contains "$chart" ">p95</text>"
# The plan side by side: the index only on blue, marked.
assert_contains "$dom" '<h3>tickets_of_booking</h3><p>the plan of query tickets_of_booking changed shape on green'
plan=$(sed -n '/<figure class="plan">/,/<\/figure>/p' "$GL_TMP/held.dom")
assert_contains "$plan" "ticket_booking_idx"
assert_contains "$(sed -n '/<div class="blue">/,/<\/div>/p' <<<"$plan")" '<span class="only">'
# Filters and paging are there.
assert_contains "$dom" 'id="search"'
assert_contains "$dom" 'data-sev="critical"'
assert_contains "$dom" "findings shown by the filters"

# --- a clean run -------------------------------------------------------------
c=$(gl_clone_db blue "$(gl_unique_name html_c)")
assert_exit 0 "$GL_BIN" check --blue "$blue" --green "$(gl_conninfo blue "$c")" --format text,html --out "$GL_TMP/clean"
render clean "$GL_TMP/clean/report.html"
dom=$(cat "$GL_TMP/clean.dom")
assert_contains "$dom" '<header class="decision decision-switchover" id="decision"><h1>greenlight decision: <span>switchover</span></h1>'
assert_contains "$dom" "No change was declared"
assert_contains "$dom" 'data-ready="1"'

# --- re-rendered from the saved run: the same bytes -----------------------------
assert_exit 0 "$GL_BIN" report --from "$r" --format html
cmp -s "$GL_LAST_OUT" "$html" || gl_fail "report --from --format html differs from the run's report.html"

# --- 10,000 findings: first page only in the file, the script pages ------------
jq '.findings as $f | .findings = [range(0; 10000) as $i | $f[$i % ($f | length)] | .id = "\(.id)#\($i)"]
    | .summary.findings = 10000' "$r" >"$GL_TMP/big.json"
assert_exit 0 "$GL_BIN" report --from "$GL_TMP/big.json" --format html --out "$GL_TMP/big"
start=$(date +%s%N)
chromium_run "$GL_TMP/big.dom" "$GL_TMP/big.err" --dump-dom "file://$GL_TMP/big/report.html" ||
  gl_fail "chromium could not render 10,000 findings: $(tail -5 "$GL_TMP/big.err")"
echo "10,000 findings: $(wc -c <"$GL_TMP/big/report.html") bytes of HTML, rendered in $((($(date +%s%N) - start) / 1000000)) ms (chromium start included)"
assert_eq "" "$(grep ':CONSOLE' "$GL_TMP/big.err" || true)" "no console message with 10,000 findings"
assert_contains "$(cat "$GL_TMP/big.dom")" 'data-ready="1"'
assert_contains "$(cat "$GL_TMP/big.dom")" "of 10000 findings shown by the filters"
echo "10,000 findings: the page script was ready $(grep -o 'data-ready-ms="[0-9]*"' "$GL_TMP/big.dom") after navigation started"
visible=$(grep -o '<tr class="finding"[^>]*>' "$GL_TMP/big.dom" | grep -vc 'hidden=' || true)
checks=$(jq '[.findings[].check] | unique | length' "$GL_TMP/big.json")
[ "$visible" -le $((checks * 100)) ] || gl_fail "$visible rows visible: at most 100 per check ($checks checks) expected"
GL_ASSERTIONS=$((GL_ASSERTIONS + 1))

# Search in the browser (report.html#search=TEXT): the matches counted, one page shown.
chromium_run "$GL_TMP/search.dom" "$GL_TMP/search.err" --dump-dom "file://$GL_TMP/big/report.html#search=WORK_mem" ||
  gl_fail "chromium could not search 10,000 findings: $(tail -5 "$GL_TMP/search.err")"
assert_eq "" "$(grep ':CONSOLE' "$GL_TMP/search.err" || true)" "no console message searching"
want=$(jq '[.findings[] | select(([.severity, .code, .object, (.blue | if type == "string" then . elif . == null then "-" else tojson end),
          (.green | if type == "string" then . elif . == null then "-" else tojson end), .message] | join(" ") | ascii_downcase)
          | contains("work_mem"))] | length' "$GL_TMP/big.json")
[ "$want" -gt 100 ] || gl_fail "the search test needs more than one page of matches, got $want"
assert_contains "$(cat "$GL_TMP/search.dom")" ">$want of 10000 findings shown by the filters<"
assert_eq 100 "$(grep -o '<tr class="finding"[^>]*>' "$GL_TMP/search.dom" | grep -vc 'hidden=' || true)" "one page of matches shown"
assert_contains "$(cat "$GL_TMP/search.dom")" "1–100 of $want"
