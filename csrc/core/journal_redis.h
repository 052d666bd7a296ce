/* journal_redis.h — the journal in Redis (journal_redis.c), for the client's wiring; the task
 * state machine sees journal.h alone. */
#ifndef GENTASK_JOURNAL_REDIS_H
#define GENTASK_JOURNAL_REDIS_H

#include "journal.h"
#include "redis_link.h"

/* Opens the journal at url (a redis:// address: redis_link.h) on e's loop, every call bounded by
 * opts' redis_timeout, trusting Redis as opts' redis_volatile_ok and journal_fresh say. NULL with
 * *error (to free) when the address cannot be used; nothing is asked of Redis until the account
 * check (gt_journal_check_account), which checks that Redis keeps its data and names the
 * journal's keys. */
gt_journal *gt_journal_redis_open(gt_engine *e, const char *url, const gt_client_options *opts, char **error);
/* Where the journal's keys are: the prefix and the account's fingerprint ("prefix:fingerprint");
 * NULL before the account check, or for another backend. */
const char *gt_journal_redis_namespace(gt_journal *j);
/* The submits sent (gt_journal_count_sent), asked on the link: fn is called once Redis answered,
 * from a later engine step — asked again with every round until it has. */
void gt_journal_redis_count_sent_then(gt_journal *j, void (*fn)(void *ctx, int64_t n), void *ctx);

#endif
