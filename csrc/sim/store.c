#include "store.h"

#include <pthread.h>
#include <stdlib.h>

#include "activity.h"
#include "clock.h"
#include "idempotency.h"
#include "task_table.h"

struct store {
    pthread_mutex_t lock;
    struct task_table tasks;
    struct idempotency_keys keys;
    struct submit_log submits;
    struct activity activity;

    uint64_t submissions;
    uint64_t accepted;
    uint64_t polls;
    uint64_t downloads;
    struct download_log download_log;
    cJSON *inputs; /* every inline file submits carried (inputs.h); NULL: none yet */
    uint64_t connections;
    uint64_t replays; /* submits answered with an existing task (idempotency) */
    uint64_t idempotency_conflicts;
    uint64_t rate_limited; /* submits refused by --max-active */
};

struct store *store_new(void)
{
    struct store *store = calloc(1, sizeof *store);
    if (store == NULL) return NULL;
    pthread_mutex_init(&store->lock, NULL);
    return store;
}

/* The heaps hold timers inside the tasks and the keys point at tasks: they go first. */
static void forget_everything(struct store *store)
{
    activity_free(&store->activity);
    idempotency_free(&store->keys);
    task_table_free(&store->tasks);
    submit_log_reset(&store->submits);
    download_log_reset(&store->download_log);
    cJSON_Delete(store->inputs);
    store->inputs = NULL;
}

void store_free(struct store *store)
{
    if (store == NULL) return;
    forget_everything(store);
    pthread_mutex_destroy(&store->lock);
    free(store);
}

void store_reset(struct store *store)
{
    pthread_mutex_lock(&store->lock);
    forget_everything(store);
    store->submissions = store->accepted = store->polls = store->downloads = store->connections = 0;
    store->replays = store->idempotency_conflicts = store->rate_limited = 0;
    pthread_mutex_unlock(&store->lock);
}

static void count(struct store *store, uint64_t *counter)
{
    pthread_mutex_lock(&store->lock);
    (*counter)++;
    pthread_mutex_unlock(&store->lock);
}

void store_count_connection(struct store *store)
{
    count(store, &store->connections);
}

void store_count_download(struct store *store)
{
    count(store, &store->downloads);
}

bool store_record_download(struct store *store, const char *id, unsigned index, struct task *out)
{
    pthread_mutex_lock(&store->lock);
    store->downloads++;
    bool found = task_table_download(&store->tasks, id, index, out);
    pthread_mutex_unlock(&store->lock);
    return found;
}

void store_log_inputs(struct store *store, cJSON *inputs)
{
    pthread_mutex_lock(&store->lock);
    if (store->inputs == NULL) store->inputs = cJSON_CreateArray();
    cJSON *item;
    while ((item = cJSON_DetachItemFromArray(inputs, 0)) != NULL) cJSON_AddItemToArray(store->inputs, item);
    pthread_mutex_unlock(&store->lock);
    cJSON_Delete(inputs);
}

void store_log_download(struct store *store, const struct download_record *record)
{
    pthread_mutex_lock(&store->lock);
    download_log_add(&store->download_log, record);
    pthread_mutex_unlock(&store->lock);
}

void store_submit_arrived(struct store *store, const char *dialect, uint64_t hash, int64_t now_ms,
                          struct submit_attempt *attempt)
{
    pthread_mutex_lock(&store->lock);
    store->submissions++;
    submit_log_arrived(&store->submits, dialect, hash, now_ms, attempt);
    pthread_mutex_unlock(&store->lock);
}

void store_submit_answered(struct store *store, const struct submit_attempt *attempt, unsigned status)
{
    pthread_mutex_lock(&store->lock);
    submit_log_answered(&store->submits, attempt, status);
    pthread_mutex_unlock(&store->lock);
}

/* A known idempotency key: the same request again (a replay: *existing) or another (a conflict). */
static enum store_outcome reuse_locked(struct store *store, struct idempotency_entry *known, const cJSON *fingerprint,
                                       struct task *existing)
{
    if (!cJSON_Compare(known->fingerprint, fingerprint, true)) {
        store->idempotency_conflicts++;
        return STORE_CONFLICT;
    }
    if (!task_copy(existing, &known->task->task)) return STORE_NO_MEMORY;
    known->uses++;
    store->replays++;
    return STORE_REPLAYED;
}

/* Admits, then makes room everywhere before anything changes, so that a task is either counted
 * in every structure or in none. */
