/* shared_backends.h — the three places the key's shared state can live, for shared_open.c, which
 * chooses among them, and the white-box tests; the other layers call gt_shared_open (shared.h). */
#ifndef GENTASK_SHARED_BACKENDS_H
#define GENTASK_SHARED_BACKENDS_H

#include "redis_link.h"
#include "shared.h"

/* A backend's ops table. Each backend names its functions after the ops they fill (take_slot,
 * force_slot, …, pause_until for pause and cap_of for cap, since libc has pause() and a cap() reads
 * ill), so which function fills which op is written here once; its free is its own. */
#define GT_SHARED_BACKEND_OPS(free_backend)                                                                         \
    {                                                                                                               \
        .take_slot = take_slot, .force_slot = force_slot, .give_slot = give_slot, .paused_until = paused_until,     \
        .pause = pause_until, .cap = cap_of, .set_cap = set_cap, .keep_lease = keep_lease,                          \
        .post_delivery = post_delivery, .watch_deliveries = watch_deliveries, .await_deliveries = await_deliveries, \
        .free = free_backend,                                                                                       \
    }

/* cap: the cap in force before anything is learned (INFINITY: none). */
gt_shared *gt_shared_local_new(double cap);
/* The state in journal j (borrowed: freed before it is closed), whose records name this client
 * owner (copied; gt_journal_set_owner gave j the same name); e runs the backend's timer;
 * has_tasks(ctx) says whether the client still has tasks (the lease is renewed until it has
 * none). */
gt_shared *gt_shared_sqlite_new(gt_engine *e, gt_journal *j, const char *owner, double cap,
                                bool (*has_tasks)(void *ctx), void *ctx);
/* The state in Redis at addr (redis_link.h; copied), for the clients of api_key on every machine
 * using it; each call to Redis waits at most timeout_ms. owner (copied) names this client, as
 * its journal's records do: its places count under its lease, which the journal reads to tell a
 * live owner from a gone one. Redis answers later: wake(ctx) is called when an answer may let a
 * waiting submit in (the client then asks take_slot again). */
gt_shared *gt_shared_redis_new(gt_engine *e, const gt_redis_addr *addr, long timeout_ms, const char *api_key,
                               const char *owner, double cap, bool (*has_tasks)(void *ctx), void (*wake)(void *ctx),
                               void *ctx);

#endif
