/* recover.c — tasks from the journal's records: client:recover() after a crash, and a submit
 * under a caller's key that the journal already has (the same request is not paid for twice).
 *
 * What a record becomes follows what its stage proves: accepted (the provider has it: poll it),
 * queued (it never went out: submit it), sending (it may have gone out: resend it only with the
 * idempotency key it carried, else fail it as "unknown" for the caller to decide), ended (its
 * stored outcome). A record keeps its row: the task writes its further stages to the same one. */
#include "features.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A live task of this process for the record (by id) or the caller's key, or NULL. */
static gt_task *live_task(gt_client *c, int64_t record_id, const char *caller_key)
{
    for (gt_qnode *n = c->journaled.head.next; n != &c->journaled.head; n = n->next) {
        gt_task *t = GT_TASK_OF(n, journal.journaled_node);
        if (record_id && t->features->journal.record_id == record_id) return t;
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
    gt_queue_push(&t->client->journaled, &t->features->journal.journaled_node);
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

/* What the record says of money: the bound its send holds, and a cost an answer reported on its
 * way (the submit answer this process never saw) or, ended, the cost the process that paid it
 * counted. A record is data: only a known source and an amount it could be are taken. */
static void adopt_money(gt_task *t, const gt_record *r)
{
    if (r->reserved > 0 && isfinite(r->reserved)) t->reserved = r->reserved;
    gt_cost_source source;
    if (!r->cost_source || !gt_cost_source_named(r->cost_source, &source) || !isfinite(r->cost) || r->cost < 0) return;
    if (r->stage != GT_RECORD_ENDED) {
        if (source == GT_COST_REPORTED) t->cost_reported = r->cost;
        return;
    }
    t->cost = (gt_cost){.amount = r->cost, .source = source, .currency = t->client->profile->cost_currency};
    t->cost_recorded = true;
}

/* t (new, its request kept) becomes the task record r stands for (r's strings are copied).
 * recovering: for recover(), whose caller named download_root (NULL: none), the only directory a
 * recorded download may write under; a keyed submit leaves downloads to its caller's options of now. */
static void adopt_record(gt_task *t, const gt_record *r, bool recovering, const char *download_root)
{
    gt_client *c = t->client;
    bool resend = r->stage == GT_RECORD_SENDING && r->idempotency_key && gt_endpoint_idempotent(c);
    /* the row first: what the task does from here is written to it */
    t->features->journal.record_id = r->id;
    t->features->journal.written = r->stage;
    adopt_money(t, r);
    /* before it can end (and a download asked already start): what is on disk is looked at first */
    gt_task_keep_recorded_files(t, r->files);
    switch (r->stage) {
    case GT_RECORD_ACCEPTED:
        if (r->poll_path && (!t->poll_path || strcmp(t->poll_path, r->poll_path) != 0)) {
            free(t->poll_path);
            t->poll_path = gt_strdup(r->poll_path);
        }
        gt_task_attach(t, r->remote_id, r->poll_url); /* a refusal at once is written as the record's end */
        break;
    case GT_RECORD_ENDED:
        gt_task_end_from_outcome(t, r->outcome);
        if (!t->remote_id) t->remote_id = gt_strdup(r->remote_id); /* the answer keeps its id */
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
    /* files a stopped process did not finish (or will fetch once the task succeeds): a record is
     * data, so they are written only where recover()'s caller allows */
    bool may_succeed = !gt_task_done(t) || gt_task_state_of(t) == GT_TASK_SUCCEEDED;
    if (recovering && r->download && !r->files && may_succeed) gt_task_download_recorded(t, r->download, download_root);
}

/* The task a record stands for (r's strings are copied). NULL: out of memory. */
static gt_task *from_record(gt_client *c, const gt_record *r, const gt_client_options *opts, bool recovering,
                            const char *download_root)
{
    gt_task *t = gt_task_new(c, r->poll_path, opts);
    if (!t) return NULL;
    keep_request(t, r->model, r->path, r->params, r->caller_key, gt_strdup(r->request_hash));
    adopt_record(t, r, recovering, download_root);
    return t;
}

/* A store that did not answer is a fault of ours, never the caller's mistake. key: the caller's
 * key the fault is about, or NULL. */
static gt_error *store_fault(gt_client *c, gt_phase phase, const char *doing, const char *key)
{
    const char *fault = gt_journal_fault_code(c->journal); /* journal_lost, a Redis that refused us */
    const char *code = fault ? fault : gt_journal_is_file(c->journal) ? "journal" : "redis";
    char *message = key ? gt_printf("key %s: %s: %s", key, doing, gt_journal_error(c->journal))
                        : gt_printf("%s: %s", doing, gt_journal_error(c->journal));
    gt_error *err = gt_error_new(GT_UNAVAILABLE, phase, message ? message : doing);
    free(message);
    if (!err) return NULL;
    err->code = gt_strdup(code);
    if (fault) err->retryable = false; /* refused for good: trying the same again cannot help */
    return err;
}

/* Whether this client may resume rec: an ended one, yes; an unended one once it is this client's
 * (its owner gone, or none), never while another live client works on it. */
static bool claimable(gt_client *c, const gt_record *rec, char **refusal, gt_error **fault)
{
    if (rec->stage == GT_RECORD_ENDED && !rec->download) return true;
    bool claimed = false;
    gt_journal_status status = gt_journal_claim_record(c->journal, rec->id, gt_wall_ms(), &claimed);
    if (status != GT_JOURNAL_OK)
        *fault = store_fault(c, GT_PHASE_SUBMIT, "its record cannot be taken up, so nothing was sent", rec->caller_key);
    else if (!claimed)
        *refusal = gt_printf("key %s is being worked on by another live client of this journal", rec->caller_key);
    return status == GT_JOURNAL_OK && claimed;
}

/* The same request under the same key: the journal's task. A key with another request is the
 * caller's mistake (Stripe answers its idempotency keys alike). */
static gt_task *keyed(gt_client *c, const gt_submit_request *r, const char *hash, const gt_client_options *opts,
                      bool *existing, char **refusal, gt_error **fault, bool *found)
{
    *found = true;
    gt_task *live = live_task(c, 0, r->caller_key);
    const char *known = live ? live->request_hash : NULL;
    gt_record rec = {0};
    if (!live) {
        gt_journal_status status = gt_journal_find_key(c->journal, r->caller_key, &rec);
        if (status == GT_JOURNAL_NOT_FOUND) {
            *found = false;
            return NULL;
        }
        if (status != GT_JOURNAL_OK) {
            *fault = store_fault(c, GT_PHASE_SUBMIT, "it cannot be looked up, so nothing was sent", r->caller_key);
            return NULL;
        }
        known = rec.request_hash;
    }
    gt_task *t = NULL;
    if (!known || !hash || strcmp(known, hash) != 0) {
        *refusal = gt_printf("key %s was used for a different request", r->caller_key);
    } else if (live && !gt_task_retainable(live)) {
        /* let go of by its owner and stopped: it waits for a write the store does not take yet */
        *fault = store_fault(c, GT_PHASE_SUBMIT, "its task waits for its record to be written, so nothing was sent",
                             r->caller_key);
    } else if (live) {
        *existing = true;
        t = live;
    } else if (strcmp(rec.provider, gt_profile_name(c->profile)) != 0) {
        *refusal = gt_printf("key %s was used for a request to %s", r->caller_key, rec.provider);
    } else if (!claimable(c, &rec, refusal, fault)) {
        /* another live client works on it: resuming it here could submit it twice */
    } else {
        t = from_record(c, &rec, opts, false, NULL);
    }
    gt_record_clear(&rec);
    return t;
}

/* A keyed submit whose store did not answer: nothing was sent, and the task says why (a fault of
 * the store's, which trying again may mend, never the caller's mistake). */
static gt_task *failed_lookup(gt_client *c, const gt_submit_request *r, const gt_client_options *opts, gt_error *fault)
{
    gt_task *t = gt_task_new(c, r->poll_path, opts);
    if (!t) {
        gt_error_free(fault);
        return NULL;
    }
    fault->submitted = GT_SUBMITTED_NO;
    t->submitted = GT_SUBMITTED_NO;
    gt_task_finish(t, GT_TASK_FAILED, fault);
    return t;
}

/* ---- a keyed submit on a store that answers later (Redis) ----------------------------------------

 * The task is returned at once, queued, and learns on the engine's loop what its key stands for:
 * nothing (a new request: it is submitted), or a record (the same request: it becomes the
 * record's task, claimed first unless it ended). A store that does not answer is asked again,
 * later each time, while the task waits; its deadline ends it unsent. */

#define LOOKUP_RETRY_MS 100
#define LOOKUP_RETRY_MAX_MS 2000

typedef struct gt_key_lookup gt_key_lookup;
struct gt_key_lookup {
    gt_journal_read read;
    gt_timer retry;
    gt_qnode node; /* in the client's lookups, until answered */
    gt_client *client;
    gt_task *task;    /* NULL: the task went away (its answer is dropped, a claim given back) */
    gt_record record; /* found, waiting for its claim */
    bool claiming;
    int tries;
};

static void lookup_free(gt_key_lookup *l)
{
    gt_queue_remove(&l->client->lookups, &l->node);
    gt_engine_disarm(l->client->engine, &l->retry);
    if (l->task) l->task->features->journal.key_lookup = NULL;
    gt_record_clear(&l->record);
    free(l);
}

/* What the store said is kept as the cause a deadline names. */
static void keep_store_failure(gt_task *t)
{
    gt_error *err = store_fault(t->client, GT_PHASE_SUBMIT, "its key cannot be looked up yet, so it waits unsent",
                                t->caller_key);
    if (err) err->submitted = GT_SUBMITTED_NO;
    gt_task_keep_failure(t, err);
}

static void ask(gt_key_lookup *l);

/* The store did not answer, or refused: asked again later — unless it refuses us for good
 * (journal_lost, a Redis that keeps nothing), which fails the task unsent at once. */
static void ask_later(gt_key_lookup *l)
{
    gt_task *t = l->task;
    if (gt_journal_fault_code(t->client->journal)) {
        gt_error *err = store_fault(t->client, GT_PHASE_SUBMIT, "nothing was sent", t->caller_key);
        if (err) err->submitted = GT_SUBMITTED_NO;
        lookup_free(l);
        gt_task_finish(t, GT_TASK_FAILED, err);
        return;
    }
    keep_store_failure(t);
    if (l->tries < 16) l->tries++;
    long delay = LOOKUP_RETRY_MS << (l->tries - 1);
    gt_engine_arm(t->client->engine, &l->retry,
                  gt_now_ms() + (delay < LOOKUP_RETRY_MAX_MS ? delay : LOOKUP_RETRY_MAX_MS));
}

static void fail_keyed(gt_task *t, gt_kind kind, char *message /* taken */)
{
    gt_error *err = gt_error_new(kind, GT_PHASE_SUBMIT, message ? message : "out of memory");
    if (err) err->submitted = GT_SUBMITTED_NO;
    free(message);
    gt_task_finish(t, GT_TASK_FAILED, err);
}

/* Nothing under the key: a new request, journaled as queued and submitted. */
static void submit_new(gt_task *t)
{
    if (!gt_task_set_submit(t, t->path, t->params, NULL)) return;
    gt_task_journal(t, GT_RECORD_QUEUED);
    gt_task_start_submit(t);
}

static void lookup_claimed(gt_journal_read *rd, gt_journal_status status, bool claimed)
{
    gt_key_lookup *l = GT_CONTAINER(rd, gt_key_lookup, read);
    gt_task *t = l->task;
    if (!t || gt_task_done(t)) {
        if (t && claimed) gt_journal_disown(t->client->journal, l->record.id); /* taken for nothing */
        lookup_free(l);
        return;
    }
    if (status != GT_JOURNAL_OK) {
        ask_later(l);
        return;
    }
    if (claimed) adopt_record(t, &l->record, false, NULL);
    else
        fail_keyed(t, GT_CONFLICT,
                   gt_printf("key %s is being worked on by another live client of this journal", t->caller_key));
    lookup_free(l);
}

static void lookup_found(gt_journal_read *rd, gt_journal_status status, const gt_record *r)
{
    gt_key_lookup *l = GT_CONTAINER(rd, gt_key_lookup, read);
    gt_task *t = l->task;
    if (!t || gt_task_done(t)) {
        lookup_free(l);
        return;
    }
    if (status == GT_JOURNAL_NOT_FOUND) {
        lookup_free(l);
        submit_new(t);
        return;
    }
    if (status != GT_JOURNAL_OK) {
        ask_later(l);
        return;
    }
    if (!r->request_hash || !t->request_hash || strcmp(r->request_hash, t->request_hash) != 0) {
        fail_keyed(t, GT_USAGE, gt_printf("key %s was used for a different request", t->caller_key));
        lookup_free(l);
    } else if (strcmp(r->provider, gt_profile_name(t->client->profile)) != 0) {
        fail_keyed(t, GT_USAGE, gt_printf("key %s was used for a request to %s", t->caller_key, r->provider));
        lookup_free(l);
    } else if (r->stage == GT_RECORD_ENDED && !r->download) {
        adopt_record(t, r, false, NULL);
        lookup_free(l);
    } else if (!gt_record_copy(r, &l->record)) {
        fail_keyed(t, GT_UNAVAILABLE, NULL);
        lookup_free(l);
    } else {
        l->claiming = true;
        l->tries = 0;
        ask(l);
    }
}

static void ask(gt_key_lookup *l)
{
    gt_task *t = l->task;
    gt_journal *j = t->client->journal;
    l->read.id = l->record.id;
    gt_journal_status status = l->claiming ? gt_journal_claim_record_then(j, &l->read)
                                           : gt_journal_find_key_then(j, t->caller_key, &l->read);
    if (status != GT_JOURNAL_PENDING) ask_later(l);
}

static void retry_due(void *lookup)
{
    ask(lookup);
}

static void look_up_key(gt_task *t)
{
    gt_key_lookup *l = calloc(1, sizeof *l);
    if (!l) {
        fail_keyed(t, GT_UNAVAILABLE, NULL);
        return;
    }
    l->client = t->client;
    l->task = t;
    l->read.found = lookup_found;
    l->read.claimed = lookup_claimed;
    gt_timer_init(&l->retry, retry_due, l);
    gt_queue_push(&t->client->lookups, &l->node);
    t->features->journal.key_lookup = l;
    gt_task_wait_for_journal(t);
    ask(l);
}

void gt_task_forget_lookup(gt_task *t)
{
    gt_key_lookup *l = t->features->journal.key_lookup;
    if (!l) return;
    t->features->journal.key_lookup = NULL;
    l->task = NULL; /* its answer, when it comes, is dropped */
    /* not on the store's wire: nothing will answer it */
    if (l->retry.slot) lookup_free(l);
}

/* The journal is closed: the lookups on its wire are answered by nobody. */
void gt_client_lookups_free(gt_client *c)
{
    while (!gt_queue_empty(&c->lookups)) lookup_free(GT_CONTAINER(c->lookups.head.next, gt_key_lookup, node));
}

gt_task *gt_client_submit_request(gt_client *c, const gt_submit_request *r, const gt_client_options *opts,
                                  bool *existing, char **refusal)
{
    *existing = false;
    *refusal = NULL;
    size_t body_len = r->body ? strlen(r->body) : 0;
    size_t bad = r->body ? gt_utf8_invalid_at(r->body, body_len) : 0;
    if (r->body && bad < body_len) {
        /* JSON is UTF-8: a body that is not would be counted by the provider, then refused or mangled */
        *refusal = gt_printf("params hold text that is not UTF-8 (byte %zu of the request body)", bad + 1);
        return NULL;
    }
    if (r->caller_key && !c->journal) {
        *refusal = gt_strdup("key needs a journal: gentask.client { journal = \"tasks.db\", ... }");
        return NULL;
    }
    if (!c->journal) return gt_task_submit(c, r->model, r->path, r->body, r->poll_path, opts);
    const char *body = r->body ? r->body : "{}";
    char *hash = gt_request_hash(gt_profile_name(c->profile), r->model ? r->model : "", body);
    if (r->caller_key && gt_journal_answers_later(c->journal) && !live_task(c, 0, r->caller_key)) {
        gt_task *t = gt_task_new(c, r->poll_path, opts);
        if (t) keep_request(t, r->model, r->path, body, r->caller_key, hash);
        else free(hash);
        if (t) look_up_key(t);
        return t;
    }
    if (r->caller_key) {
        bool found;
        gt_error *fault = NULL;
        gt_task *t = keyed(c, r, hash, opts, existing, refusal, &fault, &found);
        if (fault) t = failed_lookup(c, r, opts, fault);
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

/* ---- recover() --------------------------------------------------------------------------------- */

/* A recover() asked of a store that answers later: its records once it answered. */
typedef struct gt_recovery gt_recovery;
struct gt_recovery {
    gt_journal_read read;
    int64_t give_up_ms; /* a store that has not answered by then fails recover() */
    bool asked;         /* on the store's wire */
    bool answered;
    gt_journal_status status;
    bool out_of_memory; /* the records could not be kept: status ERROR */
    gt_record *records;
    size_t n;
};

static void recovery_listed(gt_journal_read *rd, gt_journal_status status, const gt_record *records, size_t n)
{
    gt_recovery *rc = GT_CONTAINER(rd, gt_recovery, read);
    rc->asked = false;
    if (status == GT_JOURNAL_BUSY && gt_now_ms() < rc->give_up_ms) return; /* asked again by the next call */
    rc->answered = true;
    rc->status = status;
    rc->records = n ? calloc(n, sizeof *rc->records) : NULL;
    bool copied = !n || rc->records;
    for (size_t i = 0; copied && i < n; i++)
        if ((copied = gt_record_copy(&records[i], &rc->records[rc->n]))) rc->n++;
    if (!copied) {
        rc->status = GT_JOURNAL_ERROR;
        rc->out_of_memory = true;
    }
}

void gt_client_recovery_free(gt_client *c)
{
    if (!c->recovery) return;
    gt_records_free(c->recovery->records, c->recovery->n);
    free(c->recovery);
    c->recovery = NULL;
}

/* How many of the store's call timeouts recover() waits for an answer (the namespace, the claim
 * and the list are three calls) before it fails. */
#define RECOVER_PATIENCE_CALLS 4

/* The records to recover: at once from the file; from a store that answers later, once it has
 * (*pending until then: the caller runs the engine and asks again). */
static gt_journal_status records_to_recover(gt_client *c, gt_record **records, size_t *count, bool *pending,
                                            bool *out_of_memory)
{
    const char *provider = gt_profile_name(c->profile);
    if (!gt_journal_answers_later(c->journal)) {
        /* first the records of clients that are gone (another process's, killed): a live one's are its own */
        gt_journal_status status = gt_journal_claim(c->journal, provider, gt_wall_ms());
        return status == GT_JOURNAL_OK ? gt_journal_unended(c->journal, records, count) : status;
    }
    if (!c->recovery) {
        c->recovery = calloc(1, sizeof *c->recovery);
        if (!c->recovery) {
            *out_of_memory = true;
            return GT_JOURNAL_ERROR;
        }
        c->recovery->read.listed = recovery_listed;
        c->recovery->give_up_ms = gt_now_ms() + RECOVER_PATIENCE_CALLS * c->opts.redis_timeout_ms;
    }
    gt_recovery *rc = c->recovery;
    if (!rc->answered && !rc->asked) { /* not sent yet, or not answered and asked again */
        gt_journal_status status = gt_journal_unended_then(c->journal, provider, &rc->read);
        rc->asked = status == GT_JOURNAL_PENDING;
        /* an ERROR is the store refusing us (journal_lost, a Redis that keeps nothing): said at once */
        if (!rc->asked && (status == GT_JOURNAL_ERROR || gt_now_ms() >= rc->give_up_ms)) {
            gt_client_recovery_free(c);
            return status;
        }
    }
    if (!c->recovery->answered) {
        *pending = true;
        return GT_JOURNAL_OK;
    }
    gt_journal_status status = c->recovery->status;
    *out_of_memory = c->recovery->out_of_memory;
    *records = c->recovery->records;
    *count = c->recovery->n;
    c->recovery->records = NULL;
    c->recovery->n = 0;
    gt_client_recovery_free(c);
    return status;
}

bool gt_client_recover(gt_client *c, const gt_client_options *opts, const char *download_root, gt_task ***tasks,
                       bool **existing, size_t *n, gt_error **error, bool *pending)
{
    *tasks = NULL;
    *existing = NULL;
    *n = 0;
    *error = NULL;
    *pending = false;
    if (!c->journal) {
        *error = gt_error_new(GT_USAGE, GT_PHASE_POLL,
                              "recover needs a journal: gentask.client { journal = \"tasks.db\", ... }");
        return false;
    }
    gt_record *records = NULL;
    size_t count = 0;
    bool out_of_memory = false;
    gt_journal_status status = records_to_recover(c, &records, &count, pending, &out_of_memory);
    if (*pending) return false;
    if (status != GT_JOURNAL_OK) {
        const char *doing = out_of_memory                     ? "recover: out of memory"
                            : !gt_journal_is_file(c->journal) ? "recover: Redis did not answer: call recover() again"
                            : status == GT_JOURNAL_BUSY
                                ? "recover: the journal is busy (another process is writing it): call recover() again"
                                : "recover: the journal cannot be read";
        *error = store_fault(c, GT_PHASE_POLL, doing, NULL);
        gt_records_free(records, count);
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
        if (!t) t = from_record(c, r, opts, true, download_root);
        if (!t) ok = false;
        else (*tasks)[(*n)++] = t;
    }
    gt_records_free(records, count);
    if (!ok) *error = gt_error_new(GT_USAGE, GT_PHASE_POLL, "recover: out of memory");
    return ok;
}
