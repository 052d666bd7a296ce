/* Logical submits. A client that retries a submit sends the same bytes to the same path again,
 * so every submit request is filed under a hash of (dialect, path, Idempotency-Key header, body)
 * with its arrival time and the status it was answered, and every task under the hash of the
 * request that created it: stats can then tell a retry from a second submit, and a logical submit
 * paid twice from one replayed (FLORA). Not locked: the store calls it under its own lock. */
#ifndef GENTASK_SIM_SUBMIT_LOG_H
#define GENTASK_SIM_SUBMIT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "indexed.h"

/* One submit request as an attempt of its logical submit. */
struct submit_attempt {
    bool tracked;        /* false: not filed (out of memory, or not a submit) */
    uint64_t hash;       /* the logical submit */
    uint64_t generation; /* the log's; a reset in between makes the attempt stale */
    size_t index;        /* among its logical submit's attempts, from 0 */
    unsigned number;     /* index + 1; 1 also when not tracked */
};

struct submit_log {
    struct indexed_list submits; /* in first-arrival order */
    uint64_t generation;         /* bumped by a reset */
};

/* Files a submit request (dialect: a static string) under its logical submit. */
void submit_log_arrived(struct submit_log *log, const char *dialect, uint64_t hash, int64_t now_ms,
                        struct submit_attempt *attempt);

/* The HTTP status the attempt was answered with, 0 for a dropped connection. */
void submit_log_answered(struct submit_log *log, const struct submit_attempt *attempt, unsigned status);

/* The attempt created a task (attempt may be NULL or stale: nothing is counted). */
void submit_log_accepted(struct submit_log *log, const struct submit_attempt *attempt);

/* Logical submits that created more than one task. */
size_t submit_log_duplicates(const struct submit_log *log);

/* {HASH: {"attempts", "accepted", "dialect", "statuses"}}, for GET /_sim/stats. */
cJSON *submit_log_json(const struct submit_log *log);

/* Forgets every logical submit; attempts filed before become stale. */
void submit_log_reset(struct submit_log *log);

#endif
