#include "store.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "lifecycle.h"

struct stored_task {
    struct task task;
    unsigned polls;
    int64_t first_poll_ms;
    int64_t last_poll_ms;
    struct stored_task *next_in_bucket;
};

/* One idempotency key: the task it created, the request it stood for, how often it was used. */
struct idempotency_entry {
    char *key;
    cJSON *fingerprint;
    struct stored_task *task;
    unsigned uses;               /* submits answered with the task: the first one and replays */
    struct idempotency_entry *next_in_bucket;
};

/* End times of the tasks still generating, smallest on top. A submission pops the ended ones and
 * pushes its own, so in_flight stays O(log n) per submission even with 10,000 tasks stored. */
struct end_time_heap {
    int64_t *end_ms;
    size_t count;
    size_t capacity;
};

/* One logical submit: when each attempt arrived, what each was answered, how many tasks it
 * created. */
struct body_entry {
    uint64_t hash;
    const char *dialect;
    int64_t *arrivals;                 /* ms since start, in arrival order */
    int *statuses;                     /* per attempt: -1 not answered yet, 0 dropped */
    size_t attempts;
    size_t capacity;
    unsigned accepted;
    struct body_entry *next_in_bucket;
};

/* The end times of one API key's generating tasks in one dialect; kept only under --max-active. */
struct key_activity {
    const char *dialect;
    char *key;
    struct end_time_heap running;
};

struct store {
    pthread_mutex_t lock;

    struct stored_task **tasks;        /* in submission order, so stats list them that way */
    size_t task_count;
    size_t task_capacity;
    struct stored_task **buckets;      /* id lookup; chained, power-of-two sized */
    size_t bucket_count;

    struct idempotency_entry **keys;   /* in first-use order, for stats */
    size_t key_count;
    size_t key_capacity;
    struct idempotency_entry **key_buckets;
    size_t key_bucket_count;

    struct end_time_heap running;
    size_t max_in_flight;

    struct body_entry **bodies;        /* in first-arrival order */
    size_t body_count;
    size_t body_capacity;
    struct body_entry **body_buckets;
    size_t body_bucket_count;
    uint64_t generation;               /* bumped by a reset: attempts filed before it are stale */

    struct key_activity **active_keys; /* few: linear search */
    size_t active_key_count;
    size_t active_key_capacity;

    uint64_t submissions;
    uint64_t accepted;
    uint64_t polls;
    uint64_t downloads;
    uint64_t connections;
    uint64_t replays;                  /* submits answered with an existing task (idempotency) */
    uint64_t idempotency_conflicts;
    uint64_t rate_limited;             /* submits refused by --max-active */
};

static uint64_t hash_id(const char *id)
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (; *id; id++)
        hash = (hash ^ (unsigned char)*id) * 0x100000001b3ULL;
    return hash;
}

static void heap_push(struct end_time_heap *heap, int64_t value)
{
    size_t i = heap->count++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (heap->end_ms[parent] <= value)
            break;
        heap->end_ms[i] = heap->end_ms[parent];
        i = parent;
    }
    heap->end_ms[i] = value;
}

static void heap_pop(struct end_time_heap *heap)
{
    int64_t last = heap->end_ms[--heap->count];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= heap->count)
            break;
        if (child + 1 < heap->count && heap->end_ms[child + 1] < heap->end_ms[child])
            child++;
        if (last <= heap->end_ms[child])
            break;
        heap->end_ms[i] = heap->end_ms[child];
        i = child;
    }
    if (heap->count > 0)
        heap->end_ms[i] = last;
}

static void heap_drop_ended(struct end_time_heap *heap, int64_t now_ms)
{
    while (heap->count > 0 && heap->end_ms[0] <= now_ms)
        heap_pop(heap);
}

struct store *store_new(void)
{
    struct store *store = calloc(1, sizeof *store);
    if (store == NULL)
        return NULL;
    pthread_mutex_init(&store->lock, NULL);
    return store;
}

