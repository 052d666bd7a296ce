/* engine.c — one libcurl multi handle driven through its socket interface, the timer heap, a
 * pool of transfers, and the queues the binding drains.
 *
 * The socket interface (rather than curl_multi_perform) is what a host loop needs: curl tells us
 * which sockets to watch and when it next wants time, and step() is then one poll(2) over those
 * sockets. The engine knows no task: a due timer calls its own callback, a finished transfer
 * its own; nothing here calls out of the core, and what the binding must see is queued. */
#include "origin_gate.h"
#include "transfer.h"

#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* gentask.h spells curl's socket bits in its own names, so that a binding needs no curl header */
_Static_assert(GT_WATCH_IN == CURL_POLL_IN && GT_WATCH_OUT == CURL_POLL_OUT && GT_WATCH_REMOVE == CURL_POLL_REMOVE,
               "GT_WATCH_* must be curl's CURL_POLL_*");
_Static_assert(GT_READY_IN == CURL_CSELECT_IN && GT_READY_OUT == CURL_CSELECT_OUT && GT_READY_ERR == CURL_CSELECT_ERR,
               "GT_READY_* must be curl's CURL_CSELECT_*");

static bool append(void **items, size_t *n, size_t *cap, size_t size, const void *item)
{
    if (*n == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 16;
        void *grown = realloc(*items, grown_cap * size);
        if (!grown) return false;
        *items = grown;
        *cap = grown_cap;
    }
    memcpy((char *)*items + *n * size, item, size);
    (*n)++;
    return true;
}

static short poll_events(int what)
{
    return (short)(((what & CURL_POLL_IN) ? POLLIN : 0) | ((what & CURL_POLL_OUT) ? POLLOUT : 0));
}

static int curl_events(short events)
{
    return ((events & POLLIN) ? CURL_POLL_IN : 0) | ((events & POLLOUT) ? CURL_POLL_OUT : 0);
}

static gt_foreign *foreign_of(gt_engine *e, int fd)
{
    for (size_t i = 0; i < e->n_foreign; i++)
        if (e->foreign[i].fd == fd) return &e->foreign[i];
    return NULL;
}

/* Every change of the watch set, curl's or foreign, reaches the wake fd and the host's log alike. */
static bool log_change(gt_engine *e, int fd, int what)
{
    gt_wakefd_watch(&e->wake, fd, what);
    if (!e->host_loop) return true;
    gt_watch change = {fd, what};
    return append((void **)&e->changes, &e->n_changes, &e->cap_changes, sizeof change, &change);
}

/* Frees slot (index + 1): the last watch moves into it, and its owner (curl's assign, or its
 * foreign entry) learns its new slot. */
static void drop_slot(gt_engine *e, size_t slot)
{
    struct pollfd *last = &e->watches[--e->n_watches];
    if (slot - 1 >= e->n_watches) return;
    e->watches[slot - 1] = *last;
    gt_foreign *moved = foreign_of(e, last->fd);
    if (moved) moved->slot = slot;
    else curl_multi_assign(e->multi, last->fd, (void *)(uintptr_t)slot);
}

/* A new watch's slot (index + 1); 0: out of memory. */
static size_t add_slot(gt_engine *e, int fd)
{
    struct pollfd added = {.fd = fd};
    if (!append((void **)&e->watches, &e->n_watches, &e->cap_watches, sizeof added, &added)) return 0;
    return e->n_watches;
}

