/* shared_redis.c — the key's shared state in Redis, for the clients of one API key on several
 * machines: the same semantics as shared_sqlite.c (a place per task in flight counted per owner
 * under a lease, the key's pause, its learned cap), over a link that answers later or not at all.
 *
 * The interface's calls answer at once, so this backend keeps a local view and one call to Redis
 * at a time: a sync script that tells Redis how many places this owner holds (a count, not a
 * change: a sync that timed out but ran anyway is corrected by the next one, never counted
 * twice), renews the owner's lease, moves the pause later, sets the cap, may take one more place,
 * and answers with the pause and the cap, so that every answer refreshes the view. A take that
 * Redis has not granted yet says "not now", and the client is woken when the answer comes. While
 * Redis is unreachable takes say no (submits wait), gives and pauses are owed and told later.
 *
 * Keys are namespaced by the URL's prefix and a fingerprint of the API key (HMAC-SHA256 with a
 * salt kept in Redis, as journal_account.c does in the file): two accounts on one Redis never
 * share a cap, and Redis never sees the key. Leases are key TTLs; the pause is a key's TTL too,
 * so that machines whose clocks differ agree on when it ends. */
#include "shared_backends.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"           /* gt_account_namespace */
#include "journal_redis_scripts.h" /* GT_REDIS_SALT: the journal names its keys alike */
#include "lease.h"
#include "redis_deliveries.h"
#include "redis_link.h"

#define GRANT_KEEP_MS 1000   /* a place Redis granted that no task took is given back after this */
#define SALT_RECHECK_MS 1000 /* the salt refused (its prefix lost its records): asked again this much later */

/* First use of a prefix: a random salt, unless another client stored one first. */
static gt_redis_script salt_script = {.source = GT_REDIS_SALT};

/* KEYS: owners (a set), this owner's count, the pause, the cap.
 * ARGV: the prefix of owners' counts, owner, count, want (1: one more place if there is room),
 * the cap to take under (0: none), lease ms, a pause to extend to (ms from now, 0: none), a cap to
 * store ('' : none). Answers {taken, pause ms left, cap ('' : none)}. */
static gt_redis_script sync_script = {
    .source = "local count = tonumber(ARGV[3])\n"
              "local cap, lease, pause = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])\n"
              "if pause > 0 and redis.call('PTTL', KEYS[3]) < pause then\n"
              "  redis.call('SET', KEYS[3], '1', 'PX', pause)\n"
              "end\n"
              "if ARGV[8] ~= '' then redis.call('SET', KEYS[4], ARGV[8]) end\n"
              "local left = redis.call('PTTL', KEYS[3])\n"
              "if left < 0 then left = 0 end\n"
              "local taken = 0\n"
              "if ARGV[4] == '1' and left == 0 then\n"
              "  local total = count\n"
              "  for _, other in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
              "    if other ~= ARGV[2] then\n"
              "      local n = redis.call('GET', ARGV[1] .. other)\n"
              "      if n then total = total + tonumber(n) else redis.call('SREM', KEYS[1], other) end\n"
              "    end\n"
              "  end\n"
              "  if cap == 0 or total < cap then count = count + 1; taken = 1 end\n"
              "end\n"
              "redis.call('SET', KEYS[2], count, 'PX', lease)\n"
              "redis.call('SADD', KEYS[1], ARGV[2])\n"
              "return {taken, left, redis.call('GET', KEYS[4]) or ''}\n"};