static void free_tasks(struct store *store)
{
    for (size_t i = 0; i < store->task_count; i++) {
        task_release(&store->tasks[i]->task);
        free(store->tasks[i]);
    }
    free(store->tasks);
    free(store->buckets);
    free(store->running.end_ms);
    store->tasks = NULL;
    store->buckets = NULL;
    store->running = (struct end_time_heap){ 0 };
    store->task_count = store->task_capacity = store->bucket_count = 0;

    for (size_t i = 0; i < store->key_count; i++) {
        free(store->keys[i]->key);
        cJSON_Delete(store->keys[i]->fingerprint);
        free(store->keys[i]);
    }
    free(store->keys);
    free(store->key_buckets);
    store->keys = NULL;
    store->key_buckets = NULL;
    store->key_count = store->key_capacity = store->key_bucket_count = 0;

    for (size_t i = 0; i < store->body_count; i++) {
        free(store->bodies[i]->arrivals);
        free(store->bodies[i]->statuses);
        free(store->bodies[i]);
    }
    free(store->bodies);
    free(store->body_buckets);
    store->bodies = NULL;
    store->body_buckets = NULL;
    store->body_count = store->body_capacity = store->body_bucket_count = 0;

    for (size_t i = 0; i < store->active_key_count; i++) {
        free(store->active_keys[i]->key);
        free(store->active_keys[i]->running.end_ms);
        free(store->active_keys[i]);
    }
    free(store->active_keys);
    store->active_keys = NULL;
    store->active_key_count = store->active_key_capacity = 0;
}

void store_free(struct store *store)
{
    if (store == NULL)
        return;
    free_tasks(store);
    pthread_mutex_destroy(&store->lock);
    free(store);
}

void store_reset(struct store *store)
{
    pthread_mutex_lock(&store->lock);
    free_tasks(store);
    store->max_in_flight = 0;
    store->submissions = store->accepted = store->polls = store->downloads = store->connections = 0;
    store->replays = store->idempotency_conflicts = store->rate_limited = 0;
    store->generation++;
    pthread_mutex_unlock(&store->lock);
}

void store_count_connection(struct store *store)
{
    pthread_mutex_lock(&store->lock);
    store->connections++;
    pthread_mutex_unlock(&store->lock);
}

void store_count_download(struct store *store)
{
    pthread_mutex_lock(&store->lock);
    store->downloads++;
    pthread_mutex_unlock(&store->lock);
}

/* --- logical submits --- */

static struct body_entry *find_body_locked(const struct store *store, uint64_t hash)
{
    if (store->body_bucket_count == 0)
        return NULL;
    struct body_entry *entry = store->body_buckets[hash & (store->body_bucket_count - 1)];
    while (entry != NULL && entry->hash != hash)
        entry = entry->next_in_bucket;
    return entry;
}

static struct body_entry *add_body_locked(struct store *store, uint64_t hash, const char *dialect)
{
    if (store->body_count == store->body_capacity) {
        size_t capacity = store->body_capacity ? store->body_capacity * 2 : 256;
        struct body_entry **bodies = realloc(store->bodies, capacity * sizeof *bodies);
        if (bodies == NULL)
            return NULL;
        store->bodies = bodies;
        store->body_capacity = capacity;
    }
    if (store->body_count + 1 > store->body_bucket_count) {
        size_t bucket_count = store->body_bucket_count ? store->body_bucket_count * 2 : 256;
        struct body_entry **buckets = calloc(bucket_count, sizeof *buckets);
        if (buckets == NULL)
            return NULL;
        for (size_t i = 0; i < store->body_count; i++) {
            struct body_entry *entry = store->bodies[i];
            size_t slot = entry->hash & (bucket_count - 1);
            entry->next_in_bucket = buckets[slot];
            buckets[slot] = entry;
        }
        free(store->body_buckets);
        store->body_buckets = buckets;
        store->body_bucket_count = bucket_count;
    }
    struct body_entry *entry = calloc(1, sizeof *entry);
    if (entry == NULL)
        return NULL;
    entry->hash = hash;
    entry->dialect = dialect;
    store->bodies[store->body_count++] = entry;
    size_t slot = hash & (store->body_bucket_count - 1);
    entry->next_in_bucket = store->body_buckets[slot];
    store->body_buckets[slot] = entry;
    return entry;
}

static bool grow_attempts(struct body_entry *entry)
{
    if (entry->attempts < entry->capacity)
        return true;
    size_t capacity = entry->capacity ? entry->capacity * 2 : 4;
    int64_t *arrivals = realloc(entry->arrivals, capacity * sizeof *arrivals);
    if (arrivals == NULL)
        return false;
    entry->arrivals = arrivals;
    int *statuses = realloc(entry->statuses, capacity * sizeof *statuses);
    if (statuses == NULL)
        return false;
    entry->statuses = statuses;
    entry->capacity = capacity;
    return true;
}

