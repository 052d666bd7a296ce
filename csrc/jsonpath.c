/* jsonpath.c — the dot paths provider profiles use to say where a field lives.
 *
 * "error.code" walks objects, "results[].url" visits url in every element of results,
 * "output.urls[]" visits every element of urls. A path that meets the wrong type simply
 * finds nothing: a hostile body can make a field missing, never crash the walk. */
#include "core.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_SEGMENT 128

static void walk(const cJSON *node, const char *path, gt_json_visit visit, void *ctx)
{
    if (!node) return;
    if (*path == '\0') {
        visit(node, ctx);
        return;
    }
    size_t len = strcspn(path, ".[");
    if (len >= MAX_SEGMENT) return;
    const char *rest = path + len;

    const cJSON *child = node;
    if (len > 0) {
        char key[MAX_SEGMENT];
        memcpy(key, path, len);
        key[len] = '\0';
        if (!cJSON_IsObject(node)) return;
        child = cJSON_GetObjectItemCaseSensitive(node, key);
        if (!child) return;
    }
    if (strncmp(rest, "[]", 2) == 0) {
        rest += 2;
        if (*rest == '.') rest++;
        if (!cJSON_IsArray(child)) return;
        const cJSON *element;
        cJSON_ArrayForEach(element, child) walk(element, rest, visit, ctx);
        return;
    }
    if (*rest == '.') rest++;
    walk(child, rest, visit, ctx);
}

void gt_json_path_each(const cJSON *root, const char *path, gt_json_visit visit, void *ctx)
{
    if (path && *path) walk(root, path, visit, ctx);
}

static void keep_first(const cJSON *item, void *ctx)
{
    const cJSON **first = ctx;
    if (!*first) *first = item;
}

const cJSON *gt_json_path_first(const cJSON *root, const char *path)
{
    const cJSON *first = NULL;
    gt_json_path_each(root, path, keep_first, &first);
    return first;
}

char *gt_json_scalar_string(const cJSON *item)
{
    if (cJSON_IsString(item)) return gt_strdup(item->valuestring);
    if (cJSON_IsNumber(item)) {
        char buf[64];
        double v = item->valuedouble;
        if (!isfinite(v)) return NULL;
        if (v == floor(v) && fabs(v) < 9.2e18) snprintf(buf, sizeof buf, "%lld", (long long)v);   /* in range for the cast */
        else snprintf(buf, sizeof buf, "%.17g", v);
        return gt_strdup(buf);
    }
    return NULL;
}
