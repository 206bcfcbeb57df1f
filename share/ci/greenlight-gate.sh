#!/usr/bin/env bash
# The greenlight gate as a CI step: runs `greenlight check` and leaves every
# report format in one directory for the pipeline to publish. Used by the
# GitHub Actions and GitLab CI examples beside it (share/ci/README.md).
#
# Environment (set from the CI's variables and secrets):
#   GL_BLUE, GL_GREEN   conninfo or URI of each side, WITHOUT the password
#   PGPASSWORD          the password (libpq reads it; it never appears in any output)
#   GL_OUT              report directory (default greenlight-report)
#   GL_FORMATS          default github,junit,sarif,markdown,html when $GITHUB_ACTIONS
#                       is set, text,junit,sarif,markdown,html otherwise
#   GL_CHANGE           the declared change file (optional; share/schema/change.schema.json)
#   GL_POLICY, GL_CONFIG, GL_WAIVERS        optional files
#   GL_SIGN_KEY         Ed25519 key file: DIR/decision.json, signed (optional)
#   GL_AUDIT_LOG        append the signed record to this log (needs GL_SIGN_KEY)
#   GL_NOTIFY           space-separated webhook URLs (needs GREENLIGHT_WEBHOOK_SECRET
#                       except for Slack)
#   GREENLIGHT          the binary (default: greenlight on PATH)
# Exit: greenlight's own code (share/doc/exit-codes.md): 0 switchover, 1 hold,
# 2 rollback, 64 usage, 69 a side unavailable, 70 internal, 78 a broken policy. Any non-zero fails
# the job; the reports are written for every code but 64 (also the
# script's own code when GL_BLUE or GL_GREEN is missing).
set -uo pipefail

for side in GL_BLUE GL_GREEN; do
  if [ -z "${!side:-}" ]; then
    echo "greenlight-gate.sh: set $side to the conninfo of that side, without the password (put it in PGPASSWORD)" >&2
    exit 64
  fi
done
out=${GL_OUT:-greenlight-report}
if [ -n "${GITHUB_ACTIONS:-}" ]; then
  formats=${GL_FORMATS:-github,junit,sarif,markdown,html}
else
  formats=${GL_FORMATS:-text,junit,sarif,markdown,html}
fi

args=(check --no-color --blue "$GL_BLUE" --green "$GL_GREEN" --format "$formats" --out "$out")
[ -n "${GL_CHANGE:-}" ] && args+=(--change "$GL_CHANGE")
[ -n "${GL_POLICY:-}" ] && args+=(--policy "$GL_POLICY")
[ -n "${GL_CONFIG:-}" ] && args+=(--config "$GL_CONFIG")
[ -n "${GL_WAIVERS:-}" ] && args+=(--waivers "$GL_WAIVERS")
[ -n "${GL_SIGN_KEY:-}" ] && args+=(--sign-key "$GL_SIGN_KEY")
[ -n "${GL_AUDIT_LOG:-}" ] && args+=(--audit-log "$GL_AUDIT_LOG")
for url in ${GL_NOTIFY:-}; do
  args+=(--notify "$url")
done

"${GREENLIGHT:-greenlight}" "${args[@]}"
rc=$?
echo "greenlight: exit $rc; reports in $out/" >&2
exit "$rc"
