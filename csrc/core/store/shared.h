/* shared.h — the state the clients of one API key share: a place per task in flight, the key's
 * 429 pause and the cap learned from its 429s. A provider's limits belong to the account, not to
 * the process: four nginx workers on one key must not hold four caps' worth of tasks.
 *
 * client.c asks through this interface alone. A backend keeps the state in the process
 * (shared_local.c: the client alone, no journal), in the journal file (shared_sqlite.c: every
 * process of the machine using that file) or in Redis (shared_redis.c: every machine using it).
 * Webhook deliveries cross between the key's clients here too: the one nginx handed a delivery to
 * posts it, the one holding the task takes it. No call waits: a backend that cannot answer now (a
 * lock held by another process, a Redis not answered yet) says so, and the client asks again on
 * its timer. */
#ifndef GENTASK_SHARED_H
#define GENTASK_SHARED_H

#include "../loop/loop.h"
#include "journal.h"

typedef struct gt_shared gt_shared;

/* A webhook delivery for one of the key's tasks, handed from the client that received it to the
 * client that holds the task (nginx gives a delivery to whichever worker it picks). */
typedef struct gt_delivery {
    const char *provider;  /* the profile's name */
    const char *remote_id; /* the provider's task id */
    const char *body;      /* the payload, scrubbed of the key and the secret; NULL when not verified */
    /* A fingerprint of the webhook secret the receiver checked the signature with (webhook.c),
     * never the secret: the owner ends its task from the body only when it is its own secret's.
     * NULL: nobody could check it (a provider that signs nothing), only news: the owner polls. */
    const char *verifier;
} gt_delivery;

/* How often a client with tasks waiting for a webhook looks for the deliveries others posted, and
 * what the deliveries nobody took may hold, per provider of the key (journal file or Redis
 * namespace): one fact for every backend. Past a bound the oldest unverified ones go first (see
 * gt_delivery_limits); a process's own queue of posts the store has not taken yet refuses new
 * ones past the same bounds. An id longer than GT_DELIVERY_MAX_ID is no provider's: not posted. */
#define GT_DELIVERY_CHECK_MS 150
#define GT_DELIVERY_MAX_AGE_MS (10 * 60 * 1000)
#define GT_DELIVERY_MAX_COUNT 1000
#define GT_DELIVERY_MAX_BYTES (8 * 1024 * 1024)
#define GT_DELIVERY_MAX_ID 512

/* The client's side of deliveries, which a backend calls from its own timer or loop. */
typedef struct gt_delivery_sink {
    const char *provider;        /* the deliveries this client can take: its profile's */
    bool (*awaiting)(void *ctx); /* the client has tasks waiting for a webhook: look for deliveries */
    /* A delivery another client posted: true when the task is this client's (the delivery is used
     * up, for every client); false leaves it for the others. */
    bool (*take)(void *ctx, const gt_delivery *d);
    void *ctx;
} gt_delivery_sink;

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
    /* A delivery this client received, its signature checked where there is one, for a task it
     * does not hold: posted for the key's client that holds it. false: nobody else to tell (the
     * in-process backend) or it could not be posted. A backend that meets a busy store keeps it
     * and posts it later. */
    bool (*post_delivery)(gt_shared *s, const gt_delivery *d);
    /* Where the deliveries the key's other clients post go (the client calls it once, after
     * creating the backend; the sink is copied). */
    void (*watch_deliveries)(gt_shared *s, const gt_delivery_sink *sink);
    /* A task of this client now waits for a webhook: the backend looks for its deliveries from
     * now on, as long as sink->awaiting says so. */
    void (*await_deliveries)(gt_shared *s);
    void (*free)(gt_shared *s); /* gives back every place still held */
} gt_shared_ops;

struct gt_shared {
    const gt_shared_ops *ops;
};

/* The key's shared state, where the client's journal j keeps it (shared_open.c, the one place
 * that chooses): in Redis when j is a Redis journal (the same address), in j's SQLite file when
 * j is one, in this process when j is NULL. cap: the cap in force before anything is learned
 * (INFINITY: none). has_tasks(ctx) says whether the client still has tasks (its lease is renewed
 * until it has none); wake(ctx) is called when an answer that came later may let a waiting submit
 * in (the client then asks take_slot again). api_key names the account in Redis (never stored).
 * NULL: out of memory, or Redis's state could not be set up. */
gt_shared *gt_shared_open(gt_engine *e, gt_journal *j, double cap, long redis_timeout_ms, const char *api_key,
                          bool (*has_tasks)(void *ctx), void (*wake)(void *ctx), void *ctx);

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
static inline bool gt_shared_post_delivery(gt_shared *s, const gt_delivery *d)
{
    return s->ops->post_delivery(s, d);
}
static inline void gt_shared_watch_deliveries(gt_shared *s, const gt_delivery_sink *sink)
{
    s->ops->watch_deliveries(s, sink);
}
static inline void gt_shared_await_deliveries(gt_shared *s)
{
    s->ops->await_deliveries(s);
}
static inline void gt_shared_free(gt_shared *s)
{
    if (s) s->ops->free(s);
}

#endif
