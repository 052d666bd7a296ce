/* task_journal.c — a client's tasks written to its journal (journal.h), so that a crash loses
 * none of them and recover() pays for none twice.
 *
 * A record moves queued → sending → accepted → ended (a refused submit goes back to queued).
 * Writes are not made where they happen: the task is put on the client's to_journal list and the
 * client's journal timer, on the next engine round, writes the whole list in one transaction (a
 * thousand submits are one commit, one fsync at most). A submit waits for its "sending" to be
 * committed and goes out only then: what could not be journaled is never sent. A round that could
 * not be written — another process is writing (BUSY), the disk is full, an I/O error, a store
 * that did not answer — is never dropped and never waited for: its records go back to the head of
 * the list and are written again on the timer, later each time, until they are in. Meanwhile the
 * submits that wait for their "sending" stay unsent (their deadline ends them unsent), and paid
 * tasks go on: their stages wait in the list, and a task released meanwhile is kept until what
 * happened to it is written. */
#include "features.h"

#include <cJSON.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

/* BUSY: another connection holds the write lock; the round is tried again this much later */
#define JOURNAL_RETRY_MS 30
/* A failed round (disk full, I/O error, no answer): tried again after this, doubling up to the max */
#define JOURNAL_FAILED_RETRY_MS 100
#define JOURNAL_FAILED_RETRY_MAX_MS 2000
/* The end of the process waits this long at most for the writes still to make (as close() waits
 * for a journal that fails): a busy file is let go in milliseconds, a Redis answers within its
 * timeout. */
#define EXIT_WRITE_PATIENCE_MS 5000
/* a client's creation: a file being created by the processes that start with this one */
#define OPEN_TRIES 50
#define OPEN_RETRY_MS 20

static void write_round(void *client);

/* Redis answered how many submits the journal holds as sent: max_submits counts from there. */
static void sent_known(void *client, int64_t n)
{
    gt_client *c = client;
    c->tasks_submitted += (long)n;
    c->sent_unknown = false;
}

/* One round: the records written in one transaction, each with the stage it was written at and
 * the id it had before (a round that failed gives it back). A task that goes away while its
 * round is unanswered leaves a NULL. */
typedef struct gt_journal_round {
    size_t n;
    struct {
        gt_task *task;
        gt_record_stage stage;
        int64_t id_before;
        gt_journal_status refused; /* OK; DUPLICATE, OVER_BUDGET, BUDGET_HELD: not written */
    } * items;
} gt_journal_round;

static void round_free(gt_journal_round *r)
{
    if (!r) return;
    free(r->items);
    free(r);
}

bool gt_client_journal_open(gt_client *c, const char *path, char **error)
{
    gt_queue_init(&c->to_journal);
    gt_queue_init(&c->journaled);
    gt_queue_init(&c->lookups);
    gt_timer_init(&c->journal_timer, write_round, c);
    if (!path) return true;
    c->journal = gt_journal_open(c->engine, path, &c->opts, error);
    if (!c->journal) return false;
    bool file = gt_journal_is_file(c->journal);
    /* max_submits is a budget of the journal's, across the processes that used it. A file that
     * the processes starting beside this one are writing (their own first look) is asked again
     * for a moment; a Redis that did not answer has had its timeout. */
    int64_t sent = 0;
    gt_journal_status status = GT_JOURNAL_BUSY;
    for (int attempt = 0; status == GT_JOURNAL_BUSY && attempt < OPEN_TRIES; attempt++) {
        if (attempt > 0 && !file) break;
        if (attempt > 0) poll(NULL, 0, OPEN_RETRY_MS);
        /* a provider without a key still has one account per journal: the empty key's */
        status = gt_journal_check_account(c->journal, c->api_key[0] ? c->api_key : "(no key)");
        if (status == GT_JOURNAL_OK) status = gt_journal_count_sent(c->journal, &sent);
    }
    if (status == GT_JOURNAL_OK) {
        /* the budgets are the journal's: checked as each record becomes sent */
        c->journal->budget = (gt_journal_budget){
            .max_submits = c->opts.max_submits, .max_cost = c->opts.max_cost, .currency = c->profile->cost_currency};
        c->tasks_submitted = (long)sent;
        /* Redis is asked on the loop: the client is made without waiting for it */
        if (gt_journal_answers_later(c->journal)) {
            c->sent_unknown = true;
            gt_journal_count_sent_then(c->journal, sent_known, c);
        }
        return true;
    }
    c->journal_fault = gt_journal_fault_code(c->journal); /* the store's fault, not the caller's */
    if (status == GT_JOURNAL_BUSY && file) {
        *error = gt_printf("journal %s: busy (another process is writing it): try again", path);
        c->journal_fault = "journal"; /* a file held by another process: no mistake of the caller's */
    } else *error = gt_strdup(gt_journal_error(c->journal)); /* names the file, never the key */
    gt_journal_close(c->journal);
    c->journal = NULL;
    return false;
}