/* The watch set is the pollfd array step() hands to poll(2) as it stands. Each socket's slot
 * (index + 1) is kept with curl_multi_assign, so a change finds its socket without a search. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    gt_engine *e = userp;
    (void)easy;
    if (!log_change(e, (int)fd, what)) return -1;
    size_t slot = (size_t)(uintptr_t)socketp;
    if (what == CURL_POLL_REMOVE) {
        if (slot != 0) drop_slot(e, slot);
        return 0;
    }
    if (slot == 0) {
        slot = add_slot(e, (int)fd);
        if (slot == 0) return -1;
        curl_multi_assign(e->multi, fd, (void *)(uintptr_t)slot);
    }
    e->watches[slot - 1].events = poll_events(what);
    return 0;
}

bool gt_engine_watch_fd(gt_engine *e, int fd, int events, gt_fd_fn fn, void *ctx)
{
    events &= CURL_POLL_IN | CURL_POLL_OUT;
    if (events == 0) {
        gt_engine_unwatch_fd(e, fd);
        return true;
    }
    gt_foreign *f = foreign_of(e, fd);
    if (!f) {
        gt_foreign added = {.fd = fd, .fn = fn, .ctx = ctx};
        if (!append((void **)&e->foreign, &e->n_foreign, &e->cap_foreign, sizeof added, &added)) return false;
        f = &e->foreign[e->n_foreign - 1];
        f->slot = add_slot(e, fd);
        if (f->slot == 0) {
            e->n_foreign--;
            return false;
        }
    }
    f->fn = fn;
    f->ctx = ctx;
    if (e->watches[f->slot - 1].events == poll_events(events)) return true; /* the host knows it already */
    e->watches[f->slot - 1].events = poll_events(events);
    return log_change(e, fd, events);
}

void gt_engine_unwatch_fd(gt_engine *e, int fd)
{
    gt_foreign *f = foreign_of(e, fd);
    if (!f) return;
    size_t slot = f->slot;
    *f = e->foreign[--e->n_foreign]; /* the entry's place first: drop_slot searches the list */
    drop_slot(e, slot);
    log_change(e, fd, CURL_POLL_REMOVE);
}

void gt_engine_close_later(gt_engine *e, int fd)
{
    if (e->host_loop && append((void **)&e->closing, &e->n_closing, &e->cap_closing, sizeof fd, &fd)) return;
    close(fd);
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    gt_engine *e = userp;
    (void)multi;
    e->curl_due_ms = timeout_ms < 0 ? -1 : gt_now_ms() + timeout_ms;
    return 0;
}

