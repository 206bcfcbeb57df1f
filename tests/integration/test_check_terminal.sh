#!/usr/bin/env bash
# The text a person reads (share/doc/output.md): colour by --color, NO_COLOR
# and TERM=dumb (auto = stdout is a terminal, faked with script(1)); one line
# per check with a terraform-like count; schema findings show old -> new; a
# line counts the info findings not shown and -v lists them; waivers used,
# unused and expired; each error printed once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin
T=$GL_TMP

# Two databases on blue's server: green has a column retyped, one made
# nullable, one added, a table added, an index dropped and work_mem raised.
a=$(gl_clone_db blue "$(gl_unique_name term_a)")
b=$(gl_clone_db blue "$(gl_unique_name term_b)")
gl_sql blue "$b" "ALTER TABLE audit_log ALTER COLUMN row_id TYPE numeric;
  ALTER TABLE audit_log ALTER COLUMN table_name DROP NOT NULL;
  ALTER TABLE genre ADD COLUMN note text; CREATE TABLE extra (id int);
  DROP INDEX event_starts_at_idx" >/dev/null
gl_sql blue postgres "ALTER DATABASE \"$b\" SET work_mem = '8MB'" >/dev/null
assert_exit 0 "$GL_BIN" snapshot --target "$(gl_conninfo blue "$a")" -o "$T/a.json"
assert_exit 0 "$GL_BIN" snapshot --target "$(gl_conninfo blue "$b")" -o "$T/b.json"
run() { "$GL_BIN" check --blue "$T/a.json" --green "$T/b.json" --plugins parameters,schema "$@"; }
esc=$'\033['

# --- colour ------------------------------------------------------------------------
assert_exit 1 run
assert_not_contains "$(cat "$GL_LAST_OUT")" "$esc" "not a terminal: no colour (auto)"
assert_exit 1 run --color=always
assert_contains "$(cat "$GL_LAST_OUT")" "decision: ${esc}1;33mhold${esc}0m (exit 1)"
assert_contains "$(cat "$GL_LAST_OUT")" "[${esc}33mwarning ${esc}0m] schema.column.type_changed"
assert_contains "$(cat "$GL_LAST_OUT")" "  schema      ${esc}32mok${esc}0m       "
assert_exit 1 env NO_COLOR=1 "$GL_BIN" check --blue "$T/a.json" --green "$T/b.json" --plugins parameters --color always
assert_contains "$(cat "$GL_LAST_OUT")" "$esc" "--color always wins over NO_COLOR"
assert_exit 1 run --color never
assert_not_contains "$(cat "$GL_LAST_OUT")" "$esc"
assert_exit 1 run --color=always --no-color
assert_not_contains "$(cat "$GL_LAST_OUT")" "$esc" "the last flag wins"
assert_exit 64 run --color=sometimes
assert_eq 'greenlight: error: --color takes auto, always or never (got "sometimes")' "$(head -n1 "$GL_LAST_ERR")"
# auto on a terminal: colour, unless NO_COLOR is set or TERM is dumb
# (script exits with the command's status: 1, the hold)
on_tty() { script -qec "$1" /dev/null >"$T/tty.out" || true; tr -d '\r' <"$T/tty.out"; }
cmd="'$GL_BIN' check --blue '$T/a.json' --green '$T/b.json' --plugins parameters"
assert_contains "$(TERM=xterm on_tty "$cmd")" "decision: ${esc}1;33mhold${esc}0m (exit 1)"
assert_not_contains "$(TERM=xterm NO_COLOR=1 on_tty "$cmd")" "$esc" "NO_COLOR on a terminal"
assert_not_contains "$(TERM=dumb on_tty "$cmd")" "$esc" "TERM=dumb on a terminal"
assert_contains "$(TERM=xterm NO_COLOR= on_tty "$cmd")" "$esc" "an empty NO_COLOR is unset"

# --- checks, findings, hidden info ---------------------------------------------------
assert_exit 1 run --no-color
out=$(cat "$GL_LAST_OUT")
assert_contains "$out" $'checks:\n  parameters  ok       0 added, 1 changed, 0 dropped (1 warning)\n  schema      ok       2 added, 2 changed, 1 dropped (2 warning, 3 info)\n'
assert_contains "$out" $'  [warning ] schema.column.type_changed               column public.audit_log.row_id: type differs between blue and green\n             bigint -> numeric\n'
# parameters say old and new in their message: no second line
assert_contains "$out" $'  [warning ] parameters.changed                       work_mem differs: 4MB on blue, 8MB on green.\n  [warning ]'
assert_contains "$out" $'\n  3 info findings not shown: -v lists them; the JSON report (--format json, --out DIR) has every finding\n'
assert_not_contains "$out" "] schema.column.added"
assert_exit 1 run --no-color -v
out=$(cat "$GL_LAST_OUT")
assert_contains "$out" $'  [info    ] schema.column.nullability_changed        column public.audit_log.table_name: not_null differs between blue and green\n             t -> f\n'
assert_contains "$out" "  [info    ] schema.table.added                       table public.extra exists on green but not on blue"
assert_not_contains "$out" "not shown"
# report.txt (--out) has every finding, no colour
assert_exit 1 run --color=always --out "$T/out" --format text,json
assert_contains "$(cat "$T/out/report.txt")" "schema.table.added"
assert_not_contains "$(cat "$T/out/report.txt")" "$esc"
assert_exit 0 "$GL_BIN" report --from "$T/out/report.json" --no-color
assert_contains "$(cat "$GL_LAST_OUT")" "3 info findings not shown"
assert_exit 0 "$GL_BIN" report --from "$T/out/report.json" --no-color -v
assert_contains "$(cat "$GL_LAST_OUT")" "schema.table.added"

