#!/usr/bin/env bash
# greenlight rds create/status/delete and every API failure, against the RDS
# stand-in (tests/rds/standin.py: botocore verifies each signature, the
# botocore RDS model shapes requests and answers).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/standin_lib.sh"
gl_require_bin
rds_standin_start

# --- usage: refused before any call -------------------------------------------
assert_exit 64 "$GL_BIN" rds
assert_exit 64 "$GL_BIN" rds frobnicate
assert_contains "$(cat "$GL_LAST_ERR")" 'unknown rds verb "frobnicate" (create, status, check, switchover, delete)'
assert_exit 64 gl_rds create --target-engine-version 17.2
assert_contains "$(cat "$GL_LAST_ERR")" "rds create needs --source ARN and --target-engine-version V"
assert_exit 64 gl_rds create --source prod-db --target-engine-version 17.2
assert_contains "$(cat "$GL_LAST_ERR")" "--source must be the ARN of a DB cluster or instance"
assert_exit 64 gl_rds switchover --deployment bgd-x --dbname "$GL_DB" --timeout 29
assert_contains "$(cat "$GL_LAST_ERR")" "--timeout must be 30 to 3600 seconds (RDS SwitchoverTimeout)"
assert_exit 64 gl_rds switchover --deployment bgd-x --dbname "$GL_DB" --timeout 3601
assert_exit 64 gl_rds status --deployment bgd-x --dbname "$GL_DB"
assert_contains "$(cat "$GL_LAST_ERR")" "--dbname and the gate's options belong to \`rds check\` and \`rds switchover\`, not \`rds status\`"
assert_exit 64 gl_rds delete --deployment "bgd x"
assert_contains "$(cat "$GL_LAST_ERR")" "--deployment must be a blue/green deployment identifier"
assert_exit 64 gl_rds check --deployment bgd-x
assert_contains "$(cat "$GL_LAST_ERR")" "rds check needs --dbname DB"
assert_exit 64 "$GL_BIN" rds status --deployment bgd-x --endpoint-url ftp://x
assert_contains "$(cat "$GL_LAST_ERR")" "--endpoint-url \"ftp://x\" is not an http:// or https:// URL without query"
assert_eq 0 "$(rds_calls | wc -l)" "no usage error reached the API"

# --- create, status, errors ---------------------------------------------------
assert_exit 0 gl_rds create --source "$GL_RDS_BLUE_ARN" --target-engine-version 17.2 --name api-one \
  --target-parameter-group pg17-params
assert_contains "$(cat "$GL_LAST_OUT")" "(api-one): PROVISIONING"
id=$(sed -n 's/^deployment \(bgd-[0-9a-f]*\) .*/\1/p' "$GL_LAST_OUT")
assert_contains "$(cat "$GL_LAST_OUT")" "next: greenlight rds status --deployment $id"
create=$(curl -sf "$GL_RDS_URL/_calls" | jq -c '.[] | select(.action == "CreateBlueGreenDeployment") | .params')
assert_eq "$GL_RDS_BLUE_ARN" "$(jq -r .Source <<<"$create")"
assert_eq 17.2 "$(jq -r .TargetEngineVersion <<<"$create")"
assert_eq pg17-params "$(jq -r .TargetDBClusterParameterGroupName <<<"$create")" "a cluster source gets a cluster parameter group"

assert_exit 0 gl_rds status --deployment "$id"
assert_contains "$(cat "$GL_LAST_OUT")" "deployment $id (api-one): AVAILABLE"
assert_contains "$(cat "$GL_LAST_OUT")" "task   CREATING_READ_REPLICA_OF_SOURCE          COMPLETED"
assert_contains "$(cat "$GL_LAST_OUT")" "member $GL_RDS_BLUE_ARN -> $GL_RDS_BLUE_ARN-green-"
assert_contains "$(cat "$GL_LAST_OUT")" ": ready-for-switchover"

assert_exit 64 gl_rds create --source "$GL_RDS_BLUE_ARN" --target-engine-version 17.2 --name api-one
assert_contains "$(cat "$GL_LAST_ERR")" "a blue/green deployment with that name already exists in us-east-1: choose another --name (BlueGreenDeploymentAlreadyExistsFault"
assert_exit 64 gl_rds create --source "arn:aws:rds:us-east-1:123456789012:cluster:nope" --target-engine-version 17.2 --name api-x
assert_contains "$(cat "$GL_LAST_ERR")" 'the database "arn:aws:rds:us-east-1:123456789012:cluster:nope" does not exist in us-east-1: check the ARN and --region (DBClusterNotFoundFault'
assert_exit 64 gl_rds create --source "$GL_RDS_INSTANCE_ARN" --target-engine-version 17.2 --name api-y --target-parameter-group nope
assert_contains "$(cat "$GL_LAST_ERR")" "the --target-parameter-group does not exist in us-east-1 for that engine version: create it first (DBParameterGroupNotFound: DBParameterGroup not found: nope)"
assert_exit 64 gl_rds status --deployment bgd-doesnotexist
assert_contains "$(cat "$GL_LAST_ERR")" 'no blue/green deployment "bgd-doesnotexist" in us-east-1: check --deployment and --region (BlueGreenDeploymentNotFoundFault'

