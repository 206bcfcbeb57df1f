#!/usr/bin/env bash
# A target libpq cannot parse is refused (exit 64) without echoing its
# password: an unterminated IPv6 host, a bad %-escape in the password, an
# unterminated quote after password=, a bad escape in a URI's query string.
. "$(dirname "$0")/lib.sh"
gl_require_bin

blue=$(gl_conninfo blue "$GL_DB")
check_hidden() { # SECRET SPEC
  assert_exit 64 "$GL_BIN" check --no-color --blue "$blue" --green "$2"
  assert_contains "$(cat "$GL_LAST_ERR")" "green side: invalid connection string"
  assert_not_contains "$(cat "$GL_LAST_OUT" "$GL_LAST_ERR")" "$1" "the password is echoed"
}
check_hidden 'Sup3rSecret' 'postgresql://u:Sup3rSecret@[::1/db'
assert_contains "$(cat "$GL_LAST_ERR")" 'postgresql://u:********@[::1/db' "the URI is shown, redacted"
check_hidden 'Sup3r%zzSecret' 'postgresql://u:Sup3r%zzSecret@host/db'
check_hidden 'Sup3r' 'postgresql://u:Sup3r%zz@host/db'
check_hidden 'Sup3rSecret' "host=h password='Sup3rSecret"
check_hidden 'Sup3rSecret' 'postgresql://h/db?password=Sup3rSecret&sslmode=%zz'
