#include "submit_log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

struct logical_submit {
    uint64_t hash;
    const char *dialect;
    int64_t *arrivals; /* ms since start, in arrival order */
    int *statuses;     /* per attempt: -1 not answered yet, 0 dropped */
    size_t attempts;
    size_t capacity;
    unsigned accepted; /* tasks its attempts created */
};

static bool has_hash(const void *item, const void *hash)
{
    return ((const struct logical_submit *)item)->hash == *(const uint64_t *)hash;
}

static struct logical_submit *find(const struct submit_log *log, uint64_t hash)
{
    return indexed_find(&log->submits, hash, has_hash, &hash);
}

static struct logical_submit *add(struct submit_log *log, uint64_t hash, const char *dialect)
{
    struct logical_submit *entry;
    if (!indexed_reserve(&log->submits) || (entry = calloc(1, sizeof *entry)) == NULL) return NULL;
    entry->hash = hash;
    entry->dialect = dialect;
    indexed_append(&log->submits, hash, entry);
    return entry;
}

static bool grow_attempts(struct logical_submit *entry)
{
    if (entry->attempts < entry->capacity) return true;
    size_t capacity = entry->capacity ? entry->capacity * 2 : 4;
    int64_t *arrivals = realloc(entry->arrivals, capacity * sizeof *arrivals);
    if (arrivals == NULL) return false;
    entry->arrivals = arrivals;
    int *statuses = realloc(entry->statuses, capacity * sizeof *statuses);
    if (statuses == NULL) return false;
    entry->statuses = statuses;
    entry->capacity = capacity;
    return true;
}

void submit_log_arrived(struct submit_log *log, const char *dialect, uint64_t hash, int64_t now_ms,
                        struct submit_attempt *attempt)
{
    *attempt = (struct submit_attempt){.number = 1};
    struct logical_submit *entry = find(log, hash);
    if (entry == NULL) entry = add(log, hash, dialect);
    if (entry == NULL || !grow_attempts(entry)) return;
    entry->arrivals[entry->attempts] = now_ms;
    entry->statuses[entry->attempts] = -1;
    *attempt = (struct submit_attempt){
        .tracked = true,
        .hash = hash,
        .generation = log->generation,
        .index = entry->attempts,
        .number = (unsigned)(entry->attempts + 1),
    };
    entry->attempts++;
}

/* The attempt's logical submit, unless a reset forgot it since. */
static struct logical_submit *attempt_entry(const struct submit_log *log, const struct submit_attempt *attempt)
{
    if (attempt == NULL || !attempt->tracked || attempt->generation != log->generation) return NULL;
    struct logical_submit *entry = find(log, attempt->hash);
    return entry != NULL && attempt->index < entry->attempts ? entry : NULL;
}

void submit_log_answered(struct submit_log *log, const struct submit_attempt *attempt, unsigned status)
{
    struct logical_submit *entry = attempt_entry(log, attempt);
    if (entry != NULL) entry->statuses[attempt->index] = (int)status;
}

void submit_log_accepted(struct submit_log *log, const struct submit_attempt *attempt)
{
    struct logical_submit *entry = attempt_entry(log, attempt);
    if (entry != NULL) entry->accepted++;
}

size_t submit_log_duplicates(const struct submit_log *log)
{
    size_t duplicates = 0;
    for (size_t i = 0; i < log->submits.count; i++)
        duplicates += ((const struct logical_submit *)log->submits.items[i])->accepted > 1;
    return duplicates;
}

static cJSON *logical_submit_json(const struct logical_submit *entry)
{
    cJSON *json = cJSON_CreateObject();
    cJSON *arrivals = cJSON_AddArrayToObject(json, "attempts");
    cJSON *statuses = cJSON_CreateArray();
    for (size_t i = 0; i < entry->attempts; i++) {
        cJSON_AddItemToArray(arrivals, cJSON_CreateNumber((double)entry->arrivals[i]));
        cJSON_AddItemToArray(statuses,
                             entry->statuses[i] < 0 ? cJSON_CreateNull() : cJSON_CreateNumber(entry->statuses[i]));
    }
    cJSON_AddNumberToObject(json, "accepted", entry->accepted);
    cJSON_AddStringToObject(json, "dialect", entry->dialect);
    if (!cJSON_AddItemToObject(json, "statuses", statuses)) cJSON_Delete(statuses);
    return json;
}

cJSON *submit_log_json(const struct submit_log *log)
{
    cJSON *json = cJSON_CreateObject();
    for (size_t i = 0; json != NULL && i < log->submits.count; i++) {
        const struct logical_submit *entry = log->submits.items[i];
        char hash[17];
        snprintf(hash, sizeof hash, "%016" PRIx64, entry->hash);
        cJSON *submit = logical_submit_json(entry);
        if (!cJSON_AddItemToObject(json, hash, submit)) cJSON_Delete(submit);
    }
    return json;
}

static void free_item(void *item)
{
    struct logical_submit *entry = item;
    free(entry->arrivals);
    free(entry->statuses);
    free(entry);
}

void submit_log_reset(struct submit_log *log)
{
    indexed_free(&log->submits, free_item);
    log->generation++;
}
