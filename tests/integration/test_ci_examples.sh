#!/usr/bin/env bash
# share/ci: greenlight-gate.sh (the step both CI examples run) against the test
# servers, with the password in PGPASSWORD as the examples say: GitHub
# defaults on a held change (annotations on stdout, the job summary, every
# file the workflow publishes), GitLab defaults on a clean change, a signed
# record; then both YAML files parse, run the gate script and publish only
# files the gate writes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin
T=$GL_TMP
GATE=$GL_SOURCE_DIR/share/ci/greenlight-gate.sh
CI=$GL_SOURCE_DIR/share/ci

a=$(gl_clone_db blue "$(gl_unique_name ci_a)")
b=$(gl_clone_db blue "$(gl_unique_name ci_b)")
c=$(gl_clone_db blue "$(gl_unique_name ci_c)")
gl_sql blue postgres "ALTER DATABASE \"$b\" SET work_mem = '64MB'" >/dev/null
tcp() { echo "host=127.0.0.1 port=$GL_BLUE_PORT user=postgres dbname=$1"; }
assert_exit 0 "$GL_BIN" keygen --out "$T/gate.key"

# --- GitHub Actions defaults, a held change, a signed record -------------------------
assert_exit 1 env -u GL_FORMATS GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$T/summary.md" GREENLIGHT="$GL_BIN" \
  PGPASSWORD="$GL_TEST_PASSWORD" GL_BLUE="$(tcp "$a")" GL_GREEN="$(tcp "$b")" GL_OUT="$T/gh/greenlight-report" \
  GL_SIGN_KEY="$T/gate.key" GL_AUDIT_LOG="$T/audit.log" bash "$GATE"
assert_eq "::error title=greenlight%3A hold::decision: hold" "$(head -n1 "$GL_LAST_OUT")"
assert_contains "$(cat "$GL_LAST_ERR")" "greenlight: exit 1; reports in $T/gh/greenlight-report/"
assert_contains "$(cat "$T/summary.md")" "## ⛔ greenlight: **hold**"
for f in report.json report.github.txt report.junit.xml report.sarif report.md report.html decision.json; do
  assert_file_exists "$T/gh/greenlight-report/$f"
done
assert_exit 0 "$GL_BIN" verify "$T/audit.log" --pub "$T/gate.key.pub"
assert_eq "" "$(grep -rlF -- "$GL_TEST_PASSWORD" "$T/gh" "$T/summary.md" "$GL_LAST_OUT" "$GL_LAST_ERR" || true)" \
  "the password from PGPASSWORD appears nowhere"

# --- GitLab CI defaults, a clean change: exit 0, the text summary first ------------
assert_exit 0 env -u GITHUB_ACTIONS -u GL_FORMATS GREENLIGHT="$GL_BIN" PGPASSWORD="$GL_TEST_PASSWORD" \
  GL_BLUE="$(tcp "$a")" GL_GREEN="$(tcp "$c")" GL_OUT="$T/gl/greenlight-report" bash "$GATE"
assert_contains "$(cat "$GL_LAST_OUT")" "decision: switchover (exit 0)"
for f in report.json report.txt report.junit.xml report.sarif report.md report.html; do
  assert_file_exists "$T/gl/greenlight-report/$f"
done
assert_eq 0 "$(xmllint --xpath 'count(//failure)' "$T/gl/greenlight-report/report.junit.xml")" "no JUnit failure on a switchover"

# --- misconfigured: says which variable -------------------------------------------
assert_exit 64 env -u GL_BLUE GL_GREEN=x GREENLIGHT="$GL_BIN" bash "$GATE"
assert_contains "$(cat "$GL_LAST_ERR")" "set GL_BLUE to the conninfo of that side, without the password (put it in PGPASSWORD)"

# --- the YAML: parses, runs the gate, publishes what the gate writes ------------------
python3 - "$CI" "$T/gh" "$T/gl" <<'PY' >"$T/yaml.out" 2>&1 || gl_fail "CI examples: $(cat "$T/yaml.out")"
import os, re, sys, yaml
ci, gh_dir, gl_dir = sys.argv[1:4]
def published(text):
    return sorted(set(re.findall(r"greenlight-report/([A-Za-z0-9_.]+)", text)))
gh = yaml.safe_load(open(os.path.join(ci, "github-actions.yml")))
steps = gh["jobs"]["gate"]["steps"]
runs = "\n".join(s.get("run", "") for s in steps)
assert "bash share/ci/greenlight-gate.sh" in runs, "the workflow does not run the gate script"
gh_text = open(os.path.join(ci, "github-actions.yml")).read()
for f in published(gh_text):
    assert os.path.exists(os.path.join(gh_dir, "greenlight-report", f)), f"github-actions.yml publishes {f}, which the gate did not write"
for f in ("report.junit.xml", "report.md", "report.html", "report.sarif"):
    assert f in published(gh_text), f"github-actions.yml does not publish {f}"
gl = yaml.safe_load(open(os.path.join(ci, "gitlab-ci.yml")))["greenlight"]
assert any("share/ci/greenlight-gate.sh" in line for line in gl["script"]), "the GitLab job does not run the gate script"
assert gl["artifacts"]["reports"]["junit"] == "greenlight-report/report.junit.xml"
for p in gl["artifacts"]["paths"] + [gl["artifacts"]["reports"]["junit"]]:
    f = p.split("/", 1)[1]
    if f == "decision.json":
        continue  # only with a signing key; the GitHub run above wrote one
    assert os.path.exists(os.path.join(gl_dir, "greenlight-report", f)), f"gitlab-ci.yml publishes {f}, which the gate did not write"
print("ok")
PY
assert_eq ok "$(cat "$T/yaml.out")"
