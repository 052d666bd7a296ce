#include "task.h"

#include <stdlib.h>
#include <string.h>

static bool copy_string(char **copy, const char *text)
{
    *copy = text ? strdup(text) : NULL;
    return text == NULL || *copy != NULL;
}

bool task_copy(struct task *copy, const struct task *task)
{
    *copy = *task;
    copy->prompt = copy->idempotency_key = copy->webhook_url = copy->webhook_secret = NULL;
    if (copy_string(&copy->model, task->model ? task->model : "") && copy_string(&copy->prompt, task->prompt) &&
        copy_string(&copy->idempotency_key, task->idempotency_key) &&
        copy_string(&copy->webhook_url, task->webhook_url) && copy_string(&copy->webhook_secret, task->webhook_secret))
        return true;
    task_release(copy);
    return false;
}

struct task_progress task_progress_now(const struct task *task, int64_t now_ms)
{
    struct task_progress progress = lifecycle_at(task->submitted_ms, task->duration_ms, task->scenario.ending, now_ms);
    if (task->scenario.eta_ms >= 0 && progress.remaining_ms > 0) {
        int64_t left = task->scenario.eta_ms - (now_ms - task->submitted_ms);
        progress.eta_ms = left > 0 ? left : 0;
    }
    return progress;
}

void task_release(struct task *task)
{
    free(task->model);
    free(task->prompt);
    free(task->idempotency_key);
    free(task->webhook_url);
    free(task->webhook_secret);
    task->model = task->prompt = task->idempotency_key = task->webhook_url = task->webhook_secret = NULL;
}
