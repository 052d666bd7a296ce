/* jsonpath.c — the dot paths provider profiles use to say where a field lives.
 *
 * "error.code" walks objects, "results[].url" visits url in every element of results,
 * "output.urls[]" visits every element of urls, "data.resultJson{}.resultUrls[]" parses the
 * string resultJson as JSON and walks on inside it (APIXO). A path that meets the wrong type
 * finds nothing: a hostile body can make a field missing, never crash the walk. */
#include "reading.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEGMENT 128

const char *gt_json_path_problem(const char *path)
{
    if (!path || !*path) return "is empty";
    if (strlen(path) > GT_PATH_MAX_LENGTH) return "is longer than 256 bytes";
    size_t steps = 0;
    for (const char *p = path; *p;) {
        size_t len = strcspn(p, ".[]{}");
        if (len >= MAX_SEGMENT) return "has a name of 128 bytes or more";
        p += len;
        bool suffixed = false;
        while (*p == '[' || *p == '{') { /* "[]" and "{}" only: a[0] or a{x} mean nothing here */
            if (strncmp(p, "[]", 2) != 0 && strncmp(p, "{}", 2) != 0) return "has a '[' or '{' not closed at once";
            p += 2;
            suffixed = true;
            if (++steps > GT_PATH_MAX_DEPTH) return "has more than 32 steps";
        }
        if (len == 0 && !suffixed) return "has an empty name (two dots, or a dot at an end)";
        if (len > 0 && ++steps > GT_PATH_MAX_DEPTH) return "has more than 32 steps";
        if (*p == ']' || *p == '}') return "has a ']' or '}' without its opening";
        if (*p == '.') {
            p++;
            if (*p == '\0') return "has an empty name (two dots, or a dot at an end)";
        }
    }
    return NULL;
}

/* depth bounds the walk whatever the path: a path the profile loader refused never gets here,
 * but a walk must not trust that */
static void walk(const cJSON *node, const char *path, gt_json_visit visit, void *ctx, int depth)
{
    if (!node || depth > GT_PATH_MAX_DEPTH) return;
    if (*path == '\0') {
        visit(node, ctx);
        return;
    }
    size_t len = strcspn(path, ".[{");
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
        cJSON_ArrayForEach(element, child) walk(element, rest, visit, ctx, depth + 1);
        return;
    }
    if (strncmp(rest, "{}", 2) == 0) {
        rest += 2;
        if (*rest == '.') rest++;
        if (!cJSON_IsString(child)) return;
        cJSON *inner = cJSON_Parse(child->valuestring); /* its lifetime is this walk's */
        walk(inner, rest, visit, ctx, depth + 1);
        cJSON_Delete(inner);
        return;
    }
    if (*rest == '.') rest++;
    else if (*rest != '\0' || len == 0) return; /* a '[' or '{' not closed at once: nothing to find */
    walk(child, rest, visit, ctx, depth + 1);
}

void gt_json_paths_each(const cJSON *root, const gt_paths *paths, gt_json_visit visit, void *ctx)
{
    for (size_t i = 0; paths && i < paths->n; i++)
        if (paths->items[i][0]) walk(root, paths->items[i], visit, ctx, 0);
}

static char *scalar_string(const cJSON *item)
{
    if (cJSON_IsString(item)) return gt_strdup(item->valuestring);
    if (cJSON_IsNumber(item)) {
        char buf[64];
        double v = item->valuedouble;
        if (!isfinite(v)) return NULL;
        if (v == floor(v) && fabs(v) < 9.2e18)
            snprintf(buf, sizeof buf, "%lld", (long long)v); /* in range for the cast */
        else snprintf(buf, sizeof buf, "%.17g", v);
        return gt_strdup(buf);
    }
    return NULL;
}