void gt_client_journal_close(gt_client *c)
{
    gt_engine_disarm(c->engine, &c->journal_timer);
    free(c->journal_error);
    c->journal_error = NULL;
    gt_journal_close(c->journal); /* calls no done after this: the round is ours to drop */
    c->journal = NULL;
    round_free(c->committing);
    c->committing = NULL;
}

static void write_soon(gt_client *c, int64_t delay_ms)
{
    if (c->journal_timer.slot == 0) gt_engine_arm(c->engine, &c->journal_timer, gt_now_ms() + delay_ms);
}

void gt_task_journal(gt_task *t, gt_record_stage stage)
{
    gt_client *c = t->client;
    if (!c->journal || t->features->journal.off) return;
    if (t->features->journal.record_id && t->features->journal.written == GT_RECORD_ENDED)
        return;                                                               /* an ended record never changes */
    if (stage == GT_RECORD_ENDED && t->features->journal.record_open) return; /* the provider still has it */
    if (stage == GT_RECORD_ENDED) t->features->journal.send_when_journaled = false;
    if (!t->features->journal.record_id &&
        stage == GT_RECORD_ENDED) { /* never written, so never sent: nothing to keep */
        gt_queue_remove(&c->to_journal, &t->features->journal.node);
        /* and its key names nothing: a submit under it looks in the journal again */
        gt_queue_remove(&c->journaled, &t->features->journal.journaled_node);
        return;
    }
    t->features->journal.wanted = stage;
    gt_queue_push(&c->to_journal, &t->features->journal.node);
    write_soon(c, 0);
    gt_shared_keep_lease(c->shared); /* a record of this client's: no other process may take it */
}

bool gt_task_journal_before_send(gt_task *t)
{
    if (!t->client->journal || t->features->journal.off) return false;
    if (t->features->journal.record_id && t->features->journal.written == GT_RECORD_SENDING &&
        !gt_queue_linked(&t->features->journal.node))
        return false;
    t->features->journal.send_when_journaled = true;
    gt_task_journal(t, GT_RECORD_SENDING);
    return true;
}

/* What the record says of money: the bound held against the budget, and the cost once the task
 * ended, or what an answer reported on its way (BFL's submit answer: a process that recovers the
 * task polls, and never sees that answer). */
static void record_money(const gt_task *t, gt_record *r)
{
    r->reserved = t->reserved > 0 ? t->reserved : 0;
    gt_cost cost = gt_task_cost(t);
    if (cost.amount >= 0) {
        r->cost = cost.amount;
        r->cost_source = (char *)gt_cost_source_name(cost.source);
    } else if (!gt_task_done(t) && t->cost_reported >= 0) {
        r->cost = t->cost_reported;
        r->cost_source = (char *)gt_cost_source_name(GT_COST_REPORTED);
    }
}

