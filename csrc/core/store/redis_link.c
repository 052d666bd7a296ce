/* redis_link.c — a hiredis async context driven by the engine: its socket is a foreign watch
 * (gt_engine_watch_fd), so step() and host loops poll it like curl's, and one engine timer times
 * out the oldest call. hiredis answers calls in order, so the oldest call's deadline is the only
 * one that can pass first. */
#include "redis_link.h"

#include <fcntl.h>
#include <hiredis/async.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BACKOFF_MIN_MS 50   /* the first reconnect after a loss */
#define BACKOFF_MAX_MS 2000 /* doubling up to this: a dead Redis costs a connect attempt per 2 s */

typedef struct call {
    struct call *prev, *next; /* the link's calls, oldest first */
    gt_redis_link *link;
    gt_redis_script *script; /* NULL: a command of its own (args are its argv) */
    int nkeys, n;
    char **args; /* copies: an EVAL after NOSCRIPT sends them again */
    gt_redis_reply_fn fn;
    void *ctx;
    int64_t deadline_ms;
    bool as_eval; /* sent with the script's source: a NOSCRIPT now is an error */
} call;

struct gt_redis_link {
    gt_engine *engine;
    gt_redis_addr addr;
    long timeout_ms;
    redisAsyncContext *ac; /* NULL: not connected */
    int fd, events;        /* the watch on ac's socket */
    call *oldest, *newest;
    gt_timer timer; /* the oldest call's deadline */
    bool down;      /* lost: no call before down_until */
    int64_t down_until;
    long backoff_ms;
    bool freeing; /* callbacks are dropped, not called */
    /* Redis's words when it refused our AUTH (a wrong password, a user that is off; never the
     * password itself), until an AUTH succeeds; "": not refused */
    char refusal[256];
};

/* ---- the event hooks hiredis calls: the watch on its socket -------------------------------------- */

static void on_ready(void *ctx, int ready)
{
    gt_redis_link *l = ctx;
    if (l->ac && (ready & (GT_READY_IN | GT_READY_ERR))) redisAsyncHandleRead(l->ac);
    if (l->ac && (ready & GT_READY_OUT)) redisAsyncHandleWrite(l->ac); /* a read may have dropped it */
}

static void set_events(gt_redis_link *l, int events)
{
    l->events = events;
    gt_engine_watch_fd(l->engine, l->fd, events, on_ready, l);
}

static void add_read(void *p)
{
    gt_redis_link *l = p;
    set_events(l, l->events | GT_WATCH_IN);
}

static void del_read(void *p)
{
    gt_redis_link *l = p;
    set_events(l, l->events & ~GT_WATCH_IN);
}

static void add_write(void *p)
{
    gt_redis_link *l = p;
    set_events(l, l->events | GT_WATCH_OUT);
}

static void del_write(void *p)
{
    gt_redis_link *l = p;
    set_events(l, l->events & ~GT_WATCH_OUT);
}

static void mark_down(gt_redis_link *l)
{
    if (l->down) return;
    l->down = true;
    l->down_until = gt_now_ms() + l->backoff_ms;
    l->backoff_ms = l->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : l->backoff_ms * 2;
}

/* hiredis frees the context: after a loss (EOF, an error) or our own free. Its pending calls have
 * been answered NULL already. A host loop may still watch the socket's number: hiredis closes a
 * copy, and the number itself is closed once the host let go of it. */
static void cleanup(void *p)
{
    gt_redis_link *l = p;
    gt_engine_unwatch_fd(l->engine, l->fd);
    if (l->engine->host_loop && l->ac) {
        int copy = fcntl(l->fd, F_DUPFD_CLOEXEC, 0);
        if (copy >= 0) {
            l->ac->c.fd = copy;
            gt_engine_close_later(l->engine, l->fd);
        }
    }
    l->ac = NULL;
    l->fd = -1;
    l->events = 0;
    mark_down(l);
}

/* ---- calls ---------------------------------------------------------------------------------------- */

static void arm(gt_redis_link *l)
{
    if (l->oldest) gt_engine_arm(l->engine, &l->timer, l->oldest->deadline_ms);
    else gt_engine_disarm(l->engine, &l->timer);
}

static void unlink_call(gt_redis_link *l, call *c)
{
    if (c->prev) c->prev->next = c->next;
    else l->oldest = c->next;
    if (c->next) c->next->prev = c->prev;
    else l->newest = c->prev;
    c->prev = c->next = NULL;
}

