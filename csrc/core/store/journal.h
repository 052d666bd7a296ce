/* journal.h — the journal: every task of a client kept in a store, so that the tasks of a process
 * that crashed can be found again and none of them is paid for twice. The store is a backend
 * behind one ops table (gt_journal_ops, called through the inline wrappers below, as shared.h
 * does): the SQLite file (journal.c and its journal_*.c; its own calls: journal_sqlite.h) or
 * Redis (journal_redis.c). gt_journal_open (journal_open.c) picks the backend from the `journal`
 * option: the only place the choice is made.
 *
 * A storage layer and nothing more: it knows records, not tasks. The task state machine decides
 * when to write what. Below both backends: gt_journal_fail and the record helpers
 * (journal_common.c), fingerprint.c's hashes.
 *
 * The API key never enters the file: it is passed to gt_journal_check_account only, which keeps a
 * salted HMAC of it. Records hold the request as sent minus the key (the caller removes it).
 *
 * Nothing here blocks: the connection has no busy timeout, so a journal another connection is
 * writing answers GT_JOURNAL_BUSY at once and the caller tries again later on a timer. */
#ifndef GENTASK_JOURNAL_H
#define GENTASK_JOURNAL_H

#include "../base/base.h"

typedef struct gt_journal gt_journal;

typedef enum gt_journal_status {
    GT_JOURNAL_OK = 0,
    GT_JOURNAL_BUSY,      /* another connection holds the lock: nothing was changed, try again later */
    GT_JOURNAL_NOT_FOUND, /* no record of that key or id */
    GT_JOURNAL_MISMATCH,  /* the journal belongs to another API key */
    GT_JOURNAL_DUPLICATE, /* a record with that caller_key is there already */
    GT_JOURNAL_ERROR,     /* anything else; gt_journal_error says what */
    GT_JOURNAL_PENDING,   /* commit handed over: its done callback says how it went */
    /* A record that would become sent was refused by the journal's budget (gt_journal_budget):
     * OVER_BUDGET, what the ended tasks spent leaves no room for it (it will never fit);
     * BUDGET_HELD, the tasks in flight hold the room (it may fit once they end). The record was
     * not written; the transaction goes on. */
    GT_JOURNAL_OVER_BUDGET,
    GT_JOURNAL_BUDGET_HELD
} gt_journal_status;

/* A record of a round the store did not write, and why: DUPLICATE (its caller_key is another
 * record's), OVER_BUDGET or BUDGET_HELD. */
typedef struct gt_journal_refusal {
    int64_t id;
    gt_journal_status why;
} gt_journal_refusal;

/* A commit's answer, when it came later (PENDING): OK, BUSY (not written, or not known to be:
 * write it again) or ERROR; refused lists the records that alone were not written. Called from
 * the engine's loop. */
typedef void (*gt_journal_done_fn)(void *ctx, gt_journal_status status, const gt_journal_refusal *refused,
                                   size_t n_refused);

/* Where a record is on its way. The file stores the names, not the numbers. */
typedef enum gt_record_stage {
    GT_RECORD_QUEUED,   /* journaled, its submit not started: safe to submit */
    GT_RECORD_SENDING,  /* the submit may have reached the provider: resubmitting may pay twice */
    GT_RECORD_ACCEPTED, /* the provider answered with an id: poll it, never submit again */
    GT_RECORD_ENDED     /* succeeded, failed or cancelled: outcome says which */
} gt_record_stage;

const char *gt_record_stage_name(gt_record_stage stage);                  /* "queued" ... "ended"; NULL if unknown */
bool gt_record_stage_from_name(const char *name, gt_record_stage *stage); /* false: not a stage's name */

