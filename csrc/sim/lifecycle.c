#include "lifecycle.h"

struct task_progress lifecycle_at(int64_t submitted_ms, int64_t duration_ms, enum task_ending ending, int64_t now_ms)
{
    int64_t elapsed = now_ms - submitted_ms;
    if (elapsed < 0) elapsed = 0;
    if (elapsed >= duration_ms) {
        switch (ending) {
        case TASK_ENDS_FAILED: return (struct task_progress){TASK_FAILED, 0, 0, 0};
        case TASK_ENDS_CANCELLED: return (struct task_progress){TASK_CANCELLED, 0, 0, 0};
        case TASK_ENDS_COMPLETED: break;
        }
        return (struct task_progress){TASK_COMPLETED, 100, 0, 0};
    }
    int64_t remaining = duration_ms - elapsed;
    if (elapsed * 10 < duration_ms) return (struct task_progress){TASK_PENDING, 0, remaining, remaining};
    int64_t percent = elapsed * 100 / duration_ms;
    if (percent > 99) percent = 99;
    return (struct task_progress){TASK_PROCESSING, (unsigned)percent, remaining, remaining};
}

const char *task_phase_name(enum task_phase phase)
{
    switch (phase) {
    case TASK_PENDING: return "pending";
    case TASK_PROCESSING: return "processing";
    case TASK_COMPLETED: return "completed";
    case TASK_FAILED: return "failed";
    case TASK_CANCELLED: return "cancelled";
    }
    return "unknown";
}
