# shellcheck shell=bash
# Sourced by the rds integration tests after tests/integration/lib.sh:
# starts the RDS stand-in (tests/rds/standin.py) on loopback with its
# databases pointing at the fixture's servers, and stops it on exit.
#
#   rds_standin_start           exports GL_RDS_URL, AWS_* for the stand-in
#   rds_control '{"throttle":2}'   tell it what to do next (JSON)
#   rds_calls                   the actions it accepted, one per line
#   rds_blue_arn                the source (blue, PostgreSQL 15) cluster ARN

GL_RDS_ACCOUNT=123456789012
GL_RDS_REGION=us-east-1
GL_RDS_SECRET='gLsTaNdInSeCrEt/K7MDENG+bPxRfiCYEXAMPLEKEY'
GL_RDS_BLUE_ARN="arn:aws:rds:$GL_RDS_REGION:$GL_RDS_ACCOUNT:cluster:pagila-prod"
GL_RDS_GHOST_ARN="arn:aws:rds:$GL_RDS_REGION:$GL_RDS_ACCOUNT:cluster:ghost"
GL_RDS_INSTANCE_ARN="arn:aws:rds:$GL_RDS_REGION:$GL_RDS_ACCOUNT:db:pagila-instance"
GL_RDS_PID=

rds_standin_stop() {
  if [ -n "$GL_RDS_PID" ]; then
    kill "$GL_RDS_PID" 2>/dev/null || true
    wait "$GL_RDS_PID" 2>/dev/null || true
    GL_RDS_PID=
  fi
}
trap 'rds__rc=$?; rds_standin_stop; gl__closing_line $rds__rc' EXIT

rds_standin_start() {
  local i dead_port
  [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import botocore' 2>/dev/null ||
    gl_fail "the RDS stand-in needs Debian's python3-botocore (tests/harness/install-deps.sh)"
  # A port nothing listens on, for a database that is down.
  dead_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$GL_TMP/standin.json" <<JSON
{"access_key_id": "AKIDGLSTANDIN", "secret_access_key": "$GL_RDS_SECRET", "region": "$GL_RDS_REGION",
 "databases": {
   "$GL_RDS_BLUE_ARN": {"kind": "cluster", "host": "$GL_BLUE_HOST", "port": $GL_BLUE_PORT, "engine_version": "15"},
   "$GL_RDS_INSTANCE_ARN": {"kind": "db", "host": "$GL_BLUE_HOST", "port": $GL_BLUE_PORT, "engine_version": "15"},
   "$GL_RDS_GHOST_ARN": {"kind": "cluster", "host": "127.0.0.1", "port": $dead_port, "engine_version": "15"}},
 "parameter_groups": ["pg17-params"],
 "green_host": "$GL_GREEN_HOST", "green_port": $GL_GREEN_PORT}
JSON
  /usr/bin/python3 "$GL_SOURCE_DIR/tests/rds/standin.py" "$GL_TMP/standin.json" "$GL_TMP/standin.port" \
    2>"$GL_TMP/standin.log" &
  GL_RDS_PID=$!
  for i in $(seq 1 100); do
    [ -s "$GL_TMP/standin.port" ] && break
    kill -0 "$GL_RDS_PID" 2>/dev/null || gl_fail "the RDS stand-in exited: $(cat "$GL_TMP/standin.log")"
    sleep 0.1
  done
  [ -s "$GL_TMP/standin.port" ] || gl_fail "the RDS stand-in did not start"
  export GL_RDS_URL="http://127.0.0.1:$(cat "$GL_TMP/standin.port")"
  export AWS_ACCESS_KEY_ID=AKIDGLSTANDIN AWS_SECRET_ACCESS_KEY="$GL_RDS_SECRET" AWS_REGION=$GL_RDS_REGION
  unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_REGION AWS_MAX_ATTEMPTS
  export GREENLIGHT_AWS_RETRY_BASE_MS=20 GREENLIGHT_RDS_POLL_MS=100
}

rds_control() {
  curl -sf -X POST --data "$1" "$GL_RDS_URL/_control" >/dev/null || gl_fail "cannot reach the stand-in's control"
}

rds_calls() {
  curl -sf "$GL_RDS_URL/_calls" | jq -r '.[].action'
}

# rds_count ACTION: how many ACTION calls the stand-in accepted.
rds_count() {
  rds_calls | grep -cx "$1" || true
}

# gl_rds ARGS...: greenlight rds against the stand-in.
gl_rds() {
  "$GL_BIN" rds "$@" --endpoint-url "$GL_RDS_URL"
}

# rds_new_deployment NAME: creates one and waits until AVAILABLE; prints its id.
rds_new_deployment() {
  local id
  "$GL_BIN" rds create --endpoint-url "$GL_RDS_URL" --source "$GL_RDS_BLUE_ARN" --target-engine-version 17.2 \
    --name "$1" >"$GL_TMP/create.out" || gl_fail "rds create failed: $(cat "$GL_TMP/create.out")"
  id=$(sed -n 's/^deployment \(bgd-[0-9a-f]*\) .*/\1/p' "$GL_TMP/create.out")
  [ -n "$id" ] || gl_fail "no deployment id in: $(cat "$GL_TMP/create.out")"
  "$GL_BIN" rds status --endpoint-url "$GL_RDS_URL" --deployment "$id" >/dev/null || gl_fail "rds status failed"
  printf '%s\n' "$id"
}
