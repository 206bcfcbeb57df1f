#!/usr/bin/env bash
# --notify webhooks against a live local receiver (notify_receiver.py): the
# JSON payload and its X-Greenlight-Signature (HMAC-SHA256 of the body, checked
# here with Python's hmac), the Slack payload, retries with backoff on 5xx, no
# retry on 4xx, timeouts and refused connections. A failing webhook never
# changes the decision or the exit code, and says so; the URL's path (often a
# token) is never printed; no password or the webhook secret is ever sent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin
T=$GL_TMP
SECRET=whsec-Canary-5150

python3 "$GL_SOURCE_DIR/tests/integration/notify_receiver.py" "$T/port" "$T/received.jsonl" &
receiver=$!
trap 'kill "$receiver" 2>/dev/null; gl__closing_line $?' EXIT
for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || gl_fail "the webhook receiver did not start"
H=http://127.0.0.1:$(cat "$T/port")
# received PATH: every request the receiver got on PATH, as a JSON array.
received() { jq -s --arg p "$1" '[.[] | select(.path == $p)]' "$T/received.jsonl"; }

# --- a live held run with a password in its conninfo --------------------------
a=$(gl_clone_db blue "$(gl_unique_name ntf_a)")
b=$(gl_clone_db blue "$(gl_unique_name ntf_b)")
gl_sql blue postgres "ALTER DATABASE \"$b\" SET work_mem = '64MB'" >/dev/null
blue="host=127.0.0.1 port=$GL_BLUE_PORT user=postgres dbname=$a password=$GL_TEST_PASSWORD"
green="postgresql://postgres:$GL_TEST_PASSWORD@127.0.0.1:$GL_BLUE_PORT/$b"
printf '{"id":"CHG-9 <!channel>","ticket":"OPS-1","kind":"parameters"}' >"$T/change.json"

assert_exit 1 env GREENLIGHT_WEBHOOK_SECRET=$SECRET "$GL_BIN" check --no-color --blue "$blue" --green "$green" \
  --change "$T/change.json" --out "$T/held" \
  --notify "$H/ok/T0ken-Path-Canary" --notify "slack:$H/slack/hook" --notify "$H/flaky"
err=$(cat "$GL_LAST_ERR")
assert_contains "$err" "notified: $H
notified: slack:$H"
assert_contains "$err" "notify: $H attempt 1 of 4 failed (HTTP 500); retrying after"
assert_contains "$err" "notify: $H attempt 2 of 4 failed (HTTP 500); retrying after"
assert_eq 3 "$(grep -c "^notified: " "$GL_LAST_ERR")" "three webhooks delivered"
assert_not_contains "$err" "T0ken-Path-Canary" "a webhook URL's path is never printed"

# The generic payload, and its signature checked independently.
ok=$(received /ok/T0ken-Path-Canary)
assert_eq 1 "$(jq length <<<"$ok")"
body=$(jq -r '.[0].body' <<<"$ok")
assert_eq greenlight-notification/1 "$(jq -r .schema <<<"$body")"
assert_eq hold "$(jq -r .decision <<<"$body")"
assert_eq 1 "$(jq -r .exit_code <<<"$body")"
assert_eq check "$(jq -r .verb <<<"$body")"
assert_eq "$(json_get "$T/held/report.json" .run_id)" "$(jq -r .run_id <<<"$body")"
assert_eq "$(json_get "$T/held/report.json" '.decision.reasons | length')" "$(jq '.reasons | length' <<<"$body")"
assert_eq "CHG-9 <!channel>" "$(jq -r .change.id <<<"$body")"
assert_eq OPS-1 "$(jq -r .change.ticket <<<"$body")"
assert_contains "$(jq -r .targets.green <<<"$body")" "********"
assert_eq application/json "$(jq -r '.[0].headers["Content-Type"]' <<<"$ok")"
assert_eq decision "$(jq -r '.[0].headers["X-Greenlight-Event"]' <<<"$ok")"
want=$(jq -j '.[0].body' <<<"$ok" | python3 -c 'import hmac,hashlib,sys; print("sha256=" + hmac.new(sys.argv[1].encode(), sys.stdin.buffer.read(), hashlib.sha256).hexdigest())' "$SECRET")
assert_eq "$want" "$(jq -r '.[0].headers["X-Greenlight-Signature"]' <<<"$ok")" "the HMAC-SHA256 signature of the body"
# The Slack payload: one text, Slack's escaping so the change id cannot ping a channel.
slack=$(jq -r '.[0].body' <<<"$(received /slack/hook)")
assert_eq '["text"]' "$(jq -c keys <<<"$slack")"
assert_contains "$(jq -r .text <<<"$slack")" "greenlight: *hold* (exit 1)"
assert_contains "$(jq -r .text <<<"$slack")" "change CHG-9 &lt;!channel&gt;"
assert_eq 3 "$(jq length <<<"$(received /flaky)")" "two 500s, then delivered"
# Nothing secret was sent.
for s in "$GL_TEST_PASSWORD" "$SECRET"; do
  assert_eq 0 "$(grep -cF -- "$s" "$T/received.jsonl" || true)" "a secret reached the receiver"
