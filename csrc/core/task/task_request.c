/* task_request.c — a task's request on the wire and its answer read: the request waits at the
 * client's wire gate, goes out clipped to the task's time left, and its answer (scrubbed of the
 * key first) gives the task its ids, its poll URL, its progress, and its next step: an end, a
 * failure for task_retry.c, or another poll. A final answer the provider pushed (a verified
 * webhook) is read here too, as a poll's. */
#include "task.h"

#include <stdlib.h>
#include <string.h>

static void transfer_done(void *task, const gt_transfer_result *result);

/* The request goes on the wire: the client's wire gate has let it in. */
static void send_request(gt_task *t, gt_phase phase)
{
    const gt_client *c = t->client;
    const gt_profile *p = c->profile;
    bool submit = phase == GT_PHASE_SUBMIT;
    char *url = submit ? t->submit_url : gt_task_poll_url(t);
    char *poll_body = submit || t->result_url ? NULL : gt_endpoint_poll_body(c);
    size_t n_headers = 0;
    char **headers = gt_endpoint_headers(t, phase, &n_headers);
    /* no request outlives the task: its time is clipped to what is left */
    long left = (long)(t->deadline_ms - gt_now_ms());
    if (left < 1) left = 1;
    t->deadline_clipped = t->opts->request_timeout_ms >= left;
    gt_request req = {
        .method = submit ? "POST" : gt_task_poll_method(t),
        .url = url,
        .body = submit ? t->submit_body : poll_body,
        .auth_header = p->auth_header,
        .auth_value = gt_client_auth_value(t->client),
        .headers = (const char *const *)headers,
        .n_headers = n_headers,
        .timeout_ms = t->opts->request_timeout_ms < left ? t->opts->request_timeout_ms : left,
        .connect_timeout_ms = t->opts->connect_timeout_ms < left ? t->opts->connect_timeout_ms : left,
        .body_limit = t->opts->max_body_bytes,
        .request_id_headers = (const char *const *)p->request_id_headers.items,
        .n_request_id_headers = p->request_id_headers.n,
        .cost_header = p->cost_header,
        /* libcurl silently resends a request whose reused connection died before any answer:
         * harmless for a poll, and for a submit under an idempotency key the provider honours
         * (the resend is answered with the first one's task); a second paid generation for any
         * other submit, which therefore goes alone on a fresh connection */
        .at_most_once = submit && !t->idempotency_key,
        .may_multiplex = !submit || t->idempotency_key,
        .ca_file = c->ca_file, /* client options: never a submit's own */
        .proxy = c->proxy,
    };
    t->xfer = url ? gt_engine_send(gt_task_engine(t), &req, transfer_done, t) : NULL;
    if (t->xfer) {
        if (submit) t->attempts++;
        else t->polls++;
        gt_log_event ev = {.kind = GT_LOG_REQUEST,
                           .phase = phase,
                           .method = req.method,
                           .task_id = t->remote_id,
                           .attempt = submit ? t->attempts : t->polls};
        c->hooks->wire_event(c, &ev, url);
    }
    if (url != t->submit_url) free(url);
    gt_wipe_free(poll_body); /* curl copied it (CURLOPT_COPYPOSTFIELDS); it may hold the key */
    gt_endpoint_headers_free(headers, n_headers);
    if (!t->xfer && !url && !submit) { /* an id with an empty, "." or ".." segment, where "{+id}" keeps slashes */
        gt_task_finish(
            t, GT_TASK_FAILED,
            gt_task_paid_protocol_error(t, GT_PHASE_POLL,
                                        "the provider answered with a task id that cannot be placed in its "
                                        "poll path; the task may be charged: look it up by its id elsewhere"));
        return;
    }
    if (!t->xfer) {
        gt_task_fail(t, GT_NETWORK, phase, "could not start the HTTP request (out of memory or a bad URL)");
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
void gt_task_wire_granted(void *task)
{
    gt_task *t = task;
    if (t->wire_phase == GT_PHASE_SUBMIT && t->client->hooks->before_send(t)) return;
    send_request(t, t->wire_phase);
}

void gt_task_send_submit(gt_task *t)
{
    send_request(t, GT_PHASE_SUBMIT);
}

/* The answer's debug event, once the task knows the id a submit's answer gave it. */
static void log_response(const gt_task *t, gt_phase phase, const gt_transfer_result *result)
{
    if (!t->client->hooks->wire_watched(t->client)) return;
    bool submit = phase == GT_PHASE_SUBMIT;
    gt_log_event ev = {
        .kind = GT_LOG_RESPONSE,
        .phase = phase,
        .method = submit ? "POST" : gt_task_poll_method(t),
        .task_id = t->remote_id,
        .attempt = submit ? t->attempts : t->polls,
        .status = result->response.status,
        .seconds = (double)(gt_now_ms() - t->sent_ms) / 1000.0,
        .failure = result->curl_code != CURLE_OK ? result->curl_message : NULL,
    };
    char *url = submit ? NULL : gt_task_poll_url(t);
    t->client->hooks->wire_event(t->client, &ev, submit ? t->submit_url : url);
    free(url);
}

/* The transfer is gone: the wire gate gets its place back. */
static void off_the_wire(gt_task *t, gt_phase phase, const gt_transfer_result *result)
{
    t->xfer = NULL;
    if (phase == GT_PHASE_SUBMIT) t->client->submits_on_wire--;
    gt_client_leave(t->client, GT_GATE_WIRE, &t->wire);
    /* a resend curl was refused had a first send before it, which may have arrived */
    if (phase == GT_PHASE_SUBMIT) t->submit_sent = result->sent || result->resend_refused;
}

/* Scrubs a provider's echo of the key before anything is read out of the answer, so that no
 * excerpt, id or raw body can carry part of it. Returns the scrubbed copy *res now points into
 * (to free), or NULL when the answer did not mention the key. */
static char *scrub_answer(const gt_task *t, gt_response *res)
{
    if (!gt_client_mentions_key(t->client, res->body)) return NULL;
    char *scrubbed = gt_strndup(res->body, res->body_len); /* wiped by gt_client_scrub as it is replaced */
    gt_client_scrub(t->client, &scrubbed);
    res->body = scrubbed ? scrubbed : "";
    res->body_len = strlen(res->body);
    return scrubbed;
}

/* The request id of this answer, and the provider's task id if the task has none yet. */
static void take_ids(gt_task *t, const gt_response *res, gt_reply *reply)
{
    if (res->request_id) {
        size_t len = strlen(res->request_id);
        if (t->request_id && strlen(t->request_id) >= len) { /* the last answer's place holds it: no copy */
            memcpy(t->request_id, res->request_id, len + 1);
        } else {
            free(t->request_id);
            t->request_id = gt_strdup(res->request_id);
        }
        gt_client_scrub(t->client, &t->request_id);
    }
    if (reply->task_id && !t->remote_id) {
        t->remote_id = reply->task_id;
        reply->task_id = NULL;
    }
}

/* A submit's answer gave the task an id: the provider took it (and may charge for it). */
static void note_accepted(gt_task *t, const gt_reply *reply)
{
    if (reply->eta >= 0) gt_client_learn_eta(t->client, t->model, gt_eta_ms(reply->eta));
    t->submitted = GT_SUBMITTED_YES;
    t->accepted_ms = gt_now_ms();
    gt_task_count_accepted(t, true);
    gt_client_accepted(t->client);
    t->client->hooks->stage_changed(t, GT_RECORD_ACCEPTED); /* written with the poll URL read just below */
}

/* The poll URL the answer named, if the trust rule lets the key go there; true when it did not. */
static bool take_poll_url(gt_task *t, const gt_reply *reply)
{
    if (!reply->poll_url || t->poll_url) return false;
    t->poll_url = gt_endpoint_trusted_url(t->client, reply->poll_url);
    return !t->poll_url;
}

/* "No such task" right after a submit is the provider's replicas catching up, not an answer (BFL
 * says "Task not found" under HTTP 404 as well as 200): polls go on for a grace period. The error
 * set aside is returned, kept so that a deadline inside the grace says what was seen. */
static gt_error *within_grace(const gt_task *t, gt_phase phase, gt_reply *reply)
{
    bool unknown_task = phase == GT_PHASE_POLL && reply->error && reply->error->kind == GT_NOT_FOUND;
    long grace_ms = reply->grace_ms > 0 ? reply->grace_ms : unknown_task ? GT_NOT_FOUND_GRACE_MS : 0;
    if (grace_ms <= 0 || gt_now_ms() - t->accepted_ms >= grace_ms) return NULL;
    gt_error *graced = reply->error;
    reply->error = NULL;
    reply->state = GT_REMOTE_PENDING;
    return graced;
}

/* The final answer, for the caller's raw view of the result. */
static void keep_final_body(gt_task *t, const gt_reply *reply, const gt_response *res)
{
    if (reply->state != GT_REMOTE_SUCCEEDED && reply->state != GT_REMOTE_FAILED && reply->state != GT_REMOTE_CANCELLED)
        return;
    free(t->last_body);
    t->last_body = gt_strndup(res->body, res->body_len);
    t->client->hooks->scrub(t->client, &t->last_body);
}

/* The answer is an error: the provider's end of the task, or a failed request. */
static void answer_failed(gt_task *t, gt_phase phase, gt_reply *reply)
{
    gt_error *err = reply->error;
    reply->error = NULL;
    bool ended_at_provider = reply->state == GT_REMOTE_FAILED || reply->state == GT_REMOTE_CANCELLED;
    /* a provider that ended the task at once took it if it gave it an id (ModelsLab's
     * "status: error" under HTTP 200 has none: a refusal) */
    if (ended_at_provider && phase == GT_PHASE_SUBMIT)
        err->submitted = t->remote_id ? GT_SUBMITTED_YES : GT_SUBMITTED_NO;
    if (ended_at_provider) gt_task_ended_at_provider(t, err);
    else gt_task_request_failed(t, phase, CURLE_OK, err);
}

/* Pending, running, or a state this profile does not know: an answer that reads as JSON with a
 * state string is a task still going (a provider that adds "queued" must not cost a paid task);
 * the task deadline bounds a state that never ends. graced (taken): what the grace set aside. */
static void answer_pending(gt_task *t, gt_phase phase, const gt_reply *reply, gt_error *graced, bool poll_url_refused)
{
    t->retries = 0;
    gt_task_keep_failure(t, graced);                       /* an answer: what failed before is history */
    if (phase == GT_PHASE_SUBMIT) gt_task_mark_changed(t); /* submitting → waiting is visible */
    /* a waiting task holds only what its polls need: the submit's URL goes out again only with a
     * resubmit (its body stays: the price table reads it at the task's end) */
    if (phase == GT_PHASE_SUBMIT && !gt_task_may_resubmit(t)) {
        free(t->submit_url);
        t->submit_url = NULL;
    }
    if (!t->poll_url && !gt_task_poll_template(t)) /* nowhere the docs allow */
        gt_task_finish(t, GT_TASK_FAILED, gt_task_no_poll_url(t, phase, poll_url_refused ? reply->poll_url : NULL));
    else gt_task_poll_later(t, phase, reply->eta);
}

/* A success whose results a second request fetches (fal's response_url, MiniMax's file_id): the
 * fetch goes out at once, polled as a state is (its failures retried as a poll's, the deadline's
 * last look included); a crash before it ends polls the state again and fetches again. */
static void start_result_fetch(gt_task *t, const gt_reply *reply)
{
    t->result_url = gt_endpoint_result_url(t, reply->result_url, reply->result_id);
    if (!t->result_url) {
        gt_task_finish(t, GT_TASK_FAILED,
                       gt_task_paid_protocol_error(
                           t, GT_PHASE_POLL,
                           reply->result_url ? "the task succeeded, but its result URL is neither the base URL's "
                                               "origin nor a documented host: it was not followed, since the key "
                                               "would go there"
                                             : "the task succeeded, but the answer did not say where its result is"));
        return;
    }
    t->retries = 0;
    t->state = GT_TASK_WAITING;
    gt_task_start_request(t, GT_PHASE_POLL);
}

/* The engine hands back what the task's request got; the transfer itself is gone after this. */
static void transfer_done(void *task, const gt_transfer_result *result)
{
    gt_task *t = task;
    gt_phase phase = gt_task_phase(t);
    off_the_wire(t, phase, result);
    t->client->hooks->request_ended(t, phase, result); /* before the answer may end the task */
    if (result->curl_code != CURLE_OK) {
        log_response(t, phase, result);
        gt_task_transport_failed(t, phase, result);
        return;
    }
    gt_response res = result->response;
    char *scrubbed = scrub_answer(t, &res);
    gt_reply reply;
    if (t->result_url) gt_classify_result(t->client->profile, &res, &reply);
    else gt_classify(t->client->profile, phase, &res, &reply);
    take_ids(t, &res, &reply);
    gt_task_note_cost(t, reply.cost);
    gt_task_note_cost(t, gt_price_of_units(t->client->profile, t->model, reply.cost_units));
    log_response(t, phase, result);
    if (phase == GT_PHASE_SUBMIT && t->remote_id && !t->accepted) note_accepted(t, &reply);
    bool poll_url_refused = take_poll_url(t, &reply);
    gt_error *graced = within_grace(t, phase, &reply);
    keep_final_body(t, &reply, &res);
    gt_task_note_progress(t, reply.progress);
    if (reply.error) answer_failed(t, phase, &reply);
    else if (reply.state == GT_REMOTE_SUCCEEDED && reply.fetch_result) start_result_fetch(t, &reply);
    else if (reply.state == GT_REMOTE_SUCCEEDED) gt_task_succeed(t, &reply);
    else {
        answer_pending(t, phase, &reply, graced, poll_url_refused);
        graced = NULL;
    }
    gt_error_free(graced);
    gt_reply_clear(&reply);
    free(scrubbed);
}

/* A final answer pushed by the provider ends the task as a poll's would; a poll on the wire is
 * let go (its answer would say the same). */
bool gt_task_take_pushed(gt_task *t, gt_reply *reply, const char *body, size_t len)
{
    if (gt_task_done(t) || gt_task_phase(t) != GT_PHASE_POLL) return true;
    gt_task_note_progress(t, reply->progress);
    gt_task_note_cost(t, reply->cost);
    bool ended = reply->state == GT_REMOTE_SUCCEEDED || reply->state == GT_REMOTE_FAILED ||
                 reply->state == GT_REMOTE_CANCELLED;
    if (!ended) return false;
    gt_task_stop_request(t);
    free(t->last_body);
    t->last_body = gt_strndup(body, len);
    gt_error *err = reply->error;
    reply->error = NULL;
    if (!err && reply->state == GT_REMOTE_SUCCEEDED && reply->fetch_result) start_result_fetch(t, reply);
    else if (!err && reply->state == GT_REMOTE_SUCCEEDED) gt_task_succeed(t, reply);
    else if (!err)
        gt_task_fail(t, GT_PROTOCOL, GT_PHASE_POLL, "the webhook reported a failure without saying what it was");
    else gt_task_ended_at_provider(t, err);
    return true;
}
