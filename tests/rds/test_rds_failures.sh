#!/usr/bin/env bash
# What test_rds_api.sh and test_rds_gate.sh leave out: the flags' less used
# forms (create without --name, an instance source, delete keeping green,
# --region against the endpoint's), and the API failing *after* the gate
# authorised: a Switchover answer lost and retried, 5xx on every Switchover
# attempt, and the API failing while greenlight follows the switchover.
# None of them may end in an exit 0 that was not a completed switchover.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/standin_lib.sh"
gl_require_bin
rds_standin_start
export PGUSER=postgres
printf '{"id":"CHG-15-17","kind":"major_upgrade","target_version":"17"}' >"$GL_TMP/change.json"
calls_of() { curl -sf "$GL_RDS_URL/_calls" | jq -c --arg a "$1" '[.[] | select(.action == $a)]'; }

# --- create: the default name, an instance source ---------------------------------
assert_exit 0 gl_rds create --source "$GL_RDS_BLUE_ARN" --target-engine-version 17.2
name=$(sed -n 's/^deployment bgd-[0-9a-f]* (\([^)]*\)).*/\1/p' "$GL_LAST_OUT")
[[ $name =~ ^greenlight-[0-9]{8}-[0-9]{6}$ ]] || gl_fail "default name greenlight-YYYYMMDD-HHMMSS, got '$name'"
assert_eq "$name" "$(calls_of CreateBlueGreenDeployment | jq -r '.[-1].params.BlueGreenDeploymentName')"
assert_exit 0 gl_rds create --source "$GL_RDS_INSTANCE_ARN" --target-engine-version 17.2 --name inst-one \
  --target-parameter-group pg17-params
create=$(calls_of CreateBlueGreenDeployment | jq -c '.[-1].params')
assert_eq pg17-params "$(jq -r .TargetDBParameterGroupName <<<"$create")" "an instance source gets a DB parameter group"
assert_eq null "$(jq -r .TargetDBClusterParameterGroupName <<<"$create")"

# --- an instance source: the gate's endpoints come from DescribeDBInstances --------
inst_dep=$(sed -n 's/^deployment \(bgd-[0-9a-f]*\) .*/\1/p' "$GL_LAST_OUT")
assert_exit 0 gl_rds status --deployment "$inst_dep"
assert_exit 1 gl_rds check --deployment "$inst_dep" --dbname "$GL_DB" --no-color --out "$GL_TMP/inst"
assert_eq 2 "$(calls_of DescribeDBInstances | jq length)" "blue and green resolved with DescribeDBInstances"
assert_eq "$GL_RDS_INSTANCE_ARN" "$(calls_of DescribeDBInstances | jq -r '.[0].params.DBInstanceIdentifier')"
assert_eq 15 "$(json_get "$GL_TMP/inst/report.json" '.targets.blue.server_version_num / 10000 | floor')"
assert_eq 17 "$(json_get "$GL_TMP/inst/report.json" '.targets.green.server_version_num / 10000 | floor')"
# The gate's own inputs are refused before any API call: a misspelt plugin in
# --config, a change file that is not one, an unknown plugin in --plugins.
before=$(rds_calls | wc -l)
printf '{"plugins": {"paramters": {}}}' >"$GL_TMP/conf.json"
assert_exit 64 gl_rds switchover --deployment "$inst_dep" --dbname "$GL_DB" --config "$GL_TMP/conf.json"
assert_contains "$(cat "$GL_LAST_ERR")" '$.plugins.paramters: no plugin of that name (did you mean "parameters"?)'
printf '{"id": "CHG-1", "knd": "major_upgrade"}' >"$GL_TMP/badchange.json"
assert_exit 64 gl_rds check --deployment "$inst_dep" --dbname "$GL_DB" --change "$GL_TMP/badchange.json"
assert_contains "$(cat "$GL_LAST_ERR")" "knd"
assert_exit 64 gl_rds check --deployment "$inst_dep" --dbname "$GL_DB" --plugins parameters,nosuchcheck
assert_contains "$(cat "$GL_LAST_ERR")" "nosuchcheck"
assert_eq "$before" "$(rds_calls | wc -l)" "no API call for a usage error"
assert_eq 0 "$(calls_of SwitchoverBlueGreenDeployment | jq length)"

# --- delete without --delete-target keeps green -----------------------------------
assert_exit 0 gl_rds delete --deployment "$inst_dep"
assert_contains "$(cat "$GL_LAST_OUT")" "deleted (the green environment is kept)"
assert_eq null "$(calls_of DeleteBlueGreenDeployment | jq -r '.[-1].params.DeleteTarget')" "DeleteTarget not sent"

# --- --region: it wins over AWS_REGION, and a region the endpoint does not serve is named
id=$(rds_new_deployment fail-one)
AWS_REGION=eu-west-1 assert_exit 0 gl_rds status --deployment "$id" --region us-east-1
assert_exit 64 gl_rds status --deployment "$id" --region eu-west-1
assert_contains "$(cat "$GL_LAST_ERR")" "AWS refused the request: it was signed for region eu-west-1, which the endpoint $GL_RDS_URL does not serve: check --region (or AWS_REGION) against --endpoint-url (SignatureDoesNotMatch"
assert_exit 64 gl_rds status --deployment "$id" --region 'eu-west-1;x'
assert_contains "$(cat "$GL_LAST_ERR")" "is not a region name"

