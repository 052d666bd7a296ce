/* journal_handle.h — the inside of the SQLite journal, for its own files (journal*.c,
 * fingerprint.c) and its test (csrc/tests/journal_test.c) alone: everyone else sees journal.h
 * (and shared_sqlite.c journal_sqlite.h). Its files call down only: journal.c (the handle, its
 * transactions and its ops table) calls journal_records.c, journal_account.c, journal_shared.c,
 * journal_deliveries.c and journal_schema.c, which call journal_sql.c's statement helpers and
 * journal_common.c, never back up. */
#ifndef GENTASK_JOURNAL_HANDLE_H
#define GENTASK_JOURNAL_HANDLE_H

#include "fingerprint.h"
#include "journal_sqlite.h"

#include <sqlite3.h>

/* PRAGMA application_id of a gentask journal ("gtjl"): a file without it is another program's. */
#define GT_JOURNAL_APPLICATION_ID 0x67746a6c

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

struct gt_sqlite_journal {
    gt_journal base; /* the file's path and the last error */
    sqlite3 *db;
    sqlite3_stmt *statements[GT_SQL_COUNT];
    char *owner;    /* the client writing through this handle (gt_journal_set_owner); NULL: none named */
    char host[256]; /* this machine's name, for owners: a pid means something on its own host only */
};

/* The file's handle behind an op's argument: the file's ops table is given its own handles only. */
#define GT_SQLITE(j) ((gt_sqlite_journal *)(j))

/* Statement `which`, prepared from sql on first use (NULL on failure, with the error set). */
sqlite3_stmt *gt_journal_prepared(gt_sqlite_journal *j, gt_journal_statement which, const char *sql);
/* Records SQLite's error of rc while doing what `doing` says, and maps rc: BUSY for SQLITE_BUSY
 * and SQLITE_LOCKED (another connection holds the lock), ERROR otherwise. */
gt_journal_status gt_journal_sqlite_failed(gt_sqlite_journal *j, int rc, const char *doing);
/* The same mapping of a failed rc, with no error recorded. */
gt_journal_status gt_journal_sqlite_busy_or_error(int rc);

/* ---- the ops journal.c's table takes from the other files (journal.h says what each does) ------- */

/* journal_records.c */
gt_journal_status gt_sqlite_add(gt_journal *base, gt_record *r);
gt_journal_status gt_sqlite_update(gt_journal *base, gt_record *r);
gt_journal_status gt_sqlite_find_key(gt_journal *base, const char *caller_key, gt_record *out);
gt_journal_status gt_sqlite_unended(gt_journal *base, gt_record **out, size_t *n);
gt_journal_status gt_sqlite_count_sent(gt_journal *base, int64_t *n);
/* journal_account.c */
gt_journal_status gt_sqlite_check_account(gt_journal *base, const char *api_key);
/* journal_shared.c */
bool gt_sqlite_set_owner(gt_journal *base, const char *owner);
gt_journal_status gt_sqlite_claim(gt_journal *base, const char *provider, int64_t now_ms);
gt_journal_status gt_sqlite_claim_record(gt_journal *base, int64_t id, int64_t now_ms, bool *claimed);
gt_journal_status gt_sqlite_disown(gt_journal *base, int64_t id);
/* Whether an owner row's client is gone, seen from host here: on its own host its pid says (a
 * lease can lapse under a live process that was busy), elsewhere only its lease can. */
bool gt_sqlite_owner_gone(const char *here, const char *host, int64_t pid, int64_t lease_until_ms, int64_t now_ms);

/* ---- schema (journal_schema.c) ------------------------------------------------------------------ */

/* Refuses, before anything is written to it, a file of a newer schema or of another program. */
gt_journal_status gt_journal_check_file(gt_sqlite_journal *j);
/* Brings the schema to this build's version (creating it in a new file), checking the file again
 * under the write lock. */
gt_journal_status gt_journal_migrate(gt_sqlite_journal *j);

#endif
