/* cancel.c — the caller's cancel, sent to the provider where it documents a cancel endpoint.
 *
 * Stopping the polls ends nothing at the provider: the generation runs on, and is charged. So an
 * explicit cancel() of a task the provider has sends the profile's cancel request through the
 * same engine (never blocking, through the client's wire gate like any request), and the task
 * stays "cancelling" until the answer, which it keeps: confirmed, or refused with the reason.
 * Only this path reaches the provider: a collected task, a <close> scope and client:close() stop
 * the local work alone (gt_task_cancel_local), since none of them is the caller saying "stop
 * paying for this". */
#include "task.h"

#include <stdlib.h>
#include <string.h>

static void cancel_done(void *task, const gt_transfer_result *result);

/* What the provider said to the cancel: confirmed unless it refused it, or says the task had
 * already ended otherwise (a result, a failure) — then the cancel came too late. */
static gt_error *cancel_refusal(const gt_reply *reply)
{
    /* the task's own answer, cancelled, reads as a failure of kind cancelled: that is the yes */
    if (reply->state == GT_REMOTE_CANCELLED) return NULL;
    if (reply->error) return gt_error_copy(reply->error);
    if (reply->state != GT_REMOTE_SUCCEEDED && reply->state != GT_REMOTE_FAILED) return NULL;
    char *message = gt_printf("the provider answered the cancel with the task's end (%s): it came too late",
                              reply->raw_state ? reply->raw_state : gt_remote_state_name(reply->state));
    gt_error *err = gt_error_new(GT_CONFLICT, GT_PHASE_CANCEL, message);
    free(message);
    return err;
}

static void record_answer(gt_task *t, const gt_transfer_result *result)
{
    gt_client *c = t->client;
    gt_error *refusal;
    if (result->curl_code != CURLE_OK) {
        refusal = gt_error_new(GT_NETWORK, GT_PHASE_CANCEL, result->curl_message);
        if (refusal) refusal->code = gt_printf("curl:%d", (int)result->curl_code);
    } else {
        gt_response res = result->response;
        char *scrubbed = NULL; /* a provider's echo of the key is never read out of an answer */
        if (res.body && gt_client_mentions_key(c, res.body)) {
            scrubbed = gt_strndup(res.body, res.body_len);
            gt_client_scrub(c, &scrubbed);
            res.body = scrubbed ? scrubbed : "";
            res.body_len = strlen(res.body);
        }
        gt_reply reply;
        gt_classify(c->profile, GT_PHASE_CANCEL, &res, &reply);
        /* a 2xx with nothing in it is a yes (Higgsfield answers its cancel 202 without a body) */
        bool bare_yes = res.status >= 200 && res.status <= 299 && res.body_len == 0;
        refusal = bare_yes ? NULL : cancel_refusal(&reply);
        gt_reply_clear(&reply);
        free(scrubbed);
    }
    if (refusal) {
        char **texts[] = {&refusal->message, &refusal->code, &refusal->body};
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) gt_client_scrub(c, texts[i]);
        free(refusal->task_id);
        refusal->task_id = gt_strdup(t->remote_id);
    }
    t->cancel_outcome = refusal ? GT_CANCEL_REFUSED : GT_CANCEL_CONFIRMED;
    t->cancel_error = refusal;
}

/* The cancel's answer came (or none will): the task ends. A cancel sent at the deadline ends it as
 * the deadline does; unless the provider confirmed it, the task may still finish there, and its
 * record is left open for recover() as any paid task's at its deadline. */
static void cancel_answered(gt_task *t)
{
    gt_error *at_deadline = t->deadline_error;
    t->deadline_error = NULL;
    if (!at_deadline) {
        gt_task_finish(t, GT_TASK_CANCELLED, gt_error_new(GT_CANCELLED, t->cancelled_in, "cancelled by the caller"));
        return;
    }
    if (t->cancel_outcome != GT_CANCEL_CONFIRMED) t->client->hooks->left_open(t);
    gt_task_finish(t, GT_TASK_FAILED, at_deadline);
}

