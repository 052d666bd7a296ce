#define _GNU_SOURCE /* accept4 */
#include "listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"

/* The wait before trying again to bind the main port after an outage (another socket took the
 * port number meanwhile: a client of the closed port that happened to get it as its own), or to
 * accept after the process ran out of descriptors (the connection stays queued: polling again at
 * once would spin). */
#define RETRY_MS 50

struct listener {
    struct outage *outage;
    unsigned port;       /* the main port, kept across outages */
    unsigned admin_port; /* never closed */
    unsigned backlog;
    int main_fd; /* -1 while an outage has closed the port; once started, only the thread touches it */
    int admin_fd;
    int wake_fd; /* eventfd: a settle, the stop, or a connection closed at the limit */
    struct MHD_Daemon *daemon;
    unsigned max_connections;
    _Atomic unsigned open; /* connections handed to MHD and not closed yet */
    bool rebind_failed;    /* the thread's: said once on stderr per outage */

    pthread_mutex_t lock; /* guards what follows */
    pthread_cond_t settled;
    pthread_t thread;
    bool started;
    bool stopping;
    uint64_t settles_asked;
    uint64_t settles_done;
};

/* Binding the sockets ourselves gives us the ports before any thread runs, so struct sim is
 * complete and read-only by the time requests arrive. SO_REUSEADDR lets the main port be bound
 * again after an outage while the connections it accepted before are open or in TIME_WAIT. */