gt_engine *gt_engine_new(void)
{
    static bool curl_ready;
    if (!curl_ready) { /* once per process; the binding's luaopen is the only caller */
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return NULL;
        curl_ready = true;
    }
    gt_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->multi = curl_multi_init();
    if (!e->multi) {
        free(e);
        return NULL;
    }
    e->share = curl_share_init(); /* one thread: no lock functions needed */
    if (!e->share) {
        curl_multi_cleanup(e->multi);
        free(e);
        return NULL;
    }
    curl_share_setopt(e->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(e->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    /* polls wait for a connection they can share (HTTP/2) rather than open their own */
    curl_multi_setopt(e->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    e->refs = 1;
    e->curl_due_ms = -1;
    e->origin_due_ms = -1;
    e->wake.epoll = e->wake.timer = -1;
    gt_queue_init(&e->changed);
    gt_queue_init(&e->fired_alarms);
    curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
    curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
    /* keep-alive: one cache of connections shared by every request of every client; it grows
     * with the requests on the wire (gt_engine_send) */
    e->max_connections = 256;
    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)e->max_connections);
    return e;
}

void gt_engine_retain(gt_engine *e)
{
    e->refs++;
}

void gt_engine_release(gt_engine *e)
{
    if (!e || --e->refs > 0) return;
    e->host_loop = false; /* nobody watches any more: the cache's sockets close at once */
    curl_multi_cleanup(e->multi);
    gt_engine_release_sockets(e);
    gt_transfer *never_started[] = {gt_origins_free(&e->origins), e->unstarted};
    for (size_t i = 0; i < 2; i++) {
        for (gt_transfer *x = never_started[i], *next; x; x = next) {
            next = x->next_waiting;
            gt_transfer_cleanup(x);
            free(x);
        }
    }
    while (e->idle_transfers) {
        gt_transfer *x = e->idle_transfers;
        e->idle_transfers = x->next_idle;
        gt_transfer_cleanup(x);
        free(x);
    }
    gt_wakefd_close(&e->wake);
    gt_timerheap_free(&e->timers);
    curl_share_cleanup(e->share); /* after the handles that point at it */
    free(e->watches);
    free(e->foreign);
    free(e->finished);
    free(e->changes);
    free(e->closing);
    free(e);
}

/* Deferred close: the host loop may still be watching this fd, and closing it now would let the
 * next connection reuse the number under the host's watch. */
static int close_socket(void *engine, curl_socket_t fd)
{
    gt_engine *e = engine;
    if (e && e->host_loop && append((void **)&e->closing, &e->n_closing, &e->cap_closing, sizeof fd, &fd)) return 0;
    return close(fd);
}

void gt_engine_release_sockets(gt_engine *e)
{
    for (size_t i = 0; i < e->n_closing; i++) close(e->closing[i]);
    e->n_closing = 0;
}

void gt_engine_set_host_loop(gt_engine *e, bool on)
{
    if (e->host_loop == on) return;
    e->host_loop = on;
    e->n_changes = 0;
    for (size_t i = 0; on && i < e->n_watches; i++) { /* the host starts from what is watched now */
        gt_watch now = {e->watches[i].fd, curl_events(e->watches[i].events)};
        append((void **)&e->changes, &e->n_changes, &e->cap_changes, sizeof now, &now);
    }
    if (!on) gt_engine_release_sockets(e);
}

int gt_engine_wake_fd(gt_engine *e)
{
    if (!gt_wakefd_open(&e->wake)) return -1;
    for (size_t i = 0; i < e->n_watches; i++)
        gt_wakefd_watch(&e->wake, e->watches[i].fd, curl_events(e->watches[i].events));
    long ms = gt_engine_timeout(e);
    gt_wakefd_arm(&e->wake, ms == LONG_MAX ? -1 : ms);
    return e->wake.epoll;
}

size_t gt_engine_socket_changes(gt_engine *e, int *fds, int *events, size_t max)
{
    size_t n = e->n_changes < max ? e->n_changes : max;
    for (size_t i = 0; i < n; i++) {
        fds[i] = (int)e->changes[i].fd;
        events[i] = e->changes[i].events;
    }
    /* the rest moves up (none: the list may be NULL, not yet grown) */
    if (n < e->n_changes) memmove(e->changes, e->changes + n, (e->n_changes - n) * sizeof *e->changes);
    e->n_changes -= n;
    return n;
}

/* Idle transfers kept for reuse: a handle keeps its buffers, and curl's DNS and TLS session
 * caches live in the multi handle, so a pool this size covers bursts without holding memory
 * for every request a batch ever made. */
enum { IDLE_TRANSFERS_MAX = 256 };

static gt_transfer *take_transfer(gt_engine *e)
{
    gt_transfer *x = e->idle_transfers;
    if (!x) return calloc(1, sizeof *x);
    e->idle_transfers = x->next_idle;
    e->n_idle_transfers--;
    x->next_idle = NULL;
    return x;
}

static void give_back(gt_engine *e, gt_transfer *x)
{
    x->done = NULL;
    x->ctx = NULL;
    x->origin = NULL;
    x->waiting = false;
    x->next_waiting = NULL;
    if (e->n_idle_transfers >= IDLE_TRANSFERS_MAX) {
        gt_transfer_cleanup(x);
        free(x);
        return;
    }
    x->next_idle = e->idle_transfers;
    e->idle_transfers = x;
    e->n_idle_transfers++;
}

/* Hands x to curl. The connection cache holds as many connections as requests have been on the
 * wire at once: a smaller one closes connections that polls are about to want, and scans itself
 * to evict on every return. */
static bool start(gt_engine *e, gt_transfer *x)
{
    if (curl_multi_add_handle(e->multi, x->easy) != CURLM_OK) return false;
    if (++e->n_live_transfers > e->max_connections) {
        e->max_connections = 2 * e->n_live_transfers;
        curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)e->max_connections);
    }
    return true;
}

/* A transfer that never reached curl ends through its callback all the same, sent = false. */
static void fail_unstarted(gt_engine *e, gt_transfer *x)
{
    gt_transfer_result result;
    gt_transfer_result_of(x, CURLE_OUT_OF_MEMORY, &result);
    if (x->done) x->done(x->ctx, &result);
    give_back(e, x);
}

