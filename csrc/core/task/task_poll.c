/* task_poll.c — the poll path: where a task is polled, how long it waits between polls (the
 * provider's eta, a growing interval, a last look before the deadline, a webhook's slower
 * fallback), the deadline and the one last poll when it comes for a paid task, and a task
 * attached by its id. */
#include "task.h"

#include <math.h>
#include <stdlib.h>

const char *gt_task_poll_template(const gt_task *t)
{
    return t->poll_path ? t->poll_path : t->client->profile->poll_path;
}

char *gt_task_poll_url(const gt_task *t)
{
    if (t->result_url) return gt_strdup(t->result_url); /* the result fetch is polled like a state */
    if (t->poll_url) return gt_strdup(t->poll_url);
    return gt_endpoint_poll_url(t->client, gt_task_poll_template(t), t->remote_id);
}

/* A task the provider took (and may charge for) that cannot be followed further: a protocol
 * error that says it was submitted, with its id for the caller to look it up elsewhere. */
gt_error *gt_task_paid_protocol_error(const gt_task *t, gt_phase phase, const char *message)
{
    gt_error *err = gt_error_new(GT_PROTOCOL, phase, message);
    if (err) {
        err->submitted = GT_SUBMITTED_YES;
        err->task_id = gt_strdup(t->remote_id);
    }
    return err;
}

/* A task the provider took (and may charge for) that has nowhere to be polled: its poll URL was
 * refused by the trust rule (refused: that URL) or none came, and the profile builds none. */
gt_error *gt_task_no_poll_url(const gt_task *t, gt_phase phase, const char *refused)
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
    gt_error *err = gt_task_paid_protocol_error(t, phase, message ? message : "no poll URL");
    free(host);
    free(message);
    return err;
}

/* How long the last poll at a paid task's deadline may take (at most its request timeout). */
#define FINAL_POLL_MS 10000

/* The deadline came for a task the provider took: one more poll, on a fresh request, before the
 * wait ends. A process that was stopped past its deadline (a laptop lid, Ctrl-Z, a host that
 * blocked) wakes to every timer at once: what finished meanwhile is delivered, not failed unasked. */
void gt_task_poll_a_last_time(gt_task *t)
{
    t->final_poll = true;
    gt_task_stop_transfer(t); /* a poll cut by the deadline, or one that a stall left stale */
    long budget = t->opts->request_timeout_ms < FINAL_POLL_MS ? t->opts->request_timeout_ms : FINAL_POLL_MS;
    t->deadline_ms = gt_now_ms() + budget;
    t->state = GT_TASK_WAITING;
    gt_task_start_request(t, GT_PHASE_POLL);
}

