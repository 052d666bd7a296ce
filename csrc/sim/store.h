/* Every task the simulator accepted, and the counters /_sim/stats reports. One mutex guards it
 * all; callers never hold a pointer into the store after a call returns (POST /_sim/reset may
 * free everything at any moment), so lookups hand back copies. */
#ifndef GENTASK_SIM_STORE_H
#define GENTASK_SIM_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "scenario.h"

#define TASK_ID_MAX 80

struct task {
    char id[TASK_ID_MAX];
    const char *dialect;         /* static string, e.g. "foxapi" */
    const char *object_type;     /* static string the dialect chose, e.g. "image.generation.task" */
    char *model;                 /* owned (as are prompt and idempotency_key): freed by
                                    task_release(); the model, technique slug or model_id */
    char *prompt;                /* NULL when the dialect does not echo it back */
    char *idempotency_key;       /* NULL: none (FLORA only) */
    int64_t created_unix_s;
    int64_t created_unix_ms;
    int64_t submitted_ms;
    int64_t duration_ms;
    int64_t seed;                /* echoed in results where the dialect does (BFL, ModelsLab) */
    unsigned width, height;      /* 0: not given */
    struct scenario scenario;
    unsigned poll_number;        /* in a copy from store_record_poll: this poll's number, from 1 */
};

struct store;

struct store *store_new(void);
void store_free(struct store *store);

/* Every submit request, whatever becomes of it. */
void store_count_submission(struct store *store);

/* Takes a copy of the task (its strings included). False only when memory ran out. */
bool store_add_task(struct store *store, const struct task *task);

enum store_idempotency {
    STORE_CREATED,       /* a new key: the task was added */
    STORE_REPLAYED,      /* a known key with an equal fingerprint: *existing is its task */
    STORE_CONFLICT,      /* a known key with a different fingerprint: nothing added */
    STORE_NO_MEMORY,
};

/* store_add_task for a task whose idempotency_key is set, atomically with the lookup, so that two
 * concurrent requests with one key can never create two tasks. The fingerprint (copied) stands for
 * the request: equal per cJSON_Compare means "the same request again". A replay or a conflict
 * counts against the key and in the totals; *existing is released with task_release. */
enum store_idempotency store_add_task_once(struct store *store, const struct task *task,
                                           const cJSON *fingerprint, struct task *existing);

/* Counts a poll request whether or not the task exists (id NULL: a poll refused before lookup,
 * e.g. for a bad key); if it does, records the poll on it and copies it into *out (release with
 * task_release). */
bool store_record_poll(struct store *store, const char *id, int64_t now_ms, struct task *out);

void store_count_download(struct store *store);

/* Every TCP connection accepted: with keep-alive, far fewer than requests. */
void store_count_connection(struct store *store);

/* Empties the store: tasks, counters, max_in_flight. */
void store_reset(struct store *store);

/* The body of GET /_sim/stats. */
cJSON *store_stats_json(struct store *store, int64_t now_ms, bool include_tasks);

/* Copies a task with its own strings; false (and *copy empty) when memory ran out. */
bool task_copy(struct task *copy, const struct task *task);
void task_release(struct task *task);

#endif
