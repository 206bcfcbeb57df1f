#!/usr/bin/env bash
# Plugins collect at once (--jobs, default 2), each beyond the first on a pair
# of connections of its own, and the run is the sequential one: the same
# facts, findings, statuses and decision as --jobs 1 (only timings differ).
# -v names the backend each plugin ran on, so the extra connections are seen
# to be used. A role whose CONNECTION LIMIT leaves no room for them still
# gets the whole check, on the main connections, and -v says why.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin
blue=$(gl_conninfo blue "$GL_DB")
green=$(gl_conninfo green "$GL_DB")

# same_run A B: two runs' reports and policy inputs are equal once timings,
# run ids and timestamps are set aside (and the input's hash, which covers
# them). replication's long_transactions is server-wide: the sessions of
# tests running beside this one come and go between two runs.
timeless='del(.run_id, .started_at, .finished_at)
  | walk(if type == "object" then del(.duration_ms, .run_id, .started_at, .finished_at, .input_sha256,
                                      .long_transactions) else . end)'
same_run() {
  assert_eq "$(jq -S "$timeless" "$GL_TMP/$1/report.json")" "$(jq -S "$timeless" "$GL_TMP/$2/report.json")" \
    "report of $2 = report of $1 (timings aside)"
  assert_eq "$(jq -S "$timeless" "$GL_TMP/$1.input.json")" "$(jq -S "$timeless" "$GL_TMP/$2.input.json")" \
    "policy input (facts) of $2 = that of $1 (timings aside)"
}

# run NAME ARGS...: a check of blue against green with -v, its policy input saved.
run() {
  local name=$1 rc=0
  shift
  GL_ASSERTIONS=$((GL_ASSERTIONS + 1))
  "$GL_BIN" check --no-color -v --out "$GL_TMP/$name" --save-input "$GL_TMP/$name.input.json" "$@" \
    >"$GL_TMP/$name.out" 2>"$GL_TMP/$name.err" || rc=$?
  case $rc in 0 | 1 | 2) ;; *) gl_fail "check $name exited $rc: $(head -c 3000 "$GL_TMP/$name.err")" ;; esac
  assert_report_valid "$GL_TMP/$name/report.json"
}

# pids NAME SIDE: the distinct backend pids the run's plugins used on SIDE.
pids() {
  sed -n "s/^greenlight: [a-z_]*: on .* connections (.*$2 backend pid \([0-9]*\).*/\1/p" "$GL_TMP/$1.err" | sort -u
}

run seq --jobs 1 --blue "$blue" --green "$green"
run par --jobs 4 --blue "$blue" --green "$green"
run dflt --blue "$blue" --green "$green"
same_run seq par
same_run seq dflt
nplugins=$(json_get "$GL_TMP/seq/report.json" '.plugins | length')
[ "$nplugins" -ge 4 ] || gl_fail "expected at least 4 plugins in the default check, got $nplugins"

# --jobs 1: every plugin on the main pair, one backend per side.
assert_eq "$nplugins" "$(grep -c '^greenlight: [a-z_]*: on the main connections (blue backend pid' "$GL_TMP/seq.err")"
assert_eq 1 "$(pids seq blue | wc -l)" "--jobs 1 uses one blue backend"
# --jobs 4: up to four backends per side, the main one among them (a lane
# the scheduler starts late may find every plugin taken, so at least two).
# between LO HI N: LO <= N <= HI.
between() {
  GL_ASSERTIONS=$((GL_ASSERTIONS + 1))
  [ "$3" -ge "$1" ] && [ "$3" -le "$2" ] || gl_fail "$4: expected $1 to $2, got $3"
}
between 2 4 "$(pids par blue | wc -l)" "blue backends with --jobs 4"
between 2 4 "$(pids par green | wc -l)" "green backends with --jobs 4"
assert_contains "$(cat "$GL_TMP/par.err")" "on its own connections (blue backend pid"
assert_eq 2 "$(pids dflt blue | wc -l)" "the default is 2 at once"

# A role allowed one connection: the extra ones are refused, every plugin
# runs on the main pair (fail closed: nothing is skipped), the report is the
# sequential one's, and -v says why.
role=$(gl_unique_name jobs_one_conn)
trap 'rc=$?; gl__closing_line $rc; gl_sql blue postgres "DROP ROLE IF EXISTS $role" >/dev/null 2>&1; exit $rc' EXIT
gl_sql blue postgres "CREATE ROLE $role LOGIN CONNECTION LIMIT 1 IN ROLE pg_read_all_data, pg_monitor" >/dev/null
one=${blue/user=postgres/user=$role}
run one_seq --jobs 1 --blue "$one" --green "$green"
run one_par --jobs 4 --blue "$one" --green "$green"
same_run one_seq one_par
assert_eq 1 "$(pids one_par blue | wc -l)" "a role with CONNECTION LIMIT 1 uses its one connection"
assert_contains "$(cat "$GL_TMP/one_par.err")" "on the main connections (blue backend pid"
assert_contains "$(cat "$GL_TMP/one_par.err")" "no connection of its own: blue side (user=$role dbname=$GL_DB host="
assert_contains "$(cat "$GL_TMP/one_par.err")" "too many connections for role \"$role\""
assert_eq '[]' "$(jq -c '[.plugins[] | select(.status == "failed")]' "$GL_TMP/one_par/report.json")" \
  "no plugin failed for want of a connection"

# --jobs is bounded.
assert_exit 64 "$GL_BIN" check --jobs 0 --blue "$blue" --green "$green"
assert_contains "$(cat "$GL_LAST_ERR")" \
  "greenlight: error: --jobs takes how many plugins collect at once: 1 to 16 (1: one after another)"
assert_exit 64 "$GL_BIN" check --jobs 17 --blue "$blue" --green "$green"
assert_exit 64 "$GL_BIN" check --jobs x --blue "$blue" --green "$green"
