#!/usr/bin/env bash
# Paths are trusted no further than they must be: outputs that are not
# regular files (a FIFO, a device, a symbolic link) are refused before the
# run and left as they were; --out must be a directory; inputs that are not
# regular files (a FIFO with no writer) are refused at once instead of
# hanging the gate.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check_lib.sh"
gl_require_bin

blue=$(gl_conninfo blue "$GL_DB")
green=$(gl_conninfo green "$GL_DB")
t=$GL_TMP
mkfifo "$t/fifo"
printf 'keep me\n' >"$t/target.txt"
ln -s "$t/target.txt" "$t/link.json"

# snapshot -o: FIFO and symlink refused, untouched
assert_exit 64 "$GL_BIN" snapshot --plugins parameters --target "$blue" -o "$t/fifo"
assert_contains "$(cat "$GL_LAST_ERR")" "-o $t/fifo: is a FIFO, not a regular file"
[ -p "$t/fifo" ] || gl_fail "the FIFO was replaced"
assert_exit 64 "$GL_BIN" snapshot --plugins parameters --target "$blue" -o "$t/link.json"
assert_contains "$(cat "$GL_LAST_ERR")" "is a symbolic link"
[ -L "$t/link.json" ] || gl_fail "the symlink was replaced"
assert_eq "keep me" "$(cat "$t/target.txt")" "the link's target is untouched"
if [ "$(id -u)" -eq 0 ]; then
  mknod "$t/null" c 1 3
  assert_exit 64 "$GL_BIN" snapshot --plugins parameters --target "$blue" -o "$t/null"
  assert_contains "$(cat "$GL_LAST_ERR")" "is a character device"
  [ -c "$t/null" ] || gl_fail "the device was replaced"
fi
assert_exit 64 "$GL_BIN" snapshot --plugins parameters --target "$blue" -o "$t/no/such/dir/s.json"
assert_contains "$(cat "$GL_LAST_ERR")" "the directory $t/no/such/dir does not exist"

# check: --out must be a directory; --save-input a regular file; both before the run
assert_exit 64 "$GL_BIN" check --plugins parameters --blue "$blue" --green "$green" --out "$t/target.txt"
assert_contains "$(cat "$GL_LAST_ERR")" "--out $t/target.txt: is a regular file; --out takes a directory"
assert_eq "" "$(cat "$GL_LAST_OUT")" "nothing ran, nothing decided"
mkdir "$t/out"
ln -s "$t/target.txt" "$t/out/report.json"
assert_exit 64 "$GL_BIN" check --plugins parameters --blue "$blue" --green "$green" --out "$t/out"
assert_contains "$(cat "$GL_LAST_ERR")" "$t/out/report.json: is a symbolic link"
assert_exit 64 "$GL_BIN" check --plugins parameters --blue "$blue" --green "$green" --save-input "$t/fifo"
assert_contains "$(cat "$GL_LAST_ERR")" "--save-input $t/fifo: is a FIFO"
[ -p "$t/fifo" ] || gl_fail "the FIFO was replaced"

# inputs: a FIFO with no writer is refused, not waited on
for opt in --change --config --waivers --policy; do
  assert_exit 64 timeout 60 "$GL_BIN" check --plugins parameters --blue "$blue" --green "$green" "$opt" "$t/fifo"
  assert_contains "$(cat "$GL_LAST_ERR")" "not a regular file"
done
assert_exit 64 timeout 60 "$GL_BIN" policy eval --input "$t/fifo"
assert_contains "$(cat "$GL_LAST_ERR")" "not a regular file"
