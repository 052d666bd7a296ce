/* timerheap.h — a binary min-heap of timers ordered by due time.
 *
 * Timers are embedded in the objects they time (tasks, clients, alarms) and remember their own slot, so
 * arming, disarming and re-arming are O(log n) and an engine with 10,000 tasks between polls
 * looks at one timer per step, not at every task. */
#ifndef GENTASK_TIMERHEAP_H
#define GENTASK_TIMERHEAP_H

#include <stddef.h>
#include <stdint.h>

/* What a due timer calls, with the context it was given: the heap's user knows nothing of the
 * objects it times (as redis' ae.c timers carry a proc and its clientData). */
typedef void (*gt_timer_fn)(void *ctx);

typedef struct gt_timer {
    int64_t due_ms;
    size_t slot; /* index in the heap + 1; 0 when not armed */
    gt_timer_fn fire;
    void *ctx;
} gt_timer;

static inline void gt_timer_init(gt_timer *t, gt_timer_fn fire, void *ctx)
{
    *t = (gt_timer){.fire = fire, .ctx = ctx};
}

typedef struct gt_timerheap {
    gt_timer **items;
    size_t count, capacity;
} gt_timerheap;

void gt_timerheap_free(gt_timerheap *h);
int gt_timerheap_arm(gt_timerheap *h, gt_timer *t, int64_t due_ms); /* re-arms if armed; -1 on OOM */
void gt_timerheap_disarm(gt_timerheap *h, gt_timer *t);
gt_timer *gt_timerheap_peek(const gt_timerheap *h);
gt_timer *gt_timerheap_pop_due(gt_timerheap *h, int64_t now_ms); /* NULL when none is due */

#endif
