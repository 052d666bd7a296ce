/* recover.c — tasks from the journal's records: client:recover() after a crash, and a submit
 * under a caller's key that the journal already has (the same request is not paid for twice).
 *
 * What a record becomes follows what its stage proves: accepted (the provider has it: poll it),
 * queued (it never went out: submit it), sending (it may have gone out: resend it only with the
 * idempotency key it carried, else fail it as "unknown" for the caller to decide), ended (its
 * stored outcome). A record keeps its row: the task writes its further stages to the same one. */
#include "domain.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A live task of this process for the record (by id) or the caller's key, or NULL. */
static gt_task *live_task(gt_client *c, int64_t record_id, const char *caller_key)
{
    for (gt_qnode *n = c->journaled.head.next; n != &c->journaled.head; n = n->next) {
        gt_task *t = GT_CONTAINER(n, gt_task, journaled_node);
        if (record_id && t->record_id == record_id) return t;
        if (caller_key && t->caller_key && strcmp(t->caller_key, caller_key) == 0) return t;
    }
    return NULL;
}

/* The request as the journal keeps it, for the task to write its record with. */
static void keep_request(gt_task *t, const char *model, const char *path, const char *params, const char *caller_key,
                         char *request_hash /* taken */)
{
    t->model = gt_strdup(model ? model : "");
    t->path = gt_strdup(path ? path : "");
    t->params = gt_strdup(params ? params : "{}");
    t->caller_key = gt_strdup(caller_key);
    t->request_hash = request_hash;
    gt_queue_push(&t->client->journaled, &t->journaled_node);
}

/* A submit that may have reached the provider, with no key to make a resend harmless: it is not
 * sent again, and the caller learns what the journal knows of it. */
static void fail_unknown(gt_task *t, const gt_record *r)
{
    char created[32] = "an unknown time";
    time_t seconds = (time_t)(r->created_ms / 1000);
    struct tm tm;
    if (gmtime_r(&seconds, &tm)) strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char *message = gt_printf("the process stopped after sending this submit and before its answer came; it was not "
                              "sent again, which could pay for it twice (journal record %lld, request hash %s, "
                              "created %s)",
                              (long long)r->id, r->request_hash ? r->request_hash : "?", created);
    gt_error *err = gt_error_new(GT_NETWORK, GT_PHASE_SUBMIT, message);
    free(message);
    if (err) err->submitted = GT_SUBMITTED_UNKNOWN;
    t->submitted = GT_SUBMITTED_UNKNOWN;
    t->attempts = 1;
    gt_task_finish(t, GT_TASK_FAILED, err);
}

/* The task a record stands for (r's strings are copied). NULL: out of memory. */
static gt_task *from_record(gt_client *c, const gt_record *r, const gt_client_options *opts)
{
    bool resend = r->stage == GT_RECORD_SENDING && r->idempotency_key && c->profile->idempotency_field;
    gt_task *t = r->stage == GT_RECORD_ACCEPTED ? gt_client_attach(c, r->remote_id, r->poll_url, r->poll_path, opts)
                                                : gt_task_new(c, r->poll_path, opts);
    if (!t) return NULL;
    /* the row first: what the task does from here is written to it */
    keep_request(t, r->model, r->path, r->params, r->caller_key, gt_strdup(r->request_hash));
    t->record_id = r->id;
    t->written = r->stage;
    switch (r->stage) {
    case GT_RECORD_ACCEPTED:
        if (gt_task_done(t)) gt_task_journal(t, GT_RECORD_ENDED); /* attach refused it at once */
        break;
    case GT_RECORD_ENDED:
        gt_task_end_from_outcome(t, r->outcome);
        /* a success whose files a stopped process did not finish: fetched again */
        if (r->download && !r->files && gt_task_state_of(t) == GT_TASK_SUCCEEDED)
            gt_task_download_from_json(t, r->download);
        break;
    case GT_RECORD_SENDING:
    case GT_RECORD_QUEUED:
        if (r->stage == GT_RECORD_SENDING && !resend) {
            free(t->idempotency_key);
            t->idempotency_key = gt_strdup(r->idempotency_key);
            fail_unknown(t, r);
        } else if (gt_task_set_submit(t, r->path, r->params, resend ? r->idempotency_key : NULL)) {
            /* a resend was counted by max_submits when it first went out */
            t->budgeted = t->sent_before = resend;
            gt_task_start_submit(t); /* a resend carries the key it carried: the same generation */
        }
        break;
    }
    return t;
}

/* Whether this client may resume rec: an ended one, yes; an unended one once it is this client's
 * (its owner gone, or none), never while another live client works on it. */
static bool claimable(gt_client *c, const gt_record *rec, char **refusal)
{
    if (rec->stage == GT_RECORD_ENDED && !rec->download) return true;
    bool claimed = false;
    gt_journal_status status = gt_journal_claim_record(c->journal, rec->id, gt_wall_ms(), &claimed);
    if (status != GT_JOURNAL_OK)
        *refusal = gt_printf("key %s cannot be taken up: %s", rec->caller_key, gt_journal_error(c->journal));
    else if (!claimed)
        *refusal = gt_printf("key %s is being worked on by another live client of this journal", rec->caller_key);
    return status == GT_JOURNAL_OK && claimed;
}

