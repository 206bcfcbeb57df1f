#!/usr/bin/env bash
# Signed decision records, the audit log and signed policies, from real runs:
# keygen; --sign-key writes DIR/decision.json (digests of policy, policy input
# and plugin .so files, who, change id, ticket); `verify` names every edited,
# added or removed field and a wrong key; the log detects removed, inserted,
# reordered and truncated records at every position; parallel writers keep one
# intact chain; --policy-pub refuses unsigned or wrongly signed policies (64).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin
T=$GL_TMP

# Offline runs from snapshots keep the many runs below fast.
assert_exit 0 "$GL_BIN" snapshot --target "$(gl_conninfo blue "$GL_DB")" -o "$T/blue.json"
assert_exit 0 "$GL_BIN" snapshot --target "$(gl_conninfo green "$GL_DB")" -o "$T/green.json"
run() { "$GL_BIN" check --no-color --blue "$T/blue.json" --green "$T/green.json" --plugins parameters,engine_version "$@"; }

# --- keys ----------------------------------------------------------------------
assert_exit 0 "$GL_BIN" keygen --out "$T/key"
assert_eq 600 "$(stat -c %a "$T/key")" "private key mode"
assert_contains "$(cat "$T/key")" "-----BEGIN PRIVATE KEY-----"
assert_contains "$(cat "$T/key.pub")" "-----BEGIN PUBLIC KEY-----"
assert_eq ED25519 "$(openssl pkey -in "$T/key" -noout -text 2>/dev/null | head -n1 | awk '{print $1}')"
assert_exit 64 "$GL_BIN" keygen --out "$T/key"
assert_contains "$(cat "$GL_LAST_ERR")" "never overwrites"
assert_exit 0 "$GL_BIN" keygen --out "$T/other"
cp "$T/key" "$T/loose" && chmod 644 "$T/loose"
assert_exit 64 run --sign-key "$T/loose" --out "$T/x"
assert_contains "$(cat "$GL_LAST_ERR")" "is readable by others (mode 644): chmod 600"
assert_exit 64 run --audit-log "$T/log"
assert_contains "$(cat "$GL_LAST_ERR")" "--audit-log needs --sign-key KEY"
assert_exit 64 run --sign-key "$T/key"
assert_contains "$(cat "$GL_LAST_ERR")" "--sign-key needs --out DIR"
cp "$T/key.pub" "$T/notpriv" && chmod 600 "$T/notpriv"
assert_exit 64 run --sign-key "$T/notpriv" --out "$T/x"
assert_contains "$(cat "$GL_LAST_ERR")" "is not a PEM private key"

# --- one signed record ------------------------------------------------------------
printf '{"id":"CHG-42","ticket":"OPS-7","kind":"parameters"}' >"$T/change.json"
assert_exit 1 run --change "$T/change.json" --save-input "$T/input.json" --sign-key "$T/key" --out "$T/d1"
d=$T/d1/decision.json
assert_file_exists "$d"
assert_exit 0 "$GL_BIN" verify "$d" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" "ok: $d: 1 record, every signature verifies with key id"
r=$T/d1/report.json
assert_eq hold "$(json_get "$d" .record.decision)"
assert_eq 1 "$(json_get "$d" .record.exit_code)"
assert_eq "$(json_get "$r" .run_id)" "$(json_get "$d" .record.run_id)"
assert_eq "$(jq -S -c .decision.reasons "$r")" "$(jq -S -c .record.reasons "$d")" "reasons"
assert_eq "$(sha256sum <"$GL_SOURCE_DIR/policies/default.lua" | cut -d' ' -f1)" "$(json_get "$d" .record.policy.sha256)"
assert_eq "$(sha256sum <"$T/input.json" | cut -d' ' -f1)" "$(json_get "$d" .record.policy.input_sha256)" "policy input digest"
so=$(json_get "$r" '.plugins[] | select(.name == "parameters") | .path')
assert_eq "$(sha256sum <"$so" | cut -d' ' -f1)" "$(json_get "$d" .record.plugins.parameters.sha256)" "plugin .so digest"
assert_eq "$(sha256sum <"$r" | cut -d' ' -f1)" "$(json_get "$d" .record.report_sha256)" "report digest"
assert_eq "$(id -un)" "$(json_get "$d" .record.user)"
assert_eq "$(hostname)" "$(json_get "$d" .record.host)"
assert_eq CHG-42 "$(json_get "$d" .record.change_id)"
assert_eq OPS-7 "$(json_get "$d" .record.ticket)"
assert_eq "$(json_get "$r" .greenlight_version)" "$(json_get "$d" .record.greenlight_version)"
assert_eq Ed25519 "$(json_get "$d" .signature.alg)"
# The record is canonical JSON (RFC 8785): sorted keys, no whitespace.
assert_eq "$(jq -S -c . "$d")" "$(cat "$d")" "canonical form"

