/* task_new.c — a task made: the callbacks its timer and its places at the gates call (its paths,
 * above the state machine in task.c), and the two ways to make one that the journal does not
 * answer: a submit, and an attach by the provider's id. The top of the task's files: it names
 * them all, and none of them names it. */
#include "task.h"

#include <stdlib.h>

/* The next poll or submit attempt is due, or the task's deadline. */
static void timer_due(void *task)
{
    gt_task *t = task;
    if (gt_task_past_deadline(t)) return;
    bool on_its_way = t->xfer || t->wire.held || gt_queue_linked(&t->wire.node);
    if (on_its_way || t->state == GT_TASK_QUEUED) gt_task_wait_then(t, t->state, t->deadline_ms);
    else if (t->state == GT_TASK_SUBMITTING) gt_task_submit_attempt(t);
    else if (t->state == GT_TASK_WAITING) gt_task_start_request(t, GT_PHASE_POLL);
}

gt_task *gt_task_new(gt_client *c, const char *poll_path, const gt_client_options *opts)
{
    gt_task *t = calloc(1, GT_TASK_HEAD + c->hooks->features_size); /* the features' state after it */
    if (!t) return NULL;
    t->opts = &c->opts;
    if (opts) {
        gt_client_options *own = malloc(sizeof *own);
        if (!own) {
            free(t);
            return NULL;
        }
        *own = *opts;
        t->opts = own;
    }
    t->features = (gt_task_features *)((char *)t + GT_TASK_HEAD);
    gt_timer_init(&t->timer, timer_due, t);
    t->slot = (gt_slot){.start = gt_task_slot_granted, .ctx = t};
    t->wire = (gt_slot){.start = gt_task_wire_granted, .ctx = t};
    t->model_slot = (gt_slot){.start = gt_task_model_granted, .ctx = t};
    t->client = c;
    t->owners = 1;
    gt_client_retain(c);
    gt_client_task_born(c);
    t->poll_path = gt_strdup(poll_path);
    t->state = GT_TASK_QUEUED;
    t->created_ms = t->submitted_ms = t->accepted_ms = gt_now_ms();
    t->deadline_ms = t->submitted_ms + t->opts->task_timeout_ms;
    t->poll_delay_ms = t->opts->poll_interval_ms;
    t->cost_reported = -1;
    t->reserved = -1;
    return t;
}

gt_task *gt_task_submit(gt_client *c, const char *model, const char *path, const char *body, const char *poll_path,
                        const gt_client_options *opts)
{
    gt_task *t = gt_task_new(c, poll_path, opts);
    if (!t) return NULL;
    t->model = gt_strdup(model);
    if (gt_task_set_submit(t, path, body, NULL)) gt_task_start_submit(t);
    return t;
}

gt_task *gt_client_attach(gt_client *c, const char *id, const char *poll_url, const char *poll_path,
                          const gt_client_options *opts)
{
    gt_task *t = gt_task_new(c, poll_path, opts);
    if (t) gt_task_attach(t, id, poll_url);
    return t;
}
