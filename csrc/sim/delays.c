#include "delays.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "../core/loop/timerheap.h"
#include "clock.h"

/* One suspended connection, its resumption a timer in the client core's timer heap. */
struct pending {
    gt_timer due; /* first: a popped timer is its pending */
    struct MHD_Connection *connection;
};

struct delays {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* on CLOCK_MONOTONIC, as the simulator's clock */
    pthread_t thread;
    bool stopping;
    gt_timerheap waiting; /* earliest due on top */
};

/* Resumes the connection of a timer popped from the heap. */
static void resume(gt_timer *due)
{
    struct pending *pending = (struct pending *)due;
    MHD_resume_connection(pending->connection);
    free(pending);
}

/* Resuming under the lock keeps one order of locks (ours, then MHD's) on every path: the access
 * handler suspends under it too, so no connection is resumed before it was suspended. */
static void *run(void *cls)
{
    struct delays *delays = cls;
    pthread_mutex_lock(&delays->lock);
    while (!delays->stopping) {
        int64_t now_ms = sim_clock_ms();
        gt_timer *due;
        while ((due = gt_timerheap_pop_due(&delays->waiting, now_ms)) != NULL) resume(due);
        gt_timer *next = gt_timerheap_peek(&delays->waiting);
        if (next == NULL) {
            pthread_cond_wait(&delays->changed, &delays->lock);
        } else {
            struct timespec until = sim_clock_in(next->due_ms - now_ms);
            int rc;
            do rc = pthread_cond_timedwait(&delays->changed, &delays->lock, &until);
            while (rc == EINTR);
        }
    }
    gt_timer *left;
    while ((left = gt_timerheap_pop_due(&delays->waiting, INT64_MAX)) != NULL) resume(left);
    pthread_mutex_unlock(&delays->lock);
    return NULL;
}

struct delays *delays_start(void)
{
    struct delays *delays = calloc(1, sizeof *delays);
    if (delays == NULL) return NULL;
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&delays->changed, &attributes);
    pthread_condattr_destroy(&attributes);
    pthread_mutex_init(&delays->lock, NULL);
    if (pthread_create(&delays->thread, NULL, run, delays) != 0) {
        pthread_cond_destroy(&delays->changed);
        pthread_mutex_destroy(&delays->lock);
        free(delays);
        return NULL;
    }
    return delays;
}

bool delays_suspend_until(struct delays *delays, struct MHD_Connection *connection, int64_t due_ms)
{
    struct pending *pending = calloc(1, sizeof *pending);
    if (pending == NULL) return false;
    pending->connection = connection;
    bool suspended = false;
    pthread_mutex_lock(&delays->lock);
    if (!delays->stopping && gt_timerheap_arm(&delays->waiting, &pending->due, due_ms) == 0) {
        MHD_suspend_connection(connection);
        pthread_cond_signal(&delays->changed);
        suspended = true;
    }
    pthread_mutex_unlock(&delays->lock);
    if (!suspended) free(pending);
    return suspended;
}

void delays_stop(struct delays *delays)
{
    if (delays == NULL) return;
    pthread_mutex_lock(&delays->lock);
    bool running = !delays->stopping;
    delays->stopping = true;
    pthread_cond_signal(&delays->changed);
    pthread_mutex_unlock(&delays->lock);
    if (running) pthread_join(delays->thread, NULL);
}

void delays_free(struct delays *delays)
{
    if (delays == NULL) return;
    delays_stop(delays);
    pthread_cond_destroy(&delays->changed);
    pthread_mutex_destroy(&delays->lock);
    gt_timerheap_free(&delays->waiting); /* empty: the thread resumed every connection */
    free(delays);
}