static void keep_first(const cJSON *item, void *ctx)
{
    gt_json_value *v = ctx;
    if (v->found || cJSON_IsNull(item)) return; /* null is as good as absent: try the next path */
    v->found = true;
    v->type = item->type & 0xff;
    v->string = scalar_string(item);
    v->number = cJSON_IsNumber(item) ? item->valuedouble : 0;
}

gt_json_value gt_json_paths_first(const cJSON *root, const gt_paths *paths)
{
    gt_json_value v = {0};
    gt_json_paths_each(root, paths, keep_first, &v);
    return v;
}

void gt_json_value_clear(gt_json_value *v)
{
    free(v->string);
    memset(v, 0, sizeof *v);
}

static void keep_first_scalar(const cJSON *item, void *ctx)
{
    char **out = ctx;
    if (!*out) *out = scalar_string(item); /* an object or array where text was expected: look further */
}

char *gt_json_paths_string(const cJSON *root, const gt_paths *paths)
{
    char *out = NULL;
    gt_json_paths_each(root, paths, keep_first_scalar, &out);
    return out;
}

/* ---- messages that are objects ------------------------------------------------------------------ */

#define MESSAGE_MAX_BYTES 4096 /* a hostile object of a million fields is cut, not copied whole */

typedef struct message_text {
    char *text;
    size_t len;
    bool full;
} message_text;

static void append(message_text *m, const char *s)
{
    if (m->full || !s) return;
    size_t add = strlen(s);
    if (m->len + add > MESSAGE_MAX_BYTES) {
        add = MESSAGE_MAX_BYTES - m->len;
        m->full = true;
    }
    char *grown = realloc(m->text, m->len + add + 1);
    if (!grown) {
        m->full = true;
        return;
    }
    memcpy(grown + m->len, s, add);
    m->len += add;
    grown[m->len] = '\0';
    m->text = grown;
}

/* A field's messages: one string (or number), or a list of them, written one after another. */
static void append_messages(message_text *m, const cJSON *value, const char *separator)
{
    if (!cJSON_IsArray(value)) {
        char *one = scalar_string(value);
        append(m, one);
        free(one);
        return;
    }
    bool first = true;
    const cJSON *element;
    cJSON_ArrayForEach(element, value)
    {
        char *one = scalar_string(element);
        if (!one) continue;
        if (!first) append(m, separator);
        append(m, one);
        free(one);
        first = false;
    }
}

/* What scalar_string reads as text: a string, or a finite number. */
static bool is_text(const cJSON *value)
{
    return cJSON_IsString(value) || (cJSON_IsNumber(value) && isfinite(value->valuedouble));
}

/* A message, or a list holding at least one (a list inside a list is not read). */
static bool has_scalar(const cJSON *value)
{
    if (!cJSON_IsArray(value)) return is_text(value);
    const cJSON *element;
    cJSON_ArrayForEach(element, value) if (is_text(element)) return true;
    return false;
}

/* {"init_image": ["The init image field is required."], "width": ["…", "…"]} →
 * "init_image: The init image field is required.; width: … …"; a list of strings → "a; b". NULL
 * when nothing in it is text. */
static char *message_of(const cJSON *item)
{
    message_text m = {0};
    if (cJSON_IsArray(item)) {
        if (has_scalar(item)) append_messages(&m, item, "; ");
        return m.text;
    }
    if (!cJSON_IsObject(item)) return scalar_string(item);
    const cJSON *member;
    cJSON_ArrayForEach(member, item)
    {
        if (!has_scalar(member)) continue;
        if (m.len > 0) append(&m, "; ");
        append(&m, member->string);
        append(&m, ": ");
        append_messages(&m, member, " ");
    }
    return m.text;
}

static void keep_first_message(const cJSON *item, void *ctx)
{
    char **out = ctx;
    if (!*out) *out = message_of(item);
}

char *gt_json_paths_message(const cJSON *root, const gt_paths *paths)
{
    char *out = NULL;
    gt_json_paths_each(root, paths, keep_first_message, &out);
    return out;
}