static void link_call(gt_redis_link *l, call *c)
{
    c->prev = l->newest;
    c->next = NULL;
    if (l->newest) l->newest->next = c;
    else l->oldest = c;
    l->newest = c;
}

static void free_call(call *c)
{
    for (int i = 0; c->args && i < c->n; i++) free(c->args[i]);
    free(c->args);
    free(c);
}

static void on_reply(redisAsyncContext *ac, void *r, void *privdata);

/* EVALSHA sha nkeys args…, EVAL source nkeys args…, or a command's args; false: hiredis refused
 * (going away). */
static bool send_call(gt_redis_link *l, call *c)
{
    const char *argv[3 + 64];
    size_t lens[3 + 64];
    if (c->n > 64) return false;
    char nkeys[16];
    snprintf(nkeys, sizeof nkeys, "%d", c->nkeys);
    int head = 0;
    if (c->script) {
        argv[head++] = c->as_eval ? "EVAL" : "EVALSHA";
        argv[head++] = c->as_eval ? c->script->source : c->script->sha;
        argv[head++] = nkeys;
    }
    for (int i = 0; i < head + c->n; i++) {
        if (i >= head) argv[i] = c->args[i - head];
        lens[i] = strlen(argv[i]);
    }
    if (redisAsyncCommandArgv(l->ac, on_reply, c, head + c->n, argv, lens) != REDIS_OK) return false;
    c->deadline_ms = gt_now_ms() + l->timeout_ms;
    link_call(l, c);
    arm(l);
    return true;
}

static bool is_noscript(const redisReply *reply)
{
    return reply && reply->type == REDIS_REPLY_ERROR && reply->str && strncmp(reply->str, "NOSCRIPT", 8) == 0;
}

/* Redis asks for a password it was not given (requirepass set since): as if it did not answer */
static bool is_auth_refusal(const redisReply *reply)
{
    return reply && reply->type == REDIS_REPLY_ERROR && reply->str &&
           (strncmp(reply->str, "NOAUTH", 6) == 0 || strncmp(reply->str, "WRONGPASS", 9) == 0);
}

static void on_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    call *c = privdata;
    gt_redis_link *l = c->link;
    const redisReply *reply = r;
    unlink_call(l, c);
    if (!l->freeing) arm(l);
    if (l->freeing) {
        free_call(c);
        return;
    }
    if (!reply) { /* the connection is going away: no call until it is back */
        mark_down(l);
    } else if (is_auth_refusal(reply)) { /* this connection cannot work: made again after a backoff */
        snprintf(l->refusal, sizeof l->refusal, "%s", reply->str);
        mark_down(l);
        redisAsyncFree(ac); /* inside hiredis's callback: it frees once the callback returns */
        reply = NULL;
    } else {
        l->backoff_ms = BACKOFF_MIN_MS;
        /* Redis does not know the script (restarted, flushed): the same call with its source */
        if (c->script && is_noscript(reply) && !c->as_eval) {
            c->as_eval = true;
            if (send_call(l, c)) return;
            reply = NULL;
        }
    }
    c->fn(c->ctx, reply);
    free_call(c);
}

/* The oldest call waited timeout_ms: Redis hangs, or the network does. The connection goes, every
 * call on it is answered NULL (cleanup follows), and the next call connects again. */
static void timed_out(void *ctx)
{
    gt_redis_link *l = ctx;
    if (!l->oldest || l->oldest->deadline_ms > gt_now_ms()) {
        arm(l);
        return;
    }
    mark_down(l);
    if (l->ac) redisAsyncFree(l->ac);
}

/* AUTH's answer, the first on every connection. Refused (a wrong password, a user that is off):
 * the connection goes, and the calls behind AUTH are answered "no answer" rather than with
 * Redis's NOAUTH, so that a store that refuses us is "unavailable" as a down one is, never a
 * failed write. The next connection (after a backoff) tries again: a password changed on the
 * server may be changed back. */
static void authed(redisAsyncContext *ac, void *r, void *privdata)
{
    gt_redis_link *l = privdata;
    const redisReply *reply = r;
    if (!reply || l->freeing) return;
    if (reply->type != REDIS_REPLY_ERROR) {
        l->refusal[0] = '\0';
        return;
    }
    snprintf(l->refusal, sizeof l->refusal, "%s", reply->str ? reply->str : "AUTH refused");
    mark_down(l);
    redisAsyncFree(ac); /* inside hiredis's callback: it frees once the callback returns */
}

