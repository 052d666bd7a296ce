/* shared_sqlite.c — the key's state kept in the journal file (journal_shared.c), shared by every
 * process of the machine that uses that file: nginx's workers, a cron script, a CLI beside a
 * server. The count of places is per owner (one random id per client, which its records carry)
 * under a lease this client renews while it has tasks, so that the places of a process that died
 * stop counting once its lease runs out rather than never.
 *
 * Nothing waits for SQLite's lock: a take that meets BUSY is asked again by the client; a give,
 * a pause or a cap that meets it is owed and written on this backend's timer. Times in the file
 * are wall clock; the client's are monotonic: converted at this boundary. */
#include "journal_sqlite.h"
#include "lease.h"
#include "shared_backends.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BUSY_RETRY_MS 30 /* a write another process held the lock for is tried again this much later */
/* A delivery received here that met a busy file: posted on the timer. */
typedef struct owed_delivery {
    struct owed_delivery *next;
    char *provider, *remote_id, *body, *verifier;
    size_t bytes; /* what it holds, counted against GT_DELIVERY_MAX_BYTES */
} owed_delivery;

static const gt_delivery_limits delivery_limits = {
    .max_age_ms = GT_DELIVERY_MAX_AGE_MS,
    .max_count = GT_DELIVERY_MAX_COUNT,
    .max_bytes = GT_DELIVERY_MAX_BYTES,
};

typedef struct sqlite_shared {
    gt_shared base;
    gt_engine *engine;
    gt_sqlite_journal *file; /* the client's journal, borrowed */
    char *owner;
    int held;             /* places this client holds */
    int owed;             /* places taken (+) or given back (-) not yet written: BUSY */
    int64_t pause_owed;   /* a pause (wall ms) not yet written; 0: none */
    double cap_owed;      /* a cap not yet written; NAN: none */
    int64_t paused_until; /* the latest pause known here (wall ms) */
    double cap;           /* the cap known here: the file's once read */
    int64_t renewed_ms;   /* the lease's last renewal (monotonic) */
    bool registered;      /* the owner's row is written */
    bool (*has_tasks)(void *ctx);
    void *ctx;
    gt_delivery_sink sink;     /* where deliveries posted by others go; sink.take NULL: nowhere */
    int64_t checked_ms;        /* deliveries were last looked for (monotonic) */
    owed_delivery *owed_posts; /* received here, not yet posted: a busy file */
    size_t owed_count, owed_bytes;
    gt_timer timer; /* heartbeat, owed writes, deliveries */
} sqlite_shared;

/* The timer runs at the earliest of what is asked of it: a give owed now must not wait for the
 * next heartbeat. */
static void arm(sqlite_shared *s, int64_t due_ms)
{
    if (s->timer.slot == 0 || due_ms < s->timer.due_ms) gt_engine_arm(s->engine, &s->timer, due_ms);
}

/* BUSY is written again later; any other failure is given up (a place then frees with the lease,
 * a pause ends on its own, a cap is learned again). */
static bool written(gt_journal_status status)
{
    return status != GT_JOURNAL_BUSY;
}

static bool awaiting(const sqlite_shared *s)
{
    return s->sink.take && s->sink.awaiting(s->sink.ctx);
}

static void free_owed(owed_delivery *o)
{
    free(o->provider);
    free(o->remote_id);
    free(o->body);
    free(o->verifier);
    free(o);
}

static owed_delivery *pop_owed(sqlite_shared *s)
{
    owed_delivery *o = s->owed_posts;
    s->owed_posts = o->next;
    s->owed_count--;
    s->owed_bytes -= o->bytes;
    return o;
}

/* Posts the deliveries owed, oldest first; false: the file is still busy. */
static bool post_owed(sqlite_shared *s)
{
    while (s->owed_posts) {
        owed_delivery *o = s->owed_posts;
        if (!written(gt_sqlite_post_delivery(s->file, o->provider, o->remote_id, o->body, o->verifier, gt_wall_ms(),
                                             &delivery_limits)))
            return false;
        free_owed(pop_owed(s));
    }
    return true;
}

/* Hands this client the deliveries posted for its tasks; the ones it took are deleted. The rows
 * are read whole before any is handed on: taking one ends a task, which writes its record on the
 * same connection. A delete that meets a busy file leaves the row: taken again next time, it finds
 * its task ended and changes nothing. */
static void take_deliveries(sqlite_shared *s)
{
    gt_journal_delivery *list = NULL;
    size_t n = 0;
    if (gt_sqlite_deliveries(s->file, s->sink.provider, &list, &n) != GT_JOURNAL_OK) return;
    for (size_t i = 0; i < n; i++) {
        gt_delivery d = {.provider = s->sink.provider,
                         .remote_id = list[i].remote_id,
                         .body = list[i].verifier ? list[i].body : NULL,
                         .verifier = list[i].body ? list[i].verifier : NULL};
        if (s->sink.take(s->sink.ctx, &d)) gt_sqlite_drop_delivery(s->file, list[i].id);
    }
    gt_journal_deliveries_free(list, n);
}