static enum store_outcome insert_locked(struct store *store, struct stored_task *entry, struct idempotency_entry *key,
                                        const struct store_admission *admission, int64_t now_ms)
{
    const struct store_admission none = {0};
    if (admission == NULL) admission = &none;
    struct key_activity *limited;
    switch (activity_admit(&store->activity, admission->dialect, admission->api_key, admission->max_active, now_ms,
                           &limited)) {
    case ADMITTED: break;
    case ADMISSION_BUSY: store->rate_limited++; return STORE_BUSY;
    case ADMISSION_NO_MEMORY: return STORE_NO_MEMORY;
    }
    if (!task_table_reserve(&store->tasks) || (key != NULL && !idempotency_reserve(&store->keys)) ||
        !activity_start(&store->activity, limited, &entry->generating, &entry->generating_for_key,
                        entry->task.submitted_ms + entry->task.duration_ms, now_ms))
        return STORE_NO_MEMORY;
    task_table_add(&store->tasks, entry);
    if (key != NULL) {
        key->task = entry;
        key->uses = 1;
        idempotency_add(&store->keys, key);
    }
    store->accepted++;
    submit_log_accepted(&store->submits, admission->attempt);
    return STORE_CREATED;
}

enum store_outcome store_add_task(struct store *store, const struct task *task, const cJSON *fingerprint,
                                  const struct store_admission *admission, struct task *existing)
{
    enum store_outcome outcome = STORE_NO_MEMORY;
    /* allocated outside the lock */
    struct stored_task *entry = stored_task_new(task);
    struct idempotency_entry *key = NULL;
    if (task->idempotency_key != NULL) key = idempotency_entry_new(task->idempotency_key, fingerprint);
    if (entry == NULL || (task->idempotency_key != NULL && key == NULL)) goto discard;

    pthread_mutex_lock(&store->lock);
    struct idempotency_entry *known = key != NULL ? idempotency_find(&store->keys, key->key) : NULL;
    if (known != NULL) outcome = reuse_locked(store, known, fingerprint, existing);
    else outcome = insert_locked(store, entry, key, admission, sim_clock_ms());
    pthread_mutex_unlock(&store->lock);
    if (outcome == STORE_CREATED) return outcome;
discard:
    if (entry != NULL) stored_task_free(entry);
    idempotency_entry_free(key);
    return outcome;
}

bool store_record_poll(struct store *store, const char *id, int64_t now_ms, struct task *out)
{
    pthread_mutex_lock(&store->lock);
    store->polls++;
    bool found = id != NULL && task_table_poll(&store->tasks, id, now_ms, out);
    pthread_mutex_unlock(&store->lock);
    return found;
}

static void add_object(cJSON *json, const char *name, cJSON *member)
{
    if (!cJSON_AddItemToObject(json, name, member)) cJSON_Delete(member);
}

cJSON *store_stats_json(struct store *store, int64_t now_ms, bool include_tasks, bool include_bodies)
{
    cJSON *json = cJSON_CreateObject();
    pthread_mutex_lock(&store->lock);
    size_t in_flight = activity_in_flight(&store->activity, now_ms);
    cJSON_AddNumberToObject(json, "submissions", (double)store->submissions);
    cJSON_AddNumberToObject(json, "accepted", (double)store->accepted);
    cJSON_AddNumberToObject(json, "polls", (double)store->polls);
    cJSON_AddNumberToObject(json, "downloads", (double)store->downloads);
    cJSON_AddNumberToObject(json, "downloads_with_key", (double)store->download_log.with_key);
    cJSON_AddNumberToObject(json, "connections", (double)store->connections);
    cJSON_AddNumberToObject(json, "in_flight", (double)in_flight);
    cJSON_AddNumberToObject(json, "max_in_flight", (double)store->activity.max_in_flight);
    cJSON_AddNumberToObject(json, "now_ms", (double)now_ms);
    cJSON_AddNumberToObject(json, "duplicates", (double)store->replays);
    cJSON_AddNumberToObject(json, "idempotency_conflicts", (double)store->idempotency_conflicts);
    cJSON_AddNumberToObject(json, "rate_limited", (double)store->rate_limited);
    cJSON_AddNumberToObject(json, "duplicate_submits", (double)submit_log_duplicates(&store->submits));
    add_object(json, "idempotency_keys", idempotency_json(&store->keys));
    if (include_tasks) add_object(json, "tasks", task_table_json(&store->tasks, now_ms));
    if (include_tasks) add_object(json, "files", download_log_json(&store->download_log));
    add_object(json, "inputs", store->inputs ? cJSON_Duplicate(store->inputs, true) : cJSON_CreateArray());
    if (include_bodies) add_object(json, "submits_by_body", submit_log_json(&store->submits));
    pthread_mutex_unlock(&store->lock);
    return json;
}
