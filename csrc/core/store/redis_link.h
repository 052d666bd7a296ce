/* redis_link.h — one connection to Redis on the engine's loop, through hiredis's async API, and
 * the "redis://" address a client names it with.
 *
 * hiredis 0.14 has no timers, no timeouts of its own, a blocking resolver and no TLS. So the
 * address is an IP literal or a unix socket (a name would block the loop while it resolves), the
 * link times every call out itself (a hung Redis answers nothing: the link is dropped, every call
 * waiting on it is answered "unavailable", and it connects again on a later call, after a
 * backoff), and nothing here ever waits. Every call is one server-side script (EVALSHA, EVAL when
 * Redis does not know it yet): each operation is atomic in Redis — but for the questions scripts
 * may not ask (CONFIG GET). Every connection starts with AUTH when the address has a password. */
#ifndef GENTASK_REDIS_LINK_H
#define GENTASK_REDIS_LINK_H

#include <hiredis/hiredis.h>

#include "../loop/loop.h"

/* ---- the address (redis_url.c) ------------------------------------------------------------------ */

/* redis://[[USER]:PASSWORD@]IP[:PORT][/PREFIX] or redis://[[USER]:PASSWORD@]/PATH/TO/SOCKET.sock[/PREFIX]
 * (USER and PASSWORD percent-encoded). Without a password in the URL, GENTASK_REDIS_PASSWORD (and
 * GENTASK_REDIS_USER, the ACL user; none: Redis's default user) give them: the URL's win. */
typedef struct gt_redis_addr {
    char *host; /* an IPv4 or IPv6 literal; NULL: a unix socket */
    int port;
    char *socket_path; /* the unix socket; NULL: TCP */
    char *prefix;      /* every key's first part ("gentask" unless named) */
    char *user;        /* the ACL user to AUTH as; NULL: the default user */
    char *password;    /* secret, never shown: sent with AUTH on every connection; NULL: no AUTH */
    char *shown;       /* the URL without its user and password: what messages name */
} gt_redis_addr;

#define GT_REDIS_PASSWORD_ENV "GENTASK_REDIS_PASSWORD"
#define GT_REDIS_USER_ENV "GENTASK_REDIS_USER"

bool gt_redis_url_is(const char *text); /* it names Redis, not a journal file */
/* false, with *error (to free(); it names the address without its user and password), when the
 * address cannot be used. */
bool gt_redis_addr_parse(const char *url, gt_redis_addr *out, char **error);
bool gt_redis_addr_copy(gt_redis_addr *to, const gt_redis_addr *from); /* false: out of memory (to cleared) */
void gt_redis_addr_clear(gt_redis_addr *a);                            /* the password wiped */
/* AUTH [user] password as an argv (2 or 3 strings); 0 when the address has no password. */
int gt_redis_auth_argv(const gt_redis_addr *a, const char *argv[3]);

/* ---- the link (redis_link.c) ------------------------------------------------------------------- */

typedef struct gt_redis_link gt_redis_link;

/* A Lua script run by Redis; its SHA1 is worked out on first use. */
typedef struct gt_redis_script {
    const char *source;
    char sha[41];
} gt_redis_script;

/* A call's answer: Redis's reply (an error reply included: the script failed), valid during the
 * callback only; NULL: Redis did not answer (down, the connection lost, or timeout_ms passed).
 * An unanswered call may still have run in Redis: a caller re-sends only what is idempotent. */
typedef void (*gt_redis_reply_fn)(void *ctx, const redisReply *reply);

/* Connects on the first call, not here. timeout_ms bounds every call. */
gt_redis_link *gt_redis_link_new(gt_engine *e, const gt_redis_addr *addr, long timeout_ms);
/* Runs script with nkeys keys then the other args (n in all). false: not sent (Redis was
 * unreachable a moment ago: not before gt_redis_link_ready_at; or out of memory), and fn is never
 * called; true: fn is called once, from a later engine step. Never from a reply callback's NULL
 * answer: the connection is going away then (such a call answers false). */
bool gt_redis_link_eval(gt_redis_link *l, gt_redis_script *script, int nkeys, int n, const char *const *args,
                        gt_redis_reply_fn fn, void *ctx);
/* The same for a command that is no script (CONFIG GET, which scripts may not run): args is its
 * argv, n of them. */
bool gt_redis_link_command(gt_redis_link *l, int n, const char *const *args, gt_redis_reply_fn fn, void *ctx);
int64_t gt_redis_link_ready_at(const gt_redis_link *l); /* monotonic ms: when a call may be sent again */
/* Redis's words when it refused the link's AUTH, until one succeeds; NULL: not refused. */
const char *gt_redis_link_refusal(const gt_redis_link *l);
void gt_redis_keep_from_children(int fd); /* close-on-exec on a socket hiredis opened */
/* What is written but not sent goes out if the socket takes it now; the calls still waiting are
 * dropped (their callbacks never run). Not from a reply callback. */
void gt_redis_link_free(gt_redis_link *l);

#endif
