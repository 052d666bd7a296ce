/* loop.h — the engine's insides: one curl multi handle, the sockets it watches, the timer heap,
 * pooled transfers, and the queues the binding drains.
 *
 * The loop is domain-free: it knows sockets, transfers and timers, never tasks or clients. A
 * timer carries its own callback and context (timerheap.h); so does a transfer. Nothing here
 * includes a layer above (task/, features/), so nothing here can call up. */
#ifndef GENTASK_LOOP_H
#define GENTASK_LOOP_H

#include <curl/curl.h>
#include <poll.h>

#include "../base/base.h"
#include "timerheap.h"

/* ---- one HTTP request (transfer.c) ------------------------------------------------------------- */

/* Where a streamed response body goes instead of memory (downloads): called with each chunk of a
 * 2xx answer only (an error page is kept in memory, as any answer); false aborts the transfer. */
typedef bool (*gt_sink_fn)(void *ctx, const char *data, size_t n);

typedef struct gt_request {
    const char *method;
    const char *url;
    const char *body;           /* NULL: no body */
    const char *auth_header;    /* "Authorization" */
    const char *auth_value;     /* "Bearer <key>": secret */
    const char *const *headers; /* more "Name: value" lines (a profile's, a deadline, an idempotency key) */
    size_t n_headers;
    bool keep_redirects; /* a download that carries the key: a redirect is answered, not followed */
    long timeout_ms, connect_timeout_ms;
    size_t body_limit;
    const char *const *request_id_headers;
    size_t n_request_id_headers;
    const char *cost_header; /* a response header of billed units to keep (the profile's), or NULL */
    const char *ca_file;     /* the CA bundle to trust; NULL: the system's */
    const char *proxy;       /* NULL: none (or curl's environment variables) */
    bool at_most_once;       /* a connection of its own, and never sent twice: a resent submit pays twice */
    bool may_multiplex;      /* may wait for a connection it can share (HTTP/2) rather than open one */
    /* downloads: a body streamed to sink, any media type accepted, redirects followed (no auth
     * header travels with them), and no total timeout: a stall of timeout_ms ends it instead */
    gt_sink_fn sink;
    void *sink_ctx;
} gt_request;

/* What a finished transfer hands its callback. Everything in it, the response's strings
 * included, is valid only during the callback: the transfer goes back to the pool after it. */
typedef struct gt_transfer_result {
    CURLcode curl_code;
    const char *curl_message; /* curl's own words for a failure; "" on success */
    bool sent;                /* the request went out completely: a failure after it is ambiguous */
    bool body_overflow;       /* the body passed body_limit and was refused */
    bool resend_refused;      /* at_most_once: curl was about to send it again on a new connection */
    size_t body_limit;
    const char *content_type; /* the response's Content-Type; NULL when none */
    const char *redirect_url; /* a redirect not followed: where it points, resolved by curl; else NULL */
    double seconds;           /* the request's whole time, name lookup to its end (curl's total time) */
    gt_response response;
} gt_transfer_result;

typedef void (*gt_transfer_fn)(void *ctx, const gt_transfer_result *result);

typedef struct gt_transfer gt_transfer; /* engine-owned, pooled */
typedef struct gt_origin gt_origin;     /* origin_gate.h: a burst's first TLS connection goes alone */

/* ---- the engine (engine.c) --------------------------------------------------------------------- */

typedef struct gt_watch {
    curl_socket_t fd;
    int events; /* CURL_POLL_IN | CURL_POLL_OUT */
} gt_watch;

/* A socket that is not curl's (a Redis link's): polled by step() and reported to host loops like
 * curl's, its readiness handed to fn with GT_READY_* bits. slot: its place in watches (index + 1). */
typedef void (*gt_fd_fn)(void *ctx, int ready);
typedef struct gt_foreign {
    int fd;
    size_t slot;
    gt_fd_fn fn;
    void *ctx;
} gt_foreign;

