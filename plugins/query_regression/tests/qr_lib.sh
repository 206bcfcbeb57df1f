# shellcheck shell=bash
# Helpers for the query_regression integration tests (sourced after lib.sh and check_lib.sh).

# qr_config FILE WORKLOAD [extra jq assignments]: a --config file for the plugin
# with few samples so the tests stay fast.
qr_config() {
  local file=$1 workload=$2
  shift 2
  jq -n --arg w "$workload" "{plugins: {query_regression: ({workload: \$w, samples: 7, warmup: 2} ${1:+| $1})}}" >"$file"
}

# qr_codes_for REPORT OBJECT: the finding codes about one query case, sorted, comma-joined.
qr_codes_for() {
  jq -r --arg o "$2" '[.findings[] | select(.object == $o) | .code] | sort | join(",")' "$1"
}

# qr_count REPORT CODE: how many findings have that code.
qr_count() {
  jq -r --arg c "$2" '[.findings[] | select(.code == $c)] | length' "$1"
}
