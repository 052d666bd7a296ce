/* client_features.c — a client made with the features above its tasks: its webhooks, its journal
 * (and, through it, the key's shared state), its downloads and its wire log, wired to its tasks
 * through one hook table (gt_task_hooks, task/task.h). The task's files tell the table what happens
 * and ask it what they must; they never name a feature. This file is the one place that knows
 * which feature hears which event, and in what order. */
#include "features.h"

#include <stdlib.h>
#include <string.h>

/* ---- the task's events, as each feature hears them -------------------------------------------- */

/* The record is told first, then the files start: the order the task kept before this table (a
 * download may end at once, a data: URL, and tell the record its files). */
static void task_ended(gt_task *t)
{
    /* the one place a task's end is counted: its outcome and duration (a task's cost belongs here too) */
    gt_task_metrics_ended(t);
    gt_task_journal(t, GT_RECORD_ENDED);
    gt_task_downloads_ended(t);
}

/* Files still to write hold a released task first; else a write of what happened still to make. */
static bool task_held(gt_task *t)
{
    return gt_task_downloads_hold(t) || gt_task_journal_hold(t);
}

static void task_retained(gt_task *t)
{
    gt_task_journal_keep(t);
    gt_task_downloads_keep(t);
}

/* The owner let go of a task that did not end: a key lookup's answer is dropped, and its record is
 * left for recover(). */
static void task_released(gt_task *t)
{
    gt_task_forget_lookup(t);
    gt_task_journal_forget(t);
}

static void task_freed(gt_task *t)
{
    gt_task_webhook_forget(t);
    gt_task_journal_free(t);
    gt_task_downloads_free(t);
}

/* The journal closed, nobody answers its lookups, nor a recover() it did not answer: both freed. */
static void client_freed(gt_client *c)
{
    gt_client_journal_close(c);
    gt_client_lookups_free(c);
    gt_client_recovery_free(c);
    gt_client_webhook_close(c);
    gt_client_metrics_free(c);
}

static const gt_task_hooks features = {
    .features_size = sizeof(gt_task_features),
    .submit_built = gt_task_webhook_request,
    .before_send = gt_task_journal_before_send,
    .wire_event = gt_client_log,
    .wire_watched = gt_client_logs,
    .request_ended = gt_task_metrics_request,
    .stage_changed = gt_task_journal,
    .ended = task_ended,
    .left_open = gt_task_journal_leave_open,
    .hold = task_held,
    .held_stopped = gt_task_journal_held,
    .retained = task_retained,
    .released = task_released,
    .poll_delay = gt_task_webhook_poll_delay,
    .freed = task_freed,
    .files_written = gt_task_journal_files,
    .scrub = gt_client_webhook_scrub,
    .client_closed = gt_client_journal_settle,
    .client_freed = client_freed,
};

/* ---- the client's creation ---------------------------------------------------------------------- */

/* Tasks with records, or waiting for one: while there are, the client's claim on them is kept. */
static bool has_tasks(void *client)
{
    const gt_client *c = client;
    return !gt_queue_empty(&c->journaled) || gt_client_journal_pending(c) > 0;
}

/* Why the client could not be made: the caller's mistake (usage), or the store's fault
 * (unavailable, with its code, and nothing to gain from trying the same again). */
static gt_error *creation_error(char *message, const char *fault)
{
    gt_error *err = gt_error_new(fault ? GT_UNAVAILABLE : GT_USAGE, GT_PHASE_SUBMIT, message);
    free(message);
    if (err && fault) {
        err->code = gt_strdup(fault);
        err->retryable = strcmp(fault, "journal") == 0; /* a file another process held: try again */
    }
    return err;
}

gt_client *gt_client_new(gt_engine *e, gt_profile *profile, const char *base_url, const char *api_key,
                         const gt_client_options *opts, gt_error **error)
{
    *error = NULL;
    const char *journal = NULL;
    gt_client *c = gt_client_make(e, profile, base_url, api_key, opts, &features, &journal);
    if (!c) return NULL;
    char *why = NULL;
    if (!gt_client_metrics_open(c)) {
        gt_client_release(c);
        return NULL;
    }
    /* a budget in money needs a currency to count it in */
    if (c->opts.max_cost > 0 && !c->profile->cost_currency) {
        *error = creation_error(gt_strdup("max_cost is set, but the provider's profile says nothing of cost (no "
                                          "cost.currency): its tasks' spend cannot be counted"),
                                NULL);
        gt_client_release(c);
        return NULL;
    }
    /* a JWT provider's secret, and the webhook scheme's: before the journal is opened */
    if (!gt_client_auth_open(c, &why) || !gt_client_webhook_open(c, &why)) {
        if (why) *error = creation_error(why, NULL);
        gt_client_release(c);
        return NULL;
    }
    if (!gt_client_journal_open(c, journal, &why)) {
        if (why) *error = creation_error(why, c->journal_fault);
        gt_client_release(c);
        return NULL;
    }
    /* the journal names the shared state: its file, or Redis, is where the key's other clients meet */
    c->shared = gt_shared_open(c->engine, c->journal, c->cap, c->opts.redis_timeout_ms, c->api_key, has_tasks,
                               gt_client_wake_queued, c);
    if (!c->shared) {
        gt_client_release(c);
        return NULL;
    }
    gt_client_webhook_watch(c);
    return c;
}

/* The client's numbers, with its journal's: records still to write, and how long its writes fail. */
void gt_client_stats_of(const gt_client *c, gt_client_stats *out)
{
    const gt_gate *tasks = &c->gates[GT_GATE_TASKS], *wire = &c->gates[GT_GATE_WIRE];
    int64_t left = gt_shared_paused_until(c->shared) - gt_now_ms();
    *out = (gt_client_stats){
        .in_flight = tasks->held,
        .queued = (int)tasks->queue.count,
        .accepted = c->accepted,
        .max_in_flight = c->cap_limit,
        .cap = tasks->max,
        .requests = wire->held,
        .requests_queued = (int)wire->queue.count,
        .paused_for = left > 0 ? left / 1000.0 : 0,
        .submits = c->submits_sent,
        .submitted = c->tasks_submitted,
        .submits_on_wire = c->submits_on_wire,
        .journal_pending = (int)gt_client_journal_pending(c),
        .journal_failing_for = c->journal_failing_since_ms ? (gt_now_ms() - c->journal_failing_since_ms) / 1000.0 : 0,
        .journal_error = c->journal_error,
        .refused = c->submits_refused,
        .spent = c->spent,
        .spent_estimated = c->spent_estimated,
        .currency = c->profile->cost_currency,
    };
}