/* Starts the transfers a gate let go, linked by next_waiting. */
static void start_released(gt_engine *e, gt_transfer *go)
{
    for (gt_transfer *next; go; go = next) {
        next = go->next_waiting;
        go->next_waiting = NULL;
        go->waiting = false;
        if (!start(e, go)) { /* ends in the next step: never from inside an abort */
            go->next_waiting = e->unstarted;
            e->unstarted = go;
        }
    }
}

/* x was its origin's pioneer (origin_gate.h) and is leaving the wire: the transfers its gate held
 * go now. It connected when it got an answer or completed a handshake; then curl holds a session
 * to resume (or a connection to reuse). */
static void pioneer_leaves(gt_engine *e, gt_transfer *x, bool aborted)
{
    long status = 0;
    curl_off_t handshake_us = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(x->easy, CURLINFO_APPCONNECT_TIME_T, &handshake_us);
    start_released(e, gt_origin_pioneer_ended(x->origin, status > 0 || handshake_us > 0, aborted));
}

/* How long a pioneer's TLS handshake took (its end less its TCP connect), or -1 while it goes on. */
static int64_t handshake_ms(gt_transfer *x)
{
    curl_off_t connected_us = 0, handshake_us = 0;
    curl_easy_getinfo(x->easy, CURLINFO_APPCONNECT_TIME_T, &handshake_us);
    if (handshake_us <= 0) return -1;
    curl_easy_getinfo(x->easy, CURLINFO_CONNECT_TIME_T, &connected_us);
    return (int64_t)(handshake_us - connected_us) / 1000 + 1;
}

/* A slow pioneer's queue goes a round trip after its handshake (origin_gate.h). */
static void release_due_origins(gt_engine *e)
{
    if (e->origins) start_released(e, gt_origins_due(e->origins, gt_now_ms(), handshake_ms, &e->origin_due_ms));
}

gt_transfer *gt_engine_send(gt_engine *e, const gt_request *req, gt_transfer_fn done, void *ctx)
{
    gt_transfer *x = take_transfer(e);
    if (!x) return NULL;
    bool ready = gt_transfer_prepare(x, req, e->share) == CURLE_OK &&
                 curl_easy_setopt(x->easy, CURLOPT_CLOSESOCKETFUNCTION, close_socket) == CURLE_OK &&
                 curl_easy_setopt(x->easy, CURLOPT_CLOSESOCKETDATA, e) == CURLE_OK;
    if (!ready) {
        give_back(e, x);
        return NULL;
    }
    x->done = done;
    x->ctx = ctx;
    x->origin = gt_origin_of(&e->origins, req->url);
    if (x->origin && gt_origin_must_wait(x->origin, x)) {
        x->waiting = true;
    } else if (!start(e, x)) {
        if (gt_origin_is_pioneer(x->origin, x)) pioneer_leaves(e, x, true); /* nobody waits on it yet */
        give_back(e, x);
        return NULL;
    }
    return x;
}

static bool unqueue_unstarted(gt_engine *e, gt_transfer *x)
{
    for (gt_transfer **p = &e->unstarted; *p; p = &(*p)->next_waiting) {
        if (*p != x) continue;
        *p = x->next_waiting;
        return true;
    }
    return false;
}

void gt_engine_abort(gt_engine *e, gt_transfer *x)
{
    if (x->waiting) { /* never reached curl */
        gt_origin_leave(x->origin, x);
        give_back(e, x);
        return;
    }
    if (unqueue_unstarted(e, x)) {
        give_back(e, x);
        return;
    }
    if (x->finished) { /* its result is waiting in finish_transfers: drop it there */
        x->aborted = true;
        return;
    }
    curl_multi_remove_handle(e->multi, x->easy);
    e->n_live_transfers--;
    if (gt_origin_is_pioneer(x->origin, x)) pioneer_leaves(e, x, true);
    give_back(e, x);
}

