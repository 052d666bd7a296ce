/* Where a task stands, derived from the time since it was submitted: no timers run inside the
 * simulator, so a thousand idle tasks cost nothing. Dialects translate the phase into their own
 * words (FoxAPI `processing`, BFL `Pending`, APIXO `success`, …); stats use the names below. */
#ifndef GENTASK_SIM_LIFECYCLE_H
#define GENTASK_SIM_LIFECYCLE_H

#include <stdint.h>

#include "scenario.h"

enum task_phase {
    TASK_PENDING, /* the first 10% of its duration: queued */
    TASK_PROCESSING,
    TASK_COMPLETED,
    TASK_FAILED,
    TASK_CANCELLED,
};
#define TASK_PHASE_COUNT 5

struct task_progress {
    enum task_phase phase;
    unsigned percent;     /* 0..99 while running, 100 once completed, 0 if failed or cancelled */
    int64_t remaining_ms; /* 0 once the task has ended */
    int64_t eta_ms;       /* what the provider says remains: remaining_ms, unless eta= says otherwise */
};

struct task_progress lifecycle_at(int64_t submitted_ms, int64_t duration_ms, enum task_ending ending, int64_t now_ms);

const char *task_phase_name(enum task_phase phase);

static inline int task_phase_is_final(enum task_phase phase)
{
    return phase == TASK_COMPLETED || phase == TASK_FAILED || phase == TASK_CANCELLED;
}

#endif