static void tick(void *ctx)
{
    sqlite_shared *s = ctx;
    int64_t now = gt_now_ms();
    bool busy = !post_owed(s);
    if (!s->registered || s->owed != 0 || now - s->renewed_ms >= GT_HEARTBEAT_MS) {
        if (written(gt_sqlite_add_slots(s->file, s->owner, s->owed, gt_wall_ms() + GT_LEASE_MS))) {
            s->owed = 0;
            s->renewed_ms = now;
            s->registered = true;
        } else {
            busy = true;
        }
    }
    if (s->pause_owed) {
        if (written(gt_sqlite_pause(s->file, s->pause_owed))) s->pause_owed = 0;
        else busy = true;
    }
    if (!isnan(s->cap_owed)) {
        if (written(gt_sqlite_set_cap(s->file, s->cap_owed))) s->cap_owed = NAN;
        else busy = true;
    }
    bool watching = awaiting(s);
    if (watching && now - s->checked_ms >= GT_DELIVERY_CHECK_MS) {
        s->checked_ms = now;
        take_deliveries(s);
        watching = awaiting(s); /* the last task waiting may have just ended */
    }
    /* idle, the timer stops: an armed timer would keep the host's loop waiting for nothing */
    if (busy) arm(s, now + BUSY_RETRY_MS);
    else if (s->held > 0 || s->has_tasks(s->ctx)) arm(s, s->renewed_ms + GT_HEARTBEAT_MS);
    if (watching) arm(s, s->checked_ms + GT_DELIVERY_CHECK_MS);
}

static void owe_slots(sqlite_shared *s, int delta)
{
    s->owed += delta;
    arm(s, gt_now_ms());
}

static bool take_slot(gt_shared *base, int cap, int64_t *retry_ms)
{
    sqlite_shared *s = (sqlite_shared *)base;
    bool taken = false;
    int64_t wall = gt_wall_ms();
    gt_journal_status status = gt_sqlite_take_slot(s->file, s->owner, cap, wall, wall + GT_LEASE_MS, &taken);
    if (status != GT_JOURNAL_OK || !taken) {
        *retry_ms = gt_now_ms() + (status == GT_JOURNAL_BUSY ? BUSY_RETRY_MS : GT_SLOT_RECHECK_MS);
        return false;
    }
    s->held++;
    s->renewed_ms = gt_now_ms();
    arm(s, s->renewed_ms + GT_HEARTBEAT_MS);
    return true;
}

static void force_slot(gt_shared *base)
{
    sqlite_shared *s = (sqlite_shared *)base;
    bool taken = false;
    int64_t wall = gt_wall_ms();
    s->held++;
    if (gt_sqlite_take_slot(s->file, s->owner, 0, wall, wall + GT_LEASE_MS, &taken) != GT_JOURNAL_OK) owe_slots(s, 1);
    else arm(s, gt_now_ms() + GT_HEARTBEAT_MS);
}

static void give_slot(gt_shared *base)
{
    sqlite_shared *s = (sqlite_shared *)base;
    if (s->held > 0) s->held--;
    owe_slots(s, -1); /* written on the timer: a task that ends must not wait on the file */
}

/* Reads the file's pause and cap into what is known here; a busy file leaves them as they were. */
static void refresh(sqlite_shared *s)
{
    int64_t paused_until = 0;
    double cap = -1;
    if (gt_sqlite_shared(s->file, &paused_until, &cap) != GT_JOURNAL_OK) return;
    if (paused_until > s->paused_until) s->paused_until = paused_until;
    if (cap >= 0 && isnan(s->cap_owed)) s->cap = cap;
}

static int64_t paused_until(gt_shared *base)
{
    sqlite_shared *s = (sqlite_shared *)base;
    refresh(s);
    int64_t left = s->paused_until - gt_wall_ms();
    return left > 0 ? gt_now_ms() + left : 0;
}

static void pause_until(gt_shared *base, int64_t until_ms)
{
    sqlite_shared *s = (sqlite_shared *)base;
    int64_t wall = gt_wall_ms() + (until_ms - gt_now_ms());
    if (wall <= s->paused_until && wall <= s->pause_owed) return;
    if (wall > s->paused_until) s->paused_until = wall;
    if (written(gt_sqlite_pause(s->file, wall))) return;
    if (wall > s->pause_owed) s->pause_owed = wall;
    arm(s, gt_now_ms() + BUSY_RETRY_MS);
}

static double cap_of(gt_shared *base)
{
    sqlite_shared *s = (sqlite_shared *)base;
    refresh(s);
    return s->cap;
}