bool gt_transfer_sent(const gt_transfer *x)
{
    return !x->waiting && gt_transfer_body_sent(x);
}

void gt_engine_notify(gt_engine *e, gt_qnode *n)
{
    gt_queue_push(&e->changed, n);
}

void gt_engine_unnotify(gt_engine *e, gt_qnode *n)
{
    gt_queue_remove(&e->changed, n);
}

gt_qnode *gt_engine_next_notice(gt_engine *e)
{
    return gt_queue_pop(&e->changed);
}

bool gt_engine_arm(gt_engine *e, gt_timer *t, int64_t due_ms)
{
    return gt_timerheap_arm(&e->timers, t, due_ms) == 0;
}

void gt_engine_disarm(gt_engine *e, gt_timer *t)
{
    gt_timerheap_disarm(&e->timers, t);
}

static int64_t next_due_ms(const gt_engine *e)
{
    const gt_timer *top = gt_timerheap_peek(&e->timers);
    int64_t due = top ? top->due_ms : -1;
    if (e->origin_due_ms >= 0 && (due < 0 || e->origin_due_ms < due)) due = e->origin_due_ms;
    if (e->curl_due_ms >= 0 && (due < 0 || e->curl_due_ms < due)) due = e->curl_due_ms;
    return due;
}

static bool has_queued(const gt_engine *e)
{
    return !gt_queue_empty(&e->changed) || !gt_queue_empty(&e->fired_alarms) || e->unstarted;
}

long gt_engine_timeout(gt_engine *e)
{
    if (has_queued(e)) return 0; /* news the binding has not drained yet */
    int64_t due = next_due_ms(e);
    if (due < 0) return e->n_watches > e->n_foreign ? LONG_MAX : -1; /* an idle foreign socket waits for nothing */
    int64_t left = due - gt_now_ms();
    return left < 0 ? 0 : left > LONG_MAX ? LONG_MAX : (long)left;
}

/* A finished transfer leaves the multi handle, hands its result to its own callback, and goes
 * back to the pool: the result is valid during the callback only. */
static void deliver(gt_engine *e, gt_transfer *x)
{
    curl_multi_remove_handle(e->multi, x->easy);
    e->n_live_transfers--;
    if (gt_origin_is_pioneer(x->origin, x)) pioneer_leaves(e, x, x->aborted);
    if (!x->aborted && x->done) {
        gt_transfer_result result;
        gt_transfer_result_of(x, x->code, &result);
        x->done(x->ctx, &result);
    }
    x->finished = x->aborted = false;
    give_back(e, x);
}

/* Every message is read before any handle is removed: removing a handle scans the messages not
 * yet read for it, which made a burst of N completions cost N². */
static void finish_transfers(gt_engine *e)
{
    while (e->unstarted) {
        gt_transfer *x = e->unstarted;
        e->unstarted = x->next_waiting;
        x->next_waiting = NULL;
        fail_unstarted(e, x);
    }
    CURLMsg *msg;
    int left;
    size_t n = 0;
    while ((msg = curl_multi_info_read(e->multi, &left))) {
        if (msg->msg != CURLMSG_DONE) continue;
        gt_transfer *x = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        x->code = msg->data.result;
        x->finished = true;
        if (!append((void **)&e->finished, &n, &e->cap_finished, sizeof x, &x)) deliver(e, x); /* no memory: now */
    }
    /* a callback may start transfers, never run this loop: the list stays as it is */
    for (size_t i = 0; i < n; i++) deliver(e, e->finished[i]);
}

static bool run_due_timers(gt_engine *e)
{
    int64_t now = gt_now_ms();
    bool any = false;
    gt_timer *t;
    while ((t = gt_timerheap_pop_due(&e->timers, now))) {
        any = true;
        t->fire(t->ctx);
    }
    return any;
}

static void curl_timeout_if_due(gt_engine *e)
{
    if (e->curl_due_ms < 0 || e->curl_due_ms > gt_now_ms()) return;
    int running;
    e->curl_due_ms = -1;
    curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
}