/* Adds or updates t's record with its wanted stage; the request's parts are the task's own. */
static gt_journal_status write_one(gt_client *c, gt_task *t)
{
    char *outcome = t->features->journal.wanted == GT_RECORD_ENDED ? gt_task_outcome_json(t) : NULL;
    char *download = gt_task_download_json(t), *files = gt_task_files_json(t);
    gt_record r = {
        .id = t->features->journal.record_id,
        .stage = t->features->journal.wanted,
        .caller_key = t->caller_key,
        .provider = (char *)gt_profile_name(c->profile),
        .model = t->model,
        .path = t->path,
        .poll_path = t->poll_path,
        .params = t->params,
        .request_hash = t->request_hash,
        .idempotency_key = t->idempotency_key,
        .remote_id = t->remote_id,
        .poll_url = t->poll_url,
        .outcome = outcome,
        .download = download,
        .files = files,
    };
    record_money(t, &r);
    gt_journal_status status;
    if (t->features->journal.record_id) {
        status = gt_journal_update(c->journal, &r);
    } else {
        status = gt_journal_add(c->journal, &r);
        if (!t->request_hash) t->request_hash = r.request_hash; /* add computed it: the task keeps it */
        if (status == GT_JOURNAL_OK) t->features->journal.record_id = r.id;
    }
    free(outcome);
    free(download);
    free(files);
    return status;
}

/* A submit that could not be journaled is not sent: the task fails, saying why. */
static void fail_unjournaled(gt_task *t, gt_kind kind, const char *code, const char *why)
{
    char *message = gt_printf("the journal could not record the submit, so it was not sent: %s", why);
    gt_error *err = gt_error_new(kind, GT_PHASE_SUBMIT, message ? message : why);
    free(message);
    if (err) {
        err->code = gt_strdup(code ? code : "journal");
        if (code) err->retryable = false; /* the store refused us for good (journal_lost, redis) */
        err->submitted = GT_SUBMITTED_NO;
    }
    gt_task_finish(t, GT_TASK_FAILED, err);
}

size_t gt_client_journal_pending(const gt_client *c)
{
    return c->to_journal.count + (c->committing ? c->committing->n : 0);
}

/* Whether any client of e has a journal write still to make. */
static bool writes_left(const gt_engine *e)
{
    size_t n = gt_engine_clients(e, NULL, 0);
    gt_client **clients = n ? malloc(n * sizeof *clients) : NULL;
    if (!clients) return false;
    gt_engine_clients(e, clients, n);
    bool left = false;
    for (size_t i = 0; i < n && !left; i++) left = clients[i]->journal && gt_client_journal_pending(clients[i]) > 0;
    free(clients);
    return left;
}

void gt_engine_finish_writes(gt_engine *e)
{
    /* nobody runs the host's loop any more: the engine polls its own sockets */
    gt_engine_set_host_loop(e, false);
    int64_t until = gt_now_ms() + EXIT_WRITE_PATIENCE_MS;
    for (int64_t now = gt_now_ms(); writes_left(e) && now < until; now = gt_now_ms())
        gt_engine_step(e, (long)(until - now));
}

/* Why the round failed, kept for stats() and for the deadline of a submit that waits on it. */
static void note_failure(gt_client *c, gt_journal_round *r)
{
    if (!c->journal_failing_since_ms) c->journal_failing_since_ms = gt_now_ms();
    if (c->journal_failures < 16) c->journal_failures++;
    free(c->journal_error);
    c->journal_error = gt_strdup(gt_journal_error(c->journal));
    for (size_t i = 0; i < r->n; i++) {
        gt_task *t = r->items[i].task;
        if (!t || !t->features->journal.send_when_journaled) continue;
        gt_error *err = gt_error_new(GT_UNAVAILABLE, GT_PHASE_SUBMIT,
                                     c->journal_error ? c->journal_error : "the journal could not be written");
        if (err) {
            err->code = gt_strdup(gt_journal_is_file(c->journal) ? "journal" : "redis");
            err->submitted = GT_SUBMITTED_NO;
        }
        gt_task_keep_failure(t, err);
    }
}

/* The store refuses us for good (journal_lost: its records are gone; a Redis that keeps nothing):
 * what was not sent is failed unsent, with the fault's code, and the rest is not written — there
 * is nowhere to write it — while the paid tasks go on. */
static void refused_by_store(gt_client *c, gt_journal_round *r, const char *fault)
{
    note_failure(c, r);
    char *why = gt_strdup(gt_journal_error(c->journal));
    for (size_t i = 0; i < r->n; i++) {
        gt_task *t = r->items[i].task;
        if (!t) continue;
        if (t->state < GT_TASK_SUCCEEDED &&
            (r->items[i].stage == GT_RECORD_QUEUED || r->items[i].stage == GT_RECORD_SENDING))
            fail_unjournaled(t, GT_UNAVAILABLE, fault, why ? why : "out of memory");
        else if (t->features->journal.held) gt_engine_arm(c->engine, &t->features->journal.release, gt_now_ms());
    }
    free(why);
}

