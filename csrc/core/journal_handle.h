/* journal_handle.h — the inside of a journal handle, for the journal's own files (journal*.c,
 * fingerprint.c) and its test (csrc/tests/journal_test.c) alone: everyone else sees journal.h. */
#ifndef GENTASK_JOURNAL_HANDLE_H
#define GENTASK_JOURNAL_HANDLE_H

#include "journal.h"

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
    GT_SQL_COUNT
} gt_journal_statement;

struct gt_journal {
    sqlite3 *db;
    char *path;       /* for messages */
    char error[1024]; /* the last error; a buffer, so that running out of memory can be reported too */
    sqlite3_stmt *statements[GT_SQL_COUNT];
    char *owner;    /* the client writing through this handle (gt_journal_set_owner); NULL: none named */
    char host[256]; /* this machine's name, for owners: a pid means something on its own host only */
};

/* Statement `which`, prepared from sql on first use (NULL on failure, with the error set). */
sqlite3_stmt *gt_journal_prepared(gt_journal *j, gt_journal_statement which, const char *sql);
/* Records SQLite's error of rc while doing what `doing` says, and maps rc: BUSY for SQLITE_BUSY
 * and SQLITE_LOCKED (another connection holds the lock), ERROR otherwise. */
gt_journal_status gt_journal_sqlite_failed(gt_journal *j, int rc, const char *doing);
/* Records an error of the journal's own (printf-style). Returns GT_JOURNAL_ERROR. */
gt_journal_status gt_journal_fail(gt_journal *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- schema (journal_schema.c) ------------------------------------------------------------------ */

/* Refuses, before anything is written to it, a file of a newer schema or of another program. */
gt_journal_status gt_journal_check_file(gt_journal *j);
/* Brings the schema to this build's version (creating it in a new file), checking the file again
 * under the write lock. */
gt_journal_status gt_journal_migrate(gt_journal *j);

/* ---- fingerprint.c ------------------------------------------------------------------------------ */

#define GT_ACCOUNT_SALT_BYTES 32
/* Hex HMAC-SHA256 of api_key keyed with salt; NULL on failure. */
char *gt_account_fingerprint(const unsigned char *salt, size_t salt_len, const char *api_key);

#endif