/* Another poll later; after the last poll at the deadline, none: the wait ends there. */
void gt_task_schedule_poll(gt_task *t, long delay_ms)
{
    if (t->final_poll) gt_task_end_at_deadline(t);
    else gt_task_wait_then(t, GT_TASK_WAITING, gt_now_ms() + delay_ms);
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

long gt_eta_ms(double eta)
{
    return eta * 1000 < 1e9 ? (long)ceil(eta * 1000) : 1000000000L;
}

/* The first poll goes out at the provider's eta where it gave one, however short (a 300 ms task
 * is not made to wait a poll_interval) or long (ModelsLab's 146 s is waited out, not polled every
 * few seconds); the deadline still bounds it. Later polls wait longer each time, from
 * poll_interval up to poll_max_interval. */
static long poll_delay(gt_task *t, gt_phase phase, double eta)
{
    if (phase == GT_PHASE_SUBMIT && eta >= 0) return gt_eta_ms(eta);
    long delay = t->poll_delay_ms;
    if (delay < t->opts->poll_interval_ms) delay = t->opts->poll_interval_ms;
    if (delay > t->opts->poll_max_interval_ms) delay = t->opts->poll_max_interval_ms;
    long grown = delay + delay / 2;
    t->poll_delay_ms = grown < t->opts->poll_max_interval_ms ? grown : t->opts->poll_max_interval_ms;
    return delay;
}

/* A feature may stretch it: a task that asked for a webhook polls only as the fallback for a
 * delivery that never comes (webhook.c). */
static long next_poll_delay(gt_task *t, gt_phase phase, double eta)
{
    return t->client->hooks->poll_delay(t, poll_delay(t, phase, eta));
}

void gt_task_poll_later(gt_task *t, gt_phase phase, double eta)
{
    gt_task_schedule_poll(t, before_deadline(t, next_poll_delay(t, phase, eta)));
}

/* An attached task is already at the provider: it takes its place at once (the provider holds
 * it whatever our cap says) and polls. */
static void attach_granted(void *task)
{
    gt_task_start_request(task, GT_PHASE_POLL);
}

void gt_task_attach(gt_task *t, const char *id, const char *poll_url)
{
    gt_client *c = t->client;
    t->attached = true;
    t->submitted = GT_SUBMITTED_YES;
    t->remote_id = gt_strdup(id);
    if (poll_url) t->poll_url = gt_endpoint_trusted_url(c, poll_url);
    if (!id || !*id) gt_task_fail(t, GT_USAGE, GT_PHASE_POLL, "attach needs the provider's task id");
    else if (poll_url && !t->poll_url)
        gt_task_fail(t, GT_USAGE, GT_PHASE_POLL,
                     "the poll URL is not on the provider's own host: the key would go elsewhere");
    else if (!c->profile->poll_path && !t->poll_path && !t->poll_url)
        gt_task_fail(t, GT_USAGE, GT_PHASE_POLL, "the provider profile has no poll path");
    else {
        t->state = GT_TASK_WAITING;
        gt_task_count_accepted(t, true);
        t->slot.start = attach_granted;
        gt_client_take(c, GT_GATE_TASKS, &t->slot);
    }
}

const char *gt_task_poll_method(const gt_task *t)
{
    const gt_profile *p = t->client->profile;
    return t->result_url ? (p->result_method ? p->result_method : "GET") : p->poll_method;
}

void gt_task_poll_now(gt_task *t)
{
    if (t->state != GT_TASK_WAITING || t->xfer || t->wire.held || gt_queue_linked(&t->wire.node)) return;
    gt_engine_disarm(gt_task_engine(t), &t->timer);
    gt_task_start_request(t, GT_PHASE_POLL);
}

/* The task's time is up. A task never sent ends deadline_exceeded, unsent. A paid one is polled a
 * last time; if it is still running, the caller's wait ends (deadline_exceeded, submitted "yes",
 * its id) and the task does not: its journal record is left open and let go, so that recover(),
 * attach(id) or a keyed re-run polls it again — unless the caller chose cancel_at_deadline, which
 * sends the provider's cancel first and ends the wait at its answer. */
void gt_task_end_at_deadline(gt_task *t)
{
    bool paid = t->remote_id && gt_task_phase(t) == GT_PHASE_POLL;
    if (paid && !t->final_poll) {
        gt_task_poll_a_last_time(t);
        return;
    }
    bool cancelling = paid && gt_task_cancels_at_deadline(t);
    const char *why = !paid ? (t->state == GT_TASK_QUEUED && t->attempts == 0
                                   ? "the task waited for its turn past its task_timeout; it was never submitted"
                                   : "the task did not finish within its task_timeout")
                      : cancelling
                          ? "the task did not finish within its task_timeout; the provider accepted it (it may be "
                            "charged) and was sent its cancel (cancel_at_deadline): where the provider did not "
                            "confirm it, recover(), attach(id) or the same key polls it again"
                          : "the task did not finish within its task_timeout; the provider accepted it (it may be "
                            "charged) and may still finish it: recover(), attach(id) or the same key polls it again";
    gt_error *err = gt_task_deadline_error(t, gt_task_phase(t), why);
    if (paid && err) err->submitted = GT_SUBMITTED_YES;
    if (cancelling) return gt_task_cancel_at_deadline(t, err);
    if (paid) t->client->hooks->left_open(t); /* the record stays accepted, for whoever polls it next */
    gt_task_finish(t, GT_TASK_FAILED, err);
}

bool gt_task_past_deadline(gt_task *t)
{
    if (gt_now_ms() < t->deadline_ms) return false;
    gt_task_end_at_deadline(t);
    return true;
}
