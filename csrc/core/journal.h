/* journal.h — the journal: every task of a client kept in an SQLite file (or another store behind
 * the same calls: journal_backend.h), so that the tasks of a process that crashed can be found
 * again and none of them is paid for twice.
 *
 * A storage layer and nothing more: it knows records, not tasks. It depends on base.h, SQLite,
 * libcrypto (hashes) and cJSON alone; the task state machine decides when to write what.
 *
 * The API key never enters the file: it is passed to gt_journal_check_account only, which keeps a
 * salted HMAC of it. Records hold the request as sent minus the key (the caller removes it).
 *
 * Nothing here blocks: the connection has no busy timeout, so a journal another connection is
 * writing answers GT_JOURNAL_BUSY at once and the caller tries again later on a timer. */
#ifndef GENTASK_JOURNAL_H
#define GENTASK_JOURNAL_H

#include "base.h"

typedef struct gt_journal gt_journal;

typedef enum gt_journal_status {
    GT_JOURNAL_OK = 0,
    GT_JOURNAL_BUSY,      /* another connection holds the lock: nothing was changed, try again later */
    GT_JOURNAL_NOT_FOUND, /* no record of that key or id */
    GT_JOURNAL_MISMATCH,  /* the journal belongs to another API key */
    GT_JOURNAL_DUPLICATE, /* a record with that caller_key is there already */
    GT_JOURNAL_ERROR,     /* anything else; gt_journal_error says what */
    GT_JOURNAL_PENDING    /* commit handed over: its done callback says how it went */
} gt_journal_status;

/* A commit's answer, when it came later (PENDING): OK, BUSY (not written, or not known to be:
 * write it again) or ERROR; duplicates lists the ids of the records whose caller_key another
 * record had taken (those alone were not written). Called from the engine's loop. */
typedef void (*gt_journal_done_fn)(void *ctx, gt_journal_status status, const int64_t *duplicates, size_t n_duplicates);

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
    int64_t created_ms, updated_ms; /* wall clock (ms since 1970): they must mean something to the next process */
} gt_record;

void gt_record_clear(gt_record *r);                      /* frees the strings, zeroes the record */
bool gt_record_copy(const gt_record *r, gt_record *out); /* false: out of memory (out cleared) */
void gt_records_free(gt_record *records, size_t n);      /* clears each, frees the array */

/* Opens the journal at path, creating it (mode 0600) if it is not there: WAL, synchronous =
 * NORMAL (a committed transaction survives the process being killed; only a power cut may lose
 * the last ones), no busy timeout. The schema version is PRAGMA user_version, the file is marked
 * as gentask's by PRAGMA application_id; an older schema is migrated here, a newer one (written by
 * a later gentask) or a file of another program is refused. NULL on failure, with *error (when
 * error is not NULL) a message to free(). */
gt_journal *gt_journal_open(const char *path, char **error);
void gt_journal_close(gt_journal *j);              /* rolls back an open transaction */
const char *gt_journal_error(const gt_journal *j); /* the last error, for messages; "" if none */
bool gt_journal_is_file(gt_journal *j);            /* the SQLite file, not a store over the network */
/* The last error's code when it is the store's fault, not the caller's: "redis" (Redis refused
 * us: a password, persistence), "journal_lost" (the store lost the journal's records: nothing is
 * written to it any more, so nothing is sent); NULL otherwise. A constant string. */
const char *gt_journal_fault_code(const gt_journal *j);
#define GT_JOURNAL_LOST_CODE "journal_lost"

/* Batching: the engine commits a round's records in one transaction before their submits start.
 * begin takes the write lock at once (BEGIN IMMEDIATE): BUSY then means no transaction was started
 * and nothing was changed. commit's BUSY leaves the transaction open, to be committed again; its
 * ERROR may have ended it (gt_journal_rollback is then harmless). Outside begin/commit every add
 * or update is a transaction of its own. */
gt_journal_status gt_journal_begin(gt_journal *j);
gt_journal_status gt_journal_commit(gt_journal *j);
/* The same, for a caller that can wait: a backend over a network answers PENDING, and done says
 * later how it went (never after the journal is closed; until then begin answers BUSY). The
 * SQLite file answers at once, as gt_journal_commit, and never calls done. */