/* wakefd.c: one fd readable when the engine wants to run (epoll over the watches + a timerfd) */
typedef struct gt_wakefd {
    int epoll, timer; /* -1 when closed */
} gt_wakefd;
bool gt_wakefd_open(gt_wakefd *w); /* the caller then watches what is watched already */
void gt_wakefd_watch(gt_wakefd *w, int fd, int what);
void gt_wakefd_arm(gt_wakefd *w, long timeout_ms);
void gt_wakefd_close(gt_wakefd *w);

struct gt_engine {
    CURLM *multi;
    CURLSH *share; /* TLS sessions and DNS, shared by every transfer */
    int refs;
    gt_timerheap timers;
    int64_t curl_due_ms;    /* when curl wants a timeout action; -1: never */
    struct pollfd *watches; /* the sockets curl asked to watch, and foreign ones, as poll(2) takes them */
    size_t n_watches, cap_watches;
    gt_foreign *foreign; /* the watches that are not curl's: few, searched */
    size_t n_foreign, cap_foreign;
    gt_queue changed; /* objects above the engine whose state changed (task.c's) */
    gt_queue fired_alarms;
    gt_transfer *idle_transfers; /* the pool: easy handles kept for the next request */
    size_t n_idle_transfers;
    size_t n_live_transfers; /* on the wire now */
    size_t max_connections;  /* the connection cache's size: grows with n_live_transfers */
    gt_origin *origins;      /* the https origins requests went to, each with its gate */
    int64_t origin_due_ms;   /* when a gate's queue is next due to go (origin_gate.h); -1: none */
    gt_transfer *unstarted;  /* let through a gate but refused by curl: they fail in the next step */
    gt_transfer **finished;  /* finish_transfers' list, kept for its capacity */
    size_t cap_finished;
    /* the layer above's own state per engine (the domain's registry of its clients): never read
     * here, and let go of above before the engine goes (whatever it holds keeps the engine) */
    void *above;
    bool host_loop;    /* a host loop watches the sockets: log changes, defer closes */
    gt_watch *changes; /* watch changes since the host last drained them */
    size_t n_changes, cap_changes;
    curl_socket_t *closing; /* closes waiting until the host has stopped watching */
    size_t n_closing, cap_closing;
    gt_wakefd wake; /* opened on first request (wakefd.c) */
};

void gt_engine_retain(gt_engine *e);
bool gt_engine_arm(gt_engine *e, gt_timer *t, int64_t due_ms); /* false: out of memory */
void gt_engine_disarm(gt_engine *e, gt_timer *t);
/* Queues n for the binding's drain of changes; no-op when queued. The engine never looks
 * inside: whoever queued n turns it back into its object (gt_task_next_changed). */
void gt_engine_notify(gt_engine *e, gt_qnode *n);
void gt_engine_unnotify(gt_engine *e, gt_qnode *n); /* its object is going away */
gt_qnode *gt_engine_next_notice(gt_engine *e);

/* Watches a socket that is not curl's: events GT_WATCH_IN | GT_WATCH_OUT (0: stop watching);
 * called again, it changes what is watched. fn(ctx, ready) runs from step() or socket_action().
 * A foreign watch alone keeps nothing waiting: whoever waits for an answer on it arms a timer
 * (gt_engine_timeout says "nothing to do" over idle foreign sockets). false: out of memory. */
bool gt_engine_watch_fd(gt_engine *e, int fd, int events, gt_fd_fn fn, void *ctx);
void gt_engine_unwatch_fd(gt_engine *e, int fd);
/* Closes fd once the host loop has stopped watching it (at once without a host loop): a number
 * closed under the host's watch could be reused by the next connection. */
void gt_engine_close_later(gt_engine *e, int fd);

/* Sends req; done(ctx, result) is called from a later step when it ends, however it ends, unless
 * it is aborted first. NULL when it cannot start (out of memory, a URL curl refuses). */
gt_transfer *gt_engine_send(gt_engine *e, const gt_request *req, gt_transfer_fn done, void *ctx);
/* Takes a transfer off the wire; its callback is never called. */
void gt_engine_abort(gt_engine *e, gt_transfer *x);
/* Whether everything of the request had gone out, for a transfer still on the wire. */
bool gt_transfer_sent(const gt_transfer *x);

struct gt_alarm {
    gt_timer timer;
    gt_qnode fired_node;
    gt_engine *engine;
};

#endif