/* Every string is owned (malloc'd) by the record; gt_record_clear frees them. */
typedef struct gt_record {
    int64_t id; /* the journal's row id, set by gt_journal_add; never reused once committed */
    gt_record_stage stage;
    char *caller_key; /* the caller's own idempotency key ("row-17"), may be NULL; unique per journal */
    char *provider, *model;
    char *path;            /* submit path (after base_url) */
    char *poll_path;       /* a per-request poll path template, may be NULL */
    char *params;          /* the request body as sent, WITHOUT secrets (the caller removed the key) */
    char *request_hash;    /* gt_request_hash(provider, model, params); gt_journal_add fills it when NULL */
    char *idempotency_key; /* the key sent to the provider (FLORA), may be NULL */
    char *remote_id, *poll_url;
    char *outcome;  /* ended: a JSON text the caller defines (state, urls or the error), may be NULL */
    char *download; /* the results are to be saved as files: a JSON spec the caller defines; NULL: not */
    char *files;    /* what those downloads wrote (JSON), NULL until they ended */
    /* Money, in the profile's currency (task/cost.c). reserved: what the task may cost at most,
     * held against the budget from its send until its cost is known (0: no price known). cost:
     * what it cost, or what an answer reported on its way, when cost_source names where that came
     * from ("reported", "price table", "not sent"); cost_source NULL: not known (yet). */
    double reserved, cost;
    char *cost_source;
    int64_t created_ms, updated_ms; /* wall clock (ms since 1970): they must mean something to the next process */
} gt_record;

void gt_record_clear(gt_record *r);                      /* frees the strings, zeroes the record */
bool gt_record_copy(const gt_record *r, gt_record *out); /* false: out of memory (out cleared) */
void gt_records_free(gt_record *records, size_t n);      /* clears each, frees the array */

/* A read handed to a store that answers later (the ops' *_then). The caller owns it (usually
 * inside a struct of its own) and keeps it until its callback ran; a journal closed before that
 * calls nothing. */
typedef struct gt_journal_read gt_journal_read;
struct gt_journal_read {
    gt_journal *journal; /* set by the call */
    int64_t id;          /* claim_record_then: the record */
    /* find_key_then: OK (r valid during the call), NOT_FOUND, BUSY (no answer: ask again later),
     * ERROR (gt_journal_error says why) */
    void (*found)(gt_journal_read *rd, gt_journal_status status, const gt_record *r);
    /* claim_record_then: OK with *claimed, BUSY or ERROR */
    void (*claimed)(gt_journal_read *rd, gt_journal_status status, bool claimed);
    /* unended_then (after its claim of the owners that are gone): OK with the records (the array
     * is the callee's, valid during the call), BUSY or ERROR */
    void (*listed)(gt_journal_read *rd, gt_journal_status status, const gt_record *records, size_t n);
};