/* The round could not be committed: it goes back, in order, for the next try (under the ids it
 * had before, unless the store keeps ids: then the same records are written again). Nothing is
 * dropped: a BUSY journal is tried again soon, a failing one later each time. */
static void round_failed(gt_client *c, gt_journal_round *r, gt_journal_status status)
{
    gt_journal_rollback(c->journal);
    bool keeps_ids = gt_journal_keeps_ids(c->journal);
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i].task && !keeps_ids) r->items[i].task->features->journal.record_id = r->items[i].id_before;
    const char *fault = status == GT_JOURNAL_ERROR ? gt_journal_fault_code(c->journal) : NULL;
    if (fault) {
        refused_by_store(c, r, fault);
        return;
    }
    for (size_t i = r->n; i-- > 0;) {
        gt_task *t = r->items[i].task;
        if (!t) continue;
        /* a stage asked for since is newer than this round's: it is the one to write */
        if (!gt_queue_linked(&t->features->journal.node)) t->features->journal.wanted = r->items[i].stage;
        gt_queue_push_front(&c->to_journal, &t->features->journal.node);
    }
    if (status == GT_JOURNAL_BUSY) {
        write_soon(c, JOURNAL_RETRY_MS);
        return;
    }
    note_failure(c, r);
    long delay = JOURNAL_FAILED_RETRY_MS << (c->journal_failures - 1);
    write_soon(c, delay < JOURNAL_FAILED_RETRY_MAX_MS ? delay : JOURNAL_FAILED_RETRY_MAX_MS);
}

/* A record the journal did not write: its key another's (the task fails), or the budget of every
 * process sharing the journal has no room for its submit — none will come (it fails unsent), or
 * tasks in flight hold it (it waits and asks again). A record added in the round is not there. */
static void refused_by_journal(gt_task *t, gt_journal_status why, int64_t id_before)
{
    if (why == GT_JOURNAL_DUPLICATE || !id_before) t->features->journal.record_id = 0;
    t->features->journal.send_when_journaled = false;
    switch (why) {
    case GT_JOURNAL_DUPLICATE:
        fail_unjournaled(t, GT_CONFLICT, NULL, "its key was used meanwhile (by another process?)");
        break;
    case GT_JOURNAL_BUDGET_HELD:
        gt_task_stop_transfer(t); /* its place on the wire goes to a request that may go */
        gt_task_wait_for_budget(t);
        break;
    default: gt_task_fail_over_budget(t); break;
    }
}

/* The round is in the journal: each record holds its stage, and the submits that waited for it go. */
static void round_written(gt_client *c, gt_journal_round *r)
{
    c->journal_failures = 0;
    c->journal_failing_since_ms = 0;
    free(c->journal_error);
    c->journal_error = NULL;
    for (size_t i = 0; i < r->n; i++) {
        gt_task *t = r->items[i].task;
        if (!t) continue;
        if (r->items[i].refused != GT_JOURNAL_OK) {
            refused_by_journal(t, r->items[i].refused, r->items[i].id_before);
            continue;
        }
        t->features->journal.written = r->items[i].stage;
        if (t->features->journal.send_when_journaled && t->features->journal.written == GT_RECORD_SENDING) {
            t->features->journal.send_when_journaled = false;
            gt_task_send_submit(t);
        }
        if (gt_queue_linked(&t->features->journal.node)) continue; /* a newer stage is still to write */
        if (t->features->journal.held) gt_engine_arm(c->engine, &t->features->journal.release, gt_now_ms());
        else if (t->features->journal.record_open) gt_task_journal_forget(t);
    }
}

void gt_client_journal_settle(gt_client *c)
{
    if (c->closed && c->journal && !c->committing && gt_client_journal_pending(c) == 0)
        gt_journal_checkpoint(c->journal); /* BUSY: another process's connection copies the rest */
}

static void round_ended(gt_client *c, gt_journal_round *r, gt_journal_status status)
{
    if (status == GT_JOURNAL_OK) round_written(c, r);
    else round_failed(c, r, status);
    round_free(r);
    if (status == GT_JOURNAL_OK) gt_client_journal_settle(c);
}

