/* Small pieces the dialects write their bodies with: result URLs, status words respelled, and
 * members found in the JSON of a request or an answer by dotted path. */
#ifndef GENTASK_SIM_RENDER_H
#define GENTASK_SIM_RENDER_H

#include <stddef.h>

#include <cJSON.h>

#include "task.h"

/* http://127.0.0.1:PORT/files/ID-I.png: what every dialect hands out, served by files.c. */
void result_url(char *out, size_t size, unsigned port, const char *task_id, unsigned index);

/* One URL for each result the task has, as `name` in json: strings (member NULL), or objects
 * that hold each as `member` (ACME's "assets": [{"href": URL}], FoxAPI's "results": [{"url": URL}]). */
void add_result_urls(cJSON *json, const char *name, const char *member, const struct task *task, unsigned port);

/* A code or status word as the dialect spells it: underscores stand for spaces (scenario words
 * cannot hold spaces) unless the word, as written, is one of `keep` (NULL-terminated; may be
 * NULL). */
void respell_with_spaces(const char *code, const char *const *keep, char *out, size_t size);

/* The member at a dotted path ("input.prompt", "data.taskId"), or NULL (also for a NULL path). */
cJSON *json_at(const cJSON *root, const char *path);

/* The object that holds the last member of a dotted path, and that member's name in *leaf. */
cJSON *json_parent_at(const cJSON *root, const char *path, const char **leaf);

/* The string at a dotted path, or NULL when it is absent or not a string. */
const char *json_string_at(const cJSON *root, const char *path);

#endif
