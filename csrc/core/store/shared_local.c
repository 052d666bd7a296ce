/* shared_local.c — the key's state kept by one client alone (no journal): the pause and the cap
 * are two numbers, and the client's tasks gate already counts its places. */
#include "shared_backends.h"

#include <stdlib.h>

typedef struct local_shared {
    gt_shared base;
    int64_t paused_until_ms;
    double cap;
} local_shared;

static bool take_slot(gt_shared *s, int cap, int64_t *retry_ms)
{
    (void)s, (void)cap, (void)retry_ms; /* the tasks gate admitted it: its count is the key's */
    return true;
}

static void force_slot(gt_shared *s)
{
    (void)s;
}

static void give_slot(gt_shared *s)
{
    (void)s;
}

static int64_t paused_until(gt_shared *s)
{
    return ((local_shared *)s)->paused_until_ms;
}

static void pause_until(gt_shared *s, int64_t until_ms)
{
    local_shared *l = (local_shared *)s;
    if (until_ms > l->paused_until_ms) l->paused_until_ms = until_ms;
}

static double cap_of(gt_shared *s)
{
    return ((local_shared *)s)->cap;
}

static void set_cap(gt_shared *s, double cap)
{
    ((local_shared *)s)->cap = cap;
}

static void keep_lease(gt_shared *s)
{
    (void)s; /* no other process can take this client's tasks */
}

/* one client alone: a delivery for a task it does not hold has nobody else to go to */
static bool post_delivery(gt_shared *s, const gt_delivery *d)
{
    (void)s, (void)d;
    return false;
}

static void watch_deliveries(gt_shared *s, const gt_delivery_sink *sink)
{
    (void)s, (void)sink;
}

static void await_deliveries(gt_shared *s)
{
    (void)s;
}

static void free_local(gt_shared *s)
{
    free(s);
}

static const gt_shared_ops local_ops = GT_SHARED_BACKEND_OPS(free_local);

gt_shared *gt_shared_local_new(double cap)
{
    local_shared *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->base.ops = &local_ops;
    l->cap = cap;
    return &l->base;
}