/* A store over the network answered the round it was handed. */
static void round_answered(void *client, gt_journal_status status, const gt_journal_refusal *refused, size_t n_refused)
{
    gt_client *c = client;
    gt_journal_round *r = c->committing;
    c->committing = NULL;
    if (!r) return;
    for (size_t d = 0; d < n_refused; d++)
        for (size_t i = 0; i < r->n; i++)
            if (r->items[i].task && r->items[i].task->features->journal.record_id == refused[d].id)
                r->items[i].refused = refused[d].why;
    round_ended(c, r, status == GT_JOURNAL_PENDING ? GT_JOURNAL_ERROR : status);
    if (!gt_queue_empty(&c->to_journal)) write_soon(c, 0);
}

/* The client's journal timer: one transaction for every record that has a stage to write, then
 * the submits that waited for it — at once for the file, when the store answers for one over the
 * network (one round at a time: the next waits for the answer). */
static void write_round(void *client)
{
    gt_client *c = client;
    size_t n = c->to_journal.count;
    if (n == 0 || !c->journal || c->committing) return;
    gt_journal_round *r = calloc(1, sizeof *r);
    if (r) r->items = calloc(n, sizeof *r->items);
    gt_journal_status status = r && r->items ? gt_journal_begin(c->journal) : GT_JOURNAL_BUSY;
    if (status == GT_JOURNAL_BUSY) { /* the list stays as it is */
        round_free(r);
        write_soon(c, JOURNAL_RETRY_MS);
        return;
    }
    while (r->n < n && status != GT_JOURNAL_BUSY) {
        gt_task *t = GT_TASK_OF(gt_queue_pop(&c->to_journal), journal.node);
        r->items[r->n].task = t;
        r->items[r->n].stage = t->features->journal.wanted;
        r->items[r->n].id_before = t->features->journal.record_id;
        if (status == GT_JOURNAL_OK) status = write_one(c, t); /* after an ERROR: taken, to be failed */
        /* a key another process took meanwhile, or a budget with no room, refuses that record
         * alone: its statement was not run, the transaction goes on */
        if (status == GT_JOURNAL_DUPLICATE || status == GT_JOURNAL_OVER_BUDGET || status == GT_JOURNAL_BUDGET_HELD) {
            r->items[r->n].refused = status;
            status = GT_JOURNAL_OK;
        }
        r->n++;
    }
    if (status == GT_JOURNAL_OK) status = gt_journal_commit_then(c->journal, round_answered, c);
    if (status == GT_JOURNAL_PENDING) {
        c->committing = r;
        return;
    }
    round_ended(c, r, status);
}

/* A round still unanswered when the journal closes is dropped: its records are as the store
 * has them, for recover(). */
static void round_forget_task(gt_client *c, gt_task *t)
{
    for (size_t i = 0; c->committing && i < c->committing->n; i++)
        if (c->committing->items[i].task == t) c->committing->items[i].task = NULL;
}

void gt_task_journal_files(gt_task *t)
{
    gt_client *c = t->client;
    if (!c->journal || t->features->journal.off || !t->features->journal.record_id) return;
    /* an ended record changes this once more: its files */
    t->features->journal.wanted = GT_RECORD_ENDED;
    gt_queue_push(&c->to_journal, &t->features->journal.node);
    write_soon(c, 0);
}

/* The stage a write still to make would record: queued for a round, or in the one unanswered. */
static bool writes_what_happened(gt_record_stage stage)
{
    return stage == GT_RECORD_ACCEPTED || stage == GT_RECORD_ENDED;
}

static bool write_pending(const gt_client *c, const gt_task *t)
{
    if (!c->journal || t->features->journal.off) return false;
    if (gt_queue_linked(&t->features->journal.node) && writes_what_happened(t->features->journal.wanted)) return true;
    for (size_t i = 0; c->committing && i < c->committing->n; i++)
        if (c->committing->items[i].task == t && writes_what_happened(c->committing->items[i].stage)) return true;
    return false;
}

/* A held task's write is made: its owner's release goes on now, on the engine's round (this may
 * run inside a store's answer). */
