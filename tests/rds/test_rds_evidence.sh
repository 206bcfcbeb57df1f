#!/usr/bin/env bash
# greenlight rds check/switchover take the gate's evidence options: a signed
# decision record and audit line written before SwitchoverBlueGreenDeployment
# is called (evidence that cannot be written stops it), a second signed record
# (kind "outcome") once the deployment reached its terminal state, and
# --policy-pub enforced before any API call.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/standin_lib.sh"
gl_require_bin
rds_standin_start
export PGUSER=postgres
T=$GL_TMP
printf '{"id":"CHG-15-17","ticket":"OPS-9","kind":"major_upgrade","target_version":"17"}' >"$T/change.json"
assert_exit 0 "$GL_BIN" keygen --out "$T/key"
assert_exit 0 "$GL_BIN" keygen --out "$T/other"

# --- usage: the evidence options belong to the deciding verbs ------------------
assert_exit 64 gl_rds status --deployment bgd-x --sign-key "$T/key" --out "$T/x"
assert_contains "$(cat "$GL_LAST_ERR")" "the gate's options belong to \`rds check\` and \`rds switchover\`, not \`rds status\`"
assert_exit 64 gl_rds switchover --deployment bgd-x --dbname "$GL_DB" --audit-log "$T/audit.log"
assert_contains "$(cat "$GL_LAST_ERR")" "--audit-log needs --sign-key KEY"
assert_exit 64 gl_rds check --deployment bgd-x --dbname "$GL_DB" --sign-key "$T/key"
assert_contains "$(cat "$GL_LAST_ERR")" "--sign-key needs --out DIR (writes DIR/decision.json) or --audit-log FILE"
assert_eq 0 "$(rds_calls | wc -l)" "no usage error reached the API"

# --- --policy-pub: an unsigned or wrongly signed policy is refused first -------
cp "$GL_SOURCE_DIR/policies/default.lua" "$T/policy.lua"
assert_exit 64 gl_rds switchover --deployment bgd-x --dbname "$GL_DB" --policy "$T/policy.lua" --policy-pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_ERR")" "is not signed (no $T/policy.lua.sig)"
assert_exit 64 env GREENLIGHT_POLICY_PUB="$T/key.pub" "$GL_BIN" rds check --deployment bgd-x --dbname "$GL_DB" \
  --endpoint-url "$GL_RDS_URL"
assert_contains "$(cat "$GL_LAST_ERR")" "is not signed"
assert_exit 0 "$GL_BIN" sign-policy --key "$T/key" "$T/policy.lua"
assert_exit 64 gl_rds switchover --deployment bgd-x --dbname "$GL_DB" --policy "$T/policy.lua" --policy-pub "$T/other.pub"
assert_contains "$(cat "$GL_LAST_ERR")" "does not verify with $T/other.pub"
assert_eq 0 "$(rds_calls | wc -l)" "a refused policy never reached the API"

# --- rds check: a signed record of the decision -----------------------------------
id=$(rds_new_deployment ev-one)
assert_exit 0 gl_rds check --deployment "$id" --dbname "$GL_DB" --change "$T/change.json" --no-color \
  --policy "$T/policy.lua" --policy-pub "$T/key.pub" --sign-key "$T/key" --out "$T/check"
assert_eq "rds check" "$(json_get "$T/check/decision.json" .record.verb)"
assert_eq switchover "$(json_get "$T/check/decision.json" .record.decision)"
assert_eq CHG-15-17 "$(json_get "$T/check/decision.json" .record.change_id)"
assert_exit 0 "$GL_BIN" verify "$T/check/decision.json" --pub "$T/key.pub"
assert_eq 0 "$(rds_count SwitchoverBlueGreenDeployment)" "check never switches over"

# --- a held gate: its record and audit line, and no Switchover ------------------
assert_exit 1 gl_rds switchover --deployment "$id" --dbname "$GL_DB" --no-color \
  --sign-key "$T/key" --audit-log "$T/audit.log" --out "$T/held"
assert_contains "$(cat "$GL_LAST_ERR")" "SwitchoverBlueGreenDeployment was not called"
assert_eq hold "$(json_get "$T/held/decision.json" .record.decision)"
assert_eq "rds switchover" "$(json_get "$T/held/decision.json" .record.verb)"
assert_eq 1 "$(wc -l <"$T/audit.log")" "one audit line: the decision"
assert_eq refused "$(json_get "$T/held/rds.json" .action)"
[ ! -e "$T/held/outcome.json" ] || gl_fail "a held gate wrote an outcome record"
assert_eq 0 "$(rds_count SwitchoverBlueGreenDeployment)" "hold: no Switchover call"

