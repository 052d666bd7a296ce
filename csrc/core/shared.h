/* shared.h — the state the clients of one API key share: a place per task in flight, the key's
 * 429 pause and the cap learned from its 429s. A provider's limits belong to the account, not to
 * the process: four nginx workers on one key must not hold four caps' worth of tasks.
 *
 * client.c asks through this interface alone. A backend keeps the state in the process
 * (shared_local.c: the client alone, no journal), in the journal file (shared_sqlite.c: every
 * process of the machine using that file) or in Redis (shared_redis.c: every machine using it). No call waits: a
 * backend that cannot answer now (a lock held by another process) says so, and the client asks again on its timer. */
#ifndef GENTASK_SHARED_H
#define GENTASK_SHARED_H

#include "journal.h"
#include "loop.h"

typedef struct gt_shared gt_shared;

typedef struct gt_shared_ops {
    /* A place for a task about to submit, if fewer than cap (0: no cap) of the key's tasks are in
     * flight. false: not now, ask again at *retry_ms (monotonic). The in-process backend always
     * says yes: the client's tasks gate is then the only count. */
    bool (*take_slot)(gt_shared *s, int cap, int64_t *retry_ms);
    void (*force_slot)(gt_shared *s);      /* a task already at the provider: it holds a place whatever the count */
    void (*give_slot)(gt_shared *s);       /* a task that held a place ended or gave it back */
    int64_t (*paused_until)(gt_shared *s); /* monotonic ms; not after now: submits may go */
    void (*pause)(gt_shared *s, int64_t until_ms); /* only ever moves the pause later */
    double (*cap)(gt_shared *s);                   /* the learned cap; INFINITY: none */
    /* The client has tasks with records: its claim on them is kept alive while it does (another
     * process's recover() takes only the records of a client that is gone). */
    void (*keep_lease)(gt_shared *s);
    void (*set_cap)(gt_shared *s, double cap);
    void (*free)(gt_shared *s); /* gives back every place still held */
} gt_shared_ops;

struct gt_shared {
    const gt_shared_ops *ops;
};

/* cap: the cap in force before anything is learned (INFINITY: none). */
gt_shared *gt_shared_local_new(double cap);
/* The state in journal j (borrowed: freed before it is closed), whose records it names this
 * client's; e runs the backend's timer; has_tasks(ctx) says whether the client still has tasks
 * (the lease is renewed until it has none). */
gt_shared *gt_shared_sqlite_new(gt_engine *e, gt_journal *j, double cap, bool (*has_tasks)(void *ctx), void *ctx);
/* The state in Redis at addr (redis_link.h; copied), for the clients of api_key on every machine
 * using it; each call to Redis waits at most timeout_ms. owner (copied) names this client, as
 * its journal's records do: its places count under its lease, which the journal reads to tell a
 * live owner from a gone one. Redis answers later: wake(ctx) is called when an answer may let a
 * waiting submit in (the client then asks take_slot again). */
typedef struct gt_redis_addr gt_redis_addr;
gt_shared *gt_shared_redis_new(gt_engine *e, const gt_redis_addr *addr, long timeout_ms, const char *api_key,
                               const char *owner, double cap, bool (*has_tasks)(void *ctx), void (*wake)(void *ctx),
                               void *ctx);

static inline bool gt_shared_take_slot(gt_shared *s, int cap, int64_t *retry_ms)
{
    return s->ops->take_slot(s, cap, retry_ms);
}
static inline void gt_shared_force_slot(gt_shared *s)
{
    s->ops->force_slot(s);
}
static inline void gt_shared_give_slot(gt_shared *s)
{
    s->ops->give_slot(s);
}
static inline int64_t gt_shared_paused_until(gt_shared *s)
{
    return s->ops->paused_until(s);
}
static inline void gt_shared_pause(gt_shared *s, int64_t until_ms)
{
    s->ops->pause(s, until_ms);
}
static inline double gt_shared_cap(gt_shared *s)
{
    return s->ops->cap(s);
}
static inline void gt_shared_set_cap(gt_shared *s, double cap)
{
    s->ops->set_cap(s, cap);
}
static inline void gt_shared_keep_lease(gt_shared *s)
{
    s->ops->keep_lease(s);
}
static inline void gt_shared_free(gt_shared *s)
{
    if (s) s->ops->free(s);
}

#endif