static void release_held(void *task)
{
    gt_task *t = task;
    t->features->journal.held = false;
    gt_task_release(t);
}

bool gt_task_journal_hold(gt_task *t)
{
    gt_client *c = t->client;
    if (t->features->journal.held) return true;
    if (!write_pending(c, t)) return false;
    /* a journal that works takes the write now, on its own (a store over the network: sent,
     * unanswered); only one whose writes fail keeps the task until they succeed */
    if (!c->journal_failing_since_ms) {
        gt_queue_remove(&c->to_journal, &t->features->journal.node);
        if (write_one(c, t) == GT_JOURNAL_OK) return false;
        gt_queue_push_front(&c->to_journal, &t->features->journal.node);
        write_soon(c, 0);
    }
    t->features->journal.held = true;
    t->features->journal.send_when_journaled = false;
    gt_task_stop_request(t); /* let go: it only waits for its write */
    gt_timer_init(&t->features->journal.release, release_held, t);
    return true;
}

bool gt_task_journal_held(const gt_task *t)
{
    return t->features->journal.held;
}

void gt_task_journal_keep(gt_task *t)
{
    t->features->journal.held = false;
    gt_engine_disarm(t->client->engine, &t->features->journal.release);
}

void gt_task_journal_free(gt_task *t)
{
    gt_engine_disarm(t->client->engine, &t->features->journal.release);
}

void gt_task_journal_leave_open(gt_task *t)
{
    t->features->journal.record_open = true;
    /* a key looks its record up from now on: whoever polls it next takes it */
    gt_queue_remove(&t->client->journaled, &t->features->journal.journaled_node);
    if (!write_pending(t->client, t)) gt_task_journal_forget(t);
}

void gt_task_journal_forget(gt_task *t)
{
    gt_client *c = t->client;
    /* a stage not yet written that is not what happened (queued, sending) is not written: the
     * task will not be sent (a held task's write was made first) */
    if (gt_queue_linked(&t->features->journal.node)) gt_queue_remove(&c->to_journal, &t->features->journal.node);
    /* nobody here works on it any more: any client's recover() may take it (a busy journal leaves
     * it this client's, for its own recover()) */
    if (c->journal && t->features->journal.record_id &&
        (t->features->journal.written != GT_RECORD_ENDED || t->features->downloads))
        gt_journal_disown(c->journal, t->features->journal.record_id);
    gt_queue_remove(&c->journaled, &t->features->journal.journaled_node);
    round_forget_task(c, t);
    t->features->journal.send_when_journaled = false;
    t->features->journal.off = true;
}

/* ---- outcomes: what an ended record keeps ----------------------------------------------------- */

static void add_string(cJSON *o, const char *key, const char *value)
{
    if (value) cJSON_AddStringToObject(o, key, value);
}

/* An error as JSON, field by field as gt_error_field lists them (the binding's Lua table has the
 * same), with its cause (the failure a deadline cut short): the key already scrubbed from every
 * text by the task that ended. */
static void add_error(cJSON *o, const char *name, const gt_error *e, const char *provider)
{
    cJSON *err = cJSON_AddObjectToObject(o, name);
    if (!err) return;
    for (int f = 0; f < GT_ERROR_FIELD_COUNT; f++) {
        gt_error_value value = gt_error_field_value(e, provider, (gt_error_field)f);
        const char *field = gt_error_field_name((gt_error_field)f);
        switch (value.type) {
        case GT_VALUE_NONE: break;
        case GT_VALUE_TEXT: add_string(err, field, value.text); break;
        case GT_VALUE_INTEGER: cJSON_AddNumberToObject(err, field, (double)value.integer); break;
        case GT_VALUE_NUMBER: cJSON_AddNumberToObject(err, field, value.number); break;
        case GT_VALUE_FLAG: cJSON_AddBoolToObject(err, field, value.flag); break;
        case GT_VALUE_ERROR: add_error(err, field, value.error, provider); break;
        }
    }
}

