/*
 * The actuators against real servers started by
 * tests/integration/test_act_actuators.sh (blue 15 publishing to green 17,
 * PgBouncer in front of blue). Each test leaves the servers as it found them.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act/fence.h"
#include "act/pgbouncer.h"
#include "act/sync.h"
#include "cli/exit.h"

static const char *env(const char *name)
{
    const char *v = getenv(name);

    cr_assert(v != NULL && v[0] != '\0', "%s is not set: run through test_act_actuators.sh", name);
    return v;
}

static PGconn *plain(const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);

    cr_assert_eq(PQstatus(c), CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    return c;
}

/* One value of a query that must succeed. */
static char *value(PGconn *c, const char *sql)
{
    PGresult *res = PQexec(c, sql);
    char *v;

    cr_assert(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(res));
    v = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

static void run(PGconn *c, const char *sql)
{
    PGresult *res = PQexec(c, sql);

    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK,
              "%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
}

static gl_pgbouncer *admin(void)
{
    gl_pgbouncer *b = NULL;
    gl_error err = {0};

    cr_assert_eq(gl_pgbouncer_connect(&b, env("GL_ACT_PGB_ADMIN"), &err), 0, "%s", err.message);
    return b;
}

static int paused(gl_pgbouncer *b)
{
    gl_pgbouncer_db db;
    gl_error err = {0};

    cr_assert_eq(gl_pgbouncer_database(b, "app", &db, &err), 0, "%s", err.message);
    return db.paused;
}

Test(pgbouncer, shows_the_database_and_its_target)
{
    gl_pgbouncer *b = admin();
    gl_pgbouncer_db db;
    gl_error err = {0};

    cr_assert_eq(gl_pgbouncer_database(b, "app", &db, &err), 0, "%s", err.message);
    cr_assert_str_eq(db.host, env("GL_ACT_BLUE_DIR"));
    cr_assert_str_eq(db.port, env("GL_ACT_BLUE_PORT"));
    cr_assert_str_eq(db.database, "app");
    cr_assert_eq(db.paused, 0);
    cr_assert_eq(gl_pgbouncer_database(b, "nosuch", &db, &err), -1);
    cr_assert_eq(gl_cli_exit_code(&err), GL_EXIT_USAGE);
    cr_assert_str_eq(err.message, "PgBouncer has no database \"nosuch\" (SHOW DATABASES): add it "
                     "to the [databases] section of its ini, or pass the right --pgbouncer-db");
    gl_pgbouncer_free(b);
}

Test(pgbouncer, refuses_session_pooling_and_a_wrong_console)
{
    gl_pgbouncer *b = admin();
    gl_error err = {0};

    cr_assert_eq(gl_pgbouncer_check_pool_mode(b, "app", &err), 0, "%s", err.message);
    cr_assert_eq(gl_pgbouncer_check_pool_mode(b, "sess", &err), -1);
    cr_assert_eq(gl_cli_exit_code(&err), GL_EXIT_USAGE);
    cr_assert_str_eq(err.message, "PgBouncer pools database \"sess\" in session mode: a switchover "
                     "needs pool_mode = transaction (in session mode PAUSE waits for every client "
                     "to disconnect); set it in the ini and RELOAD");
    gl_pgbouncer_free(b);

    /* A client conninfo is not the console, and its password never shows. */
    b = NULL;
    cr_assert_eq(gl_pgbouncer_connect(&b, env("GL_ACT_PGB_CLIENT"), &err), -1);
    cr_assert_eq(gl_cli_exit_code(&err), GL_EXIT_USAGE);
    cr_assert(strstr(err.message, "it must be dbname=pgbouncer") != NULL, "%s", err.message);
    cr_assert_eq(gl_pgbouncer_connect(&b, "host=/nonexistent port=1 dbname=pgbouncer "
                                          "password=s3cret-pw", &err), -1);
    cr_assert_eq(gl_cli_exit_code(&err), GL_EXIT_UNAVAILABLE);
    cr_assert(strstr(err.message, "s3cret-pw") == NULL, "%s", err.message);
    cr_assert(strstr(err.message, "password=********") != NULL, "%s", err.message);
}

Test(pgbouncer, pause_and_resume)
{
    gl_pgbouncer *b = admin();
    gl_error err = {0};

    cr_assert_eq(gl_pgbouncer_pause(b, "app", 5000, &err), 0, "%s", err.message);
    cr_assert_eq(paused(b), 1);
    /* A second pause of a paused pool is the same pause (a resumed run). */
    cr_assert_eq(gl_pgbouncer_pause(b, "app", 5000, &err), 0, "%s", err.message);
    cr_assert_eq(gl_pgbouncer_resume(b, "app", &err), 0, "%s", err.message);
    cr_assert_eq(paused(b), 0);
    cr_assert_eq(gl_pgbouncer_resume(b, "app", &err), 0, "resume of a running pool: %s",
                 err.message);
    gl_pgbouncer_free(b);
}

Test(pgbouncer, pause_times_out_on_an_open_transaction_and_resumes)
{
    gl_pgbouncer *b = admin();
    PGconn *client = plain(env("GL_ACT_PGB_CLIENT"));
    gl_error err = {0};
    double t0;

    run(client, "BEGIN");
    run(client, "INSERT INTO item (v) VALUES (1)");
    t0 = gl_time_ms();
    cr_assert_eq(gl_pgbouncer_pause(b, "app", 300, &err), -1);
    cr_assert_lt(gl_time_ms() - t0, 2000.0);
    cr_assert_str_eq(err.message, "PgBouncer did not finish PAUSE app within 300 ms (a transaction "
                     "stayed open): resumed the pool; retry, or raise --timeout");
    cr_assert_eq(paused(b), 0, "the pool must not stay paused");
    run(client, "COMMIT");
    PQfinish(client);
    gl_pgbouncer_free(b);
}

Test(pgbouncer, a_pause_whose_console_connection_dropped_is_seen_and_resumed)
{
    gl_pgbouncer *b = admin();
    PGconn *client = plain(env("GL_ACT_PGB_CLIENT"));
    PGconn *raw = plain(env("GL_ACT_PGB_ADMIN"));
    gl_error err = {0};

    run(client, "BEGIN");
    run(client, "INSERT INTO item (v) VALUES (2)");
    cr_assert(PQsendQuery(raw, "PAUSE app"));
    usleep(100 * 1000);
    PQfinish(raw); /* the console connection is cut mid-PAUSE */
    run(client, "COMMIT");
    usleep(100 * 1000);
    cr_assert_eq(paused(b), 1, "PgBouncer keeps the pause of a dropped console connection");
    cr_assert_eq(gl_pgbouncer_resume(b, "app", &err), 0, "%s", err.message);
    cr_assert_eq(paused(b), 0);
    PQfinish(client);
    gl_pgbouncer_free(b);
}

Test(pgbouncer, server_pids_name_the_backends_of_the_pool)
{
    gl_pgbouncer *b = admin();
    PGconn *client = plain(env("GL_ACT_PGB_CLIENT"));
    gl_error err = {0};
    int *pids = NULL, mine, found = 0;
    size_t n = 0;
    char *pid;

    run(client, "BEGIN");
    pid = value(client, "SELECT pg_backend_pid()");
    mine = atoi(pid);
    cr_assert_eq(gl_pgbouncer_server_pids(b, "app", &pids, &n, &err), 0, "%s", err.message);
    for (size_t i = 0; i < n; i++)
        found |= pids[i] == mine;
    cr_assert(found, "backend %d not among %zu server pids", mine, n);
    run(client, "COMMIT");
    free(pid);
    free(pids);
    PQfinish(client);
    gl_pgbouncer_free(b);
}

Test(pgbouncer, repoints_the_entry_atomically_and_reload_moves_clients)
{
    const char *ini = env("GL_ACT_PGB_INI");
    gl_pgbouncer_target blue, green;
    gl_pgbouncer *b = admin();
    gl_error err = {0};
    PGconn *client;
    char *version;

    cr_assert_eq(gl_pgbouncer_ini_read_target(ini, "app", &blue, &err), 0, "%s", err.message);
    cr_assert_str_eq(blue.host, env("GL_ACT_BLUE_DIR"));
    cr_assert_str_eq(blue.dbname, "app");
    snprintf(green.host, sizeof(green.host), "%s", env("GL_ACT_GREEN_DIR"));
    snprintf(green.port, sizeof(green.port), "%s", env("GL_ACT_GREEN_PORT"));
    snprintf(green.dbname, sizeof(green.dbname), "app");

    cr_assert_eq(gl_pgbouncer_pause(b, "app", 5000, &err), 0, "%s", err.message);
    cr_assert_eq(gl_pgbouncer_ini_write_target(ini, "app", &green, &err), 0, "%s", err.message);
    cr_assert_eq(access("/dev/null", F_OK), 0);
    cr_assert_eq(gl_pgbouncer_reload(b, &err), 0, "%s", err.message);
    cr_assert_eq(gl_pgbouncer_resume(b, "app", &err), 0, "%s", err.message);
    client = plain(env("GL_ACT_PGB_CLIENT"));
    version = value(client, "SELECT current_setting('server_version_num')::int / 10000");
    cr_assert_str_eq(version, "17", "clients reach green after the repoint");
    free(version);
    PQfinish(client);

    cr_assert_eq(gl_pgbouncer_pause(b, "app", 5000, &err), 0, "%s", err.message);
    cr_assert_eq(gl_pgbouncer_ini_write_target(ini, "app", &blue, &err), 0, "%s", err.message);
    cr_assert_eq(gl_pgbouncer_reload(b, &err), 0, "%s", err.message);
    cr_assert_eq(gl_pgbouncer_resume(b, "app", &err), 0, "%s", err.message);
    client = plain(env("GL_ACT_PGB_CLIENT"));
    version = value(client, "SELECT current_setting('server_version_num')::int / 10000");
    cr_assert_str_eq(version, "15", "and back to blue");
    free(version);
    PQfinish(client);
    gl_pgbouncer_free(b);
}

static PGconn *act(const char *var, const char *label)
{
    PGconn *c = NULL;
    gl_error err = {0};

    cr_assert_eq(gl_act_connect(&c, env(var), label, &err), 0, "%s", err.message);
    return c;
}

Test(fence, fences_and_unfences_new_sessions)
{
    PGconn *blue = act("GL_ACT_BLUE", "blue"), *other;
    gl_error err = {0};
    PGresult *res;
    int on = -1;
    char *v;

    cr_assert_eq(gl_fence_set(blue, "blue", 1, gl_time_ms() + 5000, &err), 0, "%s", err.message);
    cr_assert_eq(gl_fence_get(blue, "blue", &on, &err), 0, "%s", err.message);
    cr_assert_eq(on, 1);
    other = plain(env("GL_ACT_BLUE"));
    v = value(other, "SHOW default_transaction_read_only");
    cr_assert_str_eq(v, "on");
    free(v);
    res = PQexec(other, "INSERT INTO item (v) VALUES (3)");
    cr_assert_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    cr_assert(strstr(PQresultErrorMessage(res), "read-only transaction") != NULL);
    PQclear(res);
    /* The actuator's own session still writes. */
    run(blue, "INSERT INTO item (v) VALUES (4)");
    PQfinish(other);

    cr_assert_eq(gl_fence_set(blue, "blue", 0, gl_time_ms() + 5000, &err), 0, "%s", err.message);
    cr_assert_eq(gl_fence_get(blue, "blue", &on, &err), 0, "%s", err.message);
    cr_assert_eq(on, 0);
    other = plain(env("GL_ACT_BLUE"));
    run(other, "INSERT INTO item (v) VALUES (5)");
    PQfinish(other);
    PQfinish(blue);
}

Test(fence, drain_terminates_open_transactions_which_never_commit)
{
    PGconn *blue = act("GL_ACT_BLUE", "blue"), *writer, *idle;
    gl_error err = {0};
    PGresult *res;
    int n = 0;
    char *count;

    writer = plain(env("GL_ACT_BLUE"));
    idle = plain(env("GL_ACT_BLUE"));
    run(writer, "BEGIN");
    run(writer, "INSERT INTO item (v) VALUES (-77)");
    cr_assert_eq(gl_fence_set(blue, "blue", 1, gl_time_ms() + 5000, &err), 0, "%s", err.message);
    cr_assert_eq(gl_fence_drain(blue, "blue", gl_time_ms() + 5000, &n, &err), 0, "%s",
                 err.message);
    cr_assert_geq(n, 2, "both other sessions terminated (%d)", n);
    res = PQexec(writer, "COMMIT");
    cr_assert_neq(PQresultStatus(res), PGRES_COMMAND_OK, "a drained transaction cannot commit");
    PQclear(res);
    count = value(blue, "SELECT count(*) FROM item WHERE v = -77");
    cr_assert_str_eq(count, "0");
    free(count);
    cr_assert_eq(gl_fence_set(blue, "blue", 0, gl_time_ms() + 5000, &err), 0, "%s", err.message);
    PQfinish(writer);
    PQfinish(idle);
    PQfinish(blue);
}

Test(sync, green_applies_the_final_position_and_sequences_follow)
{
    PGconn *blue = act("GL_ACT_BLUE", "blue"), *green = act("GL_ACT_GREEN", "green");
    gl_error err = {0};
    char lsn[64], *b, *g;
    size_t n = 0;
    double t0;

    run(blue, "INSERT INTO item (v) SELECT g FROM generate_series(1, 500) g");
    run(blue, "SELECT nextval('free_seq') FROM generate_series(1, 7)");
    cr_assert_eq(gl_sync_final_lsn(blue, "blue", lsn, sizeof(lsn), &err), 0, "%s", err.message);
    t0 = gl_time_ms();
    cr_assert_eq(gl_sync_wait_applied(blue, "blue", green, "green", "gl_fwd", "gl_fwd", lsn,
                                      gl_time_ms() + 20000, &err), 0, "%s", err.message);
    cr_log_info("applied %s in %.1f ms", lsn, gl_time_ms() - t0);
    b = value(blue, "SELECT count(*) || ':' || sum(v) FROM item");
    g = value(green, "SELECT count(*) || ':' || sum(v) FROM item");
    cr_assert_str_eq(g, b, "green has every row once applied");
    free(b);
    free(g);

    cr_assert_eq(gl_sync_sequences(blue, "blue", green, "green", &n, &err), 0, "%s", err.message);
    cr_assert_eq(n, 3);
    b = value(blue, "SELECT last_value || ':' || is_called FROM free_seq");
    g = value(green, "SELECT last_value || ':' || is_called FROM free_seq");
    cr_assert_str_eq(g, b);
    cr_assert(strstr(g, ":true") != NULL, "%s", g);
    free(b);
    free(g);
    b = value(blue, "SELECT last_value FROM item_id_seq");
    g = value(green, "SELECT last_value FROM item_id_seq");
    cr_assert_str_eq(g, b);
    free(b);
    free(g);
    g = value(green, "SELECT last_value || ':' || is_called FROM unused_seq");
    cr_assert_str_eq(g, "42:false", "a sequence never used stays unused");
    free(g);
    PQfinish(blue);
    PQfinish(green);
}

Test(sync, a_position_never_reached_times_out_saying_how_far)
{
    PGconn *blue = act("GL_ACT_BLUE", "blue"), *green = act("GL_ACT_GREEN", "green");
    gl_error err = {0};
    double t0 = gl_time_ms();

    cr_assert_eq(gl_sync_wait_applied(blue, "blue", green, "green", "gl_fwd", "gl_fwd",
                                      "FFFFFFFF/0", gl_time_ms() + 200, &err), -1);
    cr_assert_lt(gl_time_ms() - t0, 2000.0);
    cr_assert(strstr(err.message, "green did not catch up with blue before the deadline: needed "
                     "FFFFFFFF/0, applied ") != NULL, "%s", err.message);
    cr_assert_eq(gl_sync_wait_applied(blue, "blue", green, "green", "nosuch", "gl_fwd",
                                      "0/0", gl_time_ms() + 200, &err), -1);
    cr_assert_str_eq(err.message, "green: subscription \"nosuch\" does not exist");
    PQfinish(blue);
    PQfinish(green);
}
