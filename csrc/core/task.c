/* task.c — one generation as a state machine:
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
 * the resend harmless: a resent submit can otherwise pay for the same image twice. */
#include "domain.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *gt_task_state_name(gt_task_state s)
{
    static const char *const names[] = {"queued",    "submitting", "waiting",   "polling",
                                        "succeeded", "failed",     "cancelled", "cancelling"};
    return names[s];
}

static gt_engine *engine_of(const gt_task *t)
{
    return t->client->engine;
}

static void mark_changed(gt_task *t)
{
    gt_engine_notify(engine_of(t), &t->changed_node);
}

void gt_task_mark_changed(gt_task *t)
{
    mark_changed(t);
}

gt_task *gt_task_next_changed(gt_engine *e)
{
    gt_qnode *n = gt_engine_next_notice(e);
    return n ? GT_CONTAINER(n, gt_task, changed_node) : NULL;
}

size_t gt_task_live_count(const gt_engine *e)
{
    return e->live_tasks;
}

/* unknown beats no, and yes beats both: what the caller must assume about all attempts */
static gt_submitted worse(gt_submitted a, gt_submitted b)
{
    static const int rank[] = {
        [GT_SUBMITTED_NA] = 0, [GT_SUBMITTED_NO] = 1, [GT_SUBMITTED_UNKNOWN] = 2, [GT_SUBMITTED_YES] = 3};
    return rank[a] >= rank[b] ? a : b;
}

static void stop_transfer(gt_task *t)
{
    gt_client_leave(t->client, GT_GATE_WIRE, &t->wire);
    if (!t->xfer) return;
    if (t->state == GT_TASK_SUBMITTING) {
        t->client->submits_on_wire--;
        t->submit_sent = gt_transfer_sent(t->xfer);
        t->submitted = worse(t->submitted, t->submit_sent ? GT_SUBMITTED_UNKNOWN : GT_SUBMITTED_NO);
    }
    gt_engine_abort(engine_of(t), t->xfer);
    t->xfer = NULL;
}

static void count_accepted(gt_task *t, bool accepted)
{
    if (t->accepted == accepted) return;
    t->accepted = accepted;
    t->client->accepted += accepted ? 1 : -1;
}

/* Every error leaves the task through here: it gets the task's identity, and the secret is
 * scrubbed from every string a provider could have echoed it into. */
static void finish(gt_task *t, gt_task_state state, gt_error *err)
{
    stop_transfer(t);
    gt_engine_disarm(engine_of(t), &t->timer);
    for (gt_error *e = err; e; e = e->cause) {
        if (t->remote_id) { /* the id we track wins over whatever a response claimed */
            free(e->task_id);
            e->task_id = gt_strdup(t->remote_id);
        }
        if (!e->request_id) e->request_id = gt_strdup(t->request_id);
    }
    if (err) {
        err->attempts = t->attempts;
        if (err->phase == GT_PHASE_SUBMIT) /* every attempt counts, not just the last */
            err->submitted = worse(worse(err->submitted, GT_SUBMITTED_NO), t->submitted);
        if (t->idempotency_key && !err->idempotency_key) err->idempotency_key = gt_strdup(t->idempotency_key);
        for (gt_error *e = err; e; e = e->cause) {
            char **texts[] = {&e->message, &e->code, &e->body, &e->request_id, &e->task_id, &e->stage};
            for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
                gt_client_scrub(t->client, texts[i]);
                gt_client_webhook_scrub(t->client, texts[i]);
            }
        }
        gt_error_free(t->error);
        t->error = err;
    }
    t->state = state;
    mark_changed(t);
    count_accepted(t, false);
    if (t->budgeted && t->attempts == 0 && !t->sent_before) { /* never sent: the budget gets its place back */
        t->budgeted = false;
        t->client->tasks_submitted--;
    }
    gt_client_leave(t->client, GT_GATE_TASKS, &t->slot);
    gt_client_leave_model(t->client, t->model_gate, &t->model_slot);
    gt_task_journal(t, GT_RECORD_ENDED);
    gt_task_downloads_ended(t);
}

void gt_task_finish(gt_task *t, gt_task_state state, gt_error *err)
{
    finish(t, state, err);
}

void gt_task_stop_request(gt_task *t)
{
    stop_transfer(t);
    gt_engine_disarm(engine_of(t), &t->timer);
}

static void fail(gt_task *t, gt_kind kind, gt_phase phase, const char *message)
{
    finish(t, GT_TASK_FAILED, gt_error_new(kind, phase, message));
}

static const char *poll_template(const gt_task *t)
{
    return t->poll_path ? t->poll_path : t->client->profile->poll_path;
}

static char *poll_url(const gt_task *t)
{
    if (t->poll_url) return gt_strdup(t->poll_url);
    return gt_endpoint_poll_url(t->client, poll_template(t), t->remote_id);
}

/* A task the provider took (and may charge for) that has nowhere to be polled: its poll URL was
 * refused by the trust rule (refused: that URL) or none came, and the profile builds none. */