/* {"state": "succeeded", "urls": [...]} or {"state": "failed"|"cancelled", "error": {...}} */
char *gt_task_outcome_json(const gt_task *t)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    add_string(o, "state", gt_task_state_name(t->state));
    if (t->state == GT_TASK_SUCCEEDED) {
        cJSON *urls = cJSON_AddArrayToObject(o, "urls");
        for (size_t i = 0; urls && i < t->n_urls; i++) cJSON_AddItemToArray(urls, cJSON_CreateString(t->urls[i]));
    } else if (t->error) {
        add_error(o, "error", t->error, gt_profile_name(t->client->profile));
    }
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

static const char *string_of(const cJSON *o, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static gt_error *error_from_json(const cJSON *e, int depth)
{
    gt_kind kind = gt_kind_from_name(string_of(e, "kind"));
    const char *phase = string_of(e, "phase");
    gt_error *err = gt_error_new(kind ? kind : GT_PROTOCOL,
                                 phase && strcmp(phase, "poll") == 0 ? GT_PHASE_POLL : GT_PHASE_SUBMIT,
                                 string_of(e, "message"));
    if (!err) return NULL;
    const cJSON *retryable = cJSON_GetObjectItemCaseSensitive(e, "retryable");
    if (cJSON_IsBool(retryable)) err->retryable = cJSON_IsTrue(retryable);
    const char *submitted = string_of(e, "submitted");
    static const gt_submitted all[] = {GT_SUBMITTED_NO, GT_SUBMITTED_YES, GT_SUBMITTED_UNKNOWN};
    for (size_t i = 0; submitted && i < sizeof all / sizeof all[0]; i++)
        if (strcmp(submitted, gt_submitted_name(all[i])) == 0) err->submitted = all[i];
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(e, "status");
    if (cJSON_IsNumber(status)) err->status = (long)status->valuedouble;
    const cJSON *attempts = cJSON_GetObjectItemCaseSensitive(e, "attempts");
    if (cJSON_IsNumber(attempts)) err->attempts = attempts->valueint;
    err->code = gt_strdup(string_of(e, "code"));
    err->stage = gt_strdup(string_of(e, "stage"));
    err->request_id = gt_strdup(string_of(e, "request_id"));
    err->task_id = gt_strdup(string_of(e, "task_id"));
    err->idempotency_key = gt_strdup(string_of(e, "idempotency_key"));
    err->body = gt_strdup(string_of(e, "body"));
    const cJSON *retry_after = cJSON_GetObjectItemCaseSensitive(e, "retry_after");
    if (cJSON_IsNumber(retry_after) && retry_after->valuedouble >= 0) err->retry_after = retry_after->valuedouble;
    const cJSON *cause = cJSON_GetObjectItemCaseSensitive(e, "cause");
    if (cJSON_IsObject(cause) && depth < 4) err->cause = error_from_json(cause, depth + 1);
    return err;
}

void gt_task_end_from_outcome(gt_task *t, const char *outcome)
{
    cJSON *o = cJSON_Parse(outcome ? outcome : "");
    const char *state = string_of(o, "state");
    const cJSON *urls = cJSON_GetObjectItemCaseSensitive(o, "urls");
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(o, "error");
    if (state && strcmp(state, "succeeded") == 0 && cJSON_IsArray(urls)) {
        size_t n = (size_t)cJSON_GetArraySize(urls);
        t->urls = calloc(n ? n : 1, sizeof *t->urls);
        for (size_t i = 0; t->urls && i < n; i++) {
            const cJSON *url = cJSON_GetArrayItem(urls, (int)i);
            if (cJSON_IsString(url)) t->urls[t->n_urls++] = gt_strdup(url->valuestring);
        }
        gt_task_finish(t, GT_TASK_SUCCEEDED, NULL);
    } else if (cJSON_IsObject(error)) {
        const cJSON *attempts = cJSON_GetObjectItemCaseSensitive(error, "attempts");
        if (cJSON_IsNumber(attempts)) t->attempts = attempts->valueint; /* finish copies it onto the error */
        bool cancelled = state && strcmp(state, "cancelled") == 0;
        gt_task_finish(t, cancelled ? GT_TASK_CANCELLED : GT_TASK_FAILED, error_from_json(error, 0));
    } else {
        gt_task_finish(t, GT_TASK_FAILED,
                       gt_error_new(GT_PROTOCOL, GT_PHASE_POLL, "the journal's record of this task cannot be read"));
    }
    cJSON_Delete(o);
}