void store_submit_arrived(struct store *store, const char *dialect, uint64_t hash, int64_t now_ms,
                          struct submit_attempt *attempt)
{
    *attempt = (struct submit_attempt){ .number = 1 };
    pthread_mutex_lock(&store->lock);
    store->submissions++;
    struct body_entry *entry = find_body_locked(store, hash);
    if (entry == NULL)
        entry = add_body_locked(store, hash, dialect);
    if (entry != NULL && grow_attempts(entry)) {
        entry->arrivals[entry->attempts] = now_ms;
        entry->statuses[entry->attempts] = -1;
        *attempt = (struct submit_attempt){
            .tracked = true,
            .hash = hash,
            .generation = store->generation,
            .index = entry->attempts,
            .number = (unsigned)(entry->attempts + 1),
        };
        entry->attempts++;
    }
    pthread_mutex_unlock(&store->lock);
}

/* The attempt's logical submit, unless a reset forgot it since. */
static struct body_entry *attempt_entry_locked(const struct store *store,
                                               const struct submit_attempt *attempt)
{
    if (attempt == NULL || !attempt->tracked || attempt->generation != store->generation)
        return NULL;
    struct body_entry *entry = find_body_locked(store, attempt->hash);
    return entry != NULL && attempt->index < entry->attempts ? entry : NULL;
}

void store_submit_answered(struct store *store, const struct submit_attempt *attempt,
                           unsigned status)
{
    pthread_mutex_lock(&store->lock);
    struct body_entry *entry = attempt_entry_locked(store, attempt);
    if (entry != NULL)
        entry->statuses[attempt->index] = (int)status;
    pthread_mutex_unlock(&store->lock);
}

/* --- tasks --- */

static struct stored_task *find_locked(const struct store *store, const char *id)
{
    if (store->bucket_count == 0)
        return NULL;
    struct stored_task *entry = store->buckets[hash_id(id) & (store->bucket_count - 1)];
    while (entry != NULL && strcmp(entry->task.id, id) != 0)
        entry = entry->next_in_bucket;
    return entry;
}

static bool rehash_locked(struct store *store, size_t bucket_count)
{
    struct stored_task **buckets = calloc(bucket_count, sizeof *buckets);
    if (buckets == NULL)
        return false;
    for (size_t i = 0; i < store->task_count; i++) {
        struct stored_task *entry = store->tasks[i];
        size_t slot = hash_id(entry->task.id) & (bucket_count - 1);
        entry->next_in_bucket = buckets[slot];
        buckets[slot] = entry;
    }
    free(store->buckets);
    store->buckets = buckets;
    store->bucket_count = bucket_count;
    return true;
}

/* Makes room for one more task in every structure first, so that the insertion itself cannot
 * fail halfway. */
static bool reserve_locked(struct store *store)
{
    if (store->task_count == store->task_capacity) {
        size_t capacity = store->task_capacity ? store->task_capacity * 2 : 256;
        struct stored_task **tasks = realloc(store->tasks, capacity * sizeof *tasks);
        if (tasks == NULL)
            return false;
        store->tasks = tasks;
        store->task_capacity = capacity;
    }
    if (store->running.count == store->running.capacity) {
        size_t capacity = store->running.capacity ? store->running.capacity * 2 : 256;
        int64_t *end_ms = realloc(store->running.end_ms, capacity * sizeof *end_ms);
        if (end_ms == NULL)
            return false;
        store->running.end_ms = end_ms;
        store->running.capacity = capacity;
    }
    if (store->task_count + 1 > store->bucket_count)
        return rehash_locked(store, store->bucket_count ? store->bucket_count * 2 : 256);
    return true;
}

/* Allocates the stored copy outside the lock. */
static struct stored_task *new_entry(const struct task *task)
{
    struct stored_task *entry = calloc(1, sizeof *entry);
    if (entry == NULL)
        return NULL;
    if (!task_copy(&entry->task, task)) {
        free(entry);
        return NULL;
    }
    entry->task.poll_number = 0;
    return entry;
}

static void free_entry(struct stored_task *entry)
{
    task_release(&entry->task);
    free(entry);
}