/* What a backend implements: each of the journal's operations, named here once. */
typedef struct gt_journal_ops {
    void (*close)(gt_journal *j); /* rolls back an open transaction */
    /* Batching: the engine commits a round's records in one transaction before their submits
     * start. begin takes the write lock at once (BEGIN IMMEDIATE): BUSY then means no transaction
     * was started and nothing was changed. commit's BUSY leaves the transaction open, to be
     * committed again; its ERROR may have ended it (rollback is then harmless). Outside
     * begin/commit every add or update is a transaction of its own. */
    gt_journal_status (*begin)(gt_journal *j);
    /* done NULL: the caller cannot wait (a backend that could only answer later says BUSY). A
     * store over a network answers PENDING, and done says later how it went (never after the
     * journal is closed; until then begin answers BUSY). The file answers at once and never calls
     * done. */
    gt_journal_status (*commit)(gt_journal *j, gt_journal_done_fn done, void *ctx);
    /* Nothing when no transaction is open. The records added in a rolled-back transaction are not
     * in the journal: their ids mean nothing (the next add may take them again). */
    void (*rollback)(gt_journal *j);
    /* Inserts r: provider, model, path and params are required; request_hash is computed when
     * NULL (ERROR when params is not JSON). Sets r->id, r->created_ms and r->updated_ms.
     * DUPLICATE when r->caller_key is taken. */
    gt_journal_status (*add)(gt_journal *j, gt_record *r);
    /* Writes stage, idempotency_key, remote_id, poll_url and outcome of the record r->id, and the
     * time, which it also sets in r->updated_ms. NOT_FOUND when there is no such record. */
    gt_journal_status (*update)(gt_journal *j, gt_record *r);
    /* The record of caller_key into *out (overwritten, not freed first: pass a zeroed or cleared
     * record). OK / NOT_FOUND / BUSY / ERROR. */
    gt_journal_status (*find_key)(gt_journal *j, const char *caller_key, gt_record *out);
    /* Every record not ended, and every succeeded one whose downloads did not end (download set,
     * files NULL) — of the owner named by set_owner alone, if one is — oldest first: *out is an
     * array of *n records (NULL when none) to free with gt_records_free. */
    gt_journal_status (*unended)(gt_journal *j, gt_record **out, size_t *n);
    /* How many records stand for a submit that went out (or may have): on its way, accepted, or
     * ended after being sent. max_submits counts them, across the processes that used the
     * journal. */
    gt_journal_status (*count_sent)(gt_journal *j, int64_t *n);
    /* The account check: on first use stores a fingerprint of api_key (HMAC-SHA256 keyed with a
     * random salt kept in the journal, so the fingerprint cannot be matched against keys
     * elsewhere); afterwards OK when api_key is the one fingerprinted, MISMATCH when the journal
     * belongs to another key (its tasks were paid for by another account: recovering them with
     * this key would poll someone else's tasks, or submit them again). */
    gt_journal_status (*check_account)(gt_journal *j, const char *api_key);
    /* Owners: times are wall clock ms (another process reads them); owner names one client (a
     * random id). Each call is one transaction of its own: call them outside begin/commit.
     * set_owner names the client writing through j: its records carry owner from now on, and
     * unended lists only owner's records. false: out of memory. */
    bool (*set_owner)(gt_journal *j, const char *owner);
    /* Gives j's owner the unended records of provider whose owner is gone: closed (no row), or
     * dead — on this host, its process is not running; elsewhere, its lease ran out before now_ms.
     * A dead owner's row goes too, and with it the places it held. */
    gt_journal_status (*claim)(gt_journal *j, const char *provider, int64_t now_ms);
    /* The same for record id alone: *claimed false when a live owner works on it. */
    gt_journal_status (*claim_record)(gt_journal *j, int64_t id, int64_t now_ms, bool *claimed);
    /* j's owner lets record id go (a task its caller dropped): any client's recover() may take it. */
    gt_journal_status (*disown)(gt_journal *j, int64_t id);
    /* The store's copy made whole, so that the file alone holds every committed record (call it
     * outside begin/commit). NULL: nothing to do (a store that is not a file). BUSY: another
     * process's connection kept part of it back. */
    gt_journal_status (*checkpoint)(gt_journal *j);
    /* A store that answers on the loop: its reads go through these (the plain ones would wait on
     * the network). PENDING: rd's callback runs from a later engine step; BUSY: not sent (the
     * store is unreachable now), and the callback never runs. NULL for the file, which answers at
     * once. */
    gt_journal_status (*find_key_then)(gt_journal *j, const char *caller_key, gt_journal_read *rd);
    gt_journal_status (*claim_record_then)(gt_journal *j, gt_journal_read *rd);
    gt_journal_status (*unended_then)(gt_journal *j, const char *provider, gt_journal_read *rd);
    /* count_sent, asked on the loop: fn is called once the store answered, from a later engine
     * step — asked again with every round until it has. NULL for the file. */
    void (*count_sent_then)(gt_journal *j, void (*fn)(void *ctx, int64_t n), void *ctx);
    /* A record's id is its own from add on, whether its transaction was committed or not (an id
     * the backend drew rather than one the store counted): a commit that failed is written again
     * under the same ids, which is what makes writing it again harmless. */
    bool keeps_ids;
    bool is_file; /* the SQLite file, not a store over the network (error codes say "journal", not "redis") */
} gt_journal_ops;