# Every field edited, one at a time, is named.
for field in $(jq -r '.record | keys[]' "$d"); do
  jq -c --arg f "$field" '.record[$f] |= (if type == "string" then . + "x" elif type == "number" then . + 1
    elif type == "null" then "x" elif type == "array" then . + ["x"] elif type == "object" then . + {"x": 1} else . end)' \
    "$d" >"$T/edited.json"
  assert_exit 1 "$GL_BIN" verify "$T/edited.json" --pub "$T/key.pub"
  assert_contains "$(cat "$GL_LAST_OUT")" "field \"$field\" was edited"
done
jq -c 'del(.record.ticket)' "$d" >"$T/removed.json"
assert_exit 1 "$GL_BIN" verify "$T/removed.json" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" 'field "ticket" was removed'
jq -c '.record.approved_by = "mallory"' "$d" >"$T/added.json"
assert_exit 1 "$GL_BIN" verify "$T/added.json" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" 'field "approved_by" was added (it is not signed)'
jq -c '.record.decision = "switchover" | .record.exit_code = 0' "$d" >"$T/forged.json"
assert_exit 1 "$GL_BIN" verify "$T/forged.json" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" 'field "decision" was edited; field "exit_code" was edited'
assert_exit 1 "$GL_BIN" verify "$d" --pub "$T/other.pub"
assert_contains "$(cat "$GL_LAST_OUT")" "signed with another key"
jq -c '.signature.nonce = "00000000000000000000000000000000"' "$d" >"$T/nonce.json"
assert_exit 1 "$GL_BIN" verify "$T/nonce.json" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" "no field verifies"
assert_exit 64 "$GL_BIN" verify "$d" --pub "$T/missing.pub"
assert_contains "$(cat "$GL_LAST_ERR")" "missing.pub"

# --- the audit log: parallel writers, then every position tampered ---------------
for i in 1 2 3 4 5 6; do
  (
    trap - ERR
    rc=0
    run --sign-key "$T/key" --audit-log "$T/log" --change "$T/change.json" >/dev/null 2>"$T/par.$i.err" || rc=$?
    echo "$rc" >"$T/par.$i.rc"
  ) &
done
wait
for i in 1 2 3 4 5 6; do
  assert_eq 1 "$(cat "$T/par.$i.rc")" "writer $i decided hold"
  assert_eq "" "$(grep -v '^audit log:' "$T/par.$i.err" || true)" "writer $i stderr"
done
assert_eq 6 "$(wc -l <"$T/log")" "six records"
assert_exit 0 "$GL_BIN" verify "$T/log" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" "6 records, chain intact"
assert_eq "1 2 3 4 5 6" "$(jq -r .record.seq "$T/log" | xargs)" "seq in order"
assert_eq null "$(head -n1 "$T/log" | jq -r .record.prev)"
assert_eq "$(sed -n 2p "$T/log" | jq -r .record.prev)" "$(head -n1 "$T/log" | tr -d '\n' | sha256sum | cut -d' ' -f1)" "prev = sha256(line before)"
L=$T/log
verify_bad() { # FILE EXPECTED...
  local f=$1; shift
  assert_exit 1 "$GL_BIN" verify "$f" --pub "$T/key.pub"
  for want in "$@"; do assert_contains "$(cat "$GL_LAST_OUT")" "$want"; done
}
sed '1d' "$L" >"$T/t" && verify_bad "$T/t" "the log starts at seq 2: record 1 was removed"
for k in 2 3 4 5; do
  sed "${k}d" "$L" >"$T/t" && verify_bad "$T/t" "$T/t:$k: seq $((k + 1)) follows seq $((k - 1)): record $k was removed"
done
sed '2,4d' "$L" >"$T/t" && verify_bad "$T/t" "seq 5 follows seq 1: records 2 to 4 were removed"
for k in 1 2 3 4 5; do
  awk -v k="$k" 'NR == k { held = $0; next } { print } NR == k + 1 { print held }' "$L" >"$T/t"
  verify_bad "$T/t" "$T/t:$((k + 1)): seq $k after seq $((k + 1)): records were reordered or a record was inserted"
done
for k in 1 3 6; do
  awk -v k="$k" '{ print } NR == k { print }' "$L" >"$T/t"
  verify_bad "$T/t" "$T/t:$((k + 1)): seq $k after seq $k: records were reordered or a record was inserted"
done
for k in 1 2 3 4 5 6; do
  awk -v k="$k" 'NR == k { sub(/"decision":"hold"/, "\"decision\":\"switchover\"") } { print }' "$L" >"$T/t"
  verify_bad "$T/t" "$T/t:$k: field \"decision\" was edited"
  if [ "$k" -lt 6 ]; then
    assert_contains "$(cat "$GL_LAST_OUT")" "$T/t:$((k + 1)): prev does not match line $k"
  fi
