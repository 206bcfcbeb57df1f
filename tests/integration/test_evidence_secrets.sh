#!/usr/bin/env bash
# Secrets never appear in anything greenlight writes. Every format (text, json,
# junit, sarif, github, markdown, html), the GitHub step summary, the signed
# record, the audit log and stdout/stderr, from a held run and from every
# failure path, with passwords in keyword conninfo, in URIs (user info and
# ?password=), in PGPASSWORD, and a signing key: the whole output tree and
# every captured stream are searched for each secret.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin

PW=$GL_TEST_PASSWORD                    # the real password: runs succeed with it
WRONG=Wrong-Canary-pw-31337             # refused by the server
UNREACHED=Unreached-Canary-pw-4242      # a port nobody listens on
BADSPEC=BadSpec-Canary-pw-777           # a conninfo libpq cannot parse
QUERYPW=Query-Canary-pw-99              # ?password= in a URI
WHSEC=Webhook-Canary-secret-5           # $GREENLIGHT_WEBHOOK_SECRET
URLTOKEN=Url-Canary-token-6             # a webhook URL's path (Slack's carry a token)
W=$GL_TMP/written                        # everything greenlight writes goes here
mkdir -p "$W" "$GL_TMP/keys"

assert_exit 0 "$GL_BIN" keygen --out "$GL_TMP/keys/key"
KEYLINE=$(sed -n 2p "$GL_TMP/keys/key")   # a line of the private key's base64
[ ${#KEYLINE} -gt 20 ] || gl_fail "no key body in $GL_TMP/keys/key"

a=$(gl_clone_db blue "$(gl_unique_name sec_a)")
b=$(gl_clone_db blue "$(gl_unique_name sec_b)")
gl_sql blue postgres "ALTER DATABASE \"$b\" SET work_mem = '64MB'" >/dev/null
blue_kw="host=127.0.0.1 port=$GL_BLUE_PORT user=postgres dbname=$a password=$PW"
green_uri="postgresql://postgres:$PW@127.0.0.1:$GL_BLUE_PORT/$b"

n=0
# run EXIT ARGS...: a check with every format, a signed record and an audit
# line, the step summary, a webhook nobody answers; stdout and stderr kept under $W.
run() {
  local want=$1
  shift
  n=$((n + 1))
  assert_exit "$want" env GITHUB_STEP_SUMMARY="$W/summary.md" GREENLIGHT_WEBHOOK_SECRET="$WHSEC" \
    GREENLIGHT_NOTIFY_ATTEMPTS=1 "$GL_BIN" check --no-color \
    --format text,json,junit,sarif,github,markdown,html --out "$W/run$n" \
    --sign-key "$GL_TMP/keys/key" --audit-log "$W/audit.log" \
    --notify "http://127.0.0.1:1/hook/$URLTOKEN" --notify "slack:http://user:$URLTOKEN@127.0.0.1:1/x" "$@"
  assert_contains "$(cat "$GL_LAST_ERR")" "greenlight: warning: notify http://127.0.0.1:1 failed"
  cp "$GL_LAST_OUT" "$W/run$n.stdout"
  cp "$GL_LAST_ERR" "$W/run$n.stderr"
}

# A held run that connects with the passwords (keyword form and URI).
run 1 --blue "$blue_kw" --green "$green_uri"
assert_contains "$(cat "$W/run1/report.txt")" "password=********"
for f in report.json report.txt report.junit.xml report.sarif report.github.txt report.md report.html decision.json; do
  assert_file_exists "$W/run1/$f"
done
# The password from PGPASSWORD.
n_before=$n
PGPASSWORD=$PW run 1 --blue "host=127.0.0.1 port=$GL_BLUE_PORT user=postgres dbname=$a" --green "$green_uri"
assert_eq $((n_before + 1)) "$n"
# Failure paths: a wrong password, an unreachable server, ?password= in a URI.
run 69 --blue "$blue_kw" --green "postgresql://postgres:$WRONG@127.0.0.1:$GL_BLUE_PORT/$b"
assert_contains "$(cat "$W/run$n.stdout")" "password authentication failed"
run 69 --blue "$blue_kw" --green "postgresql://postgres:$UNREACHED@127.0.0.1:1/$b"
run 69 --blue "$blue_kw" --green "postgresql://postgres@127.0.0.1:$GL_BLUE_PORT/$b?password=$WRONG$QUERYPW"
# Usage errors: a conninfo libpq cannot parse, an output that cannot be written.
assert_exit 64 "$GL_BIN" check --blue "$blue_kw" --green "host=127.0.0.1 password='$BADSPEC" --format html
cat "$GL_LAST_OUT" "$GL_LAST_ERR" >"$W/badspec.out"
: >"$W/not-a-dir"
assert_exit 64 "$GL_BIN" check --blue "$blue_kw" --green "$green_uri" --format html,junit --out "$W/not-a-dir/x"
cat "$GL_LAST_OUT" "$GL_LAST_ERR" >"$W/not-a-dir.out"
mkdir -p "$W/blocked/report.html"   # a directory where the file must go: the write fails
assert_exit 70 "$GL_BIN" check --blue "$blue_kw" --green "$green_uri" --format junit,html --out "$W/blocked" \
  --sign-key "$GL_TMP/keys/key"
assert_contains "$(cat "$GL_LAST_ERR")" "report.html"
cat "$GL_LAST_OUT" "$GL_LAST_ERR" >"$W/unwritable.out"
# Re-rendering and verifying what was written.
assert_exit 0 "$GL_BIN" report --from "$W/run1/report.json" --format text,json,junit,sarif,github,markdown,html --out "$W/again"
cat "$GL_LAST_OUT" "$GL_LAST_ERR" >"$W/again.out"
assert_exit 0 "$GL_BIN" verify "$W/audit.log" --pub "$GL_TMP/keys/key.pub"
cat "$GL_LAST_OUT" "$GL_LAST_ERR" >"$W/verify.out"
assert_eq "$n" "$(wc -l <"$W/audit.log")" "one audit line per run"

# Everything written, searched for every secret (plain and %-encoded).
files=$(find "$W" -type f | wc -l)
[ "$files" -ge 60 ] || gl_fail "only $files files written: the runs did not produce every format"
for secret in "$PW" "$WRONG" "$UNREACHED" "$BADSPEC" "$QUERYPW" "$KEYLINE" "$WHSEC" "$URLTOKEN" \
  "$(jq -rn --arg s "$PW" '$s | @uri')"; do
  hits=$(grep -rlF -- "$secret" "$W" || true)
  assert_eq "" "$hits" "a secret appears in what greenlight wrote"
done
echo "searched $files files for 9 secrets"
