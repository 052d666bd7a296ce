#include "download_log.h"

#include <stdlib.h>

/* A runaway client must not grow the record without end: past this only the counts go on. */
#define DOWNLOAD_LOG_MAX 100000

void download_log_add(struct download_log *log, const struct download_record *record)
{
    if (record->key_seen) log->with_key++;
    if (log->count == DOWNLOAD_LOG_MAX) return;
    if (log->count == log->capacity) {
        size_t capacity = log->capacity ? log->capacity * 2 : 64;
        struct download_record *grown = realloc(log->records, capacity * sizeof *grown);
        if (grown == NULL) return;
        log->records = grown;
        log->capacity = capacity;
    }
    log->records[log->count++] = *record;
}

cJSON *download_log_json(const struct download_log *log)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < log->count; i++) {
        const struct download_record *r = &log->records[i];
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "path", r->path);
        cJSON_AddNumberToObject(item, "number", r->number);
        cJSON_AddNumberToObject(item, "status", r->status);
        cJSON_AddNumberToObject(item, "at_ms", (double)r->at_ms);
        cJSON_AddNumberToObject(item, "bytes", (double)r->bytes);
        cJSON_AddStringToObject(item, "sha256", r->sha256);
        cJSON_AddBoolToObject(item, "key_seen", r->key_seen);
        cJSON_AddItemToArray(list, item);
    }
    return list;
}

void download_log_reset(struct download_log *log)
{
    free(log->records);
    *log = (struct download_log){0};
}
