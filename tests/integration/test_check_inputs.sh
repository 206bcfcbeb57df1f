#!/usr/bin/env bash
# A typo in an input file is refused before anything runs (exit 64, the file,
# the JSON path and the fix named), never read as "nothing to check" and
# approved: misspelt plugin names and keys in --config, unknown members and
# wrong types in --change, a policy input that breaks its schema. `-` reads
# a file from standard input.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin

blue=$(gl_conninfo blue "$GL_DB")
green=$(gl_conninfo green "$GL_DB")
t=$GL_TMP

refused() { # FILE CONTENT EXPECTED-MESSAGE OPTION...
  local file=$1 content=$2 want=$3
  shift 3
  printf '%s' "$content" >"$file"
  assert_exit 64 "$GL_BIN" check --no-color --blue "$blue" --green "$green" "$@"
  assert_contains "$(cat "$GL_LAST_ERR")" "$want"
  assert_eq "" "$(cat "$GL_LAST_OUT")" "no decision printed"
}

refused "$t/c1.json" '{"plugins": {"query_regresion": {"workload": "w.json"}}}' \
  "--config $t/c1.json: \$.plugins.query_regresion: no plugin of that name (did you mean \"query_regression\"?)" \
  --config "$t/c1.json"
refused "$t/c2.json" '{"plugins": {"query_regression": {"sample": 5}}}' \
  "--config $t/c2.json: \$.plugins.query_regression.sample: unknown member (did you mean \"samples\"?)" \
  --config "$t/c2.json"
refused "$t/c3.json" '{"plugin": {"parameters": {}}}' \
  "--config $t/c3.json: \$.plugin: unknown member (did you mean \"plugins\"?)" --config "$t/c3.json"
refused "$t/ch1.json" '{"id": "CHG-1", "paramters": {"work_mem": "64MB"}}' \
  "--change $t/ch1.json: \$.paramters: unknown member (did you mean \"parameters\"?)" --change "$t/ch1.json"
refused "$t/ch2.json" '{"id": "CHG-1", "schema": "public.film"}' \
  "--change $t/ch2.json: \$.schema: expected an array, got a string" --change "$t/ch2.json"
refused "$t/ch3.json" '{"id": "CHG-1", "approvals": "bob"}' \
  "--change $t/ch3.json: \$.approvals: expected an array, got a string" --change "$t/ch3.json"
refused "$t/ch4.json" '{"id": "CHG-1", "approvals": [{}]}' \
  "--change $t/ch4.json: \$.approvals[0]: missing required member \"by\"" --change "$t/ch4.json"

# The same files through snapshot: the config is checked there too.
assert_exit 64 "$GL_BIN" snapshot --target "$blue" -o "$t/s.json" --config "$t/c2.json"
assert_contains "$(cat "$GL_LAST_ERR")" "unknown member (did you mean \"samples\"?)"

# policy eval refuses an input that breaks share/schema/policy-input.schema.json
printf '{"findngs": [], "facts": {"blue": {}, "green": {}}, "change": null, "waivers": [], "errors": []}' >"$t/in.json"
assert_exit 64 "$GL_BIN" policy eval --input "$t/in.json"
assert_contains "$(cat "$GL_LAST_ERR")" "--input $t/in.json: \$.findngs: unknown member (did you mean \"findings\"?)"
assert_not_contains "$(cat "$GL_LAST_OUT")" "switchover"

# `-` reads standard input, and a valid change still decides
printf '{"id": "CHG-1", "kind": "parameters", "approvals": [{"by": "alice"}]}' |
  gl_check_decided parameters "$t/stdin" --blue "$blue" --green "$green" --change -
assert_eq CHG-1 "$(json_get "$t/stdin/report.json" .change.id)"
assert_exit 0 "$GL_BIN" validate change - <<<'{"id": "x"}'
assert_contains "$(cat "$GL_LAST_OUT")" "-: valid change"