# --- every deployment, over several Marker pages ------------------------------
assert_exit 0 gl_rds create --source "$GL_RDS_BLUE_ARN" --target-engine-version 17.2 --name api-two
assert_exit 0 gl_rds create --source "$GL_RDS_INSTANCE_ARN" --target-engine-version 17.2 --name api-three
rds_control '{"page_size": 1}'
before=$(rds_count DescribeBlueGreenDeployments)
assert_exit 0 gl_rds status
assert_eq 3 "$(grep -c '^bgd-' "$GL_LAST_OUT")" "three deployments listed"
assert_contains "$(cat "$GL_LAST_OUT")" "api-three"
assert_eq 3 "$(($(rds_count DescribeBlueGreenDeployments) - before))" "one call per page"
assert_eq 2 "$(curl -sf "$GL_RDS_URL/_calls" | jq '[.[] | select(.params.Marker != null)] | length')" "pages 2 and 3 asked with the Marker"
rds_control '{"page_size": 100}'

# --- retries: throttling and 5xx are retried with backoff ---------------------
rds_control '{"throttle": 2}'
assert_exit 0 gl_rds status --deployment "$id"
assert_eq 2 "$(grep -c 'DescribeBlueGreenDeployments attempt [12] of 5 failed (Throttling HTTP 400); retrying after' "$GL_LAST_ERR")"
rds_control '{"fail_5xx": 1}'
assert_exit 0 gl_rds status --deployment "$id"
assert_contains "$(cat "$GL_LAST_ERR")" "attempt 1 of 5 failed (InternalFailure HTTP 503); retrying"
rds_control '{"throttle": 50}'
AWS_MAX_ATTEMPTS=3 assert_exit 69 gl_rds status --deployment "$id"
assert_contains "$(cat "$GL_LAST_ERR")" "the RDS API kept throttling DescribeBlueGreenDeployments after 3 attempts: wait and retry (AWS_MAX_ATTEMPTS raises the limit) (Throttling: Rate exceeded)"
rds_control '{"throttle": 0, "fail_5xx": 50}'
AWS_MAX_ATTEMPTS=2 assert_exit 69 gl_rds status --deployment "$id"
assert_contains "$(cat "$GL_LAST_ERR")" "the RDS API kept failing (HTTP 503) after 2 attempts: retry later"
rds_control '{"fail_5xx": 0}'

# --- a hanging API: the per-attempt timeout, then retries, then exit 69 -------
rds_control '{"hang_seconds": 3, "hang_count": 2}'
GREENLIGHT_AWS_TIMEOUT_MS=400 AWS_MAX_ATTEMPTS=2 assert_exit 69 gl_rds status --deployment "$id"
assert_contains "$(cat "$GL_LAST_ERR")" "cannot reach the RDS API at $GL_RDS_URL after 2 attempts (Operation timed out"
rds_control '{"hang_count": 0}'

# --- nothing listening ----------------------------------------------------------
dead=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
AWS_MAX_ATTEMPTS=2 assert_exit 69 "$GL_BIN" rds status --deployment "$id" --endpoint-url "http://127.0.0.1:$dead"
assert_contains "$(cat "$GL_LAST_ERR")" "cannot reach the RDS API at http://127.0.0.1:$dead after 2 attempts"

