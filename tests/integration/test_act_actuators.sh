#!/usr/bin/env bash
# The actuators on real servers: PgBouncer's admin console and ini rewrite,
# the write fence and drain, the final WAL position and the wait until a
# subscriber applied it, and the sequence copy (tests/act/act_actuators.c,
# Criterion). This script starts its own blue 15 and green 17 (fences are
# server-wide, so not the shared fixture), a logical replication path blue ->
# green, and PgBouncer (transaction pooling) in front of blue.
. "$(dirname "$0")/lib.sh"
. "$GL_SOURCE_DIR/tests/harness/pgbouncer.sh"

act_bin=${GL_BUILD_DIR:-$(dirname "$GL_BIN")/..}/test-act/act_actuators
[ -x "$act_bin" ] || gl_fail "no $act_bin: build the project first"

chmod 755 "$GL_TMP"
B=$GL_TMP/b G=$GL_TMP/g X=$GL_TMP/x
stop_all() { gl_pgb_stop "$X"; gl_pg_stop "$B"; gl_pg_stop "$G"; }
trap 'stop_all; gl__closing_line $?' EXIT

gl_pg_init blue 15 "$B" && gl_pg_init green 17 "$G" || gl_fail "initdb failed"
gl_pg_start "$B" & gl_pg_start "$G" & wait
schema="CREATE TABLE item (id serial PRIMARY KEY, v int NOT NULL);
CREATE SEQUENCE free_seq; CREATE SEQUENCE unused_seq START 42;"
for d in "$B" "$G"; do
  gl_pg_psql "$d" postgres -c "CREATE DATABASE app"
  gl_pg_psql "$d" app -c "$schema"
done
gl_pg_psql "$B" app -c "CREATE PUBLICATION gl_fwd FOR ALL TABLES"
gl_pg_psql "$G" app -c "CREATE SUBSCRIPTION gl_fwd CONNECTION '$(gl_pg_conninfo "$B" app)' PUBLICATION gl_fwd WITH (slot_name = gl_fwd)"

gl_pgb_init "$X" app "$B" app
# A second alias pooled per session: the pool-mode check must refuse it.
sed -i "/^app = /a sess = host=$B port=$(gl_pg_port "$B") dbname=app pool_mode=session" "$X/pgbouncer.ini"
gl_pgb_start "$X"

export GL_ACT_BLUE="$(gl_pg_conninfo "$B" app)"
export GL_ACT_GREEN="$(gl_pg_conninfo "$G" app)"
export GL_ACT_PGB_ADMIN="$(gl_pgb_admin_conninfo "$X") password=$GL_TEST_PASSWORD"
export GL_ACT_PGB_CLIENT="$(gl_pgb_conninfo "$X" app) password=$GL_TEST_PASSWORD"
export GL_ACT_PGB_INI="$X/pgbouncer.ini"
export GL_ACT_BLUE_DIR="$B" GL_ACT_GREEN_DIR="$G"
export GL_ACT_BLUE_PORT="$(gl_pg_port "$B")" GL_ACT_GREEN_PORT="$(gl_pg_port "$G")"

assert_exit 0 "$act_bin" --jobs 1
cat "$GL_LAST_OUT" "$GL_LAST_ERR"
assert_contains "$(cat "$GL_LAST_ERR")" "Failing: 0"
