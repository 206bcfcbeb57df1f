/*
 * loader — finds and dlopens check plugins, and refuses the ones that do not
 * match the ABI. Search order: --plugin-path directories (in order),
 * $GREENLIGHT_PLUGIN_PATH (colon-separated), the build's plugin directory,
 * the install directory. The first plugin of a name wins; later ones are
 * listed as shadowed. Plugins are loaded RTLD_NOW | RTLD_LOCAL and never
 * unloaded during a run.
 */
#ifndef GL_LOADER_H
#define GL_LOADER_H

#include <stddef.h>

#include "greenlight/plugin.h"
#include "util/error.h"

typedef enum gl_plugin_state {
    GL_PLUGIN_LOADED = 0,
    GL_PLUGIN_REFUSED,   /* broken: wrong ABI, no entry point, bad descriptor */
    GL_PLUGIN_SHADOWED   /* same name found earlier in the search path */
} gl_plugin_state;

typedef struct gl_loaded_plugin {
    char *path;
    gl_plugin_state state;
    char *refusal;              /* why it was refused or shadowed */
    const gl_plugin *desc;      /* the host's copy of the descriptor (owned), NULL unless loaded */
    void *handle;
} gl_loaded_plugin;

typedef struct gl_plugin_set {
    gl_loaded_plugin *items;
    size_t count;
} gl_plugin_set;

/* Scans the directories; never fails for a broken plugin (it is listed as
 * refused). Fails only when out of memory or a --plugin-path dir is missing. */
int gl_plugins_load(gl_plugin_set *set, const char *const *extra_dirs, size_t n_extra,
                    gl_error *err);
void gl_plugins_free(gl_plugin_set *set);

/* Checks one descriptor against the host ABI: 0, or -1 with why it is
 * refused in err (usage; the message names path and the field). */
int gl_plugin_check_descriptor(const gl_plugin *p, const char *path, gl_error *err);

#endif