/* The same request under the same key: the journal's task. A key with another request is the
 * caller's mistake (Stripe answers its idempotency keys alike). */
static gt_task *keyed(gt_client *c, const gt_submit_request *r, const char *hash, const gt_client_options *opts,
                      bool *existing, char **refusal, bool *found)
{
    *found = true;
    gt_task *live = live_task(c, 0, r->caller_key);
    const char *known = live ? live->request_hash : NULL;
    gt_record rec = {0};
    if (!live) {
        gt_journal_status status = gt_journal_find_key(c->journal, r->caller_key, &rec);
        /* a journal that lost its records knows no key: the task is made, and fails unsent at its
         * first round, saying so (unavailable, journal_lost) as a task's error */
        const char *fault = gt_journal_fault_code(c->journal);
        if (status == GT_JOURNAL_NOT_FOUND ||
            (status == GT_JOURNAL_ERROR && fault && strcmp(fault, GT_JOURNAL_LOST_CODE) == 0)) {
            *found = false;
            return NULL;
        }
        if (status != GT_JOURNAL_OK) {
            *refusal = gt_printf("key %s cannot be looked up: %s", r->caller_key, gt_journal_error(c->journal));
            return NULL;
        }
        known = rec.request_hash;
    }
    gt_task *t = NULL;
    if (!known || !hash || strcmp(known, hash) != 0) {
        *refusal = gt_printf("key %s was used for a different request", r->caller_key);
    } else if (live) {
        *existing = true;
        t = live;
    } else if (strcmp(rec.provider, gt_profile_name(c->profile)) != 0) {
        *refusal = gt_printf("key %s was used for a request to %s", r->caller_key, rec.provider);
    } else if (!claimable(c, &rec, refusal)) {
        /* another live client works on it: resuming it here could submit it twice */
    } else {
        t = from_record(c, &rec, opts);
    }
    gt_record_clear(&rec);
    return t;
}

gt_task *gt_client_submit_request(gt_client *c, const gt_submit_request *r, const gt_client_options *opts,
                                  bool *existing, char **refusal)
{
    *existing = false;
    *refusal = NULL;
    if (r->caller_key && !c->journal) {
        *refusal = gt_strdup("key needs a journal: gentask.client { journal = \"tasks.db\", ... }");
        return NULL;
    }
    if (!c->journal) return gt_task_submit(c, r->model, r->path, r->body, r->poll_path, opts);
    const char *body = r->body ? r->body : "{}";
    char *hash = gt_request_hash(gt_profile_name(c->profile), r->model ? r->model : "", body);
    if (r->caller_key) {
        bool found;
        gt_task *t = keyed(c, r, hash, opts, existing, refusal, &found);
        if (found) {
            free(hash);
            return t;
        }
    }
    gt_task *t = gt_task_new(c, r->poll_path, opts);
    if (!t) {
        free(hash);
        return NULL;
    }
    keep_request(t, r->model, r->path, body, r->caller_key, hash);
    if (gt_task_set_submit(t, r->path, body, NULL)) {
        gt_task_journal(t, GT_RECORD_QUEUED); /* written on the next round, with the round's others */
        gt_task_start_submit(t);
    }
    return t;
}

const char *gt_client_journal_fault(const gt_client *c)
{
    return gt_journal_fault_code(c->journal);
}

bool gt_client_recover(gt_client *c, const gt_client_options *opts, gt_task ***tasks, bool **existing, size_t *n,
                       char **error)
{
    *tasks = NULL;
    *existing = NULL;
    *n = 0;
    *error = NULL;
    if (!c->journal) {
        *error = gt_strdup("recover needs a journal: gentask.client { journal = \"tasks.db\", ... }");
        return false;
    }
    gt_record *records = NULL;
    size_t count = 0;
    /* first the records of clients that are gone (another process's, killed): a live one's are its own */
    gt_journal_status status = gt_journal_claim(c->journal, gt_profile_name(c->profile), gt_wall_ms());
    if (status == GT_JOURNAL_OK) status = gt_journal_unended(c->journal, &records, &count);
    if (status != GT_JOURNAL_OK) {
        *error = gt_strdup(gt_journal_error(c->journal));
        return false;
    }
    *tasks = calloc(count ? count : 1, sizeof **tasks);
    *existing = calloc(count ? count : 1, sizeof **existing);
    bool ok = *tasks && *existing;
    for (size_t i = 0; ok && i < count; i++) {
        const gt_record *r = &records[i];
        /* another provider's records (one key, several clients) are that client's to recover */
        if (strcmp(r->provider, gt_profile_name(c->profile)) != 0) continue;
        gt_task *t = live_task(c, r->id, NULL);
        (*existing)[*n] = t != NULL;
        if (!t) t = from_record(c, r, opts);
        if (!t) ok = false;
        else (*tasks)[(*n)++] = t;
    }
    gt_records_free(records, count);
    if (!ok) *error = gt_strdup("recover: out of memory");
    return ok;
}
