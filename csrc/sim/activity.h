/* Which tasks are still generating. A task's end is a timer in a min-heap (the client core's
 * timer heap, csrc/core/loop/timerheap.c), so counting the tasks in flight pops the ended ones, O(log n)
 * each, instead of walking 10,000 stored tasks: one heap for the whole simulator (in_flight,
 * max_in_flight), and one per API key and dialect under --max-active. Not locked: the store calls
 * it under its own lock. */
#ifndef GENTASK_SIM_ACTIVITY_H
#define GENTASK_SIM_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>

#include "../core/loop/timerheap.h"
#include "indexed.h"

/* One API key's generating tasks in one dialect: a provider's limit is its own, though the
 * simulator's keys work in every dialect. */
struct key_activity;

struct activity {
    gt_timerheap generating;
    size_t max_in_flight;
    struct indexed_list keys; /* of struct key_activity, kept only under --max-active */
};

enum admission {
    ADMITTED,
    ADMISSION_BUSY, /* the key already has max_active tasks generating */
    ADMISSION_NO_MEMORY,
};

/* Tasks generating now. */
size_t activity_in_flight(struct activity *activity, int64_t now_ms);

/* Whether `key` may start another task in `dialect` now (max_active 0, or a NULL key or dialect:
 * no limit, *limited NULL). When it may, *limited is the key's activity for activity_start. */
enum admission activity_admit(struct activity *activity, const char *dialect, const char *key, unsigned max_active,
                              int64_t now_ms, struct key_activity **limited);

/* Counts a task generating until end_ms (nothing when it has already ended): `all` goes into the
 * simulator's heap, `own` into the key's (limited NULL: none). False, with nothing counted, when
 * memory ran out. */
bool activity_start(struct activity *activity, struct key_activity *limited, gt_timer *all, gt_timer *own,
                    int64_t end_ms, int64_t now_ms);

/* Forgets everything: called before the tasks whose timers the heaps hold are freed. */
void activity_free(struct activity *activity);

#endif
