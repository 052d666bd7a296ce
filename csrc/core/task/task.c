/* task.c — one generation as a state machine: its states, its end, its time, its life.
 *
 *   queued ──► submitting ──► waiting ──► polling ──► waiting … ──► succeeded | failed | cancelled
 *     ▲            │
 *     └────────────┘ refused outright (429, 503, connection refused): back to the head of the line
 *
 * Polls and retries are engine timers, never sleeps. Once a submit may have been paid, only a
 * definitive answer ends the task (a result, the provider's failure, "no such task" after a
 * grace, a refused key, cancel(), or the deadline): a poll that fails transiently is tried again
 * with backoff for as long as the deadline allows (a poll costs nothing). A submit is sent again
 * only when the failure proves the provider did not take it, or when an idempotency key makes
 * the resend harmless: a resent submit can otherwise pay for the same image twice.
 *
 * The paths through it live above it, each calling only those below (task.c, task_poll.c,
 * task_submit.c, task_retry.c, task_request.c, task_new.c): task_poll.c (the poll's pace, attach,
 * the deadline's last poll), task_submit.c (the gates, the budget, the submit, a resubmit),
 * task_retry.c (a failed request tried again, or the end), task_request.c (a request on the wire
 * and its answer read, pushed answers), task_new.c (a task made: its timer's and gates' callbacks
 * name the paths). This file names none of them: it starts a request only by waiting at the wire
 * gate, whose slot's start the task was made with. */
#include "task.h"

#include <stdlib.h>
#include <string.h>

const char *gt_task_state_name(gt_task_state s)
{
    static const char *const names[] = {"queued",    "submitting", "waiting",   "polling",
                                        "succeeded", "failed",     "cancelled", "cancelling"};
    return names[s];
}

void gt_task_mark_changed(gt_task *t)
{
    gt_engine_notify(gt_task_engine(t), &t->changed_node);
}

gt_task *gt_task_next_changed(gt_engine *e)
{
    gt_qnode *n = gt_engine_next_notice(e);
    return n ? GT_CONTAINER(n, gt_task, changed_node) : NULL;
}

/* unknown beats no, and yes beats both: what the caller must assume about all attempts */
gt_submitted gt_submitted_worse(gt_submitted a, gt_submitted b)
{
    static const int rank[] = {
        [GT_SUBMITTED_NA] = 0, [GT_SUBMITTED_NO] = 1, [GT_SUBMITTED_UNKNOWN] = 2, [GT_SUBMITTED_YES] = 3};
    return rank[a] >= rank[b] ? a : b;
}

void gt_task_count_accepted(gt_task *t, bool accepted)
{
    if (t->accepted == accepted) return;
    t->accepted = accepted;
    t->client->accepted += accepted ? 1 : -1;
}

void gt_task_note_progress(gt_task *t, int progress)
{
    if (progress < 0 || progress == t->progress) return;
    t->progress = progress;
    gt_task_mark_changed(t);
}

/* The error gets the task's identity and its attempts, and the secret is scrubbed from every
 * string a provider could have echoed it into. */
static void stamp_error(gt_task *t, gt_error *err)
{
    for (gt_error *e = err; e; e = e->cause) {
        if (t->remote_id) { /* the id we track wins over whatever a response claimed */
            free(e->task_id);
            e->task_id = gt_strdup(t->remote_id);
        }
        if (!e->request_id) e->request_id = gt_strdup(t->request_id);
    }
    if (!err) return;
    err->attempts = t->attempts;
    if (err->phase == GT_PHASE_SUBMIT) /* every attempt counts, not just the last */
        err->submitted = gt_submitted_worse(gt_submitted_worse(err->submitted, GT_SUBMITTED_NO), t->submitted);
    if (t->idempotency_key && !err->idempotency_key) err->idempotency_key = gt_strdup(t->idempotency_key);
    for (gt_error *e = err; e; e = e->cause) {
        char **texts[] = {&e->message, &e->code, &e->body, &e->request_id, &e->task_id, &e->stage};
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
            gt_client_scrub(t->client, texts[i]);
            t->client->hooks->scrub(t->client, texts[i]);
        }
    }
    gt_error_free(t->error);
    t->error = err;
}