# --- waivers -------------------------------------------------------------------------
cat >"$T/waivers.json" <<'EOF'
[
  {"code": "schema.column.type_changed", "object": "public.audit_log.*", "reason": "widened on purpose",
   "owner": "dba@example.com", "expires": "2099-12-31"},
  {"code": "schema.index.dropped", "object": "public.nothing_*", "reason": "old",
   "owner": "ops@example.com", "expires": "2099-12-31"},
  {"code": "parameters.changed", "object": "work_mem", "reason": "tuning",
   "owner": "alice@example.com", "expires": "2020-01-01"}
]
EOF
assert_exit 1 run --no-color --waivers "$T/waivers.json"
out=$(cat "$GL_LAST_OUT")
days=$(( ( $(date -u -d 2099-12-31 +%s) - $(date -u -d "$(date -u +%F)" +%s) ) / 86400 ))
assert_contains "$out" $'waivers: 1 used, 1 unused, 1 expired\n'
assert_contains "$out" "  used     schema.column.type_changed public.audit_log.* (dba@example.com, expires 2099-12-31, $days days left): waived 1 finding"
assert_contains "$out" "  unused   schema.index.dropped public.nothing_* (ops@example.com, expires 2099-12-31): matched no finding; remove it if it is no longer needed"
assert_contains "$out" "  expired  parameters.changed work_mem (alice@example.com, expired 2020-01-01): would have waived 1 finding, which now counts"
assert_contains "$out" "column public.audit_log.row_id: type differs between blue and green (waived)"

# --- each error once -------------------------------------------------------------------
assert_exit 70 "$GL_BIN" check --no-color --blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo blue "$b")" \
  --plugin-path "$GL_BUILD_DIR/test-plugins/failing_collect" --plugins failing_collect,parameters
out=$(cat "$GL_LAST_OUT")
assert_eq 1 "$(grep -c "simulated collect failure" <<<"$out")" "the error is printed once"
assert_contains "$out" $'  failing_collect  failed   see error 1 below\n'
assert_contains "$out" $'errors:\n  1. plugin failing_collect: collect on blue: simulated collect failure on side 0\n'
assert_contains "$out" '  - hold [greenlight.fail_closed]: error 1 above'

# --- progress and -v ---------------------------------------------------------------------
# A plugin call of 2 s: without a terminal, a line every GREENLIGHT_PROGRESS_INTERVAL
# seconds saying what runs and for how long; on a terminal, one line redrawn in place and
# cleared before the report starts, so the report's first line starts clean.
printf '{"plugins": {"hostile": {"mode": "sleep", "seconds": 2}}}\n' >"$T/sleep.json"
slow=(--blue "$(gl_conninfo blue "$a")" --green "$(gl_conninfo blue "$b")" --plugin-path "$GL_BUILD_DIR/test-plugins/hostile"
  --plugins hostile --config "$T/sleep.json")
assert_exit 0 env GREENLIGHT_PROGRESS_INTERVAL=0.5 "$GL_BIN" check --no-color "${slow[@]}"
lines=$(grep -cE '^greenlight: hostile: running for [0-9]+\.[0-9] s$' "$GL_LAST_ERR" || true)
[ "$lines" -ge 2 ] || gl_fail "expected a progress line every 0.5 s of a 2 s call, got $lines: $(cat "$GL_LAST_ERR")"
assert_exit 0 "$GL_BIN" check --no-color "${slow[@]}"
assert_not_contains "$(cat "$GL_LAST_ERR")" "running for" "a call shorter than the default 5 s prints no progress"
printf -v q '%q ' "$GL_BIN" check --no-color "${slow[@]}"
TERM=xterm script -qec "$q" /dev/null >"$T/tty.out" || true
assert_contains "$(cat "$T/tty.out")" $'\r\033[Khostile, ' "a progress line drawn in place"
assert_contains "$(cat "$T/tty.out")" $'\r\033[Kgreenlight 0.1.0  run ' "cleared before the report"
assert_not_contains "$(cat "$T/tty.out")" "running for" "no log lines on a terminal"
# -v: what each check is, and how it ended
assert_exit 1 run --no-color -v
assert_contains "$(cat "$GL_LAST_ERR")" "greenlight: parameters 1.0.0: Compares server parameters (pg_settings) between blue and green, by unit"
assert_contains "$(cat "$GL_LAST_ERR")" "greenlight: schema: ok in "
assert_contains "$(cat "$GL_LAST_ERR")" " ms, 5 findings"