/* Under --max-active: whether the admission's key may start another task now. On yes, *activity
 * is the key's activity with room for one more end time (NULL when no limit applies); on no, the
 * outcome says why (STORE_BUSY is counted as rate_limited). */
static enum store_outcome admit_locked(struct store *store, const struct store_admission *admission,
                                       int64_t now_ms, struct key_activity **activity)
{
    *activity = NULL;
    if (admission == NULL || admission->max_active == 0 || admission->api_key == NULL
        || admission->dialect == NULL)
        return STORE_CREATED;
    struct key_activity *found = NULL;
    for (size_t i = 0; i < store->active_key_count && found == NULL; i++)
        if (store->active_keys[i]->dialect == admission->dialect
            && strcmp(store->active_keys[i]->key, admission->api_key) == 0)
            found = store->active_keys[i];
    if (found == NULL) {
        if (store->active_key_count == store->active_key_capacity) {
            size_t capacity = store->active_key_capacity ? store->active_key_capacity * 2 : 8;
            struct key_activity **keys = realloc(store->active_keys, capacity * sizeof *keys);
            if (keys == NULL)
                return STORE_NO_MEMORY;
            store->active_keys = keys;
            store->active_key_capacity = capacity;
        }
        found = calloc(1, sizeof *found);
        if (found == NULL || (found->key = strdup(admission->api_key)) == NULL) {
            free(found);
            return STORE_NO_MEMORY;
        }
        found->dialect = admission->dialect;
        store->active_keys[store->active_key_count++] = found;
    }
    struct end_time_heap *running = &found->running;
    heap_drop_ended(running, now_ms);
    if (running->count >= admission->max_active) {
        store->rate_limited++;
        return STORE_BUSY;
    }
    if (running->count == running->capacity) {
        size_t capacity = running->capacity ? running->capacity * 2 : 16;
        int64_t *end_ms = realloc(running->end_ms, capacity * sizeof *end_ms);
        if (end_ms == NULL)
            return STORE_NO_MEMORY;
        running->end_ms = end_ms;
        running->capacity = capacity;
    }
    *activity = found;
    return STORE_CREATED;
}

/* Inserts a task that reserve_locked and admit_locked made room for: it cannot fail. */
static void insert_locked(struct store *store, struct stored_task *entry,
                          struct key_activity *activity, const struct store_admission *admission,
                          int64_t now_ms)
{
    store->tasks[store->task_count++] = entry;
    size_t slot = hash_id(entry->task.id) & (store->bucket_count - 1);
    entry->next_in_bucket = store->buckets[slot];
    store->buckets[slot] = entry;
    store->accepted++;

    heap_drop_ended(&store->running, now_ms);
    int64_t end_ms = entry->task.submitted_ms + entry->task.duration_ms;
    if (end_ms > now_ms) {
        heap_push(&store->running, end_ms);
        if (activity != NULL)
            heap_push(&activity->running, end_ms);
    }
    if (store->running.count > store->max_in_flight)
        store->max_in_flight = store->running.count;

    struct body_entry *body = attempt_entry_locked(store, admission ? admission->attempt : NULL);
    if (body != NULL)
        body->accepted++;
}

enum store_outcome store_add_task(struct store *store, const struct task *task,
                                  const struct store_admission *admission)
{
    struct stored_task *entry = new_entry(task);
    if (entry == NULL)
        return STORE_NO_MEMORY;
    pthread_mutex_lock(&store->lock);
    int64_t now_ms = sim_clock_ms();
    struct key_activity *activity;
    enum store_outcome outcome = admit_locked(store, admission, now_ms, &activity);
    if (outcome == STORE_CREATED && !reserve_locked(store))
        outcome = STORE_NO_MEMORY;
    if (outcome == STORE_CREATED) {
        insert_locked(store, entry, activity, admission, now_ms);
        entry = NULL;
    }
    pthread_mutex_unlock(&store->lock);
    if (entry != NULL)
        free_entry(entry);
    return outcome;
}

static struct idempotency_entry *find_key_locked(const struct store *store, const char *key)
{
    if (store->key_bucket_count == 0)
        return NULL;
    struct idempotency_entry *entry = store->key_buckets[hash_id(key) & (store->key_bucket_count - 1)];
    while (entry != NULL && strcmp(entry->key, key) != 0)
        entry = entry->next_in_bucket;
    return entry;
}

