#include "render.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void result_url(char *out, size_t size, unsigned port, const char *task_id, unsigned index)
{
    snprintf(out, size, "http://127.0.0.1:%u/files/%s-%u.png", port, task_id, index);
}

void add_result_urls(cJSON *json, const char *name, const char *member, const struct task *task, unsigned port)
{
    cJSON *urls = cJSON_AddArrayToObject(json, name);
    for (unsigned i = 0; urls != NULL && i < task->scenario.result_count; i++) {
        char url[160];
        result_url(url, sizeof url, port, task->id, i);
        cJSON *item = member ? cJSON_CreateObject() : cJSON_CreateString(url);
        if (member) cJSON_AddStringToObject(item, member, url);
        cJSON_AddItemToArray(urls, item);
    }
}

void respell_with_spaces(const char *code, const char *const *keep, char *out, size_t size)
{
    bool kept = false;
    for (size_t i = 0; keep != NULL && keep[i] != NULL && !kept; i++) kept = strcmp(keep[i], code) == 0;
    size_t i = 0;
    for (; code[i] != '\0' && i + 1 < size; i++) out[i] = (code[i] == '_' && !kept) ? ' ' : code[i];
    if (size > 0) out[i] = '\0';
}

cJSON *json_parent_at(const cJSON *root, const char *path, const char **leaf)
{
    const cJSON *node = root;
    const char *dot;
    while ((dot = strchr(path, '.')) != NULL) {
        char name[64];
        size_t length = (size_t)(dot - path);
        if (length >= sizeof name) return NULL;
        memcpy(name, path, length);
        name[length] = '\0';
        node = cJSON_GetObjectItemCaseSensitive(node, name);
        if (!cJSON_IsObject(node)) return NULL;
        path = dot + 1;
    }
    *leaf = path;
    return (cJSON *)node;
}

cJSON *json_at(const cJSON *root, const char *path)
{
    const char *leaf;
    cJSON *parent = path ? json_parent_at(root, path, &leaf) : NULL;
    return parent ? cJSON_GetObjectItemCaseSensitive(parent, leaf) : NULL;
}

const char *json_string_at(const cJSON *root, const char *path)
{
    const cJSON *item = json_at(root, path);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}