/* Every error leaves the task through here. */
void gt_task_finish(gt_task *t, gt_task_state state, gt_error *err)
{
    gt_task_stop_request(t);
    stamp_error(t, err);
    t->state = state;
    gt_task_mark_changed(t);
    gt_task_count_accepted(t, false);
    gt_task_count_cost(t);
    if (t->budgeted && t->attempts == 0 && !t->sent_before) { /* never sent: the budget gets its place back */
        t->budgeted = false;
        t->client->tasks_submitted--;
    }
    gt_client_leave(t->client, GT_GATE_TASKS, &t->slot);
    gt_client_leave_model(t->client, t->model_gate, &t->model_slot);
    t->client->hooks->ended(t);
}

void gt_task_fail(gt_task *t, gt_kind kind, gt_phase phase, const char *message)
{
    gt_task_finish(t, GT_TASK_FAILED, gt_error_new(kind, phase, message));
}

void gt_task_succeed(gt_task *t, gt_reply *reply)
{
    t->urls = reply->urls;
    t->n_urls = reply->n_urls;
    t->texts = reply->texts;
    t->n_texts = reply->n_texts;
    reply->urls = reply->texts = NULL;
    reply->n_urls = reply->n_texts = 0;
    gt_task_finish(t, GT_TASK_SUCCEEDED, NULL);
}

/* A failure that is tried again is kept: if the deadline comes first, it says why. */
void gt_task_keep_failure(gt_task *t, gt_error *err)
{
    gt_error_free(t->last_failure);
    t->last_failure = err;
}

/* Arms the task's timer for the next poll or submit attempt, or for its deadline if that comes
 * first (the timer then ends the task). */
bool gt_task_wait_then(gt_task *t, gt_task_state state, int64_t due)
{
    t->state = state;
    if (due > t->deadline_ms) due = t->deadline_ms;
    if (gt_engine_arm(gt_task_engine(t), &t->timer, due)) return true;
    gt_task_fail(t, GT_NETWORK, gt_task_phase(t), "out of memory");
    return false;
}

/* The request leaves the wire (aborted, or answered): the wire gate gets its place back, and a
 * submit cut short counts as one that may have arrived. */
void gt_task_stop_transfer(gt_task *t)
{
    gt_client_leave(t->client, GT_GATE_WIRE, &t->wire);
    if (!t->xfer) return;
    if (t->state == GT_TASK_SUBMITTING) {
        t->client->submits_on_wire--;
        t->submit_sent = gt_transfer_sent(t->xfer);
        t->submitted = gt_submitted_worse(t->submitted, t->submit_sent ? GT_SUBMITTED_UNKNOWN : GT_SUBMITTED_NO);
    }
    gt_engine_abort(gt_task_engine(t), t->xfer);
    t->xfer = NULL;
}

void gt_task_stop_request(gt_task *t)
{
    gt_task_stop_transfer(t);
    gt_engine_disarm(gt_task_engine(t), &t->timer);
}

/* A request waits at the client's wire gate (max_requests) before it is sent: a task between
 * polls holds no handle and no socket, and a burst of submits cannot open more connections than
 * the gate lets through. */
void gt_task_start_request(gt_task *t, gt_phase phase)
{
    /* while it waits for the wire and while it is on it, the deadline still ends the task */
    if (!gt_task_wait_then(t, t->state, t->deadline_ms)) return;
    t->wire_phase = phase;
    gt_client_wait(t->client, GT_GATE_WIRE, &t->wire);
}

/* deadline_exceeded, with what kept the task from ending sooner: its own last failure, or the
 * refusals it queued behind. */
gt_error *gt_task_deadline_error(gt_task *t, gt_phase phase, const char *why)
{
    gt_error *err = gt_error_new(GT_DEADLINE_EXCEEDED, phase, why);
    if (!err) return NULL;
    err->cause = t->last_failure;
    t->last_failure = NULL;
    int64_t until;
    if (!err->cause && !gt_client_may_submit(t->client, t->model, &until))
        err->cause = gt_error_copy(t->client->last_refusal);
    return err;
}

const gt_error *gt_task_held_by(const gt_task *t)
{
    if (gt_task_done(t)) return NULL;
    gt_phase phase = gt_task_phase(t);
    /* a submit's refusal no longer holds a task the provider took since */
    if (t->last_failure && t->last_failure->phase == phase) return t->last_failure;
    int64_t until;
    if (phase == GT_PHASE_SUBMIT && !gt_client_may_submit(t->client, t->model, &until)) return t->client->last_refusal;
    return NULL;
}

