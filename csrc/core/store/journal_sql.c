/* journal_sql.c — the SQLite journal's statement cache and its errors, under every file of the
 * backend: each statement is prepared once, on first use, and kept on the handle. */
#include "journal_handle.h"

gt_journal_status gt_journal_sqlite_busy_or_error(int rc)
{
    int primary = rc & 0xff; /* extended result codes are on: SQLITE_BUSY_SNAPSHOT and the like */
    return primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? GT_JOURNAL_BUSY : GT_JOURNAL_ERROR;
}

gt_journal_status gt_journal_sqlite_failed(gt_sqlite_journal *j, int rc, const char *doing)
{
    gt_journal_fail(&j->base, "%s: %s", doing, sqlite3_errmsg(j->db));
    return gt_journal_sqlite_busy_or_error(rc);
}

sqlite3_stmt *gt_journal_prepared(gt_sqlite_journal *j, gt_journal_statement which, const char *sql)
{
    if (j->statements[which]) return j->statements[which];
    int rc = sqlite3_prepare_v3(j->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &j->statements[which], NULL);
    if (rc != SQLITE_OK) {
        gt_journal_sqlite_failed(j, rc, "preparing a statement");
        j->statements[which] = NULL;
    }
    return j->statements[which];
}