done
# A record signed by another key, inserted.
run --sign-key "$T/other" --audit-log "$T/otherlog" >/dev/null 2>&1 || true
{ head -n3 "$L"; cat "$T/otherlog"; tail -n +4 "$L"; } >"$T/t"
verify_bad "$T/t" "$T/t:4: signed with another key"
# Truncation: a cut last line, a line cut inside.
head -c -40 "$L" >"$T/t" && verify_bad "$T/t" "$T/t:6: incomplete last record (no end of line): the log was truncated"
awk 'NR == 3 { print substr($0, 1, 100); next } { print }' "$L" >"$T/t" && verify_bad "$T/t" "$T/t:3: not valid JSON"
# ... and greenlight refuses to extend a truncated log: exit 70, not a decision.
head -c -40 "$L" >"$T/trunc.log"
assert_exit 70 run --sign-key "$T/key" --audit-log "$T/trunc.log"
assert_contains "$(cat "$GL_LAST_ERR")" "ends with an incomplete record"

# --- a record written with the log carries its seq: it verifies on its own and
#     against the log, wherever it sits in it (it once said "record 1 was removed")
assert_exit 1 run --sign-key "$T/key" --audit-log "$T/two.log" --out "$T/two1"
assert_exit 1 run --sign-key "$T/key" --audit-log "$T/two.log" --out "$T/two2"
r2=$T/two2/decision.json
assert_eq 2 "$(json_get "$r2" .record.seq)"
assert_eq "$(sed -n 2p "$T/two.log")" "$(cat "$r2")" "decision.json is the log's line"
assert_exit 0 "$GL_BIN" verify "$r2" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" "ok: $r2: 1 record (seq 2 of an audit log: --log LOG checks it is in the chain), every signature verifies"
assert_not_contains "$(cat "$GL_LAST_OUT")" "removed"
assert_exit 0 "$GL_BIN" verify "$r2" --log "$T/two.log" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" "ok: $T/two.log: 2 records, chain intact"
assert_contains "$(cat "$GL_LAST_OUT")" "ok: $r2 is record 2 of $T/two.log, and the log verifies up to and past it"
assert_exit 0 "$GL_BIN" verify "$T/two1/decision.json" --log "$T/two.log" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" "is record 1 of $T/two.log"
# The log cut after record 1: the record anchors the head.
head -n1 "$T/two.log" >"$T/cut.log"
assert_exit 1 "$GL_BIN" verify "$r2" --log "$T/cut.log" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" "$r2: record seq 2 is not in $T/cut.log: the record or the log was altered, or records were removed from the log's end"
# Record 1 removed from the log: the log says so, and where the record now sits.
sed 1d "$T/two.log" >"$T/headless.log"
assert_exit 1 "$GL_BIN" verify "$r2" --log "$T/headless.log" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" "the log starts at seq 2: record 1 was removed"
assert_contains "$(cat "$GL_LAST_OUT")" "$r2: record seq 2 is line 1 of $T/headless.log: records before it were removed or inserted"
# An edited record is named before any log is read.
jq -c '.record.decision = "switchover"' "$r2" >"$T/two-edited.json"
assert_exit 1 "$GL_BIN" verify "$T/two-edited.json" --log "$T/two.log" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_OUT")" 'field "decision" was edited'
# A standalone record (no --audit-log) has no seq to look for.
assert_exit 64 "$GL_BIN" verify "$d" --log "$T/two.log" --pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_ERR")" "$d has no seq: it was not written to an audit log, so there is nothing to find in one"

# --- signed policies ------------------------------------------------------------------
cp "$GL_SOURCE_DIR/policies/default.lua" "$T/policy.lua"
assert_exit 64 run --policy "$T/policy.lua" --policy-pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_ERR")" "is not signed (no $T/policy.lua.sig)"
assert_exit 0 "$GL_BIN" sign-policy --key "$T/key" "$T/policy.lua"
assert_exit 1 run --policy "$T/policy.lua" --policy-pub "$T/key.pub" --out "$T/p1"
assert_eq hold "$(json_get "$T/p1/report.json" .decision.action)"
assert_exit 64 run --policy "$T/policy.lua" --policy-pub "$T/other.pub"
assert_contains "$(cat "$GL_LAST_ERR")" "does not verify with $T/other.pub"
printf '\n-- edited after signing\n' >>"$T/policy.lua"
assert_exit 64 run --policy "$T/policy.lua" --policy-pub "$T/key.pub"
assert_contains "$(cat "$GL_LAST_ERR")" "the policy changed after signing"
# Configured through the environment, the shipped (unsigned) policy is refused too.
assert_exit 64 env GREENLIGHT_POLICY_PUB="$T/key.pub" "$GL_BIN" check --blue "$T/blue.json" --green "$T/green.json"
assert_contains "$(cat "$GL_LAST_ERR")" "default.lua is not signed"