gt_journal_status gt_journal_commit_then(gt_journal *j, gt_journal_done_fn done, void *ctx);
/* A record's id is the record's from add on, committed or not: a failed commit is written again
 * under the ids it had (true for a backend that draws ids; the SQLite file counts them). */
bool gt_journal_keeps_ids(const gt_journal *j);
/* Nothing when no transaction is open. The records added in a rolled-back transaction are not in
 * the journal: their ids mean nothing (the next add may take them again). */
void gt_journal_rollback(gt_journal *j);

/* Inserts r: provider, model, path and params are required; request_hash is computed when NULL
 * (ERROR when params is not JSON). Sets r->id, r->created_ms and r->updated_ms. DUPLICATE when
 * r->caller_key is taken. */
gt_journal_status gt_journal_add(gt_journal *j, gt_record *r);
/* Writes stage, idempotency_key, remote_id, poll_url and outcome of the record r->id, and the
 * time, which it also sets in r->updated_ms. NOT_FOUND when there is no such record. */
gt_journal_status gt_journal_update(gt_journal *j, gt_record *r);
/* The record of caller_key into *out (overwritten, not freed first: pass a zeroed or cleared
 * record). OK / NOT_FOUND / BUSY / ERROR. */
gt_journal_status gt_journal_find_key(gt_journal *j, const char *caller_key, gt_record *out);
/* ---- reads on the engine's loop (a store over the network: Redis) ------------------------------ */

/* A read handed to a store that answers later. The caller owns it (usually inside a struct of its
 * own) and keeps it until its callback ran; a journal closed before that calls nothing. */
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
/* Whether the store answers on the loop: its reads go through the *_then calls (the others would
 * wait on the network). The SQLite file answers at once: its reads are the calls below. */
bool gt_journal_answers_later(const gt_journal *j);
/* PENDING: rd's callback runs from a later engine step; BUSY: not sent (the store is unreachable
 * now), and the callback never runs. */
gt_journal_status gt_journal_find_key_then(gt_journal *j, const char *caller_key, gt_journal_read *rd);
gt_journal_status gt_journal_claim_record_then(gt_journal *j, gt_journal_read *rd);
gt_journal_status gt_journal_unended_then(gt_journal *j, const char *provider, gt_journal_read *rd);

/* Every record not ended, and every succeeded one whose downloads did not end (download set,
 * files NULL) — of the owner named by gt_journal_set_owner alone, if one is — oldest first: *out is an array of *n
 * records (NULL when none) to free with gt_records_free. */
gt_journal_status gt_journal_unended(gt_journal *j, gt_record **out, size_t *n);
/* How many records stand for a submit that went out (or may have): on its way, accepted, or
 * ended after being sent. max_submits counts them, across the processes that used the journal. */
gt_journal_status gt_journal_count_sent(gt_journal *j, int64_t *n);

/* The account check: on first use stores a fingerprint of api_key (HMAC-SHA256 keyed with a
 * random salt kept in the journal, so the fingerprint cannot be matched against keys elsewhere);
 * afterwards OK when api_key is the one fingerprinted, MISMATCH when the journal belongs to
 * another key (its tasks were paid for by another account: recovering them with this key would
 * poll someone else's tasks, or submit them again). */
gt_journal_status gt_journal_check_account(gt_journal *j, const char *api_key);

/* ---- the key's state shared by the processes using the journal (journal_shared.c) ------------- */

/* Times are wall clock ms (another process reads them). owner names one client (a random id).
 * Each call is one transaction of its own: call them outside begin/commit. */

/* Names the client writing through j: its records carry owner from now on, and unended lists
 * only owner's records. false: out of memory. */
bool gt_journal_set_owner(gt_journal *j, const char *owner);
/* Gives j's owner the unended records of provider whose owner is gone: closed (no row), or dead —
 * on this host, its process is not running; elsewhere, its lease ran out before now_ms. A dead
 * owner's row goes too, and with it the places it held. */