static bool send_auth(gt_redis_link *l)
{
    const char *argv[3];
    int n = gt_redis_auth_argv(&l->addr, argv);
    if (n == 0) return true;
    size_t lens[3];
    for (int i = 0; i < n; i++) lens[i] = strlen(argv[i]);
    return redisAsyncCommandArgv(l->ac, authed, l, n, argv, lens) == REDIS_OK;
}

static bool connect_now(gt_redis_link *l)
{
    l->down = false;
    redisAsyncContext *ac = l->addr.host ? redisAsyncConnect(l->addr.host, l->addr.port)
                                         : redisAsyncConnectUnix(l->addr.socket_path);
    if (!ac) return false;
    if (ac->err) { /* refused at once (nothing listens): no hooks are set yet */
        redisAsyncFree(ac);
        return false;
    }
    l->ac = ac;
    l->fd = ac->c.fd;
    l->events = 0;
    gt_redis_keep_from_children(l->fd);
    ac->ev.data = l;
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->ev.cleanup = cleanup;
    add_write(l);        /* writable: the non-blocking connect finished, hiredis checks how */
    if (!send_auth(l)) { /* AUTH goes first: hiredis sends in order, so every call comes after it */
        redisAsyncFree(ac);
        return false;
    }
    return true;
}

static void sha1_hex(const char *source, char out[41])
{
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)source, strlen(source), digest);
    gt_hex_encode(out, digest, SHA_DIGEST_LENGTH);
}

/* hiredis opens its sockets without close-on-exec: a process this one starts (os.execute, popen)
 * would hold the connection open after we close it, and a stopped child would keep it so. */
void gt_redis_keep_from_children(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

static bool start_call(gt_redis_link *l, gt_redis_script *script, int nkeys, int n, const char *const *args,
                       gt_redis_reply_fn fn, void *ctx)
{
    if (l->down && gt_now_ms() < l->down_until) return false;
    if (l->ac && (l->ac->c.flags & (REDIS_DISCONNECTING | REDIS_FREEING))) return false;
    if (!l->ac && !connect_now(l)) {
        mark_down(l);
        return false;
    }
    if (script && !script->sha[0]) sha1_hex(script->source, script->sha);
    call *c = calloc(1, sizeof *c);
    if (!c) return false;
    *c = (call){.link = l, .script = script, .nkeys = nkeys, .n = n, .fn = fn, .ctx = ctx};
    c->args = calloc((size_t)(n > 0 ? n : 1), sizeof *c->args);
    bool ok = c->args != NULL;
    for (int i = 0; ok && i < n; i++) ok = (c->args[i] = gt_strdup(args[i])) != NULL;
    if (!ok || !send_call(l, c)) {
        free_call(c);
        return false;
    }
    return true;
}

bool gt_redis_link_eval(gt_redis_link *l, gt_redis_script *script, int nkeys, int n, const char *const *args,
                        gt_redis_reply_fn fn, void *ctx)
{
    return start_call(l, script, nkeys, n, args, fn, ctx);
}

bool gt_redis_link_command(gt_redis_link *l, int n, const char *const *args, gt_redis_reply_fn fn, void *ctx)
{
    return n > 0 && start_call(l, NULL, 0, n, args, fn, ctx);
}

const char *gt_redis_link_refusal(const gt_redis_link *l)
{
    return l->refusal[0] ? l->refusal : NULL;
}

int64_t gt_redis_link_ready_at(const gt_redis_link *l)
{
    return l->down ? l->down_until : gt_now_ms();
}

gt_redis_link *gt_redis_link_new(gt_engine *e, const gt_redis_addr *addr, long timeout_ms)
{
    gt_redis_link *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->engine = e;
    gt_engine_retain(e);
    if (!gt_redis_addr_copy(&l->addr, addr)) {
        gt_engine_release(e);
        free(l);
        return NULL;
    }
    l->timeout_ms = timeout_ms > 0 ? timeout_ms : 1000;
    l->fd = -1;
    l->backoff_ms = BACKOFF_MIN_MS;
    gt_timer_init(&l->timer, timed_out, l);
    return l;
}

void gt_redis_link_free(gt_redis_link *l)
{
    if (!l) return;
    l->freeing = true;
    gt_engine_disarm(l->engine, &l->timer);
    /* what the caller sent last (a goodbye) leaves now if the socket takes it; never waited for */
    if (l->ac && (l->ac->c.flags & REDIS_CONNECTED)) redisAsyncHandleWrite(l->ac);
    if (l->ac) redisAsyncFree(l->ac);
    gt_redis_addr_clear(&l->addr);
    gt_engine_release(l->engine);
    free(l);
}
