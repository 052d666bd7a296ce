/* Every task the simulator accepted, and the counters /_sim/stats reports. One mutex guards it
 * all; callers never hold a pointer into the store after a call returns (POST /_sim/reset may
 * free everything at any moment), so lookups hand back copies.
 *
 * Logical submits: a client that retries a submit sends the same bytes to the same path again,
 * so every submit request is filed under a hash of (dialect, path, Idempotency-Key header, body)
 * with its arrival time and the status it was answered, and every task under the hash of the
 * request that created it: stats can then tell a retry from a second submit, and a logical submit
 * paid twice from one replayed (FLORA). */
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

/* One submit request as an attempt of its logical submit. */
struct submit_attempt {
    bool tracked;                /* false: not filed (out of memory, or not a submit) */
    uint64_t hash;               /* the logical submit */
    uint64_t generation;         /* the store's; a reset in between makes the attempt stale */
    size_t index;                /* among its logical submit's attempts, from 0 */
    unsigned number;             /* index + 1; 1 also when not tracked */
};

/* Counts a submit request, whatever becomes of it ("submissions"), and files it under its logical
 * submit (dialect: a static string). */
void store_submit_arrived(struct store *store, const char *dialect, uint64_t hash, int64_t now_ms,
                          struct submit_attempt *attempt);

/* The HTTP status it was answered with, 0 for a dropped connection. */
void store_submit_answered(struct store *store, const struct submit_attempt *attempt,
                           unsigned status);

/* Who is submitting and what: the dialect and key whose generating tasks --max-active limits (a
 * provider's limit is its own, though the simulator's keys work in every dialect), and the attempt
 * the task is counted for. NULL members (or max_active 0) mean no limit, no attempt. */
struct store_admission {
    const char *dialect;               /* static string */
    const char *api_key;
    unsigned max_active;
    const struct submit_attempt *attempt;
};

enum store_outcome {
    STORE_CREATED,       /* the task was added (with a new idempotency key, if any) */
    STORE_REPLAYED,      /* a known key with an equal fingerprint: *existing is its task */
    STORE_CONFLICT,      /* a known key with a different fingerprint: nothing added */
    STORE_BUSY,          /* the key already has max_active tasks generating: nothing added,
                            counted as rate_limited */
    STORE_NO_MEMORY,
};

/* Takes a copy of the task (its strings included). admission may be NULL. */
enum store_outcome store_add_task(struct store *store, const struct task *task,
                                  const struct store_admission *admission);

/* store_add_task for a task whose idempotency_key is set, atomically with the lookup, so that two
 * concurrent requests with one key can never create two tasks. The fingerprint (copied) stands for
 * the request: equal per cJSON_Compare means "the same request again". A replay or a conflict
 * counts against the key and in the totals; *existing is released with task_release. A replay is
 * never refused as busy: it adds no work. */
enum store_outcome store_add_task_once(struct store *store, const struct task *task,
                                       const cJSON *fingerprint,
                                       const struct store_admission *admission,
                                       struct task *existing);

/* Counts a poll request whether or not the task exists (id NULL: a poll refused before lookup,
 * e.g. for a bad key); if it does, records the poll on it and copies it into *out (release with
 * task_release). */
bool store_record_poll(struct store *store, const char *id, int64_t now_ms, struct task *out);

void store_count_download(struct store *store);

/* Every TCP connection accepted: with keep-alive, far fewer than requests. */
void store_count_connection(struct store *store);

/* Empties the store: tasks, logical submits, counters, max_in_flight. */
void store_reset(struct store *store);

/* The body of GET /_sim/stats; include_bodies adds submits_by_body. */
cJSON *store_stats_json(struct store *store, int64_t now_ms, bool include_tasks,
                        bool include_bodies);

/* Copies a task with its own strings; false (and *copy empty) when memory ran out. */
bool task_copy(struct task *copy, const struct task *task);
void task_release(struct task *task);

#endif
