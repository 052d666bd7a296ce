/* task_submit.c — the submit path: a task waits at its model's gate and the client's tasks gate,
 * takes its place in the budget, is let out while enough of its time is left, and goes on the
 * wire unless the client holds its submits after a 429; a submit refused outright waits at the
 * head of the line again, and an opted-in resubmit starts a new generation (the provider ended
 * a task: resubmitted, or ended). */
#include "task.h"

#include <stdlib.h>

/* A task not yet submitted, or whose resend waits, when the client is closed. */
static void end_closed(gt_task *t)
{
    gt_task_finish(t, GT_TASK_CANCELLED,
                   gt_error_new(GT_CANCELLED, GT_PHASE_SUBMIT, "the client was closed before this task was submitted"));
}

/* How often a submit that waits for the journal's count of what was sent asks again. */
#define BUDGET_RECHECK_MS 20

/* max_submits: a task takes its place in the budget before its first submit, or fails unsent.
 * While the journal has not said how many submits it holds as sent, the task waits (false, its
 * timer armed). The journal checks both budgets again as the record becomes "sending", against
 * every process that shares it (task_journal.c); max_cost is checked there alone when there is a
 * journal, here when there is none (cost.c). */
static bool within_budget(gt_task *t)
{
    gt_client *c = t->client;
    if (t->budgeted || c->opts.max_submits <= 0) return gt_task_within_cost(t);
    if (c->sent_unknown) {
        gt_task_wait_then(t, GT_TASK_SUBMITTING, gt_now_ms() + BUDGET_RECHECK_MS);
        return false;
    }
    if (c->tasks_submitted >= c->opts.max_submits) {
        gt_task_fail(t, GT_BUDGET_EXCEEDED, GT_PHASE_SUBMIT,
                     "the client's max_submits is spent: this task was not sent");
        return false;
    }
    if (!gt_task_within_cost(t)) return false;
    t->budgeted = true;
    c->tasks_submitted++;
    return true;
}

/* What a task needs of its time to be worth submitting: min_submit_time, or the provider's eta
 * for its model if longer — never more than half its task_timeout, so that a long eta does not
 * keep every fresh task from going out. */
static long time_needed_ms(const gt_task *t)
{
    long needed = t->opts->min_submit_time_ms, eta = gt_client_eta_ms(t->client, t->model);
    if (eta > needed) needed = eta;
    return needed < t->opts->task_timeout_ms / 2 ? needed : t->opts->task_timeout_ms / 2;
}

/* A task that nothing was paid for yet is let out only while enough of its time is left for the
 * work: a submit that cannot finish before the deadline would be paid for and then given up. A
 * resend that may reach a generation already paid for (under its idempotency key) is not held. */
static bool too_late_to_submit(gt_task *t)
{
    if (t->sent_before || t->submitted == GT_SUBMITTED_UNKNOWN || t->submitted == GT_SUBMITTED_YES) return false;
    long left = (long)(t->deadline_ms - gt_now_ms()), needed = time_needed_ms(t);
    if (left >= needed) return false;
    char *why = gt_printf("the task waited for its turn until %.1f s of its task_timeout were left, less than the "
                          "%.1f s it needs (min_submit_time, or the provider's eta for its model); it was never "
                          "submitted",
                          left / 1000.0, needed / 1000.0);
    gt_task_finish(t, GT_TASK_FAILED,
                   gt_task_deadline_error(t, GT_PHASE_SUBMIT, why ? why : "too little time left to submit"));
    free(why);
    return true;
}

/* A submit goes out unless the client is holding its submits after a 429. */
void gt_task_submit_attempt(gt_task *t)
{
    int64_t until;
    if (gt_task_past_deadline(t) || too_late_to_submit(t)) return;
    if (t->client->closed) {
        end_closed(t);
        return;
    }
    if (!within_budget(t)) return;
    if (gt_client_may_submit(t->client, t->model, &until)) gt_task_start_request(t, GT_PHASE_SUBMIT);
    else gt_task_wait_then(t, GT_TASK_SUBMITTING, until);
}

/* Refused in a way that proves the provider took nothing: the task gives its place back and
 * waits at the head of the line (outside max_retries) while the client pauses its submits. */
void gt_task_requeue(gt_task *t)
{
    gt_client_leave(t->client, GT_GATE_TASKS, &t->slot);
    gt_task_mark_changed(t);
    t->client->hooks->stage_changed(t, GT_RECORD_QUEUED); /* it provably was not taken: safe to submit after a crash */
    if (gt_task_wait_then(t, GT_TASK_QUEUED, t->deadline_ms)) gt_client_wait_front(t->client, GT_GATE_TASKS, &t->slot);
}