typedef struct redis_shared {
    gt_shared base;
    gt_engine *engine;
    gt_redis_link *link;
    char *prefix;
    char *api_key; /* until the namespace is known; wiped then */
    char *owner;
    char *keys[4];     /* owners, this owner's count, pause, cap; NULL until the salt is read */
    char *held_prefix; /* an owner's count is this + its id */
    int held;          /* places the client's tasks hold */
    int granted;       /* places Redis granted that no task took yet */
    int64_t granted_ms;
    bool dirty;                 /* the count changed since Redis last heard it */
    bool want;                  /* a take waits for a place */
    int want_cap;               /* the cap it asked under */
    int64_t next_take_ms;       /* the key was full: not before this */
    int64_t pause_owed;         /* a pause (monotonic) not yet told; 0: none */
    double cap_owed;            /* a cap not yet told; NAN: none */
    int64_t paused_until;       /* the latest pause known here (monotonic) */
    double cap;                 /* the cap known here */
    int64_t renewed_ms;         /* Redis last heard the count (monotonic); -1: never */
    bool in_flight;             /* one call at a time */
    bool sent_dirty, sent_want; /* what the call in flight carries */
    int64_t sent_pause;
    double sent_cap;
    bool (*has_tasks)(void *ctx);
    void (*wake)(void *ctx);
    void *ctx;
    gt_timer timer;                  /* heartbeat, owed calls, a link that is back */
    gt_redis_deliveries *deliveries; /* webhooks between the key's clients, on the same link */
} redis_shared;

static void pump(redis_shared *s);

static int count_of(const redis_shared *s)
{
    return s->held + s->granted;
}

static void arm(redis_shared *s, int64_t due_ms)
{
    if (s->timer.slot == 0 || due_ms < s->timer.due_ms) gt_engine_arm(s->engine, &s->timer, due_ms);
}

/* The call failed (no answer, or the script failed): what it carried is owed again. */
static void owe_again(redis_shared *s)
{
    if (s->sent_dirty) s->dirty = true;
    if (s->sent_want) s->want = true;
    if (s->sent_pause > s->pause_owed) s->pause_owed = s->sent_pause;
    if (!isnan(s->sent_cap) && isnan(s->cap_owed)) s->cap_owed = s->sent_cap;
    arm(s, gt_redis_link_ready_at(s->link));
}

static void on_salt(void *ctx, const redisReply *reply)
{
    redis_shared *s = ctx;
    s->in_flight = false;
    if (reply && reply->type == REDIS_REPLY_ERROR) { /* the prefix is marked lost: asked again later */
        arm(s, gt_now_ms() + SALT_RECHECK_MS);
        return;
    }
    if (!reply || reply->type != REDIS_REPLY_STRING || reply->len == 0) {
        arm(s, gt_redis_link_ready_at(s->link));
        return;
    }
    char *ns = gt_account_namespace(s->prefix, reply->str, reply->len, s->api_key);
    if (!ns) {
        arm(s, gt_now_ms() + GT_SLOT_RECHECK_MS);
        return;
    }
    gt_wipe_free(s->api_key);
    s->api_key = NULL;
    s->keys[0] = gt_printf("%s:owners", ns);
    s->keys[1] = gt_printf("%s:held:%s", ns, s->owner);
    s->keys[2] = gt_printf("%s:pause", ns);
    s->keys[3] = gt_printf("%s:cap", ns);
    s->held_prefix = gt_printf("%s:held:", ns);
    gt_redis_deliveries_named(s->deliveries, ns);
    free(ns);
    pump(s); /* the owner's first count, and the pause and cap others left */
}

static void on_sync(void *ctx, const redisReply *reply)
{
    redis_shared *s = ctx;
    s->in_flight = false;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER || reply->element[1]->type != REDIS_REPLY_INTEGER) {
        owe_again(s);
        return;
    }
    int64_t now = gt_now_ms();
    s->renewed_ms = now;
    if (reply->element[0]->integer == 1) {
        s->granted++;
        s->granted_ms = now;
    } else if (s->sent_want) {
        s->next_take_ms = now + GT_SLOT_RECHECK_MS;
    }
    long long left = reply->element[1]->integer;
    if (left > 0 && now + left > s->paused_until) s->paused_until = now + left;
    const redisReply *cap = reply->element[2];
    if (cap->type == REDIS_REPLY_STRING && cap->len > 0 && isnan(s->cap_owed)) s->cap = strtod(cap->str, NULL);
    s->wake(s->ctx); /* a place, a pause or a cap: the client looks again */
    pump(s);
}

