#include "plugin/loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The descriptor as ABI 1.0 defined it ends with collect_pair. */
#define GL_PLUGIN_SIZE_1_0 (offsetof(gl_plugin, collect_pair) + sizeof(void (*)(void)))

static int valid_name(const char *name)
{
    if (name == NULL || name[0] == '\0' || strlen(name) > 64)
        return 0;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return 0;
    return 1;
}

int gl_plugin_check_descriptor(const gl_plugin *p, const char *path, gl_error *err)
{
    if (p == NULL)
        return gl_error_set(err, GL_ERR_USAGE, "%s: %s() returned NULL", path, GL_PLUGIN_ENTRY);
    if (p->abi_major != GL_PLUGIN_ABI_MAJOR)
        return gl_error_set(err, GL_ERR_USAGE,
                            "%s: abi_major is %u but this greenlight speaks ABI %u.%u: rebuild the "
                            "plugin against this greenlight's plugin.h",
                            path, p->abi_major, GL_PLUGIN_ABI_MAJOR, GL_PLUGIN_ABI_MINOR);
    if (p->abi_minor > GL_PLUGIN_ABI_MINOR)
        return gl_error_set(err, GL_ERR_USAGE,
                            "%s: abi_minor is %u but this greenlight speaks ABI %u.%u: the plugin "
                            "needs a newer greenlight",
                            path, p->abi_minor, GL_PLUGIN_ABI_MAJOR, GL_PLUGIN_ABI_MINOR);
    if (p->size < GL_PLUGIN_SIZE_1_0)
        return gl_error_set(err, GL_ERR_USAGE,
                            "%s: size is %zu but ABI %u.0 descriptors are at least %zu bytes",
                            path, p->size, GL_PLUGIN_ABI_MAJOR, (size_t)GL_PLUGIN_SIZE_1_0);
    if (!valid_name(p->name))
        return gl_error_set(err, GL_ERR_USAGE, "%s: name must be 1-64 characters of [a-z0-9_]", path);
    if (p->version == NULL || p->description == NULL)
        return gl_error_set(err, GL_ERR_USAGE, "%s: version and description are required", path);
    if (p->collect == NULL || p->compare == NULL)
        return gl_error_set(err, GL_ERR_USAGE, "%s: collect and compare are required", path);
    return 0;
}

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#elif defined(__i386__)
#define HOST_MACHINE EM_386
#elif defined(__arm__)
#define HOST_MACHINE EM_ARM
#elif defined(__powerpc64__)
#define HOST_MACHINE EM_PPC64
#elif defined(__s390x__)
#define HOST_MACHINE EM_S390
#elif defined(__riscv)
#define HOST_MACHINE EM_RISCV
#else
#define HOST_MACHINE EM_NONE /* unknown: dlopen alone decides */
#endif

static const char *machine_name(unsigned m)
{
    switch (m) {
    case EM_X86_64: return "x86_64";
    case EM_AARCH64: return "aarch64";
    case EM_386: return "i386";
    case EM_ARM: return "arm";
    case EM_PPC64: return "ppc64";
    case EM_S390: return "s390x";
    case EM_RISCV: return "riscv";
    default: return NULL;
    }
}

/*
 * Before dlopen: the path must be a regular file (dlopen on a FIFO with no
 * writer blocks forever; a device is no plugin) and, when it is an ELF
 * object, one built for this machine (glibc says "No such file" or "wrong
 * ELF class" for a foreign one). 0, or -1 with why in err.
 */
static int check_file(const char *path, gl_error *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    unsigned char ident[EI_NIDENT + 4];
    struct stat st = {0};
    ssize_t n;
    int rc = -1;

    if (fd < 0)
        return gl_error_set(err, GL_ERR_USAGE, "%s: cannot be opened: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        gl_error_set(err, GL_ERR_USAGE, "%s: not a regular file (%s): a plugin is a shared object; "
                     "remove it from the plugin directory", path,
                     S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISDIR(st.st_mode) ? "a directory"
                     : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : S_ISSOCK(st.st_mode) ? "a socket" : "not a file");
        goto out;
    }
    n = read(fd, ident, sizeof(ident));
    if (n >= (ssize_t)sizeof(ident) && memcmp(ident, ELFMAG, SELFMAG) == 0 && HOST_MACHINE != EM_NONE) {
        /* e_machine follows e_ident and e_type, in the file's byte order */
        unsigned m = ident[EI_DATA] == ELFDATA2MSB ? (unsigned)ident[EI_NIDENT + 2] << 8 | ident[EI_NIDENT + 3]
                                                   : (unsigned)ident[EI_NIDENT + 3] << 8 | ident[EI_NIDENT + 2];
        int host_class = sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32;
        if (m != HOST_MACHINE || ident[EI_CLASS] != host_class) {
            char theirs[32];
            const char *name = machine_name(m);
            if (name != NULL)
                snprintf(theirs, sizeof(theirs), "%s", name);
            else
                snprintf(theirs, sizeof(theirs), "machine %u", m);
            gl_error_set(err, GL_ERR_USAGE, "%s: wrong architecture: built for %s (%d-bit) but this greenlight "
                     "runs on %s (%d-bit): rebuild the plugin for this machine", path, theirs,
                     ident[EI_CLASS] == ELFCLASS64 ? 64 : 32, machine_name(HOST_MACHINE),
                     host_class == ELFCLASS64 ? 64 : 32);
            goto out;
        }
    }
    rc = 0;
