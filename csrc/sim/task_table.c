#include "task_table.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

struct stored_task *stored_task_new(const struct task *task)
{
    struct stored_task *entry = calloc(1, sizeof *entry);
    if (entry == NULL) return NULL;
    if (!task_copy(&entry->task, task)) {
        free(entry);
        return NULL;
    }
    entry->task.poll_number = 0;
    return entry;
}

void stored_task_free(struct stored_task *entry)
{
    task_release(&entry->task);
    free(entry);
}

static void free_item(void *item)
{
    stored_task_free(item);
}

static uint64_t id_hash(const char *id)
{
    return hash_string(HASH_SEED, id);
}

static bool has_id(const void *item, const void *id)
{
    return strcmp(((const struct stored_task *)item)->task.id, id) == 0;
}

bool task_table_reserve(struct task_table *table)
{
    return indexed_reserve(&table->tasks);
}

void task_table_add(struct task_table *table, struct stored_task *entry)
{
    indexed_append(&table->tasks, id_hash(entry->task.id), entry);
}

bool task_table_poll(struct task_table *table, const char *id, int64_t now_ms, struct task *out)
{
    struct stored_task *entry = indexed_find(&table->tasks, id_hash(id), has_id, id);
    if (entry == NULL || !task_copy(out, &entry->task)) return false;
    if (entry->polls++ == 0) entry->first_poll_ms = now_ms;
    entry->last_poll_ms = now_ms;
    out->poll_number = entry->polls;
    return true;
}

bool task_table_download(struct task_table *table, const char *id, unsigned index, struct task *out)
{
    struct stored_task *entry = indexed_find(&table->tasks, id_hash(id), has_id, id);
    if (entry == NULL || index >= sizeof entry->downloads / sizeof entry->downloads[0] || !task_copy(out, &entry->task))
        return false;
    out->download_number = ++entry->downloads[index];
    return true;
}

static cJSON *stored_task_json(const struct stored_task *entry, int64_t now_ms)
{
    const struct task *task = &entry->task;
    struct task_progress progress = task_progress_now(task, now_ms);
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "dialect", task->dialect);
    cJSON_AddNumberToObject(json, "polls", entry->polls);
    if (entry->polls > 0) {
        cJSON_AddNumberToObject(json, "first_poll_ms", (double)entry->first_poll_ms);
        cJSON_AddNumberToObject(json, "last_poll_ms", (double)entry->last_poll_ms);
    } else {
        cJSON_AddNullToObject(json, "first_poll_ms");
        cJSON_AddNullToObject(json, "last_poll_ms");
    }
    cJSON_AddNumberToObject(json, "submitted_ms", (double)task->submitted_ms);
    cJSON_AddNumberToObject(json, "duration_ms", (double)task->duration_ms);
    cJSON_AddStringToObject(json, "state", task_phase_name(progress.phase));
    cJSON_AddStringToObject(json, "scenario", task->scenario.words);
    if (task->scenario.ignored_words[0] != '\0')
        cJSON_AddStringToObject(json, "ignored_words", task->scenario.ignored_words);
    if (task->idempotency_key != NULL) cJSON_AddStringToObject(json, "idempotency_key", task->idempotency_key);
    return json;
}

cJSON *task_table_json(const struct task_table *table, int64_t now_ms)
{
    cJSON *tasks = cJSON_CreateObject();
    for (size_t i = 0; tasks != NULL && i < table->tasks.count; i++) {
        const struct stored_task *entry = table->tasks.items[i];
        cJSON *task = stored_task_json(entry, now_ms);
        if (!cJSON_AddItemToObject(tasks, entry->task.id, task)) cJSON_Delete(task);
    }
    return tasks;
}

void task_table_free(struct task_table *table)
{
    indexed_free(&table->tasks, free_item);
}