void gt_task_wait_for_journal(gt_task *t)
{
    gt_task_wait_then(t, GT_TASK_QUEUED, t->deadline_ms);
}

void gt_task_cancel_local(gt_task *t)
{
    if (gt_task_done(t)) return;
    /* finish stops the request first: whether a submit on the wire had gone out is known then */
    gt_phase phase = t->state == GT_TASK_CANCELLING ? t->cancelled_in : gt_task_phase(t);
    gt_task_finish(t, GT_TASK_CANCELLED, gt_error_new(GT_CANCELLED, phase, "cancelled by the caller"));
}

bool gt_task_retainable(const gt_task *t)
{
    /* let go of and held for its write, an unended task stopped working: nothing would poll it */
    return t->owners > 0 || !t->client->hooks->held_stopped(t) || gt_task_done(t);
}

bool gt_task_retain(gt_task *t)
{
    if (!gt_task_retainable(t)) return false;
    if (t->owners == 0) { /* let go of, kept for its write or its files: taken back as it is */
        t->client->hooks->retained(t);
    }
    t->owners++;
    return true;
}

static void free_task(gt_task *t)
{
    gt_error_free(t->error);
    gt_error_free(t->cancel_error);
    gt_error_free(t->deadline_error);
    gt_error_free(t->last_failure);
    free(t->submit_url);
    gt_wipe_free(t->submit_body); /* the key, for providers that take it in the body */
    free(t->poll_path);
    free(t->poll_url);
    free(t->result_url);
    free(t->remote_id);
    free(t->request_id);
    free(t->last_body);
    free(t->idempotency_key);
    free(t->model);
    free(t->path);
    free(t->params);
    free(t->caller_key);
    free(t->request_hash);
    if (t->opts != &t->client->opts) free((gt_client_options *)t->opts); /* a submit's own */
    for (size_t i = 0; i < t->n_urls; i++) free(t->urls[i]);
    free(t->urls);
    for (size_t i = 0; i < t->n_texts; i++) free(t->texts[i]);
    free(t->texts);
    gt_client_task_gone(t->client);
    gt_client_release(t->client);
    free(t);
}

void gt_task_release(gt_task *t)
{
    if (!t) return;
    if (t->owners > 1) { /* another owner holds it still */
        t->owners--;
        return;
    }
    /* 0 already: a feature whose hold ended goes on with the owner's release */
    t->owners = 0;
    const gt_task_hooks *hooks = t->client->hooks;
    if (hooks->hold(t)) return;
    /* the owner let go, the task did not end: its record is left for recover() */
    hooks->released(t);
    gt_task_cancel_local(t); /* never the provider's cancel: only the caller's cancel() sends it */
    hooks->freed(t);
    gt_engine_unnotify(gt_task_engine(t), &t->changed_node);
    free_task(t);
}

gt_task_state gt_task_state_of(const gt_task *t)
{
    return t->state;
}

gt_phase gt_task_phase(const gt_task *t)
{
    if (t->state == GT_TASK_CANCELLING) return GT_PHASE_CANCEL;
    return t->state == GT_TASK_QUEUED || t->state == GT_TASK_SUBMITTING ? GT_PHASE_SUBMIT : GT_PHASE_POLL;
}

bool gt_task_done(const gt_task *t)
{
    return t->state == GT_TASK_SUCCEEDED || t->state == GT_TASK_FAILED || t->state == GT_TASK_CANCELLED;
}

const char *gt_task_id(const gt_task *t)
{
    return t->remote_id;
}

const char *gt_task_request_id(const gt_task *t)
{
    return t->request_id;
}

const char *gt_task_provider(const gt_task *t)
{
    return t->client->profile->name;
}

int gt_task_progress(const gt_task *t)
{
    return t->progress;
}

const gt_error *gt_task_error(const gt_task *t)
{
    return t->error;
}

size_t gt_task_url_count(const gt_task *t)
{
    return t->n_urls;
}

const char *gt_task_url(const gt_task *t, size_t i)
{
    return i < t->n_urls ? t->urls[i] : NULL;
}

size_t gt_task_text_count(const gt_task *t)
{
    return t->n_texts;
}

const char *gt_task_text(const gt_task *t, size_t i)
{
    return i < t->n_texts ? t->texts[i] : NULL;
}

const char *gt_task_body(const gt_task *t, size_t *len)
{
    if (len) *len = t->last_body ? strlen(t->last_body) : 0;
    return t->last_body;
}
