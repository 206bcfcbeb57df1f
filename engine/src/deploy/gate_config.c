/*
 * gate_config — DIR/gate-config.json: the gate's configuration for this
 * deployment. It tells the replication guardrails which connections on blue
 * are PgBouncer's (SHOW SERVERS remote_pid for the deployment's alias), so
 * client sessions that bypass PgBouncer can be named: a switchover repoints
 * PgBouncer only. `deploy create`, `deploy status` and `deploy switchover`
 * (right before its gate) rewrite it; `greenlight check --config
 * DIR/gate-config.json` uses it by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act/pgbouncer.h"
#include "deploy/deploy.h"
#include "run/run.h"

#define OOM(err) gl_error_nomem((err))

/* obj[key] as an object, created when missing; NULL when obj[key] is not an
 * object (the caller's config says something else) or out of memory. */
static gl_value *section(gl_value *obj, const char *key)
{
    gl_value *v = gl_value_object_get_mut(obj, key);

    if (v != NULL)
        return gl_value_kind_of(v) == GL_VALUE_OBJECT ? v : NULL;
    v = gl_value_object();
    if (v == NULL || gl_value_object_set(obj, key, v) != 0)
        return NULL;
    return v;
}

/* {"pgbouncer_db": alias, "server_pids": [...]} from the admin console. */
static int endpoint(const gl_value *pgb, gl_value **out, gl_error *err)
{
    const char *admin = gl_value_object_string(pgb, "admin");
    const char *alias = gl_value_object_string(pgb, "db");
    gl_pgbouncer *b = NULL;
    gl_value *v = NULL, *pids = NULL;
    int *list = NULL;
    size_t n = 0;
    int rc = -1;

    *out = NULL;
    if (gl_pgbouncer_connect(&b, admin, err) != 0 ||
        gl_pgbouncer_server_pids(b, alias, &list, &n, err) != 0)
        goto out;
    v = gl_value_object();
    pids = gl_value_array();
    if (v == NULL || pids == NULL || gl_value_object_set(v, "pgbouncer_db", gl_value_string(alias)) != 0)
        goto oom;
    for (size_t i = 0; i < n; i++)
        if (gl_value_array_push(pids, gl_value_int(list[i])) != 0)
            goto oom;
    if (gl_value_object_set(v, "server_pids", pids) != 0) {
        pids = NULL;
        goto oom;
    }
    pids = NULL;
    *out = v;
    v = NULL;
    rc = 0;
    goto out;
oom:
    OOM(err);
out:
    gl_value_free(pids);
    gl_value_free(v);
    free(list);
    gl_pgbouncer_free(b);
    return rc;
}

void gl_deploy_gate_endpoint_refresh(void *ud, gl_value *config)
{
    const gl_value *pgb = gl_value_object_get((const gl_value *)ud, "pgbouncer");
    gl_value *plugins = gl_value_object_get_mut(config, "plugins");
    gl_value *repl = gl_value_object_get_mut(plugins, "replication");
    gl_value *ep = gl_value_object_get_mut(repl, "endpoint");
    gl_value *pids = gl_value_object_get_mut(ep, "server_pids");
    const char *alias = gl_value_object_string(pgb, "db");
    const char *ep_alias = gl_value_object_string(ep, "pgbouncer_db");
    gl_pgbouncer *b = NULL;
    gl_error err;
    int *list = NULL;
    size_t n = 0;

    if (gl_value_kind_of(pids) != GL_VALUE_ARRAY || alias == NULL || ep_alias == NULL ||
        strcmp(alias, ep_alias) != 0)
        return;
    gl_error_clear(&err);
    if (gl_pgbouncer_connect(&b, gl_value_object_string(pgb, "admin"), &err) == 0 &&
        gl_pgbouncer_server_pids(b, alias, &list, &n, &err) == 0) {
        for (size_t i = 0; i < n; i++) {
            int known = 0;
            for (size_t k = 0; k < gl_value_len(pids) && !known; k++)
                known = gl_value_get_int(gl_value_array_at(pids, k)) == list[i];
            if (!known && gl_value_array_push(pids, gl_value_int(list[i])) != 0)
                break;
        }
    }
    free(list);
    gl_pgbouncer_free(b);
}

int gl_deploy_gate_config_write(const char *state_dir, const gl_value *rec, const char *user_config,
                                char **out_path, gl_error *err)
{
    const gl_value *pgb = gl_value_object_get(rec, "pgbouncer");
    gl_value *config = NULL, *ep = NULL, *plugins, *repl;
    char path[4096];
    int rc = -1;

    if (out_path != NULL)
        *out_path = NULL;
    if (gl_config_load(user_config, &config, err) != 0)
        goto out;
    plugins = section(config, "plugins");
    repl = plugins ? section(plugins, "replication") : NULL;
    if (repl == NULL) {
        gl_error_set(err, GL_ERR_USAGE, "--config %s: \"plugins\" and \"plugins.replication\" must "
                     "be objects", user_config ? user_config : "");
        goto out;
    }
    /* The caller's own endpoint wins; without PgBouncer there is none. */
    if (gl_value_kind_of(pgb) == GL_VALUE_OBJECT && gl_value_object_get(repl, "endpoint") == NULL) {
        if (endpoint(pgb, &ep, err) != 0) {
            gl_error_prefix(err, "reading PgBouncer's server connections for the gate");
            goto out;
        }
        if (gl_value_object_set(repl, "endpoint", ep) != 0) {
            OOM(err);
            goto out;
        }
    }
    if ((size_t)snprintf(path, sizeof(path), "%s/gate-config.json", state_dir) >= sizeof(path)) {
        gl_error_set(err, GL_ERR_USAGE, "--state %s: path too long", state_dir);
        goto out;
    }
    if (gl_json_write_file(config, 1, path, err) != 0) {
        gl_error_set(err, GL_ERR_USAGE, "%s", err->message);
        goto out;
    }
    if (out_path != NULL) {
        *out_path = strdup(path);
        if (*out_path == NULL) {
            OOM(err);
            goto out;
        }
    }
    rc = 0;
out:
    gl_value_free(config);
    return rc;
}
