#include "timer_thread.h"

#include <errno.h>
#include <time.h>

#include "clock.h"

static void *run(void *cls)
{
    struct timer_thread *timers = cls;
    pthread_mutex_lock(&timers->lock);
    while (!timers->stopping) {
        gt_timer *due;
        while ((due = gt_timerheap_pop_due(&timers->waiting, sim_clock_ms())) != NULL) due->fire(due->ctx);
        gt_timer *next = gt_timerheap_peek(&timers->waiting);
        if (next == NULL) {
            pthread_cond_wait(&timers->changed, &timers->lock);
        } else {
            struct timespec until = sim_clock_in(next->due_ms - sim_clock_ms());
            int rc;
            do rc = pthread_cond_timedwait(&timers->changed, &timers->lock, &until);
            while (rc == EINTR);
        }
    }
    pthread_mutex_unlock(&timers->lock);
    return NULL;
}

bool timer_thread_start(struct timer_thread *timers)
{
    *timers = (struct timer_thread){.stopping = false};
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&timers->changed, &attributes);
    pthread_condattr_destroy(&attributes);
    pthread_mutex_init(&timers->lock, NULL);
    if (pthread_create(&timers->thread, NULL, run, timers) == 0) return true;
    pthread_cond_destroy(&timers->changed);
    pthread_mutex_destroy(&timers->lock);
    return false;
}

bool timer_thread_arm(struct timer_thread *timers, gt_timer *timer, int64_t due_ms)
{
    if (timers->stopping || gt_timerheap_arm(&timers->waiting, timer, due_ms) != 0) return false;
    pthread_cond_broadcast(&timers->changed);
    return true;
}

void timer_thread_stop(struct timer_thread *timers)
{
    pthread_mutex_lock(&timers->lock);
    bool running = !timers->stopping;
    timers->stopping = true;
    pthread_cond_broadcast(&timers->changed);
    pthread_mutex_unlock(&timers->lock);
    if (running) pthread_join(timers->thread, NULL);
}

void timer_thread_drain(struct timer_thread *timers, void (*left)(void *ctx))
{
    pthread_mutex_lock(&timers->lock);
    gt_timer *timer;
    while ((timer = gt_timerheap_pop_due(&timers->waiting, INT64_MAX)) != NULL) left(timer->ctx);
    pthread_mutex_unlock(&timers->lock);
}

void timer_thread_destroy(struct timer_thread *timers)
{
    gt_timerheap_free(&timers->waiting);
    pthread_cond_destroy(&timers->changed);
    pthread_mutex_destroy(&timers->lock);
}
