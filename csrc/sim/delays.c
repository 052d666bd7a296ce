#include "delays.h"

#include <stdint.h>
#include <stdlib.h>

#include "timer_thread.h"

/* One suspended connection, its resumption a timer of the delays' timer thread. */
struct pending {
    gt_timer due;
    struct MHD_Connection *connection;
};

struct delays {
    struct timer_thread timers;
};

/* Fired under the lock, which keeps one order of locks (ours, then MHD's) on every path: the
 * access handler suspends under it too, so no connection is resumed before it was suspended. */
static void resume(void *ctx)
{
    struct pending *pending = ctx;
    MHD_resume_connection(pending->connection);
    free(pending);
}

struct delays *delays_start(void)
{
    struct delays *delays = calloc(1, sizeof *delays);
    if (delays != NULL && !timer_thread_start(&delays->timers)) {
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
    gt_timer_init(&pending->due, resume, pending);
    pthread_mutex_lock(&delays->timers.lock);
    bool suspended = timer_thread_arm(&delays->timers, &pending->due, due_ms);
    if (suspended) MHD_suspend_connection(connection);
    pthread_mutex_unlock(&delays->timers.lock);
    if (!suspended) free(pending);
    return suspended;
}

void delays_stop(struct delays *delays)
{
    if (delays == NULL) return;
    timer_thread_stop(&delays->timers);
    timer_thread_drain(&delays->timers, resume); /* every connection still held, now */
}

void delays_free(struct delays *delays)
{
    if (delays == NULL) return;
    delays_stop(delays);
    timer_thread_destroy(&delays->timers);
    free(delays);
}