out:
    close(fd);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static gl_loaded_plugin *find_loaded(gl_plugin_set *set, const char *name)
{
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i].state == GL_PLUGIN_LOADED && strcmp(set->items[i].desc->name, name) == 0)
            return &set->items[i];
    return NULL;
}

static int load_one(gl_plugin_set *set, const char *path, gl_error *err)
{
    gl_loaded_plugin *grown, *lp, *first;
    gl_plugin *copy;
    gl_error why; /* a refusal: kept in lp->refusal, not a failure of the load */
    gl_plugin_entry_fn entry;
    void *sym;

    gl_error_clear(&why);
    grown = realloc(set->items, (set->count + 1) * sizeof(*grown));
    if (grown == NULL)
        return gl_error_set(err, GL_ERR_NOMEM, "out of memory loading plugins");
    set->items = grown;
    lp = &set->items[set->count];
    memset(lp, 0, sizeof(*lp));
    lp->state = GL_PLUGIN_REFUSED; /* until proven loadable */
    lp->path = strdup(path);
    if (lp->path == NULL)
        return gl_error_set(err, GL_ERR_NOMEM, "out of memory loading plugins");
    set->count++;

    if (check_file(path, &why) != 0)
        goto refuse;
    lp->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lp->handle == NULL) {
        gl_error_set(&why, GL_ERR_USAGE, "%s: cannot be loaded: %s", path, dlerror());
        goto refuse;
    }
    sym = dlsym(lp->handle, GL_PLUGIN_ENTRY);
    if (sym == NULL) {
        gl_error_set(&why, GL_ERR_USAGE,
                     "%s: no %s symbol: a greenlight plugin exports `const gl_plugin *%s(void)`", path,
                     GL_PLUGIN_ENTRY, GL_PLUGIN_ENTRY);
        goto refuse;
    }
    *(void **)&entry = sym;
    if (gl_plugin_check_descriptor(entry(), path, &why) != 0)
        goto refuse;
    first = find_loaded(set, entry()->name);
    if (first != NULL) {
        gl_error_set(&why, GL_ERR_USAGE, "%s: shadowed by %s (same name \"%s\" earlier in the path)",
                     path, first->path, first->desc->name);
        lp->state = GL_PLUGIN_SHADOWED;
        lp->refusal = strdup(why.message);
        /* Keep the handle: never unload during a run. */
        return 0;
    }
    /* The host reads a copy as large as its own descriptor: members a
     * plugin built against an older minor lacks read as NULL. */
    copy = calloc(1, sizeof(*copy));
    if (copy == NULL)
        return gl_error_set(err, GL_ERR_NOMEM, "out of memory loading plugins");
    memcpy(copy, entry(), entry()->size < sizeof(*copy) ? entry()->size : sizeof(*copy));
    lp->desc = copy;
    lp->state = GL_PLUGIN_LOADED;
    return 0;
refuse:
    lp->state = GL_PLUGIN_REFUSED;
    lp->refusal = strdup(why.message);
    return 0;
}

static int load_dir(gl_plugin_set *set, const char *dir, int must_exist, gl_error *err)
{
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;
    int rc = 0;

    d = opendir(dir);
    if (d == NULL) {
        if (must_exist)
            return gl_error_set(err, GL_ERR_USAGE, "--plugin-path %s: %s", dir, strerror(errno));
        return 0;
    }
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        char **grown;
        if (len < 4 || strcmp(de->d_name + len - 3, ".so") != 0)
            continue;
        grown = realloc(names, (n + 1) * sizeof(*names));
        if (grown == NULL) {
            rc = gl_error_nomem(err);
            goto out;
        }
        names = grown;
        names[n] = strdup(de->d_name);
        if (names[n] == NULL) {
            rc = gl_error_nomem(err);
            goto out;
        }
        n++;
    }
    /* Sorted, so load order (and so the report) does not depend on readdir. */
    if (n > 0)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        rc = load_one(set, path, err);
    }
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

int gl_plugins_load(gl_plugin_set *set, const char *const *extra_dirs, size_t n_extra,
                    gl_error *err)
{
    const char *env = getenv("GREENLIGHT_PLUGIN_PATH");

    memset(set, 0, sizeof(*set));
    for (size_t i = 0; i < n_extra; i++)
        if (load_dir(set, extra_dirs[i], 1, err) != 0)
            return -1;
    if (env && env[0]) {
        char *copy = strdup(env), *save = NULL;
        if (copy == NULL)
            return gl_error_nomem(err);
        for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
            if (load_dir(set, dir, 0, err) != 0) {
                free(copy);
                return -1;
            }
        }
        free(copy);
    }
    if (load_dir(set, GL_PLUGIN_BUILD_DIR, 0, err) != 0)
        return -1;
    if (strcmp(GL_PLUGIN_BUILD_DIR, GL_PLUGIN_INSTALL_DIR) != 0 &&
        load_dir(set, GL_PLUGIN_INSTALL_DIR, 0, err) != 0)
        return -1;
    return 0;
}

void gl_plugins_free(gl_plugin_set *set)
{
    for (size_t i = 0; i < set->count; i++) {
        free(set->items[i].path);
        free(set->items[i].refusal);
        free((void *)set->items[i].desc);
        /* Handles are left open on purpose: never unload during a run (and
         * LeakSanitizer symbolises plugin frames only while mapped). */
    }
    free(set->items);
    memset(set, 0, sizeof(*set));
}