static gt_error *no_poll_url(const gt_task *t, gt_phase phase, const char *refused)
{
    char *host = refused ? gt_poll_url_host(t->client->base_url, refused) : NULL;
    char *message =
        refused ? gt_printf("the submit was accepted (it may be charged), but its poll URL on host '%s' is neither the "
                            "base URL's origin nor a documented poll host of %s: it was not followed, since the key "
                            "would go there; attach the task id elsewhere to poll it",
                            host ? host : "?", t->client->profile->name)
                : gt_printf("the submit was accepted (it may be charged), but the answer gave no poll URL and the %s "
                            "profile builds none",
                            t->client->profile->name);
    gt_error *err = gt_error_new(GT_PROTOCOL, phase, message ? message : "no poll URL");
    if (err) err->submitted = GT_SUBMITTED_YES;
    free(host);
    free(message);
    return err;
}

static void transfer_done(void *task, const gt_transfer_result *result);

/* The request goes on the wire: the client's wire gate has let it in. */
static void send_request(gt_task *t, gt_phase phase)
{
    const gt_client *c = t->client;
    const gt_profile *p = c->profile;
    bool submit = phase == GT_PHASE_SUBMIT;
    char *url = submit ? t->submit_url : poll_url(t);
    char *poll_body = submit ? NULL : gt_endpoint_poll_body(c);
    /* no request outlives the task: its time is clipped to what is left */
    long left = (long)(t->deadline_ms - gt_now_ms());
    if (left < 1) left = 1;
    t->deadline_clipped = t->opts.request_timeout_ms >= left;
    gt_request req = {
        .method = submit ? "POST" : p->poll_method,
        .url = url,
        .body = submit ? t->submit_body : poll_body,
        .auth_header = p->auth_header,
        .auth_value = c->auth_value,
        .timeout_ms = t->opts.request_timeout_ms < left ? t->opts.request_timeout_ms : left,
        .connect_timeout_ms = t->opts.connect_timeout_ms < left ? t->opts.connect_timeout_ms : left,
        .body_limit = t->opts.max_body_bytes,
        .request_id_headers = (const char *const *)p->request_id_headers.items,
        .n_request_id_headers = p->request_id_headers.n,
        /* libcurl silently resends a request whose reused connection died before any answer:
         * harmless for a poll, a second paid generation for a submit */
        .at_most_once = submit,
        .may_multiplex = !submit,
        .ca_file = c->ca_file, /* client options: never a submit's own */
        .proxy = c->proxy,
    };
    t->xfer = url ? gt_engine_send(engine_of(t), &req, transfer_done, t) : NULL;
    if (t->xfer) {
        if (submit) t->attempts++;
        else t->polls++;
        gt_log_event ev = {.kind = GT_LOG_REQUEST,
                           .phase = phase,
                           .method = req.method,
                           .task_id = t->remote_id,
                           .attempt = submit ? t->attempts : t->polls};
        gt_client_log(c, &ev, url);
    }
    if (url != t->submit_url) free(url);
    gt_wipe_free(poll_body); /* curl copied it (CURLOPT_COPYPOSTFIELDS); it may hold the key */
    if (!t->xfer) {
        fail(t, GT_NETWORK, phase, "could not start the HTTP request (out of memory or a bad URL)");
        return;
    }
    if (submit) {
        t->client->submits_sent++;
        t->client->submits_on_wire++;
    }
    t->sent_ms = gt_now_ms();
    t->state = submit ? GT_TASK_SUBMITTING : GT_TASK_POLLING;
}

/* A submit past both gates goes out once the journal holds it as "sending" (its write is batched
 * with the round's others: the journal sends it then). */
static void wire_granted(void *task)
{
    gt_task *t = task;
    if (t->wire_phase == GT_PHASE_SUBMIT && gt_task_journal_before_send(t)) return;
    send_request(t, t->wire_phase);
}

void gt_task_send_submit(gt_task *t)
{
    send_request(t, GT_PHASE_SUBMIT);
}

/* A request waits at the client's wire gate (max_requests) before it is sent: a task between
 * polls holds no handle and no socket, and a burst of submits cannot open more connections than
 * the gate lets through. */
/* Arms the task's timer for the next poll or submit attempt, or for its deadline if that comes
 * first (the timer then ends the task). */
static bool wait_then(gt_task *t, gt_task_state state, int64_t due)
{
    t->state = state;
    if (due > t->deadline_ms) due = t->deadline_ms;
    if (gt_engine_arm(engine_of(t), &t->timer, due)) return true;
    fail(t, GT_NETWORK, gt_task_phase(t), "out of memory");
    return false;
}

static void start_request(gt_task *t, gt_phase phase)
{
    /* while it waits for the wire and while it is on it, the deadline still ends the task */
    if (!wait_then(t, t->state, t->deadline_ms)) return;
    t->wire_phase = phase;
    gt_client_wait(t->client, GT_GATE_WIRE, &t->wire);
}

/* deadline_exceeded, with what kept the task from ending sooner: its own last failure, or the
 * refusals it queued behind. */
static gt_error *deadline_error(gt_task *t, gt_phase phase, const char *why)
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

/* How long the last poll at a paid task's deadline may take (at most its request timeout). */
#define FINAL_POLL_MS 10000

/* The deadline came for a task the provider took: one more poll, on a fresh request, before the
 * wait ends. A process that was stopped past its deadline (a laptop lid, Ctrl-Z, a host that
 * blocked) wakes to every timer at once: what finished meanwhile is delivered, not failed unasked. */