/* The client gave this task a slot. */
void gt_task_slot_granted(void *task)
{
    gt_task_submit_attempt(task);
}

/* Its model's gate let it in: now it waits for one of the client's places. */
void gt_task_model_granted(void *task)
{
    gt_task *t = task;
    gt_client_wait(t->client, GT_GATE_TASKS, &t->slot);
}

bool gt_task_set_submit(gt_task *t, const char *path, const char *body, const char *resend_key)
{
    gt_client *c = t->client;
    t->submit_url = gt_printf("%s%s", c->base_url, path ? path : "");
    t->submit_body = gt_endpoint_submit_body(c, body, resend_key, false, &t->idempotency_key);
    if (t->submit_body) c->hooks->submit_built(t, &t->submit_body);
    if (t->submit_body) t->reserved = gt_task_price(t);
    /* a profile without a poll path lives on the poll URLs its provider hands back */
    if (!c->profile->poll_path && !t->poll_path && c->profile->fields[GT_FIELD_POLL_URL].n == 0)
        gt_task_fail(t, GT_USAGE, GT_PHASE_SUBMIT, "the provider profile has no poll path and reads no poll URL");
    else if (!t->submit_body) gt_task_fail(t, GT_USAGE, GT_PHASE_SUBMIT, "the request body must be a JSON object");
    /* a budget in money needs the most each task may cost; a resend of a paid one is not asked */
    else if (c->opts.max_cost > 0 && t->reserved < 0 && !resend_key)
        gt_task_fail(t, GT_USAGE, GT_PHASE_SUBMIT,
                     "max_cost is set, but the price table gives no price for this model and request: a task whose "
                     "cost has no bound cannot be kept within a budget (give its price with the prices option, or "
                     "set no max_cost)");
    return !gt_task_done(t);
}

void gt_task_start_submit(gt_task *t)
{
    if (!gt_task_wait_then(t, GT_TASK_QUEUED, t->deadline_ms)) return;
    /* a model the provider caps lower: one of its places first (held until the task ends) */
    t->model_gate = gt_client_model_gate(t->client, t->model);
    if (t->model_gate) gt_client_wait_model(t->client, t->model_gate, &t->model_slot);
    else gt_client_wait(t->client, GT_GATE_TASKS, &t->slot);
}

bool gt_task_may_resubmit(const gt_task *t)
{
    return t->opts->resubmit_kinds != 0 && t->resubmits < t->opts->resubmit_max;
}

/* An opted-in resubmit after the provider failed the task: a new generation, so a fresh
 * idempotency key, and everything the old attempt learnt is forgotten. Never for a failure the
 * provider says the same request will meet again (not retryable): that would only pay twice. */
bool gt_task_resubmit(gt_task *t, const gt_error *err)
{
    if (!gt_task_may_resubmit(t) || !(t->opts->resubmit_kinds & (1u << err->kind))) return false;
    if (!err->retryable) return false;
    char *key = NULL;
    char *body = gt_endpoint_submit_body(t->client, t->submit_body, NULL, true, &key);
    if (!body) return false;
    gt_wipe_free(t->submit_body);
    t->submit_body = body;
    free(t->idempotency_key);
    t->idempotency_key = key;
    gt_task_count_accepted(t, false);
    free(t->remote_id);
    free(t->poll_url);
    free(t->result_url);
    t->remote_id = t->poll_url = t->result_url = NULL;
    t->resubmits++;
    t->submit_sent = false;
    t->retries = 0;
    t->progress = 0;
    t->poll_delay_ms = t->opts->poll_interval_ms;
    t->submitted_ms = gt_now_ms();
    gt_task_mark_changed(t);
    gt_task_submit_attempt(t);
    return true;
}

void gt_client_close(gt_client *c)
{
    c->closed = true;
    gt_qnode *n;
    for (size_t i = 0; c->model_gates && i < c->profile->n_model_caps; i++)
        while ((n = gt_queue_pop(&c->model_gates[i].queue))) end_closed(GT_CONTAINER(n, gt_task, model_slot.node));
    while ((n = gt_queue_pop(&c->gates[GT_GATE_TASKS].queue))) end_closed(GT_CONTAINER(n, gt_task, slot.node));
    c->hooks->client_closed(c); /* the journal: what is written now; each round written from here on, too */
}

bool gt_client_closed(const gt_client *c)
{
    return c->closed;
}

/* A failure whose code says "cancelled" (EvoLink's request_cancelled) ends cancelled too. */
void gt_task_ended_at_provider(gt_task *t, gt_error *err)
{
    if (gt_task_resubmit(t, err)) gt_error_free(err);
    else gt_task_finish(t, err->kind == GT_CANCELLED ? GT_TASK_CANCELLED : GT_TASK_FAILED, err);
}
