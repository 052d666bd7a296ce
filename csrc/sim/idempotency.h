/* FLORA's idempotency keys: the run each key created, the request it stood for (a fingerprint,
 * compared with cJSON_Compare), and how many submits were answered with it. Not locked: the
 * store calls it under its own lock. */
#ifndef GENTASK_SIM_IDEMPOTENCY_H
#define GENTASK_SIM_IDEMPOTENCY_H

#include <stdbool.h>

#include <cJSON.h>

#include "indexed.h"
#include "task_table.h"

struct idempotency_entry {
    char *key;
    cJSON *fingerprint;
    struct stored_task *task;
    unsigned uses; /* submits answered with the task: the first one and replays */
};

struct idempotency_keys {
    struct indexed_list entries; /* in first-use order, for stats */
};

/* Allocated before the store's lock is taken (copies both); NULL when memory ran out. */
struct idempotency_entry *idempotency_entry_new(const char *key, const cJSON *fingerprint);
void idempotency_entry_free(struct idempotency_entry *entry);

struct idempotency_entry *idempotency_find(const struct idempotency_keys *keys, const char *key);
bool idempotency_reserve(struct idempotency_keys *keys);
/* After a successful idempotency_reserve: cannot fail. */
void idempotency_add(struct idempotency_keys *keys, struct idempotency_entry *entry);

/* {KEY: uses}, for GET /_sim/stats. */
cJSON *idempotency_json(const struct idempotency_keys *keys);

void idempotency_free(struct idempotency_keys *keys);

#endif