static void cancel_done(void *task, const gt_transfer_result *result)
{
    gt_task *t = task;
    t->xfer = NULL;
    gt_client_leave(t->client, GT_GATE_WIRE, &t->wire);
    t->client->hooks->request_ended(t, GT_PHASE_CANCEL, result);
    record_answer(t, result);
    cancel_answered(t);
}

/* The wire gate let the cancel in. Its timeout is the request timeout, not the task's time left:
 * a task near its deadline is the one most worth stopping. */
static void send_cancel(void *task)
{
    gt_task *t = task;
    gt_client *c = t->client;
    const gt_profile *p = c->profile;
    char *url = gt_endpoint_cancel_url(t);
    char *key_body = gt_endpoint_poll_body(c); /* ModelsLab-style keys travel in the body */
    const char *method = p->cancel_method ? p->cancel_method : "POST";
    bool posts = strcmp(method, "POST") == 0;
    size_t n_headers = 0;
    char **headers = gt_endpoint_headers(t, GT_PHASE_CANCEL, &n_headers);
    gt_request req = {
        .method = method,
        .url = url,
        .body = key_body ? key_body
                : posts  ? "{}"
                         : NULL,
        .auth_header = p->auth_header,
        .auth_value = gt_client_auth_value(t->client),
        .headers = (const char *const *)headers,
        .n_headers = n_headers,
        .timeout_ms = t->opts->request_timeout_ms,
        .connect_timeout_ms = t->opts->connect_timeout_ms,
        .body_limit = t->opts->max_body_bytes,
        .request_id_headers = (const char *const *)p->request_id_headers.items,
        .n_request_id_headers = p->request_id_headers.n,
        .may_multiplex = true, /* a cancel sent twice cancels once */
        .ca_file = c->ca_file,
        .proxy = c->proxy,
    };
    t->xfer = url ? gt_engine_send(c->engine, &req, cancel_done, t) : NULL;
    free(url);
    free(key_body);
    gt_endpoint_headers_free(headers, n_headers);
    if (t->xfer) {
        t->sent_ms = gt_now_ms();
        return;
    }
    gt_client_leave(c, GT_GATE_WIRE, &t->wire);
    t->cancel_outcome = GT_CANCEL_REFUSED;
    t->cancel_error = gt_error_new(GT_NETWORK, GT_PHASE_CANCEL, "could not start the cancel request");
    cancel_answered(t);
}

void gt_task_cancel(gt_task *t)
{
    if (gt_task_done(t) || t->state == GT_TASK_CANCELLING) return;
    /* nothing to send: no endpoint, or no task the provider has told us of (a task cancelled
     * before its submit went out costs nothing; one whose submit is on the wire is cut, and its
     * id never known) */
    if (!gt_endpoint_cancels(t) || gt_task_phase(t) != GT_PHASE_POLL) {
        gt_task_cancel_local(t);
        return;
    }
    t->cancelled_in = GT_PHASE_POLL;
    gt_task_stop_request(t);
    t->state = GT_TASK_CANCELLING;
    t->cancel_outcome = GT_CANCEL_SENT;
    gt_task_mark_changed(t);
    /* the task's wire slot is free now (its poll was let go) and is never used to poll again */
    t->wire.start = send_cancel;
    gt_client_wait(t->client, GT_GATE_WIRE, &t->wire);
}

bool gt_task_cancels_at_deadline(const gt_task *t)
{
    return t->opts->cancel_at_deadline && gt_endpoint_cancels(t);
}

void gt_task_cancel_at_deadline(gt_task *t, gt_error *err)
{
    t->deadline_error = err;
    gt_task_cancel(t);
}

gt_cancel_outcome gt_task_cancel_outcome(const gt_task *t)
{
    return t->cancel_outcome;
}

const gt_error *gt_task_cancel_error(const gt_task *t)
{
    return t->cancel_error;
}