/* What the processes sharing a journal may send, together: a record becomes sent (sending or
 * accepted, from queued or new) only while the journal's count of sent records stays within
 * max_submits, and its spend within max_cost once the record's reserved is added. The journal's
 * spend is, over its records: nothing for a queued one; its cost when known; else its reserved
 * (an ended task of unknown cost may have been charged: the bound counts). The reserved of the
 * tasks in flight is "held": room that may come back. 0: no limit. */
typedef struct gt_journal_budget {
    long max_submits;
    double max_cost;
    /* the profile's cost currency (NULL: none): with max_cost, written beside the records for the
     * fleet's view (gentask status) */
    const char *currency;
} gt_journal_budget;

/* Whether a task that may cost `reserve` fits a budget of max_cost, given what ended tasks spent
 * (settled) and what tasks in flight hold (held); one rule for every store. Amounts within a
 * millionth of a unit are equal: sums of prices carry a float's rounding. */
static inline gt_journal_status gt_journal_budget_fits(double max_cost, double settled, double held, double reserve)
{
    const double slack = 1e-6;
    if (max_cost <= 0) return GT_JOURNAL_OK;
    if (settled + reserve > max_cost + slack) return GT_JOURNAL_OVER_BUDGET;
    if (settled + held + reserve > max_cost + slack) return GT_JOURNAL_BUDGET_HELD;
    return GT_JOURNAL_OK;
}

/* Every backend's handle starts with this. */
struct gt_journal {
    const gt_journal_ops *ops;
    gt_journal_budget budget; /* checked by add and update; the client sets it once the journal is open */
    char *path;               /* the file or address, for messages (never a password) */
    char error[1024];         /* the last error; a buffer, so that running out of memory can be reported too */
    const char *fault;        /* the last error is the store's fault: its code (a constant); NULL: not */
};

/* The journal the `journal` option names (journal_open.c): a redis:// address is Redis on e's
 * loop (opts' redis_timeout, redis_volatile_ok and journal_fresh apply), anything else the SQLite
 * file at that path (journal_sqlite.h). NULL on failure, with *error a message to free(). */
gt_journal *gt_journal_open(gt_engine *e, const char *where, const gt_client_options *opts, char **error);

/* ---- below the backends (journal_common.c) -------------------------------------------------------- */

/* Records an error of the journal's own (printf-style), "journal <path>: " before it. Returns
 * GT_JOURNAL_ERROR. */
gt_journal_status gt_journal_fail(gt_journal *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for a fault of the store (code: "redis", "journal_lost"; a constant string). */
gt_journal_status gt_journal_fault(gt_journal *j, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The request's identity (fingerprint.c): hex SHA-256 of the canonical JSON of {"model",
 * "params", "provider"}, params being parsed from params_json, every object's keys sorted
 * (bytewise) at every depth, no spaces (cJSON_PrintUnformatted). The same request spelled with
 * another key order hashes the same. A malloc'd string, or NULL when params_json is not JSON (or
 * an argument is NULL). */
char *gt_request_hash(const char *provider, const char *model, const char *params_json);

/* ---- the calls: each the handle's backend's ------------------------------------------------------ */

/* the last error, for messages; "" if none */
static inline const char *gt_journal_error(const gt_journal *j)
{
    return j ? j->error : "";
}
/* The last error's code when it is the store's fault, not the caller's: "redis" (Redis refused
 * us: a password, persistence), "journal_lost" (the store lost the journal's records: nothing is
 * written to it any more, so nothing is sent); NULL otherwise. A constant string. */