gt_journal_status gt_journal_claim(gt_journal *j, const char *provider, int64_t now_ms);
/* The same for record id alone: *claimed false when a live owner works on it. */
gt_journal_status gt_journal_claim_record(gt_journal *j, int64_t id, int64_t now_ms, bool *claimed);
/* j's owner lets record id go (a task its caller dropped): any client's recover() may take it. */
gt_journal_status gt_journal_disown(gt_journal *j, int64_t id);
/* The file's WAL copied into the database file and emptied, so that the file alone holds every
 * committed record (call it outside begin/commit); OK at once for a store that is not a file. BUSY:
 * another process's connection kept part of it in the WAL. */
gt_journal_status gt_journal_checkpoint(gt_journal *j);

/* Takes one of the key's places for owner, when fewer than cap are held by owners whose lease
 * runs past now_ms (owner's own always count); renews owner's lease to lease_until_ms either way
 * it is taken. cap <= 0: taken whatever the count (a task already at the provider). *taken says. */
gt_journal_status gt_journal_take_slot(gt_journal *j, const char *owner, int cap, int64_t now_ms,
                                       int64_t lease_until_ms, bool *taken);
/* Adds delta (may be negative; the count never goes below 0) to owner's places and renews its
 * lease: delta 0 is the heartbeat. */
gt_journal_status gt_journal_add_slots(gt_journal *j, const char *owner, int delta, int64_t lease_until_ms);
/* owner is gone: its places are given back. */
gt_journal_status gt_journal_leave(gt_journal *j, const char *owner);
/* The key's pause-until (0: none) and learned cap (< 0: none learned). */
gt_journal_status gt_journal_shared(gt_journal *j, int64_t *paused_until_ms, double *cap);
gt_journal_status gt_journal_pause(gt_journal *j, int64_t until_ms); /* only ever moves it later */
gt_journal_status gt_journal_set_cap(gt_journal *j, double cap);

/* ---- webhook deliveries passed between the key's processes (journal_deliveries.c) -------------- */

/* A delivery one process received for a task another may hold. Strings owned by the array. */
typedef struct gt_journal_delivery {
    int64_t id;
    char *remote_id;
    char *body;     /* the payload, scrubbed of secrets; NULL: news only */
    char *verifier; /* the fingerprint of the secret that checked its signature; NULL: none did */
} gt_journal_delivery;

/* What the deliveries nobody took may hold, per provider: rows older than max_age_ms go, then,
 * past max_count rows or max_bytes (ids and bodies), the oldest unverified ones, then the oldest
 * verified ones. Forged news cannot push out a delivery a secret checked. */
typedef struct gt_delivery_limits {
    int64_t max_age_ms;
    int64_t max_count;
    int64_t max_bytes;
} gt_delivery_limits;

/* Posts a delivery for provider's task remote_id (body and verifier NULL when unverified), at wall
 * time now_ms; the provider's deliveries are brought within limits in the same call. */
gt_journal_status gt_journal_post_delivery(gt_journal *j, const char *provider, const char *remote_id, const char *body,
                                           const char *verifier, int64_t now_ms, const gt_delivery_limits *limits);
/* Every delivery posted for provider, oldest first: *out (NULL when none) to free with
 * gt_journal_deliveries_free. */
gt_journal_status gt_journal_deliveries(gt_journal *j, const char *provider, gt_journal_delivery **out, size_t *n);
void gt_journal_deliveries_free(gt_journal_delivery *d, size_t n);
/* Delivery id was taken by the task's owner: gone for every process. */
gt_journal_status gt_journal_drop_delivery(gt_journal *j, int64_t id);

/* ---- fingerprints (fingerprint.c) --------------------------------------------------------------- */

/* The request's identity: hex SHA-256 of the canonical JSON of {"model", "params", "provider"},
 * params being parsed from params_json, every object's keys sorted (bytewise) at every depth, no
 * spaces (cJSON_PrintUnformatted). The same request spelled with another key order hashes the
 * same. A malloc'd string, or NULL when params_json is not JSON (or an argument is NULL). */
char *gt_request_hash(const char *provider, const char *model, const char *params_json);

#endif