static void set_cap(gt_shared *base, double cap)
{
    sqlite_shared *s = (sqlite_shared *)base;
    s->cap = cap;
    if (isinf(cap)) return; /* nothing learned: nothing to tell the others */
    if (written(gt_sqlite_set_cap(s->file, cap))) return;
    s->cap_owed = cap;
    arm(s, gt_now_ms() + BUSY_RETRY_MS);
}

static void keep_lease(gt_shared *base)
{
    sqlite_shared *s = (sqlite_shared *)base;
    arm(s, s->renewed_ms + GT_HEARTBEAT_MS);
}

/* A busy file's posts wait here, as many as the file itself would keep: past that, a new one is
 * refused (the task it was for polls, as without a webhook). */
static bool owe_delivery(sqlite_shared *s, const gt_delivery *d, const char *body, const char *verifier)
{
    size_t bytes = strlen(d->remote_id) + (body ? strlen(body) : 0);
    if (s->owed_count >= GT_DELIVERY_MAX_COUNT || s->owed_bytes + bytes > GT_DELIVERY_MAX_BYTES) return false;
    owed_delivery *o = calloc(1, sizeof *o);
    if (!o) return false;
    o->provider = gt_strdup(d->provider);
    o->remote_id = gt_strdup(d->remote_id);
    o->body = gt_strdup(body);
    o->verifier = gt_strdup(verifier);
    o->bytes = bytes;
    if (!o->provider || !o->remote_id || (body && !o->body) || (verifier && !o->verifier)) {
        free_owed(o);
        return false;
    }
    owed_delivery **tail = &s->owed_posts;
    while (*tail) tail = &(*tail)->next;
    *tail = o;
    s->owed_count++;
    s->owed_bytes += bytes;
    arm(s, gt_now_ms() + BUSY_RETRY_MS);
    return true;
}

static bool post_delivery(gt_shared *base, const gt_delivery *d)
{
    sqlite_shared *s = (sqlite_shared *)base;
    if (!d->provider || !d->remote_id || strlen(d->remote_id) > GT_DELIVERY_MAX_ID) return false;
    /* unverified: only the news that it came */
    const char *body = d->verifier ? d->body : NULL, *verifier = body ? d->verifier : NULL;
    gt_journal_status status = s->owed_posts ? GT_JOURNAL_BUSY
                                             : gt_sqlite_post_delivery(s->file, d->provider, d->remote_id, body,
                                                                       verifier, gt_wall_ms(), &delivery_limits);
    if (written(status)) return status == GT_JOURNAL_OK;
    /* busy (or others before it are owed, which it must not overtake): posted from the timer */
    return owe_delivery(s, d, body, verifier);
}

static void watch_deliveries(gt_shared *base, const gt_delivery_sink *sink)
{
    ((sqlite_shared *)base)->sink = *sink;
}

static void await_deliveries(gt_shared *base)
{
    sqlite_shared *s = (sqlite_shared *)base;
    if (s->sink.take) arm(s, s->checked_ms + GT_DELIVERY_CHECK_MS);
}

/* The last owed writes are tried once; what is still owed (a busy file) is left to the lease. */
static void free_sqlite(gt_shared *base)
{
    sqlite_shared *s = (sqlite_shared *)base;
    gt_engine_disarm(s->engine, &s->timer);
    post_owed(s);
    while (s->owed_posts) free_owed(pop_owed(s));
    if (s->pause_owed) gt_sqlite_pause(s->file, s->pause_owed);
    if (!isnan(s->cap_owed)) gt_sqlite_set_cap(s->file, s->cap_owed);
    gt_sqlite_leave(s->file, s->owner);
    free(s->owner);
    free(s);
}

static const gt_shared_ops sqlite_ops = GT_SHARED_BACKEND_OPS(free_sqlite);

gt_shared *gt_shared_sqlite_new(gt_engine *e, gt_journal *j, const char *owner, double cap,
                                bool (*has_tasks)(void *ctx), void *ctx)
{
    gt_sqlite_journal *file = gt_sqlite_journal_of(j);
    sqlite_shared *s = file ? calloc(1, sizeof *s) : NULL;
    if (!s) return NULL;
    s->owner = gt_strdup(owner);
    if (!s->owner) {
        free(s);
        return NULL;
    }
    s->base.ops = &sqlite_ops;
    s->engine = e;
    s->file = file;
    s->cap = cap;
    s->cap_owed = NAN;
    s->has_tasks = has_tasks;
    s->ctx = ctx;
    gt_timer_init(&s->timer, tick, s);
    /* the owner's row, at once where the file lets it: a record it writes must not look orphaned */
    s->registered = gt_sqlite_add_slots(s->file, s->owner, 0, gt_wall_ms() + GT_LEASE_MS) == GT_JOURNAL_OK;
    s->renewed_ms = gt_now_ms();
    if (!s->registered) arm(s, gt_now_ms() + BUSY_RETRY_MS);
    return &s->base;
}