static void poll_a_last_time(gt_task *t)
{
    t->final_poll = true;
    stop_transfer(t); /* a poll cut by the deadline, or one that a stall left stale */
    long budget = t->opts.request_timeout_ms < FINAL_POLL_MS ? t->opts.request_timeout_ms : FINAL_POLL_MS;
    t->deadline_ms = gt_now_ms() + budget;
    t->state = GT_TASK_WAITING;
    start_request(t, GT_PHASE_POLL);
}

/* The task's time is up. A task never sent ends deadline_exceeded, unsent. A paid one is polled a
 * last time; if it is still running, the caller's wait ends (deadline_exceeded, submitted "yes",
 * its id) and the task does not: its journal record is left open and let go, so that recover(),
 * attach(id) or a keyed re-run polls it again. */
static void end_at_deadline(gt_task *t)
{
    bool paid = t->remote_id && gt_task_phase(t) == GT_PHASE_POLL;
    if (paid && !t->final_poll) {
        poll_a_last_time(t);
        return;
    }
    const char *why = !paid ? (t->state == GT_TASK_QUEUED && t->attempts == 0
                                   ? "the task waited for its turn past its task_timeout; it was never submitted"
                                   : "the task did not finish within its task_timeout")
                            : "the task did not finish within its task_timeout; the provider accepted it (it may be "
                              "charged) and may still finish it: recover(), attach(id) or the same key polls it again";
    gt_error *err = deadline_error(t, gt_task_phase(t), why);
    if (paid) {
        if (err) err->submitted = GT_SUBMITTED_YES;
        gt_task_journal_leave_open(t); /* the record stays accepted, for whoever polls it next */
    }
    finish(t, GT_TASK_FAILED, err);
}

static bool past_deadline(gt_task *t)
{
    if (gt_now_ms() < t->deadline_ms) return false;
    end_at_deadline(t);
    return true;
}

/* Another poll later; after the last poll at the deadline, none: the wait ends there. */
static void schedule_poll(gt_task *t, long delay_ms)
{
    if (t->final_poll) end_at_deadline(t);
    else wait_then(t, GT_TASK_WAITING, gt_now_ms() + delay_ms);
}

/* How long before its deadline a task whose next poll would come too late takes a last look. */
#define LAST_LOOK_MS 1000

/* The wait before the next regular poll, moved once so that a paid task is polled before its
 * deadline rather than given up unasked (a first poll at a long eta, a slow poll pace): a result
 * ready meanwhile is not lost for want of a look. Not after a Retry-After, which is the
 * provider's to set. */
static long before_deadline(gt_task *t, long delay_ms)
{
    int64_t now = gt_now_ms(), left = t->deadline_ms - now;
    if (t->last_look || now + delay_ms < t->deadline_ms || left <= 0) return delay_ms;
    t->last_look = true;
    int64_t margin = left / 2 < LAST_LOOK_MS ? left / 2 : LAST_LOOK_MS;
    return (long)(left - margin);
}

/* A submit goes out unless the client is holding its submits after a 429. */
/* A task not yet submitted, or whose resend waits, when the client is closed. */
static void end_closed(gt_task *t)
{
    finish(t, GT_TASK_CANCELLED,
           gt_error_new(GT_CANCELLED, GT_PHASE_SUBMIT, "the client was closed before this task was submitted"));
}

/* How often a submit that waits for the journal's count of what was sent asks again. */
#define BUDGET_RECHECK_MS 20

/* max_submits: a task takes its place in the budget before its first submit, or fails unsent.
 * While the journal has not said how many submits it holds as sent, the task waits (false, its
 * timer armed). */
static bool within_budget(gt_task *t)
{
    gt_client *c = t->client;
    if (t->budgeted || c->opts.max_submits <= 0) return true;
    if (c->sent_unknown) {
        wait_then(t, GT_TASK_SUBMITTING, gt_now_ms() + BUDGET_RECHECK_MS);
        return false;
    }
    if (c->tasks_submitted >= c->opts.max_submits) {
        fail(t, GT_BUDGET_EXCEEDED, GT_PHASE_SUBMIT, "the client's max_submits is spent: this task was not sent");
        return false;
    }
    t->budgeted = true;
    c->tasks_submitted++;
    return true;
}

/* What a task needs of its time to be worth submitting: min_submit_time, or the provider's eta
 * for its model if longer — never more than half its task_timeout, so that a long eta does not
 * keep every fresh task from going out. */
static long time_needed_ms(const gt_task *t)
{
    long needed = t->opts.min_submit_time_ms, eta = gt_client_eta_ms(t->client, t->model);
    if (eta > needed) needed = eta;
    return needed < t->opts.task_timeout_ms / 2 ? needed : t->opts.task_timeout_ms / 2;
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
    finish(t, GT_TASK_FAILED, deadline_error(t, GT_PHASE_SUBMIT, why ? why : "too little time left to submit"));
    free(why);
    return true;
}

static void submit_attempt(gt_task *t)
{
    int64_t until;
    if (past_deadline(t) || too_late_to_submit(t)) return;
    if (t->client->closed) {
        end_closed(t);
        return;
    }
    if (!within_budget(t)) return;
    if (gt_client_may_submit(t->client, t->model, &until)) start_request(t, GT_PHASE_SUBMIT);
    else wait_then(t, GT_TASK_SUBMITTING, until);
}