/* Sends what is owed, if anything is and no call is in flight; arms the timer for what comes next. */
static void pump(redis_shared *s)
{
    if (s->in_flight) return;
    int64_t now = gt_now_ms();
    if (!s->keys[0]) {
        char salt[2 * GT_ACCOUNT_SALT_BYTES + 1], *salt_key = gt_account_salt_args(s->prefix, salt);
        char *lost_key = gt_account_lost_key(s->prefix), *fresh_key = gt_account_fresh_key(s->prefix);
        /* never afresh: the journal alone decides that (its check comes first, at creation) */
        const char *args[] = {salt_key, lost_key, fresh_key, salt, "0"};
        s->in_flight = salt_key && lost_key && fresh_key &&
                       gt_redis_link_eval(s->link, &salt_script, 3, 5, args, on_salt, s);
        free(salt_key);
        free(lost_key);
        free(fresh_key);
        if (!s->in_flight) arm(s, gt_redis_link_ready_at(s->link));
        return;
    }
    if (s->granted > 0 && now - s->granted_ms >= GRANT_KEEP_MS) { /* nobody took it: others may */
        s->granted = 0;
        s->dirty = true;
    }
    if (s->pause_owed && s->pause_owed <= now) s->pause_owed = 0;
    bool holding = count_of(s) > 0 || s->has_tasks(s->ctx);
    bool heartbeat = s->renewed_ms < 0 || (holding && now - s->renewed_ms >= GT_HEARTBEAT_MS);
    bool want = s->want && now >= s->next_take_ms && s->paused_until <= now;
    if (!(s->dirty || want || heartbeat || s->pause_owed || !isnan(s->cap_owed))) {
        /* idle, the timer stops: an armed timer would keep the host's loop waiting for nothing */
        if (s->granted > 0) arm(s, s->granted_ms + GRANT_KEEP_MS);
        if (holding) arm(s, s->renewed_ms + GT_HEARTBEAT_MS);
        if (s->want) arm(s, s->next_take_ms > s->paused_until ? s->next_take_ms : s->paused_until);
        return;
    }
    char count[16], cap[16], lease[16], pause[24], new_cap[32] = "";
    snprintf(count, sizeof count, "%d", count_of(s));
    snprintf(cap, sizeof cap, "%d", want ? s->want_cap : 0);
    snprintf(lease, sizeof lease, "%d", GT_LEASE_MS);
    snprintf(pause, sizeof pause, "%lld", (long long)(s->pause_owed ? s->pause_owed - now : 0));
    if (!isnan(s->cap_owed)) snprintf(new_cap, sizeof new_cap, "%.17g", s->cap_owed);
    const char *args[] = {s->keys[0], s->keys[1],       s->keys[2], s->keys[3], s->held_prefix, s->owner,
                          count,      want ? "1" : "0", cap,        lease,      pause,          new_cap};
    if (!gt_redis_link_eval(s->link, &sync_script, 4, 12, args, on_sync, s)) {
        arm(s, gt_redis_link_ready_at(s->link));
        return;
    }
    s->in_flight = true;
    s->sent_dirty = s->dirty;
    s->sent_want = want;
    s->sent_pause = s->pause_owed;
    s->sent_cap = s->cap_owed;
    s->dirty = false;
    if (want) s->want = false;
    s->pause_owed = 0;
    s->cap_owed = NAN;
}

static void tick(void *ctx)
{
    pump(ctx);
}

static bool take_slot(gt_shared *base, int cap, int64_t *retry_ms)
{
    redis_shared *s = (redis_shared *)base;
    if (s->granted > 0) {
        s->granted--;
        s->held++;
        return true;
    }
    s->want = true;
    s->want_cap = cap;
    pump(s);
    /* the answer wakes the client; this is the fallback should it never come */
    int64_t now = gt_now_ms(), ready = gt_redis_link_ready_at(s->link);
    *retry_ms = now + GT_SLOT_RECHECK_MS;
    if (s->next_take_ms > *retry_ms) *retry_ms = s->next_take_ms;
    if (ready > *retry_ms) *retry_ms = ready;
    return false;
}

static void force_slot(gt_shared *base)
{
    redis_shared *s = (redis_shared *)base;
    s->held++;
    s->dirty = true;
    pump(s);
}

static void give_slot(gt_shared *base)
{
    redis_shared *s = (redis_shared *)base;
    if (s->held > 0) s->held--;
    s->dirty = true;
    arm(s, gt_now_ms()); /* on the timer: a task that ends must not send from inside its finish */
}

