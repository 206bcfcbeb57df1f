#!/usr/bin/env bash
# greenlight rds check/switchover: the real gate (plugins + policy) runs
# against the deployment's blue (PostgreSQL 15) and green (17) endpoints, as
# the RDS stand-in resolves them; SwitchoverBlueGreenDeployment is called only
# when the gate authorises it, and followed to a terminal state.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/standin_lib.sh"
gl_require_bin
rds_standin_start
export PGUSER=postgres
printf '{"id":"CHG-15-17","kind":"major_upgrade","target_version":"17"}' >"$GL_TMP/change.json"

# --- check: endpoints from the API, the real gate, the report ----------------
id=$(rds_new_deployment gate-one)
assert_exit 1 gl_rds check --deployment "$id" --dbname "$GL_DB" --no-color --out "$GL_TMP/check"
assert_contains "$(cat "$GL_LAST_ERR")" "rds: deployment $id is AVAILABLE; gating blue $GL_RDS_BLUE_ARN against green $GL_RDS_BLUE_ARN-green-"
assert_contains "$(cat "$GL_LAST_OUT")" "decision: hold (exit 1)"
assert_eq 15 "$(json_get "$GL_TMP/check/report.json" '.targets.blue.server_version_num / 10000 | floor')"
assert_eq 17 "$(json_get "$GL_TMP/check/report.json" '.targets.green.server_version_num / 10000 | floor')"
assert_contains "$(json_get "$GL_TMP/check/report.json" '[.decision.reasons[].rule] | join(",")')" "major_upgrade"
assert_eq 2 "$(rds_count DescribeDBClusters)" "both endpoints resolved with DescribeDBClusters"
# --format json and an explicit conninfo template (its password never shows).
assert_exit 0 env -u PGUSER "$GL_BIN" rds check --deployment "$id" --dbname "$GL_DB" --change "$GL_TMP/change.json" \
  --format json --conninfo "user=postgres password=hUnTeR2sEcReT" --endpoint-url "$GL_RDS_URL"
assert_eq switchover "$(jq -r .decision.action "$GL_LAST_OUT")"
assert_not_contains "$(cat "$GL_LAST_OUT" "$GL_LAST_ERR")" "hUnTeR2sEcReT"
assert_not_contains "$(cat "$GL_LAST_OUT" "$GL_LAST_ERR")" "$GL_RDS_SECRET"
assert_eq 0 "$(rds_count SwitchoverBlueGreenDeployment)" "check never switches over"
# --conninfo cannot redirect the gate to other servers than the deployment's.
assert_exit 64 gl_rds check --deployment "$id" --dbname "$GL_DB" --conninfo "user=postgres host=/tmp"
assert_contains "$(cat "$GL_LAST_ERR")" "--conninfo may not set host: the deployment's endpoints and --dbname say where to connect"
assert_exit 64 gl_rds check --deployment "$id" --dbname "$GL_DB" --conninfo "user=postgres dbname=other"
assert_contains "$(cat "$GL_LAST_ERR")" "--conninfo may not set dbname"
assert_exit 64 gl_rds check --deployment "$id" --dbname "$GL_DB" --conninfo "user='unterminated"
assert_contains "$(cat "$GL_LAST_ERR")" "--conninfo is not a libpq conninfo: unterminated quoted string in connection info string"

# --- a held gate never calls SwitchoverBlueGreenDeployment ---------------------
assert_exit 1 gl_rds switchover --deployment "$id" --dbname "$GL_DB" --no-color --out "$GL_TMP/held" --format text,junit
assert_contains "$(cat "$GL_LAST_ERR")" "greenlight: not switching over: the gate did not authorise it (exit 1); SwitchoverBlueGreenDeployment was not called"
assert_eq hold "$(json_get "$GL_TMP/held/report.json" .decision.action)"
assert_file_exists "$GL_TMP/held/report.junit.xml"
assert_exit 64 gl_rds check --deployment "$id" --dbname "$GL_DB" --format yaml
assert_eq refused "$(json_get "$GL_TMP/held/rds.json" .action)"
assert_eq AVAILABLE "$(json_get "$GL_TMP/held/rds.json" .status)"
assert_eq 0 "$(rds_count SwitchoverBlueGreenDeployment)" "hold: no Switchover call"
# A database that cannot be reached: the gate fails closed, no Switchover.
ghost=$("$GL_BIN" rds create --endpoint-url "$GL_RDS_URL" --source "$GL_RDS_GHOST_ARN" --target-engine-version 17.2 --name gate-ghost |
  sed -n 's/^deployment \(bgd-[0-9a-f]*\) .*/\1/p')
assert_exit 0 gl_rds status --deployment "$ghost"
assert_exit 69 gl_rds switchover --deployment "$ghost" --dbname "$GL_DB" --change "$GL_TMP/change.json" --no-color
assert_contains "$(cat "$GL_LAST_ERR")" "SwitchoverBlueGreenDeployment was not called"
assert_eq 0 "$(rds_count SwitchoverBlueGreenDeployment)" "unavailable: no Switchover call"
# A throttled API before the gate: no gate, no Switchover.
rds_control '{"throttle": 20}'
AWS_MAX_ATTEMPTS=2 assert_exit 69 gl_rds switchover --deployment "$id" --dbname "$GL_DB" --change "$GL_TMP/change.json"
assert_contains "$(cat "$GL_LAST_ERR")" "kept throttling DescribeBlueGreenDeployments"
rds_control '{"throttle": 0}'
# A throttled Switchover that never gets through: nothing switched.
rds_control '{"throttle": 20, "only_action": "SwitchoverBlueGreenDeployment"}'
AWS_MAX_ATTEMPTS=2 assert_exit 69 gl_rds switchover --deployment "$id" --dbname "$GL_DB" --change "$GL_TMP/change.json"
assert_contains "$(cat "$GL_LAST_ERR")" "the RDS API kept throttling SwitchoverBlueGreenDeployment after 2 attempts"
assert_contains "$(curl -sf "$GL_RDS_URL/_state" | jq -r --arg id "$id" '.[$id].Status')" "AVAILABLE"
# Not AVAILABLE: refused before the gate.
prov=$("$GL_BIN" rds create --endpoint-url "$GL_RDS_URL" --source "$GL_RDS_BLUE_ARN" --target-engine-version 17.2 --name gate-prov |
  sed -n 's/^deployment \(bgd-[0-9a-f]*\) .*/\1/p')
