/* shared_open.c — the one place the key's shared state is put where the client's journal is: the
 * journal option chose the journal's backend (journal_open.c), and the shared state follows it. */
#include "journal_redis.h"
#include "shared_backends.h"

#include <stdlib.h>

gt_shared *gt_shared_open(gt_engine *e, gt_journal *j, double cap, long redis_timeout_ms, const char *api_key,
                          bool (*has_tasks)(void *ctx), void (*wake)(void *ctx), void *ctx)
{
    if (!j) return gt_shared_local_new(cap);
    /* one owner for the journal's records and the places they hold, in the file or in Redis: a
     * record is taken over when that owner's lease is gone */
    char *owner = gt_random_key("owner-");
    const gt_redis_addr *redis = gt_journal_redis_address(j);
    gt_shared *shared = NULL;
    if (owner && gt_journal_set_owner(j, owner))
        shared = redis ? gt_shared_redis_new(e, redis, redis_timeout_ms, api_key, owner, cap, has_tasks, wake, ctx)
                       : gt_shared_sqlite_new(e, j, owner, cap, has_tasks, ctx);
    free(owner);
    return shared;
}
