/* journal_handle.h — the inside of the SQLite journal, for its own files (journal*.c,
 * fingerprint.c) and its test (csrc/tests/journal_test.c) alone: everyone else sees journal.h. */
#ifndef GENTASK_JOURNAL_HANDLE_H
#define GENTASK_JOURNAL_HANDLE_H

#include "journal_backend.h"

#include <sqlite3.h>

/* The statements the journal runs, prepared once on first use and kept on the handle; each one's
 * SQL is written where it is used. Every value goes in through a bound parameter. */
typedef enum gt_journal_statement {
    GT_SQL_BEGIN,
    GT_SQL_COMMIT,
    GT_SQL_ROLLBACK,
    GT_SQL_ADD,
    GT_SQL_UPDATE,
    GT_SQL_FIND_KEY,
    GT_SQL_UNENDED,
    GT_SQL_COUNT_SENT,
    GT_SQL_ACCOUNT_GET,
    GT_SQL_ACCOUNT_PUT,
    GT_SQL_SLOT_TAKE,
    GT_SQL_SLOTS_ADD,
    GT_SQL_OWNER_LEAVE,
    GT_SQL_SHARED_GET,
    GT_SQL_SHARED_PAUSE,
    GT_SQL_SHARED_CAP,
    GT_SQL_DISOWN,
    GT_SQL_DELIVERY_POST,
    GT_SQL_DELIVERY_LIST,
    GT_SQL_DELIVERY_DROP,
    GT_SQL_DELIVERY_PRUNE,
    GT_SQL_DELIVERY_BOUND,
    GT_SQL_COUNT
} gt_journal_statement;

typedef struct gt_sqlite_journal {
    gt_journal base; /* the file's path and the last error */
    sqlite3 *db;
    sqlite3_stmt *statements[GT_SQL_COUNT];
    char *owner;    /* the client writing through this handle (gt_journal_set_owner); NULL: none named */
    char host[256]; /* this machine's name, for owners: a pid means something on its own host only */
} gt_sqlite_journal;

/* The SQLite journal behind a handle; NULL when the handle is another backend's. */
gt_sqlite_journal *gt_sqlite_journal_of(gt_journal *j);

/* Statement `which`, prepared from sql on first use (NULL on failure, with the error set). */
sqlite3_stmt *gt_journal_prepared(gt_sqlite_journal *j, gt_journal_statement which, const char *sql);
/* Records SQLite's error of rc while doing what `doing` says, and maps rc: BUSY for SQLITE_BUSY
 * and SQLITE_LOCKED (another connection holds the lock), ERROR otherwise. */
gt_journal_status gt_journal_sqlite_failed(gt_sqlite_journal *j, int rc, const char *doing);

/* ---- the backend's operations, each the SQLite side of journal.h's call of the same name ------- */

gt_journal *gt_sqlite_open(const char *path, char **error);
void gt_sqlite_close(gt_sqlite_journal *j);
gt_journal_status gt_sqlite_begin(gt_sqlite_journal *j);
gt_journal_status gt_sqlite_commit(gt_sqlite_journal *j);
void gt_sqlite_rollback(gt_sqlite_journal *j);
gt_journal_status gt_sqlite_add(gt_sqlite_journal *j, gt_record *r);
gt_journal_status gt_sqlite_update(gt_sqlite_journal *j, gt_record *r);
gt_journal_status gt_sqlite_find_key(gt_sqlite_journal *j, const char *caller_key, gt_record *out);
gt_journal_status gt_sqlite_unended(gt_sqlite_journal *j, gt_record **out, size_t *n);
gt_journal_status gt_sqlite_count_sent(gt_sqlite_journal *j, int64_t *n);
gt_journal_status gt_sqlite_check_account(gt_sqlite_journal *j, const char *api_key);
bool gt_sqlite_set_owner(gt_sqlite_journal *j, const char *owner);
gt_journal_status gt_sqlite_claim(gt_sqlite_journal *j, const char *provider, int64_t now_ms);
gt_journal_status gt_sqlite_claim_record(gt_sqlite_journal *j, int64_t id, int64_t now_ms, bool *claimed);
gt_journal_status gt_sqlite_disown(gt_sqlite_journal *j, int64_t id);
gt_journal_status gt_sqlite_checkpoint(gt_sqlite_journal *j);
gt_journal_status gt_sqlite_take_slot(gt_sqlite_journal *j, const char *owner, int cap, int64_t now_ms,
                                      int64_t lease_until_ms, bool *taken);
gt_journal_status gt_sqlite_add_slots(gt_sqlite_journal *j, const char *owner, int delta, int64_t lease_until_ms);
gt_journal_status gt_sqlite_leave(gt_sqlite_journal *j, const char *owner);
gt_journal_status gt_sqlite_shared(gt_sqlite_journal *j, int64_t *paused_until_ms, double *cap);
gt_journal_status gt_sqlite_pause(gt_sqlite_journal *j, int64_t until_ms);
gt_journal_status gt_sqlite_set_cap(gt_sqlite_journal *j, double cap);
gt_journal_status gt_sqlite_post_delivery(gt_sqlite_journal *j, const char *provider, const char *remote_id,
                                          const char *body, const char *verifier, int64_t now_ms,
                                          const gt_delivery_limits *limits);
gt_journal_status gt_sqlite_deliveries(gt_sqlite_journal *j, const char *provider, gt_journal_delivery **out,
                                       size_t *n);
gt_journal_status gt_sqlite_drop_delivery(gt_sqlite_journal *j, int64_t id);

/* ---- schema (journal_schema.c) ------------------------------------------------------------------ */

/* Refuses, before anything is written to it, a file of a newer schema or of another program. */
gt_journal_status gt_journal_check_file(gt_sqlite_journal *j);
/* Brings the schema to this build's version (creating it in a new file), checking the file again
 * under the write lock. */
gt_journal_status gt_journal_migrate(gt_sqlite_journal *j);

/* ---- fingerprint.c ------------------------------------------------------------------------------ */

#define GT_ACCOUNT_SALT_BYTES 32
/* Hex HMAC-SHA256 of api_key keyed with salt; NULL on failure. */
char *gt_account_fingerprint(const unsigned char *salt, size_t salt_len, const char *api_key);
/* What Redis's salt script (GT_REDIS_SALT) takes: the key of the account salt under prefix,
 * returned, and a new salt as hex text in salt (kept only if none is there yet). NULL: no random
 * bytes, or out of memory (salt is then not to be used). */
char *gt_account_salt_args(const char *prefix, char salt[2 * GT_ACCOUNT_SALT_BYTES + 1]);
/* The same keys alone: the prefix's salt ("prefix:account_salt"), the mark of a prefix whose
 * records a client found gone ("prefix:journal_lost"), and the salt a client started afresh with
 * ("prefix:journal_fresh"). NULL: out of memory. */
char *gt_account_salt_key(const char *prefix);
char *gt_account_lost_key(const char *prefix);
char *gt_account_fresh_key(const char *prefix);
/* Where one account's keys are in Redis: "prefix:" and the fingerprint of api_key under salt (the
 * salt's text taken as its bytes) — the journal's records and the key's shared state alike. */
char *gt_account_namespace(const char *prefix, const char *salt, size_t salt_len, const char *api_key);

#endif
