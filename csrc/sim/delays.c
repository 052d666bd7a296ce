#include "delays.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"

struct pending {
    int64_t due_ms;
    struct MHD_Connection *connection;
};

struct delays {
    pthread_mutex_t lock;
    pthread_cond_t changed;            /* on CLOCK_MONOTONIC, as the simulator's clock */
    pthread_t thread;
    bool stopping;
    struct pending *heap;              /* earliest due on top */
    size_t count;
    size_t capacity;
};

static void heap_push(struct delays *delays, struct pending item)
{
    size_t i = delays->count++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (delays->heap[parent].due_ms <= item.due_ms)
            break;
        delays->heap[i] = delays->heap[parent];
        i = parent;
    }
    delays->heap[i] = item;
}

static struct pending heap_pop(struct delays *delays)
{
    struct pending top = delays->heap[0];
    struct pending last = delays->heap[--delays->count];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= delays->count)
            break;
        if (child + 1 < delays->count
            && delays->heap[child + 1].due_ms < delays->heap[child].due_ms)
            child++;
        if (last.due_ms <= delays->heap[child].due_ms)
            break;
        delays->heap[i] = delays->heap[child];
        i = child;
    }
    if (delays->count > 0)
        delays->heap[i] = last;
    return top;
}

/* The monotonic time `ms` from now, as pthread_cond_timedwait wants it. */
static struct timespec monotonic_in(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Resuming under the lock keeps one order of locks (ours, then MHD's) on every path: the access
 * handler suspends under it too, so no connection is resumed before it was suspended. */
static void *run(void *cls)
{
    struct delays *delays = cls;
    pthread_mutex_lock(&delays->lock);
    while (!delays->stopping) {
        int64_t now_ms = sim_clock_ms();
        while (delays->count > 0 && delays->heap[0].due_ms <= now_ms)
            MHD_resume_connection(heap_pop(delays).connection);
        if (delays->count == 0) {
            pthread_cond_wait(&delays->changed, &delays->lock);
        } else {
            struct timespec until = monotonic_in(delays->heap[0].due_ms - now_ms);
            int rc;
            do
                rc = pthread_cond_timedwait(&delays->changed, &delays->lock, &until);
            while (rc == EINTR);
        }
    }
    while (delays->count > 0)
        MHD_resume_connection(heap_pop(delays).connection);
    pthread_mutex_unlock(&delays->lock);
    return NULL;
}

struct delays *delays_start(void)
{
    struct delays *delays = calloc(1, sizeof *delays);
    if (delays == NULL)
        return NULL;
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

bool delays_suspend_until(struct delays *delays, struct MHD_Connection *connection,
                          int64_t due_ms)
{
    bool suspended = false;
    pthread_mutex_lock(&delays->lock);
    if (!delays->stopping && delays->count == delays->capacity) {
        size_t capacity = delays->capacity ? delays->capacity * 2 : 64;
        struct pending *heap = realloc(delays->heap, capacity * sizeof *heap);
        if (heap != NULL) {
            delays->heap = heap;
            delays->capacity = capacity;
        }
    }
    if (!delays->stopping && delays->count < delays->capacity) {
        MHD_suspend_connection(connection);
        heap_push(delays, (struct pending){ due_ms, connection });
        pthread_cond_signal(&delays->changed);
        suspended = true;
    }
    pthread_mutex_unlock(&delays->lock);
    return suspended;
}

void delays_stop(struct delays *delays)
{
    if (delays == NULL)
        return;
    pthread_mutex_lock(&delays->lock);
    bool running = !delays->stopping;
    delays->stopping = true;
    pthread_cond_signal(&delays->changed);
    pthread_mutex_unlock(&delays->lock);
    if (running)
        pthread_join(delays->thread, NULL);
}

void delays_free(struct delays *delays)
{
    if (delays == NULL)
        return;
    delays_stop(delays);
    pthread_cond_destroy(&delays->changed);
    pthread_mutex_destroy(&delays->lock);
    free(delays->heap);
    free(delays);
}
