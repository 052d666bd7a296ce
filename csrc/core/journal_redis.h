/* journal_redis.h — the journal's records in Redis (journal_redis.c), for clients on several
 * machines: a backend behind journal_backend.h. */
#ifndef GENTASK_JOURNAL_REDIS_H
#define GENTASK_JOURNAL_REDIS_H

#include "journal.h"
#include "loop.h"

typedef struct gt_redis_addr gt_redis_addr;

/* The journal at addr (copied). Nothing is asked of Redis here; the account check is (and it
 * waits, as every read does, at most timeout_ms). */
gt_journal *gt_redis_journal_open(gt_engine *e, const char *url, const gt_redis_addr *addr, long timeout_ms);
/* "PREFIX:FINGERPRINT:" once the account is checked; NULL for another backend's journal (or j NULL). */
const char *gt_redis_journal_namespace(gt_journal *j);

#endif
