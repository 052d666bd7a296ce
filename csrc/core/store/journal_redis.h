/* journal_redis.h — the journal in Redis (journal_redis.c), for journal_open.c and the client's
 * wiring of the shared state; the task state machine sees journal.h alone. */
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
/* The address j's journal is at (the key's shared state goes there too); NULL for another backend. */
const gt_redis_addr *gt_journal_redis_address(const gt_journal *j);

#endif