/* A failure that is tried again is kept: if the deadline comes first, it says why. */
static void keep_failure(gt_task *t, gt_error *err)
{
    gt_error_free(t->last_failure);
    t->last_failure = err;
}

void gt_task_keep_failure(gt_task *t, gt_error *err)
{
    keep_failure(t, err);
}

/* Refused in a way that proves the provider took nothing: the task gives its place back and
 * waits at the head of the line (outside max_retries) while the client pauses its submits. */
static void requeue(gt_task *t)
{
    gt_client_leave(t->client, GT_GATE_TASKS, &t->slot);
    mark_changed(t);
    gt_task_journal(t, GT_RECORD_QUEUED); /* it provably was not taken: safe to submit after a crash */
    if (wait_then(t, GT_TASK_QUEUED, t->deadline_ms)) gt_client_wait_front(t->client, GT_GATE_TASKS, &t->slot);
}

/* The client gave this task a slot. */
static void slot_granted(void *task)
{
    submit_attempt(task);
}

/* Its model's gate let it in: now it waits for one of the client's places. */
static void model_granted(void *task)
{
    gt_task *t = task;
    gt_client_wait(t->client, GT_GATE_TASKS, &t->slot);
}

/* An attached task is already at the provider: it takes its place at once (the provider holds
 * it whatever our cap says) and polls. */
static void attach_granted(void *task)
{
    start_request(task, GT_PHASE_POLL);
}

static void timer_due(void *task);

gt_task *gt_task_new(gt_client *c, const char *poll_path, const gt_client_options *opts)
{
    gt_task *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    gt_timer_init(&t->timer, timer_due, t);
    t->slot = (gt_slot){.start = slot_granted, .ctx = t};
    t->wire = (gt_slot){.start = wire_granted, .ctx = t};
    t->model_slot = (gt_slot){.start = model_granted, .ctx = t};
    t->client = c;
    t->owners = 1;
    gt_client_retain(c);
    c->engine->live_tasks++;
    t->opts = opts ? *opts : c->opts;
    t->poll_path = gt_strdup(poll_path);
    t->state = GT_TASK_QUEUED;
    t->submitted_ms = t->accepted_ms = gt_now_ms();
    t->deadline_ms = t->submitted_ms + t->opts.task_timeout_ms;
    t->poll_delay_ms = t->opts.poll_interval_ms;
    return t;
}

bool gt_task_set_submit(gt_task *t, const char *path, const char *body, const char *resend_key)
{
    gt_client *c = t->client;
    t->submit_url = gt_printf("%s%s", c->base_url, path ? path : "");
    char *keyed = resend_key ? gt_endpoint_with_idempotency_key(c, body, resend_key) : NULL;
    t->submit_body = gt_endpoint_submit_body(c, keyed ? keyed : body, false, &t->idempotency_key);
    free(keyed);
    if (t->submit_body) gt_task_webhook_request(t, &t->submit_body);
    /* a profile without a poll path lives on the poll URLs its provider hands back */
    if (!c->profile->poll_path && !t->poll_path && c->profile->fields[GT_FIELD_POLL_URL].n == 0)
        fail(t, GT_USAGE, GT_PHASE_SUBMIT, "the provider profile has no poll path and reads no poll URL");
    else if (!t->submit_body) fail(t, GT_USAGE, GT_PHASE_SUBMIT, "the request body must be a JSON object");
    return !gt_task_done(t);
}

