# shellcheck shell=bash
# Sourced library: a private blue/green pair for deployment tests and the demo.
# Blue is PostgreSQL 15 (wal_level=logical, slots/senders/workers for a
# deployment and its reverse), green is PostgreSQL 17; both on 127.0.0.1 and
# Unix sockets, in one short temp dir. Deployment tests start their own pair:
# they run ALTER SYSTEM and create slots, which the shared `clusters` fixture
# must never see.
#
#   gl_bg_start DIR [DB]   initdb + start blue and green under DIR (DIR/blue,
#                          DIR/green), create database DB (default app) on both,
#                          load share/demo/demo-db.sql into blue's. Writes
#                          DIR/bg.env: BG_BLUE, BG_GREEN (socket conninfo),
#                          BG_BLUE_TCP, BG_GREEN_TCP (127.0.0.1, needs the password),
#                          BG_DB. Returns non-zero (servers stopped) on failure.
#   gl_bg_stop DIR         stop both; never fails (call it from a trap)
#   gl_bg_sql DIR blue|green SQL   run SQL on DB with psql (-At output)
#   gl_bg_for_test         in an integration test: a pair in $BG, stopped at exit
#
# Pick DIR with `mktemp -d /tmp/glbg.XXXXXX` (socket paths must stay short).
GL_BG_HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=pg.sh
. "$GL_BG_HARNESS_DIR/pg.sh"

gl_bg_start() { # DIR [DB]
  local dir=$1 db=${2:-app} side version
  [ -n "$dir" ] || { gl_pg__err "usage: gl_bg_start DIR [DB]"; return 1; }
  mkdir -p "$dir" && chmod 755 "$dir" || return 1
  for side in blue green; do
    if [ "$side" = blue ]; then version=15; else version=17; fi
    gl_pg_init "$side" "$version" "$dir/$side" || { gl_bg_stop "$dir"; return 1; }
    gl_pg_start "$dir/$side" || { gl_bg_stop "$dir"; return 1; }
    gl_pg_psql "$dir/$side" postgres -c "CREATE DATABASE \"$db\"" >/dev/null || { gl_bg_stop "$dir"; return 1; }
  done
  gl_pg_load_sql "$dir/blue" "$db" "$GL_BG_HARNESS_DIR/../../share/demo/demo-db.sql" || { gl_bg_stop "$dir"; return 1; }
  {
    printf "BG_DB='%s'\n" "$db"
    printf "BG_BLUE='host=%s port=%s user=postgres dbname=%s'\n" "$dir/blue" "$(gl_pg_port "$dir/blue")" "$db"
    printf "BG_GREEN='host=%s port=%s user=postgres dbname=%s'\n" "$dir/green" "$(gl_pg_port "$dir/green")" "$db"
    printf "BG_BLUE_TCP='host=127.0.0.1 port=%s user=postgres dbname=%s'\n" "$(gl_pg_port "$dir/blue")" "$db"
    printf "BG_GREEN_TCP='host=127.0.0.1 port=%s user=postgres dbname=%s'\n" "$(gl_pg_port "$dir/green")" "$db"
  } >"$dir/bg.env"
}

gl_bg_stop() { # DIR
  local dir=$1
  [ -n "$dir" ] || return 0
  gl_pg_stop "$dir/green" 2>/dev/null || true
  gl_pg_stop "$dir/blue" 2>/dev/null || true
  return 0
}

gl_bg_sql() { # DIR blue|green SQL
  local dir=$1 side=$2 db
  db=$(sed -n "s/^BG_DB='\(.*\)'$/\1/p" "$dir/bg.env")
  gl_pg_psql "$dir/$side" "$db" -At -c "$3"
}

# In an integration test (after tests/integration/lib.sh): start a pair in a
# new $BG, load its bg.env (BG_BLUE, BG_GREEN...), and stop it when the test
# exits (before lib.sh's closing line).
gl_bg_for_test() {
  BG=$(mktemp -d /tmp/glbg.XXXXXX)
  trap 'rc=$?; gl_bg_stop "$BG"; rm -rf "$BG"; gl__closing_line $rc' EXIT
  gl_bg_start "$BG" || gl_fail "could not start the blue/green pair"
  # shellcheck disable=SC1091
  . "$BG/bg.env"
}
