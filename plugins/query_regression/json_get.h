/* json_get.h — member lookup in a yajl_tree object, shared by the files that
 * walk yajl trees (workload, libpg_query parse trees, EXPLAIN plans). A static
 * inline so unit tests and fuzz targets can include any one .c on its own. */
#ifndef GL_QR_JSON_GET_H
#define GL_QR_JSON_GET_H

#include <string.h>

#include <yajl/yajl_tree.h>

/* The value of key in obj, or NULL when obj is not an object or lacks it. */
static inline yajl_val query_regression__json_get(yajl_val obj, const char *key)
{
    if (!YAJL_IS_OBJECT(obj))
        return NULL;
    for (size_t i = 0; i < obj->u.object.len; i++)
        if (strcmp(obj->u.object.keys[i], key) == 0)
            return obj->u.object.values[i];
    return NULL;
}

#endif
