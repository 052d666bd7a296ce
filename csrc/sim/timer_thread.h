/* One thread that waits on a timer heap (the client core's) and fires each timer when it falls
 * due on the simulator's clock: delays.c resumes a held connection with one, webhooks.c pushes a
 * task's end. A timer fires as the heap says, timer->fire(timer->ctx), under the lock, so that
 * what it touches is guarded by the same lock as the heap; it may arm timers again. */
#ifndef GENTASK_SIM_TIMER_THREAD_H
#define GENTASK_SIM_TIMER_THREAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/loop/timerheap.h"

struct timer_thread {
    pthread_mutex_t lock;   /* the heap's, and the owner's state that fired timers touch */
    pthread_cond_t changed; /* on CLOCK_MONOTONIC, as the simulator's clock */
    pthread_t thread;
    bool stopping;
    gt_timerheap waiting; /* earliest due on top */
};

/* Initialises and starts the thread; false, with nothing left to destroy, when it cannot. */
bool timer_thread_start(struct timer_thread *timers);

/* Call under the lock: arms the timer and wakes the thread; false, without arming, once
 * timer_thread_stop has begun or when the heap cannot grow. */
bool timer_thread_arm(struct timer_thread *timers, gt_timer *timer, int64_t due_ms);

/* Refuses new timers and joins the thread (the first call; later ones return at once). Timers
 * still armed stay in the heap, for timer_thread_drain. */
void timer_thread_stop(struct timer_thread *timers);

/* After stop: hands the context of every timer still armed to `left`, under the lock. */
void timer_thread_drain(struct timer_thread *timers, void (*left)(void *ctx));

/* After stop and drain: frees the heap, the lock and the condition. */
void timer_thread_destroy(struct timer_thread *timers);

#endif
