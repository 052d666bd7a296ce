/* Every task the simulator accepted, its idempotency keys, its logical submits (submit_log.h) and
 * the counters GET /_sim/stats reports, behind one mutex. Callers never hold a pointer into the
 * store after a call returns (POST /_sim/reset may free everything at any moment), so lookups
 * hand back copies. The pieces it is made of (task_table, idempotency, submit_log, activity) know
 * nothing of locks or of one another: this file is where they meet. */
#ifndef GENTASK_SIM_STORE_H
#define GENTASK_SIM_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "download_log.h"
#include "submit_log.h"
#include "task.h"

struct store;

struct store *store_new(void);
void store_free(struct store *store);

/* Counts a submit request, whatever becomes of it ("submissions"), and files it under its logical
 * submit (dialect: a static string). */
void store_submit_arrived(struct store *store, const char *dialect, uint64_t hash, int64_t now_ms,
                          struct submit_attempt *attempt);

/* The HTTP status it was answered with, 0 for a dropped connection. */
void store_submit_answered(struct store *store, const struct submit_attempt *attempt, unsigned status);

/* Who is submitting and what: the dialect and key whose generating tasks --max-active limits, and
 * the attempt the task is counted for. NULL members (or max_active 0) mean no limit, no
 * attempt. */
struct store_admission {
    const char *dialect; /* static string */
    const char *api_key;
    unsigned max_active;
    const struct submit_attempt *attempt;
};

enum store_outcome {
    STORE_CREATED,  /* the task was added (with a new idempotency key, if any) */
    STORE_REPLAYED, /* a known key with an equal fingerprint: *existing is its task */
    STORE_CONFLICT, /* a known key with a different fingerprint: nothing added */
    STORE_BUSY,     /* the key already has max_active tasks generating: nothing added,
                       counted as rate_limited */
    STORE_NO_MEMORY,
};

/* Takes a copy of the task (its strings included). With task->idempotency_key set, the lookup of
 * the key and the insertion are one step under the lock, so that two concurrent requests with one
 * key can never create two tasks: the fingerprint (copied) stands for the request, equal per
 * cJSON_Compare meaning "the same request again". A replay or a conflict counts against the key
 * and in the totals; *existing (a replay's task) is released with task_release. A replay is never
 * refused as busy: it adds no work. */
enum store_outcome store_add_task(struct store *store, const struct task *task, const cJSON *fingerprint,
                                  const struct store_admission *admission, struct task *existing);

/* Counts a poll request whether or not the task exists (id NULL: a poll refused before lookup,
 * e.g. for a bad key); if it does, records the poll on it and copies it into *out (release with
 * task_release). */
bool store_record_poll(struct store *store, const char *id, int64_t now_ms, struct task *out);

/* Counts a request of a result file; if the task exists, copies it into *out with that request's
 * number for the file (release with task_release). */
bool store_record_download(struct store *store, const char *id, unsigned index, struct task *out);
/* Counts a file request of no known task (a name the simulator did not hand out). */
void store_count_download(struct store *store);
/* The inline files of an accepted submit (inputs.h): an array whose items it takes. */
void store_log_inputs(struct store *store, cJSON *inputs);
/* What the request got, once answered (download_log.h). */
void store_log_download(struct store *store, const struct download_record *record);

/* Every TCP connection accepted: with keep-alive, far fewer than requests. */
void store_count_connection(struct store *store);

/* Empties the store: tasks, logical submits, counters, max_in_flight. */
void store_reset(struct store *store);

/* The body of GET /_sim/stats; include_bodies adds submits_by_body. */
cJSON *store_stats_json(struct store *store, int64_t now_ms, bool include_tasks, bool include_bodies);

#endif