void gt_task_start_submit(gt_task *t)
{
    if (!wait_then(t, GT_TASK_QUEUED, t->deadline_ms)) return;
    /* a model the provider caps lower: one of its places first (held until the task ends) */
    t->model_gate = gt_client_model_gate(t->client, t->model);
    if (t->model_gate) gt_client_wait_model(t->client, t->model_gate, &t->model_slot);
    else gt_client_wait(t->client, GT_GATE_TASKS, &t->slot);
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

void gt_task_attach(gt_task *t, const char *id, const char *poll_url)
{
    gt_client *c = t->client;
    t->attached = true;
    t->submitted = GT_SUBMITTED_YES;
    t->remote_id = gt_strdup(id);
    if (poll_url) t->poll_url = gt_endpoint_trusted_url(c, poll_url);
    if (!id || !*id) fail(t, GT_USAGE, GT_PHASE_POLL, "attach needs the provider's task id");
    else if (poll_url && !t->poll_url)
        fail(t, GT_USAGE, GT_PHASE_POLL, "the poll URL is not on the provider's own host: the key would go elsewhere");
    else if (!c->profile->poll_path && !t->poll_path && !t->poll_url)
        fail(t, GT_USAGE, GT_PHASE_POLL, "the provider profile has no poll path");
    else {
        t->state = GT_TASK_WAITING;
        count_accepted(t, true);
        t->slot.start = attach_granted;
        gt_client_take(c, GT_GATE_TASKS, &t->slot);
    }
}

gt_task *gt_client_attach(gt_client *c, const char *id, const char *poll_url, const char *poll_path,
                          const gt_client_options *opts)
{
    gt_task *t = gt_task_new(c, poll_path, opts);
    if (t) gt_task_attach(t, id, poll_url);
    return t;
}

void gt_task_wait_for_journal(gt_task *t)
{
    wait_then(t, GT_TASK_QUEUED, t->deadline_ms);
}

static gt_error *transport_error(const gt_transfer_result *r, gt_phase phase)
{
    gt_kind kind = GT_NETWORK;
    char *message;
    if (r->curl_code == CURLE_WRITE_ERROR && r->body_overflow) {
        kind = GT_PROTOCOL;
        message = gt_printf("the response body exceeds the %zu-byte limit", r->body_limit);
    } else if (r->resend_refused) {
        message = gt_strdup("the connection failed after the submit went out; it was not sent again, which could "
                            "pay for it twice");
    } else if (r->curl_code == CURLE_PARTIAL_FILE && r->response.status > 0) {
        /* a body cut short; without a status no answer began: an HTTP/2 connection that closed
         * under its streams (curl 7.88 reports that as a partial file too) is a network failure */
        kind = GT_PROTOCOL;
        message = gt_printf("the response body was truncated: %s", r->curl_message);
    } else {
        message = gt_strdup(r->curl_message);
    }
    gt_error *err = gt_error_new(kind, phase, message);
    free(message);
    if (!err) return NULL;
    err->status = r->response.status;
    err->request_id = gt_strdup(r->response.request_id); /* the headers may have come before the failure */
    err->code = gt_printf("curl:%d", (int)r->curl_code);
    /* a certificate that does not verify will not verify on the next attempt either */
    if (r->curl_code == CURLE_PEER_FAILED_VERIFICATION || r->curl_code == CURLE_SSL_CACERT_BADFILE)
        err->retryable = false;
    return err;
}

/* Did the provider get this submit? Only a failure that proves it did not makes a resubmit safe. */
static gt_submitted submit_outcome(const gt_task *t, CURLcode result, const gt_error *err)
{
    if (result != CURLE_OK) {
        if (result == CURLE_COULDNT_RESOLVE_HOST || result == CURLE_COULDNT_CONNECT ||
            result == CURLE_COULDNT_RESOLVE_PROXY || !t->submit_sent)
            return GT_SUBMITTED_NO;
        return GT_SUBMITTED_UNKNOWN;
    }
    long status = err->status;
    if ((status >= 400 && status < 500) || status == 503) return GT_SUBMITTED_NO;
    return GT_SUBMITTED_UNKNOWN;
}

/* The wait before the next try: the provider's word where it gave one (up to the time left: the
 * deadline bounds every wait), else backoff. */
static long retry_delay(gt_task *t, const gt_error *err)
{
    if (t->retries < 64) t->retries++;
    if (err->retry_after >= 0) return gt_seconds_to_ms(err->retry_after);
    return gt_backoff_ms(&t->opts, t->retries);
}

/* Whether to try the failed request again, and after how long. */
/* A failed poll that is a definitive answer about a task that may be paid for: the key refused,
 * the task unknown (after the grace period), or the provider's own verdict on the generation.
 * Anything else — a network error, a 5xx, a 429, a garbled answer, and a 400/402/409/422, which
 * say something about the poll request, not about the task — is no answer. */
static bool poll_failure_is_final(gt_kind kind)
{
    switch (kind) {
    case GT_AUTHENTICATION:
    case GT_PERMISSION_DENIED:
    case GT_NOT_FOUND:
    case GT_MODERATED:
    case GT_INPUT_UNREACHABLE:
    case GT_GENERATION_FAILED:
    case GT_CANCELLED: return true;
    default: return false;
    }
}

static bool try_again(gt_task *t, gt_phase phase, const gt_error *err, long *delay_ms)
{
    if (phase == GT_PHASE_POLL) { /* only the deadline gives up on what is no answer */
        if (poll_failure_is_final(err->kind)) return false;
        *delay_ms = retry_delay(t, err);
        return true;
    }
    if (!err->retryable || t->retries >= t->opts.max_retries) return false;
    /* the submission rule: resend only what provably did not arrive, or what a key protects */
    if (phase == GT_PHASE_SUBMIT && err->submitted != GT_SUBMITTED_NO && !t->client->profile->idempotency_field)
        return false;
    *delay_ms = retry_delay(t, err);
    return true;
}

/* A submit refused in a way that proves the provider took nothing and that is worth waiting
 * out: a 429, a 503, or a connection that failed before the request went out. A name that does
 * not resolve is left to max_retries: it is more often a typo than an outage. */
static bool refused_outright(CURLcode result, const gt_error *err)
{
    if (err->submitted != GT_SUBMITTED_NO || !err->retryable) return false;
    if (result != CURLE_OK) return result != CURLE_COULDNT_RESOLVE_HOST && result != CURLE_COULDNT_RESOLVE_PROXY;
    return err->kind == GT_RATE_LIMITED || err->status == 429 || err->status == 503;
}

static void request_failed(gt_task *t, gt_phase phase, CURLcode result, gt_error *err)
{
    if (!err) {
        fail(t, GT_NETWORK, phase, "out of memory");
        return;
    }
    if (phase == GT_PHASE_SUBMIT) {
        err->submitted = submit_outcome(t, result, err);
        t->submitted = worse(t->submitted, err->submitted);
    }
    /* a request whose timeout was the task's time left ran into the deadline, not a slow network */
    if (result == CURLE_OPERATION_TIMEDOUT && t->deadline_clipped) {
        if (t->last_failure) gt_error_free(err); /* what came before says more than the cut-off */
        else keep_failure(t, err);
        end_at_deadline(t);
        return;
    }
    if (phase == GT_PHASE_SUBMIT) {
        if (refused_outright(result, err)) { /* every submit of the client waits its turn */
            gt_client_refused(t->client, err, t->sent_ms, t->model);
            keep_failure(t, err);
            requeue(t);
            return;
        }
    }
    long delay_ms = 0;
    bool again = try_again(t, phase, err, &delay_ms);
    if (!again) {
        finish(t, GT_TASK_FAILED, err);
        return;
    }
    keep_failure(t, err);
    if (phase == GT_PHASE_POLL) schedule_poll(t, delay_ms);
    else wait_then(t, GT_TASK_SUBMITTING, gt_now_ms() + delay_ms);
}

/* An opted-in resubmit after the provider failed the task: a new generation, so a fresh
 * idempotency key, and everything the old attempt learnt is forgotten. */
static bool resubmit(gt_task *t, const gt_error *err)
{
    if (!(t->opts.resubmit_kinds & (1u << err->kind)) || t->resubmits >= t->opts.resubmit_max) return false;
    char *key = NULL;
    char *body = gt_endpoint_submit_body(t->client, t->submit_body, true, &key);
    if (!body) return false;
    gt_wipe_free(t->submit_body);
    t->submit_body = body;
    free(t->idempotency_key);
    t->idempotency_key = key;
    count_accepted(t, false);
    free(t->remote_id);
    free(t->poll_url);
    t->remote_id = t->poll_url = NULL;
    t->resubmits++;
    t->submit_sent = false;
    t->retries = 0;
    t->progress = 0;
    t->poll_delay_ms = t->opts.poll_interval_ms;
    t->submitted_ms = gt_now_ms();
    mark_changed(t);
    submit_attempt(t);
    return true;
}

/* A provider's eta (seconds) in ms, bounded. */
static long eta_ms(double eta)
{
    return eta * 1000 < 1e9 ? (long)ceil(eta * 1000) : 1000000000L;
}

/* The first poll goes out at the provider's eta where it gave one, however short (a 300 ms task
 * is not made to wait a poll_interval) or long (ModelsLab's 146 s is waited out, not polled every
 * few seconds); the deadline still bounds it. Later polls wait longer each time, from
 * poll_interval up to poll_max_interval. */
static long poll_delay(gt_task *t, gt_phase phase, double eta)
{
    if (phase == GT_PHASE_SUBMIT && eta >= 0) return eta_ms(eta);
    long delay = t->poll_delay_ms;
    if (delay < t->opts.poll_interval_ms) delay = t->opts.poll_interval_ms;
    if (delay > t->opts.poll_max_interval_ms) delay = t->opts.poll_max_interval_ms;
    long grown = delay + delay / 2;
    t->poll_delay_ms = grown < t->opts.poll_max_interval_ms ? grown : t->opts.poll_max_interval_ms;
    return delay;
}

/* A task that asked for a webhook is told its end by the provider: its polls are only the
 * fallback for a delivery that never comes, webhook_poll_factor times slower. */
static long next_poll_delay(gt_task *t, gt_phase phase, double eta)
{
    long delay = poll_delay(t, phase, eta);
    if (!t->webhook || t->opts.webhook_poll_factor <= 1) return delay;
    return delay < 1000000000L / t->opts.webhook_poll_factor ? delay * t->opts.webhook_poll_factor : 1000000000L;
}

static void take_urls(gt_task *t, gt_reply *reply)
{
    t->urls = reply->urls;
    t->n_urls = reply->n_urls;
    t->texts = reply->texts;
    t->n_texts = reply->n_texts;
    reply->urls = reply->texts = NULL;
    reply->n_urls = reply->n_texts = 0;
}

/* The answer's debug event, once the task knows the id a submit's answer gave it. */
static void log_response(const gt_task *t, gt_phase phase, const gt_transfer_result *result)
{
    if (!t->client->log_fn) return;
    bool submit = phase == GT_PHASE_SUBMIT;
    gt_log_event ev = {
        .kind = GT_LOG_RESPONSE,
        .phase = phase,
        .method = submit ? "POST" : t->client->profile->poll_method,
        .task_id = t->remote_id,
        .attempt = submit ? t->attempts : t->polls,
        .status = result->response.status,
        .seconds = (double)(gt_now_ms() - t->sent_ms) / 1000.0,
        .failure = result->curl_code != CURLE_OK ? result->curl_message : NULL,
    };
    char *url = submit ? NULL : poll_url(t);
    gt_client_log(t->client, &ev, submit ? t->submit_url : url);
    free(url);
}

/* The engine hands back what the task's request got; the transfer itself is gone after this. */
static void transfer_done(void *task, const gt_transfer_result *result)
{
    gt_task *t = task;
    gt_phase phase = gt_task_phase(t);
    t->xfer = NULL;
    if (phase == GT_PHASE_SUBMIT) t->client->submits_on_wire--;
    gt_client_leave(t->client, GT_GATE_WIRE, &t->wire);
    /* a resend curl was refused had a first send before it, which may have arrived */
    if (phase == GT_PHASE_SUBMIT) t->submit_sent = result->sent || result->resend_refused;

    if (result->curl_code != CURLE_OK) {
        log_response(t, phase, result);
        request_failed(t, phase, result->curl_code, transport_error(result, phase));
        return;
    }

    gt_response res = result->response;
    /* Scrub a provider's echo of the key before anything is read out of the answer, so that no
     * excerpt, id or raw body can carry part of it. */
    char *scrubbed = NULL;
    if (gt_client_mentions_key(t->client, res.body)) {
        scrubbed = gt_strndup(res.body, res.body_len); /* wiped by gt_client_scrub as it is replaced */
        gt_client_scrub(t->client, &scrubbed);
        res.body = scrubbed ? scrubbed : "";
        res.body_len = strlen(res.body);
    }
    gt_reply reply;
    gt_classify(t->client->profile, phase, &res, &reply);
    if (res.request_id) {
        free(t->request_id);
        t->request_id = gt_strdup(res.request_id);
        gt_client_scrub(t->client, &t->request_id);
    }
    if (reply.task_id && !t->remote_id) {
        t->remote_id = reply.task_id;
        reply.task_id = NULL;
    }
    log_response(t, phase, result);
    if (phase == GT_PHASE_SUBMIT && t->remote_id && !t->accepted) { /* taken (and paid) */
        if (reply.eta >= 0) gt_client_learn_eta(t->client, t->model, eta_ms(reply.eta));
        t->submitted = GT_SUBMITTED_YES;
        t->accepted_ms = gt_now_ms();
        count_accepted(t, true);
        gt_client_accepted(t->client);
        gt_task_journal(t, GT_RECORD_ACCEPTED); /* written with the poll URL read just below */
    }
    bool poll_url_refused = false;
    if (reply.poll_url && !t->poll_url) {
        t->poll_url = gt_endpoint_trusted_url(t->client, reply.poll_url);
        poll_url_refused = !t->poll_url;
    }
    /* "No such task" right after a submit is the provider's replicas catching up, not an answer
     * (BFL says "Task not found" under HTTP 404 as well as 200): polls go on for a grace period */
    bool unknown_task = phase == GT_PHASE_POLL && reply.error && reply.error->kind == GT_NOT_FOUND;
    long grace_ms = reply.grace_ms > 0 ? reply.grace_ms : unknown_task ? GT_NOT_FOUND_GRACE_MS : 0;
    gt_error *graced = NULL; /* kept: a deadline inside the grace says what was seen */
    if (grace_ms > 0 && gt_now_ms() - t->accepted_ms < grace_ms) {
        graced = reply.error;
        reply.error = NULL;
        reply.state = GT_REMOTE_PENDING;
    }
    if (reply.state == GT_REMOTE_SUCCEEDED || reply.state == GT_REMOTE_FAILED || reply.state == GT_REMOTE_CANCELLED) {
        free(t->last_body); /* the final answer, for the caller's raw view of the result */
        t->last_body = gt_strndup(res.body, res.body_len);
        gt_client_webhook_scrub(t->client, &t->last_body);
    }

    if (reply.progress >= 0 && reply.progress != t->progress) {
        t->progress = reply.progress;
        mark_changed(t);
    }
    if (reply.error) {
        gt_error *err = reply.error;
        reply.error = NULL;
        bool ended_at_provider = reply.state == GT_REMOTE_FAILED || reply.state == GT_REMOTE_CANCELLED;
        /* a provider that ended the task at once took it if it gave it an id (ModelsLab's
         * "status: error" under HTTP 200 has none: a refusal) */
        if (ended_at_provider && phase == GT_PHASE_SUBMIT)
            err->submitted = t->remote_id ? GT_SUBMITTED_YES : GT_SUBMITTED_NO;
        /* a failure whose code says "cancelled" (EvoLink's request_cancelled) ends cancelled too */
        if (ended_at_provider && resubmit(t, err)) gt_error_free(err);
        else if (ended_at_provider) finish(t, err->kind == GT_CANCELLED ? GT_TASK_CANCELLED : GT_TASK_FAILED, err);
        else request_failed(t, phase, CURLE_OK, err);
    } else if (reply.state == GT_REMOTE_SUCCEEDED) {
        take_urls(t, &reply);
        finish(t, GT_TASK_SUCCEEDED, NULL);
    } else {
        /* pending, running, or a state this profile does not know: an answer that reads as JSON
         * with a state string is a task still going (a provider that adds "queued" must not cost
         * a paid task); the task deadline bounds a state that never ends */
        t->retries = 0;
        keep_failure(t, graced); /* an answer: what failed before is history */
        graced = NULL;
        if (phase == GT_PHASE_SUBMIT) mark_changed(t); /* submitting → waiting is visible */
        if (!t->poll_url && !poll_template(t))         /* nowhere the docs allow */
            finish(t, GT_TASK_FAILED, no_poll_url(t, phase, poll_url_refused ? reply.poll_url : NULL));
        else schedule_poll(t, before_deadline(t, next_poll_delay(t, phase, reply.eta)));
    }
    gt_error_free(graced);
    gt_reply_clear(&reply);
    free(scrubbed);
}

/* The next poll or submit attempt is due, or the task's deadline. */
static void timer_due(void *task)
{
    gt_task *t = task;
    if (past_deadline(t)) return;
    bool on_its_way = t->xfer || t->wire.held || gt_queue_linked(&t->wire.node);
    if (on_its_way || t->state == GT_TASK_QUEUED) wait_then(t, t->state, t->deadline_ms);
    else if (t->state == GT_TASK_SUBMITTING) submit_attempt(t);
    else if (t->state == GT_TASK_WAITING) start_request(t, GT_PHASE_POLL);
}

void gt_client_close(gt_client *c)
{
    c->closed = true;
    gt_qnode *n;
    for (size_t i = 0; c->model_gates && i < c->profile->n_model_caps; i++)
        while ((n = gt_queue_pop(&c->model_gates[i].queue))) end_closed(GT_CONTAINER(n, gt_task, model_slot.node));
    while ((n = gt_queue_pop(&c->gates[GT_GATE_TASKS].queue))) end_closed(GT_CONTAINER(n, gt_task, slot.node));
    gt_client_journal_settle(c); /* what is written now; each round written from here on, too */
}

bool gt_client_closed(const gt_client *c)
{
    return c->closed;
}

/* A final answer pushed by the provider ends the task as a poll's would; a poll on the wire is
 * let go (its answer would say the same). */
void gt_task_take_pushed(gt_task *t, gt_reply *reply, const char *body, size_t len)
{
    if (gt_task_done(t) || gt_task_phase(t) != GT_PHASE_POLL) return;
    if (reply->progress >= 0 && reply->progress != t->progress) {
        t->progress = reply->progress;
        mark_changed(t);
    }
    bool ended = reply->state == GT_REMOTE_SUCCEEDED || reply->state == GT_REMOTE_FAILED ||
                 reply->state == GT_REMOTE_CANCELLED;
    if (!ended) return;
    gt_task_stop_request(t);
    free(t->last_body);
    t->last_body = gt_strndup(body, len);
    gt_error *err = reply->error;
    reply->error = NULL;
    if (!err && reply->state == GT_REMOTE_SUCCEEDED) {
        take_urls(t, reply);
        finish(t, GT_TASK_SUCCEEDED, NULL);
    } else if (!err) {
        fail(t, GT_PROTOCOL, GT_PHASE_POLL, "the webhook reported a failure without saying what it was");
    } else if (resubmit(t, err)) {
        gt_error_free(err);
    } else {
        finish(t, err->kind == GT_CANCELLED ? GT_TASK_CANCELLED : GT_TASK_FAILED, err);
    }
}

void gt_task_poll_now(gt_task *t)
{
    if (t->state != GT_TASK_WAITING || t->xfer || t->wire.held || gt_queue_linked(&t->wire.node)) return;
    gt_engine_disarm(engine_of(t), &t->timer);
    start_request(t, GT_PHASE_POLL);
}

void gt_task_cancel_local(gt_task *t)
{
    if (gt_task_done(t)) return;
    /* finish stops the request first: whether a submit on the wire had gone out is known then */
    gt_phase phase = t->state == GT_TASK_CANCELLING ? t->cancelled_in : gt_task_phase(t);
    finish(t, GT_TASK_CANCELLED, gt_error_new(GT_CANCELLED, phase, "cancelled by the caller"));
}

bool gt_task_retainable(const gt_task *t)
{
    /* let go of and held for its write, an unended task stopped working: nothing would poll it */
    return t->owners > 0 || !t->journal_held || gt_task_done(t);
}

bool gt_task_retain(gt_task *t)
{
    if (!gt_task_retainable(t)) return false;
    if (t->owners == 0) { /* let go of, kept for its write or its files: taken back as it is */
        gt_task_journal_keep(t);
        gt_task_downloads_keep(t);
    }
    t->owners++;
    return true;
}

void gt_task_release(gt_task *t)
{
    if (!t) return;
    if (t->owners > 1) { /* another owner holds it still */
        t->owners--;
        return;
    }
    /* 0 already: the journal or the downloads, whose hold ended, go on with the owner's release */
    t->owners = 0;
    if (gt_task_downloads_hold(t) || gt_task_journal_hold(t)) return;
    /* the owner let go, the task did not end: its record is left for recover() */
    gt_task_forget_lookup(t);
    gt_task_journal_forget(t);
    gt_task_cancel_local(t); /* never the provider's cancel: only the caller's cancel() sends it */
    gt_task_webhook_forget(t);
    gt_engine_unnotify(engine_of(t), &t->changed_node);
    gt_engine_disarm(engine_of(t), &t->journal_release);
    gt_error_free(t->error);
    gt_error_free(t->cancel_error);
    gt_error_free(t->last_failure);
    free(t->submit_url);
    gt_wipe_free(t->submit_body); /* the key, for providers that take it in the body */
    free(t->poll_path);
    free(t->poll_url);
    free(t->remote_id);
    free(t->request_id);
    free(t->last_body);
    free(t->idempotency_key);
    free(t->model);
    free(t->path);
    free(t->params);
    free(t->caller_key);
    free(t->request_hash);
    for (size_t i = 0; i < t->n_urls; i++) free(t->urls[i]);
    free(t->urls);
    for (size_t i = 0; i < t->n_texts; i++) free(t->texts[i]);
    free(t->texts);
    gt_task_downloads_free(t);
    t->client->engine->live_tasks--;
    gt_client_release(t->client);
    free(t);
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