static bool reserve_key_locked(struct store *store)
{
    if (store->key_count == store->key_capacity) {
        size_t capacity = store->key_capacity ? store->key_capacity * 2 : 64;
        struct idempotency_entry **keys = realloc(store->keys, capacity * sizeof *keys);
        if (keys == NULL)
            return false;
        store->keys = keys;
        store->key_capacity = capacity;
    }
    if (store->key_count + 1 <= store->key_bucket_count)
        return true;
    size_t bucket_count = store->key_bucket_count ? store->key_bucket_count * 2 : 64;
    struct idempotency_entry **buckets = calloc(bucket_count, sizeof *buckets);
    if (buckets == NULL)
        return false;
    for (size_t i = 0; i < store->key_count; i++) {
        struct idempotency_entry *entry = store->keys[i];
        size_t slot = hash_id(entry->key) & (bucket_count - 1);
        entry->next_in_bucket = buckets[slot];
        buckets[slot] = entry;
    }
    free(store->key_buckets);
    store->key_buckets = buckets;
    store->key_bucket_count = bucket_count;
    return true;
}

enum store_outcome store_add_task_once(struct store *store, const struct task *task,
                                       const cJSON *fingerprint,
                                       const struct store_admission *admission,
                                       struct task *existing)
{
    enum store_outcome outcome = STORE_NO_MEMORY;
    struct idempotency_entry *known;
    struct key_activity *activity;
    int64_t now_ms;
    struct stored_task *entry = new_entry(task);
    struct idempotency_entry *key = calloc(1, sizeof *key);
    if (entry == NULL || key == NULL || (key->key = strdup(task->idempotency_key)) == NULL
        || (key->fingerprint = cJSON_Duplicate(fingerprint, true)) == NULL)
        goto discard;

    pthread_mutex_lock(&store->lock);
    now_ms = sim_clock_ms();
    known = find_key_locked(store, task->idempotency_key);
    if (known != NULL) {
        if (!cJSON_Compare(known->fingerprint, fingerprint, true)) {
            store->idempotency_conflicts++;
            outcome = STORE_CONFLICT;
        } else if (task_copy(existing, &known->task->task)) {
            known->uses++;
            store->replays++;
            outcome = STORE_REPLAYED;
        }
    } else if ((outcome = admit_locked(store, admission, now_ms, &activity)) != STORE_CREATED) {
        /* busy, or out of memory */
    } else if (!reserve_locked(store) || !reserve_key_locked(store)) {
        outcome = STORE_NO_MEMORY;
    } else {
        insert_locked(store, entry, activity, admission, now_ms);
        key->task = entry;
        key->uses = 1;
        store->keys[store->key_count++] = key;
        size_t slot = hash_id(key->key) & (store->key_bucket_count - 1);
        key->next_in_bucket = store->key_buckets[slot];
        store->key_buckets[slot] = key;
        entry = NULL;
        key = NULL;
        outcome = STORE_CREATED;
    }
    pthread_mutex_unlock(&store->lock);

discard:
    if (entry != NULL)
        free_entry(entry);
    if (key != NULL) {
        free(key->key);
        cJSON_Delete(key->fingerprint);
        free(key);
    }
    return outcome;
}

bool store_record_poll(struct store *store, const char *id, int64_t now_ms, struct task *out)
{
    bool found = false;
    pthread_mutex_lock(&store->lock);
    store->polls++;
    struct stored_task *entry = id ? find_locked(store, id) : NULL;
    if (entry != NULL && task_copy(out, &entry->task)) {
        if (entry->polls++ == 0)
            entry->first_poll_ms = now_ms;
        entry->last_poll_ms = now_ms;
        out->poll_number = entry->polls;
        found = true;
    }
    pthread_mutex_unlock(&store->lock);
    return found;
}

static cJSON *task_stats_json(const struct stored_task *entry, int64_t now_ms)
{
    const struct task *task = &entry->task;
    struct task_progress progress = lifecycle_at(task->submitted_ms, task->duration_ms,
                                                 task->scenario.ending, now_ms);
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
    if (task->idempotency_key != NULL)
        cJSON_AddStringToObject(json, "idempotency_key", task->idempotency_key);
    return json;
}

