/* task_retry.c — a failed request: what the failure says about a submit (did the provider get
 * it?), and whether it is tried again (after the provider's word, or backoff), waits at the head
 * of the line (refused outright), ends at the deadline, or ends the task. */
#include "task.h"

#include <stdlib.h>

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
    /* the answer itself said no task was made (an envelope refusal under HTTP 200: classify.c) */
    if (err->submitted == GT_SUBMITTED_NO) return GT_SUBMITTED_NO;
    long status = err->status;
    if ((status >= 400 && status < 500) || status == 503) return GT_SUBMITTED_NO;
    /* a CDN that could not even connect to the provider's server: whatever the body */
    if (gt_status_never_reached_provider(status)) return GT_SUBMITTED_NO;
    return GT_SUBMITTED_UNKNOWN;
}

/* The wait before the next try: the provider's word where it gave one (up to the time left: the
 * deadline bounds every wait), else backoff. */
static long retry_delay(gt_task *t, const gt_error *err)
{
    if (t->retries < 64) t->retries++;
    if (err->retry_after >= 0) return gt_seconds_to_ms(err->retry_after);
    return gt_backoff_ms(t->opts, t->retries);
}

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

/* Whether to try the failed request again, and after how long. */
static bool try_again(gt_task *t, gt_phase phase, const gt_error *err, long *delay_ms)
{
    if (phase == GT_PHASE_POLL) { /* only the deadline gives up on what is no answer */
        if (poll_failure_is_final(err->kind)) return false;
        *delay_ms = retry_delay(t, err);
        return true;
    }
    if (!err->retryable || t->retries >= t->opts->max_retries) return false;
    /* the submission rule: resend only what provably did not arrive, or what a key protects */
    if (phase == GT_PHASE_SUBMIT && err->submitted != GT_SUBMITTED_NO && !gt_endpoint_idempotent(t->client))
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

void gt_task_request_failed(gt_task *t, gt_phase phase, CURLcode result, gt_error *err)
{
    if (!err) {
        gt_task_fail(t, GT_NETWORK, phase, "out of memory");
        return;
    }
    if (phase == GT_PHASE_SUBMIT) {
        err->submitted = submit_outcome(t, result, err);
        t->submitted = gt_submitted_worse(t->submitted, err->submitted);
    }
    /* a request whose timeout was the task's time left ran into the deadline, not a slow network */
    if (result == CURLE_OPERATION_TIMEDOUT && t->deadline_clipped) {
        if (t->last_failure) gt_error_free(err); /* what came before says more than the cut-off */
        else gt_task_keep_failure(t, err);
        gt_task_end_at_deadline(t);
        return;
    }
    if (phase == GT_PHASE_SUBMIT && refused_outright(result, err)) { /* every submit of the client waits its turn */
        gt_client_refused(t->client, err, t->sent_ms, t->model);
        gt_task_keep_failure(t, err);
        gt_task_requeue(t);
        return;
    }
    long delay_ms = 0;
    if (!try_again(t, phase, err, &delay_ms)) {
        gt_task_finish(t, GT_TASK_FAILED, err);
        return;
    }
    gt_task_keep_failure(t, err);
    if (phase == GT_PHASE_POLL) gt_task_schedule_poll(t, delay_ms);
    else gt_task_wait_then(t, GT_TASK_SUBMITTING, gt_now_ms() + delay_ms);
}

void gt_task_transport_failed(gt_task *t, gt_phase phase, const gt_transfer_result *result)
{
    gt_task_request_failed(t, phase, result->curl_code, transport_error(result, phase));
}