static inline const char *gt_journal_fault_code(const gt_journal *j)
{
    return j ? j->fault : NULL;
}
#define GT_JOURNAL_LOST_CODE "journal_lost"
static inline bool gt_journal_is_file(const gt_journal *j)
{
    return j->ops->is_file;
}
static inline bool gt_journal_keeps_ids(const gt_journal *j)
{
    return j->ops->keeps_ids;
}
/* Whether the store answers on the loop: its reads then go through the *_then calls. */
static inline bool gt_journal_answers_later(const gt_journal *j)
{
    return j && j->ops->find_key_then != NULL;
}
static inline void gt_journal_close(gt_journal *j)
{
    if (j) j->ops->close(j);
}
static inline gt_journal_status gt_journal_begin(gt_journal *j)
{
    return j->ops->begin(j);
}
static inline gt_journal_status gt_journal_commit(gt_journal *j)
{
    return j->ops->commit(j, NULL, NULL);
}
static inline gt_journal_status gt_journal_commit_then(gt_journal *j, gt_journal_done_fn done, void *ctx)
{
    return j->ops->commit(j, done, ctx);
}
static inline void gt_journal_rollback(gt_journal *j)
{
    if (j) j->ops->rollback(j);
}
static inline gt_journal_status gt_journal_add(gt_journal *j, gt_record *r)
{
    return j->ops->add(j, r);
}
static inline gt_journal_status gt_journal_update(gt_journal *j, gt_record *r)
{
    return j->ops->update(j, r);
}
static inline gt_journal_status gt_journal_find_key(gt_journal *j, const char *caller_key, gt_record *out)
{
    return j->ops->find_key(j, caller_key, out);
}
static inline gt_journal_status gt_journal_unended(gt_journal *j, gt_record **out, size_t *n)
{
    return j->ops->unended(j, out, n);
}
static inline gt_journal_status gt_journal_count_sent(gt_journal *j, int64_t *n)
{
    return j->ops->count_sent(j, n);
}
static inline gt_journal_status gt_journal_check_account(gt_journal *j, const char *api_key)
{
    return j->ops->check_account(j, api_key);
}
static inline bool gt_journal_set_owner(gt_journal *j, const char *owner)
{
    return j->ops->set_owner(j, owner);
}
static inline gt_journal_status gt_journal_claim(gt_journal *j, const char *provider, int64_t now_ms)
{
    return j->ops->claim(j, provider, now_ms);
}
static inline gt_journal_status gt_journal_claim_record(gt_journal *j, int64_t id, int64_t now_ms, bool *claimed)
{
    return j->ops->claim_record(j, id, now_ms, claimed);
}
static inline gt_journal_status gt_journal_disown(gt_journal *j, int64_t id)
{
    return j->ops->disown(j, id);
}
static inline gt_journal_status gt_journal_checkpoint(gt_journal *j)
{
    return j->ops->checkpoint ? j->ops->checkpoint(j) : GT_JOURNAL_OK;
}
/* the *_then reads of a store that answers at once are the caller's mistake: an error, no callback */
static inline gt_journal_status gt_journal_find_key_then(gt_journal *j, const char *caller_key, gt_journal_read *rd)
{
    rd->journal = j;
    if (!j->ops->find_key_then) return gt_journal_fail(j, "this store answers at once: find_key");
    return j->ops->find_key_then(j, caller_key, rd);
}
static inline gt_journal_status gt_journal_claim_record_then(gt_journal *j, gt_journal_read *rd)
{
    rd->journal = j;
    if (!j->ops->claim_record_then) return gt_journal_fail(j, "this store answers at once: claim_record");
    return j->ops->claim_record_then(j, rd);
}
static inline gt_journal_status gt_journal_unended_then(gt_journal *j, const char *provider, gt_journal_read *rd)
{
    rd->journal = j;
    if (!j->ops->unended_then) return gt_journal_fail(j, "this store answers at once: unended");
    return j->ops->unended_then(j, provider, rd);
}
/* NULL for a store that answers at once: its count_sent answered already */
static inline void gt_journal_count_sent_then(gt_journal *j, void (*fn)(void *ctx, int64_t n), void *ctx)
{
    if (j->ops->count_sent_then) j->ops->count_sent_then(j, fn, ctx);
}

#endif