done

# --- failures never change the decision -----------------------------------------
assert_exit 0 "$GL_BIN" snapshot --target "$(gl_conninfo blue "$a")" -o "$T/a.json"
assert_exit 0 "$GL_BIN" snapshot --target "$(gl_conninfo blue "$b")" -o "$T/b.json"
c=$(gl_clone_db blue "$(gl_unique_name ntf_c)")
assert_exit 0 "$GL_BIN" snapshot --target "$(gl_conninfo blue "$c")" -o "$T/c.json"
off() { env GREENLIGHT_WEBHOOK_SECRET=$SECRET "$@"; }
# Always 500: every attempt made, then a warning; the exit code is the decision's.
assert_exit 1 off GREENLIGHT_NOTIFY_ATTEMPTS=2 "$GL_BIN" check --no-color --blue "$T/a.json" --green "$T/b.json" \
  --plugins parameters --notify "$H/down" --out "$T/down"
assert_contains "$(cat "$GL_LAST_ERR")" "greenlight: warning: notify $H failed after 2 attempts: HTTP 500 (the decision stands: exit 1)"
assert_eq 2 "$(jq length <<<"$(received /down)")"
assert_eq hold "$(json_get "$T/down/report.json" .decision.action)"
# 400: the receiver refuses the payload; retrying would not help.
assert_exit 1 off "$GL_BIN" check --no-color --blue "$T/a.json" --green "$T/b.json" --plugins parameters --notify "$H/bad"
assert_contains "$(cat "$GL_LAST_ERR")" "greenlight: warning: notify $H failed: HTTP 400 (not retried) (the decision stands: exit 1)"
assert_eq 1 "$(jq length <<<"$(received /bad)")"
# A receiver slower than the timeout.
assert_exit 1 off GREENLIGHT_NOTIFY_ATTEMPTS=1 GREENLIGHT_NOTIFY_TIMEOUT_MS=300 "$GL_BIN" check --no-color \
  --blue "$T/a.json" --green "$T/b.json" --plugins parameters --notify "$H/slow"
assert_contains "$(cat "$GL_LAST_ERR")" "greenlight: warning: notify $H failed after 1 attempts: Operation timed out"
# Nobody listening; a switchover stays a switchover (exit 0).
assert_exit 0 off GREENLIGHT_NOTIFY_ATTEMPTS=2 "$GL_BIN" check --no-color --blue "$T/a.json" --green "$T/c.json" \
  --plugins parameters --notify "http://127.0.0.1:1/hook/T0ken-Path-Canary"
assert_contains "$(cat "$GL_LAST_ERR")" "greenlight: warning: notify http://127.0.0.1:1 failed after 2 attempts: "
assert_contains "$(cat "$GL_LAST_ERR")" "(the decision stands: exit 0)"
assert_not_contains "$(cat "$GL_LAST_ERR")" "T0ken-Path-Canary"

# --- usage errors ---------------------------------------------------------------
assert_exit 64 "$GL_BIN" check --blue "$T/a.json" --green "$T/b.json" --notify "$H/ok"
assert_contains "$(cat "$GL_LAST_ERR")" "--notify $H: set \$GREENLIGHT_WEBHOOK_SECRET: webhooks are signed"
assert_exit 64 off "$GL_BIN" check --blue "$T/a.json" --green "$T/b.json" --notify "ftp://u:pw-Canary@127.0.0.1/x"
assert_contains "$(cat "$GL_LAST_ERR")" "--notify ftp://127.0.0.1: give an http:// or https:// URL"
assert_not_contains "$(cat "$GL_LAST_ERR")" "pw-Canary"
assert_exit 64 off GREENLIGHT_NOTIFY_ATTEMPTS=0 "$GL_BIN" check --blue "$T/a.json" --green "$T/b.json" --notify "$H/ok"
assert_contains "$(cat "$GL_LAST_ERR")" "\$GREENLIGHT_NOTIFY_ATTEMPTS must be a whole number from 1 to 10"
