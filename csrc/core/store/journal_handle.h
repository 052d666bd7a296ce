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
    GT_SQL_STAGE_OF,
    GT_SQL_TOTALS,
    GT_SQL_NOTE_BUDGET,
    GT_SQL_COUNT
} gt_journal_statement;

struct gt_sqlite_journal {
    gt_journal base; /* the file's path and the last error */
    sqlite3 *db;
    sqlite3_stmt *statements[GT_SQL_COUNT];
    char *owner;       /* the client writing through this handle (gt_journal_set_owner); NULL: none named */
    bool budget_noted; /* its budget's currency and max_cost are in meta, for the fleet's view */
    char host[256];    /* this machine's name, for owners: a pid means something on its own host only */
};

/* A record's part in the journal's totals (the totals table, kept by triggers: journal_schema.c),
 * as SQL over the row named r (NEW or OLD in a trigger): whether its submit went out, or may have
 * (an error that says so) — 1 or 0, never NULL: an outcome that is not JSON says no — and its
 * money as journal.h's gt_journal_budget counts it: settled (its cost, or the bound of an ended
 * task of unknown cost) or held (the bound of one in flight). */
#define GT_SQL_SENT(r)                                                                                            \
    "coalesce(" r ".stage IN ('sending', 'accepted') OR (" r ".stage = 'ended' AND (" r ".remote_id IS NOT NULL " \
    "OR json_extract(" r ".outcome, '$.error.submitted') IN ('yes', 'unknown'))), 0)"
#define GT_SQL_SETTLED(r)                                                                                       \
    "(CASE WHEN " r ".stage = 'queued' THEN 0 WHEN " r ".cost_source IS NOT NULL THEN coalesce(" r ".cost, 0) " \
    "WHEN " r ".stage = 'ended' THEN coalesce(" r ".reserved, 0) ELSE 0 END)"
#define GT_SQL_HELD(r)                                                                                 \
    "(CASE WHEN " r ".stage IN ('sending', 'accepted') AND " r ".cost_source IS NULL THEN coalesce(" r \
    ".reserved, 0) ELSE 0 END)"

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
/* The totals: records sent, money settled and held (journal.h's gt_journal_budget). */
gt_journal_status gt_sqlite_totals(gt_sqlite_journal *j, int64_t *sent, double *settled, double *held);
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