static int64_t paused_until(gt_shared *base)
{
    redis_shared *s = (redis_shared *)base;
    return s->paused_until > gt_now_ms() ? s->paused_until : 0;
}

static void pause_until(gt_shared *base, int64_t until_ms)
{
    redis_shared *s = (redis_shared *)base;
    if (until_ms <= s->paused_until && until_ms <= s->pause_owed) return;
    if (until_ms > s->paused_until) s->paused_until = until_ms;
    if (until_ms > s->pause_owed) s->pause_owed = until_ms;
    arm(s, gt_now_ms());
}

static double cap_of(gt_shared *base)
{
    return ((redis_shared *)base)->cap;
}

static void set_cap(gt_shared *base, double cap)
{
    redis_shared *s = (redis_shared *)base;
    s->cap = cap;
    if (isinf(cap)) return; /* nothing learned: nothing to tell the others */
    s->cap_owed = cap;
    arm(s, gt_now_ms());
}

static void keep_lease(gt_shared *base)
{
    redis_shared *s = (redis_shared *)base;
    arm(s, s->renewed_ms + GT_HEARTBEAT_MS);
}

static void ignore(void *ctx, const redisReply *reply)
{
    (void)ctx;
    (void)reply;
}

/* The places still held are given back in one last call that is sent if the socket takes it now,
 * never waited for; otherwise they free with the lease. */
static void free_redis(gt_shared *base)
{
    redis_shared *s = (redis_shared *)base;
    gt_engine_disarm(s->engine, &s->timer);
    if (s->keys[0] && !s->in_flight) {
        const char *args[] = {s->keys[0], s->keys[1], s->keys[2], s->keys[3], s->held_prefix, s->owner, "0", "0",
                              "0",        "1",        "0",        ""};
        gt_redis_link_eval(s->link, &sync_script, 4, 12, args, ignore, NULL);
    }
    gt_redis_deliveries_free(s->deliveries); /* before the link it borrows */
    gt_redis_link_free(s->link);
    for (int i = 0; i < 4; i++) free(s->keys[i]);
    free(s->held_prefix);
    if (s->api_key) gt_wipe_free(s->api_key);
    free(s->prefix);
    free(s->owner);
    free(s);
}

static bool post_delivery(gt_shared *base, const gt_delivery *d)
{
    return gt_redis_deliveries_post(((redis_shared *)base)->deliveries, d);
}

static void watch_deliveries(gt_shared *base, const gt_delivery_sink *sink)
{
    gt_redis_deliveries_watch(((redis_shared *)base)->deliveries, sink);
}

static void await_deliveries(gt_shared *base)
{
    gt_redis_deliveries_await(((redis_shared *)base)->deliveries);
}

static const gt_shared_ops redis_ops = GT_SHARED_BACKEND_OPS(free_redis);

gt_shared *gt_shared_redis_new(gt_engine *e, const gt_redis_addr *addr, long timeout_ms, const char *api_key,
                               const char *owner, double cap, bool (*has_tasks)(void *ctx), void (*wake)(void *ctx),
                               void *ctx)
{
    redis_shared *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->base.ops = &redis_ops;
    s->engine = e;
    s->link = gt_redis_link_new(e, addr, timeout_ms);
    s->deliveries = s->link ? gt_redis_deliveries_new(e, s->link) : NULL;
    s->prefix = gt_strdup(addr->prefix);
    /* a provider without a key still has one account per Redis prefix: the empty key's */
    s->api_key = gt_strdup(api_key && *api_key ? api_key : "(no key)");
    s->owner = gt_strdup(owner);
    s->cap = cap;
    s->cap_owed = NAN;
    s->sent_cap = NAN;
    s->renewed_ms = -1;
    s->has_tasks = has_tasks;
    s->wake = wake;
    s->ctx = ctx;
    gt_timer_init(&s->timer, tick, s);
    if (!s->link || !s->deliveries || !s->prefix || !s->api_key || !s->owner) {
        free_redis(&s->base);
        return NULL;
    }
    arm(s, gt_now_ms()); /* the salt and the first count at once: others see this owner, it sees their pause */
    return &s->base;
}