static int listen_on_loopback(unsigned port, unsigned backlog, unsigned *bound_port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in address = {
        .sin_family = AF_INET,
        .sin_port = htons((uint16_t)port),
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    socklen_t length = sizeof address;
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || listen(fd, (int)backlog) != 0 ||
        getsockname(fd, (struct sockaddr *)&address, &length) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    *bound_port = ntohs(address.sin_port);
    return fd;
}

static void wake(struct listener *listener)
{
    eventfd_write(listener->wake_fd, 1);
}

/* Closes the main port for an outage, binds it again after one. The time until the thread must
 * look again (poll's timeout): the outage's end, a retry, or none (-1). */
static int follow_outage(struct listener *listener)
{
    int64_t now_ms = sim_clock_ms();
    int64_t until_ms = outage_until(listener->outage, now_ms);
    if (until_ms != 0) {
        /* the kernel refuses connects from now on, and resets those queued and not accepted yet */
        if (listener->main_fd >= 0) close(listener->main_fd);
        listener->main_fd = -1;
        listener->rebind_failed = false;
        return (int)(until_ms - now_ms);
    }
    if (listener->main_fd >= 0) return -1;
    unsigned bound;
    listener->main_fd = listen_on_loopback(listener->port, listener->backlog, &bound);
    if (listener->main_fd >= 0) return -1;
    if (!listener->rebind_failed)
        fprintf(stderr, "gentask-sim: cannot listen on 127.0.0.1:%u again after the outage: %s; retrying\n",
                listener->port, strerror(errno));
    listener->rebind_failed = true;
    return RETRY_MS;
}

/* Hands MHD what the kernel has queued, up to the connection limit. False when accept failed for
 * want of descriptors or memory. */
static bool accept_queued(struct listener *listener, int fd)
{
    while (atomic_load(&listener->open) < listener->max_connections) {
        struct sockaddr_storage address;
        socklen_t length = sizeof address;
        int client = accept4(fd, (struct sockaddr *)&address, &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return errno == EAGAIN || errno == EWOULDBLOCK;
        }
        /* counted first: a worker may close it, and say so, before MHD_add_connection returns */
        atomic_fetch_add(&listener->open, 1);
        if (MHD_add_connection(listener->daemon, client, (struct sockaddr *)&address, length) != MHD_YES)
            atomic_fetch_sub(&listener->open, 1); /* MHD closed it */
    }
    return true;
}

static int earliest_timeout(int a, int b)
{
    if (a < 0) return b;
    if (b < 0) return a;
    return a < b ? a : b;
}

static void *run(void *cls)
{
    struct listener *listener = cls;
    int64_t accept_paused_until_ms = 0;
    for (;;) {
        pthread_mutex_lock(&listener->lock);
        bool stopping = listener->stopping;
        uint64_t asked = listener->settles_asked;
        pthread_mutex_unlock(&listener->lock);
        if (stopping) break;

        int timeout_ms = follow_outage(listener);
        /* the outage was read after `asked`: every settle up to it sees its sockets as they are now */
        pthread_mutex_lock(&listener->lock);
        listener->settles_done = asked;
        pthread_cond_broadcast(&listener->settled);
        pthread_mutex_unlock(&listener->lock);

        /* past the limit, or short of descriptors, new connections wait in the kernel's backlog */
        int64_t now_ms = sim_clock_ms();
        bool accepting = atomic_load(&listener->open) < listener->max_connections && now_ms >= accept_paused_until_ms;
        if (now_ms < accept_paused_until_ms)
            timeout_ms = earliest_timeout(timeout_ms, (int)(accept_paused_until_ms - now_ms));
        struct pollfd fds[] = {
            {.fd = listener->wake_fd, .events = POLLIN},
            {.fd = accepting ? listener->admin_fd : -1, .events = POLLIN},
            {.fd = accepting ? listener->main_fd : -1, .events = POLLIN},
        };
        if (poll(fds, sizeof fds / sizeof fds[0], timeout_ms) <= 0) continue;
        eventfd_t ignored;
        if (fds[0].revents != 0) eventfd_read(listener->wake_fd, &ignored);
        for (size_t i = 1; i < sizeof fds / sizeof fds[0]; i++)
            if (fds[i].revents != 0 && !accept_queued(listener, fds[i].fd))
                accept_paused_until_ms = sim_clock_ms() + RETRY_MS;
    }
    return NULL;
}

struct listener *listener_open(unsigned port, unsigned backlog, struct outage *outage)
{
    struct listener *listener = calloc(1, sizeof *listener);
    if (listener == NULL) return NULL;
    listener->outage = outage;
    listener->backlog = backlog;
    listener->admin_fd = listener->wake_fd = -1;
    listener->main_fd = listen_on_loopback(port, backlog, &listener->port);
    if (listener->main_fd >= 0) listener->admin_fd = listen_on_loopback(0, backlog, &listener->admin_port);
    if (listener->admin_fd >= 0) listener->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (listener->wake_fd < 0) {
        int saved = errno;
        if (listener->admin_fd >= 0) close(listener->admin_fd);
        if (listener->main_fd >= 0) close(listener->main_fd);
        free(listener);
        errno = saved;
        return NULL;
    }
    pthread_mutex_init(&listener->lock, NULL);
    pthread_cond_init(&listener->settled, NULL);
    return listener;
}

unsigned listener_port(const struct listener *listener)
{
    return listener->port;
}

unsigned listener_admin_port(const struct listener *listener)
{
    return listener->admin_port;
}

bool listener_start(struct listener *listener, struct MHD_Daemon *daemon, unsigned max_connections)
{
    listener->daemon = daemon;
    listener->max_connections = max_connections;
    pthread_mutex_lock(&listener->lock);
    listener->started = pthread_create(&listener->thread, NULL, run, listener) == 0;
    pthread_mutex_unlock(&listener->lock);
    return listener->started;
}

void listener_connection_closed(struct listener *listener)
{
    /* at the limit the thread polls no listening socket: it must learn that there is room again */
    if (atomic_fetch_sub(&listener->open, 1) >= listener->max_connections) wake(listener);
}

void listener_settle(struct listener *listener)
{
    pthread_mutex_lock(&listener->lock);
    uint64_t ticket = ++listener->settles_asked;
    wake(listener);
    while (listener->started && !listener->stopping && listener->settles_done < ticket)
        pthread_cond_wait(&listener->settled, &listener->lock);
    pthread_mutex_unlock(&listener->lock);
}

void listener_stop(struct listener *listener)
{
    if (listener == NULL) return;
    pthread_mutex_lock(&listener->lock);
    bool running = listener->started && !listener->stopping;
    listener->stopping = true;
    pthread_cond_broadcast(&listener->settled);
    pthread_mutex_unlock(&listener->lock);
    wake(listener);
    if (running) pthread_join(listener->thread, NULL);
    if (listener->main_fd >= 0) close(listener->main_fd);
    if (listener->admin_fd >= 0) close(listener->admin_fd);
    listener->main_fd = listener->admin_fd = -1;
}

void listener_free(struct listener *listener)
{
    if (listener == NULL) return;
    listener_stop(listener);
    close(listener->wake_fd);
    pthread_cond_destroy(&listener->settled);
    pthread_mutex_destroy(&listener->lock);
    free(listener);
}
