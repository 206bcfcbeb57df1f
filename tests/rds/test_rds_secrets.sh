#!/usr/bin/env bash
# No AWS secret key, session token, database password or signing key ever
# appears in anything `greenlight rds` writes: every format, the signed
# records, the audit log, rds.json and stdout/stderr, from authorised, held and
# failing runs (a refused signature, a throttled API, an unreachable database,
# a failed switchover), with either signer. The whole tree is searched.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/standin_lib.sh"
gl_require_bin
rds_standin_start
export PGUSER=postgres
TOKEN=Rds-Canary-session-token-8080          # AWS_SESSION_TOKEN (signed, never shown)
PW=Rds-Canary-db-password-4711               # in --conninfo
WRONG=Rds-Canary-wrong-secret-1234567890ab  # a secret key the stand-in refuses
W=$GL_TMP/written
mkdir -p "$W" "$GL_TMP/keys"
assert_exit 0 "$GL_BIN" keygen --out "$GL_TMP/keys/key"
KEYLINE=$(sed -n 2p "$GL_TMP/keys/key")
[ ${#KEYLINE} -gt 20 ] || gl_fail "no key body in $GL_TMP/keys/key"
printf '{"id":"CHG-15-17","kind":"major_upgrade","target_version":"17"}' >"$GL_TMP/change.json"
export AWS_SESSION_TOKEN=$TOKEN

n=0
# run EXIT VERB ARGS...: rds VERB with every format, a signed record and an
# audit line; its stdout and stderr kept under $W.
run() {
  local want=$1 verb=$2
  shift 2
  n=$((n + 1))
  assert_exit "$want" gl_rds "$verb" --no-color --format text,json,junit,sarif,github,markdown,html \
    --out "$W/run$n" --sign-key "$GL_TMP/keys/key" --audit-log "$W/audit.log" \
    --conninfo "user=postgres password=$PW" "$@"
  cp "$GL_LAST_OUT" "$W/run$n.stdout"
  cp "$GL_LAST_ERR" "$W/run$n.stderr"
}
# plain EXIT ARGS...: any other command, its streams kept too.
plain() {
  local want=$1
  shift
  n=$((n + 1))
  assert_exit "$want" "$@"
  cp "$GL_LAST_OUT" "$W/plain$n.stdout"
  cp "$GL_LAST_ERR" "$W/plain$n.stderr"
}

id=$(rds_new_deployment sec-one)
run 1 check --deployment "$id" --dbname "$GL_DB"
run 1 switchover --deployment "$id" --dbname "$GL_DB"
run 0 check --deployment "$id" --dbname "$GL_DB" --change "$GL_TMP/change.json"
# Refused signature, throttled API, unknown deployment.
AWS_SECRET_ACCESS_KEY=$WRONG run 64 check --deployment "$id" --dbname "$GL_DB"
AWS_SECRET_ACCESS_KEY=$WRONG GREENLIGHT_AWS_SIGNER=openssl plain 64 gl_rds status --deployment "$id"
rds_control '{"throttle": 20}'
AWS_MAX_ATTEMPTS=2 run 69 switchover --deployment "$id" --dbname "$GL_DB" --change "$GL_TMP/change.json"
rds_control '{"throttle": 0}'
plain 64 gl_rds status --deployment bgd-nosuchthing
# An unreachable database: the gate fails closed with the password in its conninfo.
ghost=$("$GL_BIN" rds create --endpoint-url "$GL_RDS_URL" --source "$GL_RDS_GHOST_ARN" --target-engine-version 17.2 \
  --name sec-ghost | sed -n 's/^deployment \(bgd-[0-9a-f]*\) .*/\1/p')
run 69 switchover --deployment "$ghost" --dbname "$GL_DB" --change "$GL_TMP/change.json"
# Authorised and completed (OpenSSL signer), then a switchover RDS fails.
GREENLIGHT_AWS_SIGNER=openssl run 0 switchover --deployment "$id" --dbname "$GL_DB" --change "$GL_TMP/change.json"
failing=$(rds_new_deployment sec-fail)
rds_control '{"switchover_outcome": "fail"}'
run 70 switchover --deployment "$failing" --dbname "$GL_DB" --change "$GL_TMP/change.json"
plain 0 gl_rds status
plain 0 gl_rds delete --deployment "$failing" --delete-target

# Everything was written, and none of it holds a secret.
assert_file_exists "$W/run9/report.html"
assert_file_exists "$W/run9/outcome.json"
assert_eq 6 "$(find "$W" -name decision.json | wc -l)" "a signed record per run that decided"
assert_exit 0 "$GL_BIN" verify "$W/audit.log" --pub "$GL_TMP/keys/key.pub"
for secret in "$GL_RDS_SECRET" "$TOKEN" "$PW" "$WRONG" "$KEYLINE"; do
  hits=$(grep -rlF -- "$secret" "$W" || true)
  assert_eq "" "$hits" "no file under $W holds ${secret:0:12}..."
done
