/* A task as the simulator keeps it: what a dialect accepted, with the scenario that steers it.
 * The store hands out copies (task_copy) so that no request thread ever holds a pointer into the
 * store: POST /_sim/reset may free everything at any moment. */
#ifndef GENTASK_SIM_TASK_H
#define GENTASK_SIM_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "lifecycle.h"
#include "scenario.h"

#define TASK_ID_MAX 80

struct task {
    char id[TASK_ID_MAX];
    const char *dialect;     /* static string, e.g. "foxapi" */
    const char *object_type; /* static string the route chose, e.g. "image.generation.task" */
    char *model;             /* owned (as are prompt and idempotency_key): freed by
                                task_release(); the model, technique slug or model_id */
    char *prompt;            /* NULL when the request had none */
    char *idempotency_key;   /* NULL: none (FLORA only) */
    int64_t created_unix_s;
    int64_t created_unix_ms;
    int64_t submitted_ms;
    int64_t duration_ms;
    int64_t seed;           /* echoed in results where the dialect does (BFL, ModelsLab) */
    unsigned width, height; /* 0: not given */
    struct scenario scenario;
    unsigned poll_number;     /* in a copy from store_record_poll: this poll's number, from 1 */
    unsigned download_number; /* in a copy from store_record_download: this request's of its file */
};

/* Where the task stands at now_ms (the simulator's clock), as its polls and stats see it. */
struct task_progress task_progress_now(const struct task *task, int64_t now_ms);

/* Copies a task with its own strings; false (and *copy empty) when memory ran out. */
bool task_copy(struct task *copy, const struct task *task);
void task_release(struct task *task);

#endif
