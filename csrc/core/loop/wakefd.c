/* wakefd.c — one file descriptor that becomes readable when the engine wants to run: an epoll set
 * mirroring the sockets curl asked us to watch, plus a timerfd armed to the engine's next timer.
 *
 * Hosts that can watch a single fd but not a changing set of them (copas on LuaSocket's select,
 * cqueues' pollables) wait on this one and call step(0) when it is readable. It is libuv's
 * uv_backend_fd idea. Linux only: elsewhere gt_wakefd_open fails and such hosts fall back. */
#include "loop.h"

#include <errno.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/epoll.h>
#include <sys/timerfd.h>

static uint32_t epoll_events(int what)
{
    return ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
}

void gt_wakefd_watch(gt_wakefd *w, int fd, int what)
{
    if (w->epoll < 0) return;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(w->epoll, EPOLL_CTL_DEL, fd, NULL); /* ENOENT/EBADF: already gone, fine */
        return;
    }
    struct epoll_event ev = {.events = epoll_events(what), .data.fd = fd};
    if (epoll_ctl(w->epoll, EPOLL_CTL_MOD, fd, &ev) < 0 && errno == ENOENT) epoll_ctl(w->epoll, EPOLL_CTL_ADD, fd, &ev);
}

bool gt_wakefd_open(gt_wakefd *w)
{
    if (w->epoll >= 0) return true;
    w->epoll = epoll_create1(EPOLL_CLOEXEC);
    w->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = w->timer};
    if (w->epoll < 0 || w->timer < 0 || epoll_ctl(w->epoll, EPOLL_CTL_ADD, w->timer, &ev) < 0) {
        gt_wakefd_close(w);
        return false;
    }
    return true;
}

void gt_wakefd_arm(gt_wakefd *w, long timeout_ms)
{
    if (w->timer < 0) return;
    uint64_t expirations;
    while (read(w->timer, &expirations, sizeof expirations) > 0) {
    }                                          /* clear an old expiry */
    struct itimerspec when = {{0, 0}, {0, 0}}; /* all zero disarms: "no timer" */
    if (timeout_ms >= 0) {
        /* a zero it_value would disarm: "now" is one nanosecond from now */
        when.it_value.tv_sec = timeout_ms / 1000;
        when.it_value.tv_nsec = (timeout_ms % 1000) * 1000000L + (timeout_ms == 0);
    }
    timerfd_settime(w->timer, 0, &when, NULL);
}

void gt_wakefd_close(gt_wakefd *w)
{
    if (w->epoll >= 0) close(w->epoll);
    if (w->timer >= 0) close(w->timer);
    w->epoll = w->timer = -1;
}

#else

void gt_wakefd_watch(gt_wakefd *w, int fd, int what)
{
    (void)w;
    (void)fd;
    (void)what;
}
bool gt_wakefd_open(gt_wakefd *w)
{
    (void)w;
    return false;
}
void gt_wakefd_arm(gt_wakefd *w, long timeout_ms)
{
    (void)w;
    (void)timeout_ms;
}
void gt_wakefd_close(gt_wakefd *w)
{
    w->epoll = w->timer = -1;
}

#endif