/* A ready socket goes to its foreign owner, else to curl. */
static void dispatch(gt_engine *e, int fd, int mask)
{
    gt_foreign *f = foreign_of(e, fd);
    if (f) {
        f->fn(f->ctx, mask);
        return;
    }
    int running;
    curl_multi_socket_action(e->multi, (curl_socket_t)fd, mask, &running);
}

static void wait_for_sockets(gt_engine *e, long timeout_ms)
{
    size_t n = e->n_watches;
    int ready = poll(e->watches, (nfds_t)n, timeout_ms > INT_MAX ? INT_MAX : (int)timeout_ms);
    if (ready <= 0) return;
    /* curl's callbacks change the set while it is read: collect the ready sockets first */
    struct pollfd stack_ready[64];
    struct pollfd *got = (size_t)ready <= 64 ? stack_ready : malloc((size_t)ready * sizeof *got);
    if (!got) return;
    size_t n_got = 0;
    for (size_t i = 0; i < n && n_got < (size_t)ready; i++)
        if (e->watches[i].revents) got[n_got++] = e->watches[i];
    for (size_t i = 0; i < n_got; i++) {
        int mask = 0;
        if (got[i].revents & (POLLIN | POLLHUP)) mask |= CURL_CSELECT_IN;
        if (got[i].revents & POLLOUT) mask |= CURL_CSELECT_OUT;
        if (got[i].revents & (POLLERR | POLLNVAL)) mask |= CURL_CSELECT_ERR;
        dispatch(e, got[i].fd, mask);
    }
    if (got != stack_ready) free(got);
}

/* A finished transfer may start the next one (submit → first poll timer, poll → poll), and a
 * newly added transfer asks curl for a zero timeout: loop until nothing more is due now. */
static int settle(gt_engine *e)
{
    for (int rounds = 0; rounds < 8; rounds++) {
        curl_timeout_if_due(e);
        finish_transfers(e);
        release_due_origins(e);
        if (!run_due_timers(e) && (e->curl_due_ms < 0 || e->curl_due_ms > gt_now_ms())) break;
    }
    return (int)(e->changed.count + e->fired_alarms.count);
}

int gt_engine_step(gt_engine *e, long timeout_ms)
{
    if (timeout_ms < 0) timeout_ms = 0;
    int64_t deadline = gt_now_ms() + timeout_ms;

    settle(e); /* work already due runs first, so step(0) makes progress without waiting */

    long wait = timeout_ms;
    long until_due = gt_engine_timeout(e);
    if (until_due >= 0 && until_due < wait) wait = until_due;
    int64_t left = deadline - gt_now_ms();
    if (left < wait) wait = left < 0 ? 0 : (long)left;

    if (e->n_watches) wait_for_sockets(e, wait);
    else if (wait > 0) poll(NULL, 0, (int)(wait > INT_MAX ? INT_MAX : wait));
    return settle(e);
}

int gt_engine_socket_action(gt_engine *e, int fd, int events)
{
    dispatch(e, fd, events);
    return settle(e);
}

gt_alarm *gt_engine_next_fired(gt_engine *e)
{
    gt_qnode *n = gt_queue_pop(&e->fired_alarms);
    return n ? GT_CONTAINER(n, gt_alarm, fired_node) : NULL;
}

/* An alarm only queues itself: the binding resumes whatever waits on it. */
static void alarm_fired(void *alarm)
{
    gt_alarm *a = alarm;
    gt_queue_push(&a->engine->fired_alarms, &a->fired_node);
}

gt_alarm *gt_alarm_new(gt_engine *e, long after_ms)
{
    gt_alarm *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    gt_timer_init(&a->timer, alarm_fired, a);
    a->engine = e;
    gt_engine_retain(e);
    gt_engine_arm(e, &a->timer, gt_now_ms() + (after_ms < 0 ? 0 : after_ms));
    return a;
}

void gt_alarm_free(gt_alarm *a)
{
    if (!a) return;
    gt_engine_disarm(a->engine, &a->timer);
    gt_queue_remove(&a->engine->fired_alarms, &a->fired_node);
    gt_engine_release(a->engine);
    free(a);
}