# --- credentials: refused signatures, unknown keys; the secret never shows -----
AWS_SECRET_ACCESS_KEY=wrongSECRETwrongSECRETwrong assert_exit 64 gl_rds status --deployment "$id"
assert_contains "$(cat "$GL_LAST_ERR")" "AWS refused the request signature: the secret key does not belong to access key AKIDGLSTANDIN (from environment (AWS_ACCESS_KEY_ID)), or the clock is wrong (SignatureDoesNotMatch"
assert_not_contains "$(cat "$GL_LAST_OUT" "$GL_LAST_ERR")" "wrongSECRETwrongSECRETwrong"
AWS_ACCESS_KEY_ID=AKIDUNKNOWN assert_exit 64 gl_rds status --deployment "$id"
assert_contains "$(cat "$GL_LAST_ERR")" "AWS does not know the access key AKIDUNKNOWN (from environment (AWS_ACCESS_KEY_ID)): check the credentials (InvalidClientTokenId"
assert_not_contains "$(cat "$GL_LAST_OUT" "$GL_LAST_ERR")" "$GL_RDS_SECRET"
# A session token is sent signed and never shown, even when the call fails.
AWS_SESSION_TOKEN=sEsSiOnToKeNvAlUe assert_exit 0 gl_rds status --deployment "$id"
AWS_SESSION_TOKEN=sEsSiOnToKeNvAlUe AWS_SECRET_ACCESS_KEY=wrongSECRETwrongSECRETwrong assert_exit 64 gl_rds status --deployment "$id"
assert_not_contains "$(cat "$GL_LAST_OUT" "$GL_LAST_ERR")" "sEsSiOnToKeN"
# The same credentials from a profile file.
printf '[ops]\naws_access_key_id = AKIDGLSTANDIN\naws_secret_access_key = %s\n' "$GL_RDS_SECRET" >"$GL_TMP/credentials"
printf '[profile ops]\nregion = us-east-1\n' >"$GL_TMP/config"
: >"$GL_TMP/empty"
assert_exit 0 env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_REGION AWS_PROFILE=ops \
  AWS_SHARED_CREDENTIALS_FILE="$GL_TMP/credentials" AWS_CONFIG_FILE="$GL_TMP/config" \
  "$GL_BIN" rds status --deployment "$id" --endpoint-url "$GL_RDS_URL"
assert_exit 64 env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_REGION AWS_PROFILE=ops \
  AWS_SHARED_CREDENTIALS_FILE="$GL_TMP/credentials" AWS_CONFIG_FILE="$GL_TMP/empty" \
  "$GL_BIN" rds status --deployment "$id" --endpoint-url "$GL_RDS_URL"
assert_contains "$(cat "$GL_LAST_ERR")" "no AWS region: pass --region, set AWS_REGION, or set region in [profile ops] of $GL_TMP/empty"

# --- the OpenSSL signer (GREENLIGHT_AWS_SIGNER=openssl): botocore accepts it too --
GREENLIGHT_AWS_SIGNER=openssl assert_exit 0 gl_rds status --deployment "$id"
assert_contains "$(cat "$GL_LAST_OUT")" "deployment $id (api-one): AVAILABLE"
GREENLIGHT_AWS_SIGNER=openssl AWS_SESSION_TOKEN=sEsSiOnToKeNvAlUe assert_exit 0 gl_rds status --deployment "$id"
assert_contains "$(cat "$GL_LAST_OUT")" "deployment $id (api-one): AVAILABLE"
GREENLIGHT_AWS_SIGNER=openssl AWS_SESSION_TOKEN=sEsSiOnToKeNvAlUe AWS_SECRET_ACCESS_KEY=wrongSECRETwrongSECRETwrong \
  assert_exit 64 gl_rds status --deployment "$id"
assert_contains "$(cat "$GL_LAST_ERR")" "AWS refused the request signature: the secret key does not belong to access key AKIDGLSTANDIN"
assert_not_contains "$(cat "$GL_LAST_OUT" "$GL_LAST_ERR")" "wrongSECRETwrongSECRETwrong"
assert_not_contains "$(cat "$GL_LAST_OUT" "$GL_LAST_ERR")" "sEsSiOnToKeN"
rds_control '{"throttle": 1}'
GREENLIGHT_AWS_SIGNER=openssl assert_exit 0 gl_rds status --deployment "$id"
assert_contains "$(cat "$GL_LAST_ERR")" "attempt 1 of 5 failed (Throttling HTTP 400); retrying"
GREENLIGHT_AWS_SIGNER=hand-rolled assert_exit 64 gl_rds status --deployment "$id"
assert_contains "$(cat "$GL_LAST_ERR")" 'GREENLIGHT_AWS_SIGNER is "hand-rolled": use libcurl (the default) or openssl'

# --- delete ---------------------------------------------------------------------
assert_exit 0 gl_rds delete --deployment "$id" --delete-target
assert_contains "$(cat "$GL_LAST_OUT")" "deleted (with the green environment)"
assert_eq true "$(curl -sf "$GL_RDS_URL/_calls" | jq -r '[.[] | select(.action == "DeleteBlueGreenDeployment")][0].params.DeleteTarget')"
assert_exit 64 gl_rds status --deployment "$id"
assert_contains "$(cat "$GL_LAST_ERR")" "BlueGreenDeploymentNotFoundFault"
assert_exit 64 gl_rds delete --deployment "$id"
assert_eq 0 "$(grep -c 'standin: internal error' "$GL_TMP/standin.log" || true)" "the stand-in itself never failed"