static cJSON *body_stats_json(const struct body_entry *entry)
{
    cJSON *json = cJSON_CreateObject();
    cJSON *arrivals = cJSON_AddArrayToObject(json, "attempts");
    cJSON *statuses = cJSON_CreateArray();
    for (size_t i = 0; i < entry->attempts; i++) {
        cJSON_AddItemToArray(arrivals, cJSON_CreateNumber((double)entry->arrivals[i]));
        cJSON_AddItemToArray(statuses, entry->statuses[i] < 0
                                           ? cJSON_CreateNull()
                                           : cJSON_CreateNumber(entry->statuses[i]));
    }
    cJSON_AddNumberToObject(json, "accepted", entry->accepted);
    cJSON_AddStringToObject(json, "dialect", entry->dialect);
    if (!cJSON_AddItemToObject(json, "statuses", statuses))
        cJSON_Delete(statuses);
    return json;
}

cJSON *store_stats_json(struct store *store, int64_t now_ms, bool include_tasks,
                        bool include_bodies)
{
    cJSON *json = cJSON_CreateObject();
    pthread_mutex_lock(&store->lock);
    heap_drop_ended(&store->running, now_ms);
    cJSON_AddNumberToObject(json, "submissions", (double)store->submissions);
    cJSON_AddNumberToObject(json, "accepted", (double)store->accepted);
    cJSON_AddNumberToObject(json, "polls", (double)store->polls);
    cJSON_AddNumberToObject(json, "downloads", (double)store->downloads);
    cJSON_AddNumberToObject(json, "connections", (double)store->connections);
    cJSON_AddNumberToObject(json, "in_flight", (double)store->running.count);
    cJSON_AddNumberToObject(json, "max_in_flight", (double)store->max_in_flight);
    cJSON_AddNumberToObject(json, "now_ms", (double)now_ms);
    cJSON_AddNumberToObject(json, "duplicates", (double)store->replays);
    cJSON_AddNumberToObject(json, "idempotency_conflicts", (double)store->idempotency_conflicts);
    cJSON_AddNumberToObject(json, "rate_limited", (double)store->rate_limited);
    size_t duplicate_submits = 0;
    for (size_t i = 0; i < store->body_count; i++)
        duplicate_submits += store->bodies[i]->accepted > 1;
    cJSON_AddNumberToObject(json, "duplicate_submits", (double)duplicate_submits);
    cJSON *keys = cJSON_AddObjectToObject(json, "idempotency_keys");
    for (size_t i = 0; keys != NULL && i < store->key_count; i++)
        cJSON_AddNumberToObject(keys, store->keys[i]->key, store->keys[i]->uses);
    if (include_tasks) {
        cJSON *tasks = cJSON_AddObjectToObject(json, "tasks");
        for (size_t i = 0; tasks != NULL && i < store->task_count; i++) {
            cJSON *task = task_stats_json(store->tasks[i], now_ms);
            if (!cJSON_AddItemToObject(tasks, store->tasks[i]->task.id, task))
                cJSON_Delete(task);
        }
    }
    if (include_bodies) {
        cJSON *bodies = cJSON_AddObjectToObject(json, "submits_by_body");
        for (size_t i = 0; bodies != NULL && i < store->body_count; i++) {
            char hash[17];
            snprintf(hash, sizeof hash, "%016" PRIx64, store->bodies[i]->hash);
            cJSON *body = body_stats_json(store->bodies[i]);
            if (!cJSON_AddItemToObject(bodies, hash, body))
                cJSON_Delete(body);
        }
    }
    pthread_mutex_unlock(&store->lock);
    return json;
}

static bool copy_string(char **copy, const char *text)
{
    *copy = text ? strdup(text) : NULL;
    return text == NULL || *copy != NULL;
}

bool task_copy(struct task *copy, const struct task *task)
{
    *copy = *task;
    copy->prompt = copy->idempotency_key = NULL;
    if (copy_string(&copy->model, task->model ? task->model : "")
        && copy_string(&copy->prompt, task->prompt)
        && copy_string(&copy->idempotency_key, task->idempotency_key))
        return true;
    task_release(copy);
    return false;
}

void task_release(struct task *task)
{
    free(task->model);
    free(task->prompt);
    free(task->idempotency_key);
    task->model = task->prompt = task->idempotency_key = NULL;
}