rds_control '{"throttle": 0, "only_action": null, "steps": 100}'
assert_exit 1 gl_rds switchover --deployment "$prov" --dbname "$GL_DB" --change "$GL_TMP/change.json"
assert_contains "$(cat "$GL_LAST_ERR")" "not switching over: the deployment $prov is PROVISIONING, and a switchover needs AVAILABLE"
rds_control '{"steps": 1}'

# --- authorised: called once (after one throttled try), followed to the end ----
rds_control '{"throttle": 1, "only_action": "SwitchoverBlueGreenDeployment", "steps": 2}'
before=$(rds_count SwitchoverBlueGreenDeployment)
assert_exit 0 gl_rds switchover --deployment "$id" --dbname "$GL_DB" --change "$GL_TMP/change.json" --timeout 60 \
  --no-color --out "$GL_TMP/done"
assert_contains "$(cat "$GL_LAST_ERR")" "rds: the gate authorised the switchover; calling SwitchoverBlueGreenDeployment (timeout 60 s)"
assert_contains "$(cat "$GL_LAST_ERR")" "deployment SWITCHOVER_IN_PROGRESS"
assert_contains "$(cat "$GL_LAST_ERR")" ": switchover-in-progress"
assert_contains "$(cat "$GL_LAST_ERR")" "deployment SWITCHOVER_COMPLETED"
assert_contains "$(cat "$GL_LAST_ERR")" "rds: switchover of $id completed: green is production"
assert_eq switchover "$(json_get "$GL_TMP/done/report.json" .decision.action)"
assert_eq SWITCHOVER_COMPLETED "$(json_get "$GL_TMP/done/rds.json" .status)"
assert_eq switchover-completed "$(json_get "$GL_TMP/done/rds.json" '.members[0].status')"
assert_eq 2 "$(($(rds_count SwitchoverBlueGreenDeployment) - before))" "one throttled attempt, one accepted"
assert_eq 60 "$(curl -sf "$GL_RDS_URL/_calls" | jq -r '[.[] | select(.action == "SwitchoverBlueGreenDeployment")][-1].params.SwitchoverTimeout')"
rds_control '{"only_action": null}'
# Once switched over, a second switchover is refused by RDS.
assert_exit 1 gl_rds switchover --deployment "$id" --dbname "$GL_DB" --change "$GL_TMP/change.json"
assert_contains "$(cat "$GL_LAST_ERR")" "is SWITCHOVER_COMPLETED, and a switchover needs AVAILABLE"

# --- RDS fails the switchover / goes INVALID_CONFIGURATION / never finishes ----
failing=$(rds_new_deployment gate-fail)
rds_control '{"switchover_outcome": "fail"}'
assert_exit 70 gl_rds switchover --deployment "$failing" --dbname "$GL_DB" --change "$GL_TMP/change.json" --out "$GL_TMP/failed"
assert_contains "$(cat "$GL_LAST_ERR")" "RDS reports the switchover of $failing FAILED and rolled it back; blue is still production (Switchover timed out"
assert_eq SWITCHOVER_FAILED "$(json_get "$GL_TMP/failed/rds.json" .status)"
invalid=$(rds_new_deployment gate-invalid)
rds_control '{"switchover_outcome": "invalid"}'
assert_exit 70 gl_rds switchover --deployment "$invalid" --dbname "$GL_DB" --change "$GL_TMP/change.json"
assert_contains "$(cat "$GL_LAST_ERR")" "RDS reports the deployment $invalid INVALID_CONFIGURATION: the switchover did not complete"
stuck=$(rds_new_deployment gate-stuck)
rds_control '{"switchover_outcome": "hang"}'
assert_exit 70 gl_rds switchover --deployment "$stuck" --dbname "$GL_DB" --change "$GL_TMP/change.json" --timeout 30
assert_contains "$(cat "$GL_LAST_ERR")" "the switchover of $stuck is still SWITCHOVER_IN_PROGRESS after --timeout 30 s"
# Provisioning that ends INVALID_CONFIGURATION: status shows it; switchover refuses.
rds_control '{"provisioning_outcome": "invalid"}'
bad=$(rds_new_deployment gate-badprov)
assert_exit 0 gl_rds status --deployment "$bad"
assert_contains "$(cat "$GL_LAST_OUT")" "INVALID_CONFIGURATION"
assert_exit 1 gl_rds switchover --deployment "$bad" --dbname "$GL_DB" --change "$GL_TMP/change.json"
assert_contains "$(cat "$GL_LAST_ERR")" "is INVALID_CONFIGURATION, and a switchover needs AVAILABLE"
assert_eq 7 "$(rds_count SwitchoverBlueGreenDeployment)" "Switchover called only for the authorised runs (2 throttled + 2 + 3)"
assert_eq 0 "$(grep -c 'standin: internal error' "$GL_TMP/standin.log" || true)" "the stand-in itself never failed"