# --- evidence that cannot be written stops the switchover -----------------------
head -c -20 "$T/audit.log" >"$T/cut.log"
assert_exit 70 gl_rds switchover --deployment "$id" --dbname "$GL_DB" --change "$T/change.json" --no-color \
  --sign-key "$T/key" --audit-log "$T/cut.log"
assert_contains "$(cat "$GL_LAST_ERR")" "ends with an incomplete record"
assert_not_contains "$(cat "$GL_LAST_ERR")" "calling SwitchoverBlueGreenDeployment"
assert_eq 0 "$(rds_count SwitchoverBlueGreenDeployment)" "unwritable evidence: no Switchover call"
assert_eq AVAILABLE "$(curl -sf "$GL_RDS_URL/_state" | jq -r --arg id "$id" '.[$id].Status')"

# --- authorised: the decision before the call, the outcome after it ends --------
assert_exit 0 gl_rds switchover --deployment "$id" --dbname "$GL_DB" --change "$T/change.json" --no-color \
  --policy "$T/policy.lua" --policy-pub "$T/key.pub" --sign-key "$T/key" --audit-log "$T/audit.log" \
  --out "$T/done" --timeout 60
assert_eq 1 "$(rds_count SwitchoverBlueGreenDeployment)" "called once"
err=$(cat "$GL_LAST_ERR")
# The record was signed before the call was made.
assert_contains "$(sed -n '/signed record:/,$p' <<<"$err")" "calling SwitchoverBlueGreenDeployment"
assert_contains "$(sed -n '/calling SwitchoverBlueGreenDeployment/,$p' <<<"$err")" "signed outcome record: $T/done/outcome.json"
assert_eq 3 "$(wc -l <"$T/audit.log")" "held decision, then this decision and its outcome"
assert_eq "decision outcome" "$(tail -n 2 "$T/audit.log" | jq -r .record.kind | xargs)"
assert_eq switchover "$(sed -n 2p "$T/audit.log" | jq -r .record.decision)"
assert_eq "$(sed -n 2p "$T/audit.log" | jq -r .record.run_id)" "$(sed -n 3p "$T/audit.log" | jq -r .record.run_id)" "one run"
o=$T/done/outcome.json
assert_eq outcome "$(json_get "$o" .record.kind)"
assert_eq switchover "$(json_get "$o" .record.outcome.action)"
assert_eq SWITCHOVER_COMPLETED "$(json_get "$o" .record.outcome.status)"
assert_eq "$id" "$(json_get "$o" .record.outcome.deployment)"
assert_eq switchover-completed "$(json_get "$o" '.record.outcome.members[0].status')"
assert_eq null "$(json_get "$o" .record.outcome.error)"
assert_eq 3 "$(json_get "$o" .record.seq)"
assert_exit 0 "$GL_BIN" verify "$T/audit.log" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" "3 records, chain intact"
assert_exit 0 "$GL_BIN" verify "$T/done/decision.json" --log "$T/audit.log" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" "is record 2 of $T/audit.log"
assert_exit 0 "$GL_BIN" verify "$o" --log "$T/audit.log" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" "is record 3 of $T/audit.log"
# An outcome edited into a success it was not is named.
jq -c '.record.outcome.status = "SWITCHOVER_FAILED"' "$o" >"$T/edited.json"
assert_exit 1 "$GL_BIN" verify "$T/edited.json" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" 'field "outcome" was edited'

# --- a switchover RDS fails: the outcome record says so --------------------------
failing=$(rds_new_deployment ev-fail)
rds_control '{"switchover_outcome": "fail"}'
assert_exit 70 gl_rds switchover --deployment "$failing" --dbname "$GL_DB" --change "$T/change.json" --no-color \
  --sign-key "$T/key" --audit-log "$T/audit.log" --out "$T/failed"
assert_eq switchover "$(json_get "$T/failed/decision.json" .record.decision)"
assert_eq SWITCHOVER_FAILED "$(json_get "$T/failed/outcome.json" .record.outcome.status)"
assert_contains "$(json_get "$T/failed/outcome.json" .record.outcome.error)" "RDS reports the switchover of $failing FAILED"
assert_exit 0 "$GL_BIN" verify "$T/audit.log" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" "5 records, chain intact"

# No AWS secret in any record, report or log.
assert_not_contains "$(cat "$T/audit.log" "$T"/*/decision.json "$T"/*/outcome.json "$T"/*/report.json)" "$GL_RDS_SECRET"
assert_eq 0 "$(grep -c 'standin: internal error' "$GL_TMP/standin.log" || true)" "the stand-in itself never failed"