# --- 5xx on every Switchover attempt: exit 69, nothing switched -------------------
rds_control '{"fail_5xx": 50, "only_action": "SwitchoverBlueGreenDeployment"}'
AWS_MAX_ATTEMPTS=3 assert_exit 69 gl_rds switchover --deployment "$id" --dbname "$GL_DB" --change "$GL_TMP/change.json" \
  --no-color --out "$GL_TMP/5xx"
assert_contains "$(cat "$GL_LAST_ERR")" "the RDS API kept failing (HTTP 503) after 3 attempts: retry later"
assert_eq 3 "$(calls_of SwitchoverBlueGreenDeployment | jq length)"
assert_eq AVAILABLE "$(json_get "$GL_TMP/5xx/rds.json" .status)"
assert_contains "$(json_get "$GL_TMP/5xx/rds.json" .error)" "HTTP 503"
assert_eq AVAILABLE "$(curl -sf "$GL_RDS_URL/_state" | jq -r --arg id "$id" '.[$id].Status')"
rds_control '{"fail_5xx": 0, "only_action": null}'

# --- the Switchover answer is lost: the retry is refused, greenlight follows ------
# Attempts 1 and 2 hang past the 1 s timeout; RDS still serves them (1 starts
# the switchover), so attempt 3 finds it SWITCHOVER_IN_PROGRESS.
rds_control '{"hang_seconds": 1.5, "hang_count": 2, "only_action": "SwitchoverBlueGreenDeployment", "steps": 3}'
before=$(calls_of SwitchoverBlueGreenDeployment | jq length)
GREENLIGHT_AWS_TIMEOUT_MS=1000 assert_exit 0 gl_rds switchover --deployment "$id" --dbname "$GL_DB" \
  --change "$GL_TMP/change.json" --no-color --out "$GL_TMP/lost"
assert_contains "$(cat "$GL_LAST_ERR")" "SwitchoverBlueGreenDeployment attempt 1 of 5 failed (Operation timed out"
assert_contains "$(cat "$GL_LAST_ERR")" "rds: the switchover request was retried and RDS is switching over: following it"
assert_contains "$(cat "$GL_LAST_ERR")" "rds: switchover of $id completed: green is production"
assert_eq SWITCHOVER_COMPLETED "$(json_get "$GL_TMP/lost/rds.json" .status)"
sleep 1.5 # attempt 2 is recorded when the stand-in serves it, after its hang
assert_eq 3 "$(($(calls_of SwitchoverBlueGreenDeployment | jq length) - before))" "two lost answers, one refusal"
rds_control '{"hang_count": 0, "only_action": null, "steps": 1}'

# --- the API fails while greenlight follows the switchover ------------------------
# RDS accepted the call and is switching over; then DescribeBlueGreenDeployments
# keeps failing: greenlight says it lost track (never exit 0), and where to look.
follow=$(rds_new_deployment fail-follow)
rds_control '{"steps": 40}'
(
  trap - ERR
  for _ in $(seq 1 600); do
    if [ "$(calls_of SwitchoverBlueGreenDeployment | jq --arg id "$follow" '[.[] | select(.params.BlueGreenDeploymentIdentifier == $id)] | length')" -gt 0 ]; then
      rds_control '{"fail_5xx": 100, "only_action": "DescribeBlueGreenDeployments"}'
      exit 0
    fi
    sleep 0.05
  done
) &
watcher=$!
AWS_MAX_ATTEMPTS=2 assert_exit 69 gl_rds switchover --deployment "$follow" --dbname "$GL_DB" \
  --change "$GL_TMP/change.json" --no-color --out "$GL_TMP/lost-track" --timeout 60
wait "$watcher"
assert_contains "$(cat "$GL_LAST_ERR")" "the switchover of $follow was requested but greenlight lost track of it: the RDS API kept failing (HTTP 503) after 2 attempts"
assert_contains "$(cat "$GL_LAST_ERR")" "check \`greenlight rds status --deployment $follow\`"
assert_not_contains "$(cat "$GL_LAST_ERR")" "completed: green is production"
assert_eq SWITCHOVER_IN_PROGRESS "$(json_get "$GL_TMP/lost-track/rds.json" .status)" "the last state seen"
rds_control '{"fail_5xx": 0, "only_action": null, "steps": 1}'
assert_exit 0 gl_rds status --deployment "$follow"

# An answer past the 16 MiB cap is refused, never retried, never read whole.
rds_control '{"oversize": 1, "only_action": null}'
before=$(calls_of DescribeBlueGreenDeployments | jq length)
assert_exit 69 gl_rds status --deployment "$follow"
assert_contains "$(cat "$GL_LAST_ERR")" "the RDS answer to DescribeBlueGreenDeployments is larger than 16777216 bytes"
assert_eq 1 "$(($(calls_of DescribeBlueGreenDeployments | jq length) - before))" "not retried"
assert_exit 0 gl_rds status --deployment "$follow"
assert_eq 0 "$(grep -c 'standin: internal error' "$GL_TMP/standin.log" || true)" "the stand-in itself never failed"
