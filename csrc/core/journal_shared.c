/* journal_shared.c — the key's state kept in the journal file, for the processes of one machine
 * that use one key: how many of its places each client holds, the 429 pause and the learned cap.
 * SQLite's own locking makes each statement atomic across processes; nothing here waits for a
 * lock (the connection has no busy timeout): BUSY goes back to the caller, who tries again. */
#include "journal_handle.h"

/* Runs a prepared statement that returns no rows, then resets it (no read transaction is kept). */
static gt_journal_status step_done(gt_journal *j, sqlite3_stmt *st, const char *doing)
{
    int rc = sqlite3_step(st);
    gt_journal_status status = rc == SQLITE_DONE ? GT_JOURNAL_OK : gt_journal_sqlite_failed(j, rc, doing);
    sqlite3_reset(st);
    return status;
}

/* One statement both counts and takes, so that two processes can never both see the last place
 * free. An owner whose lease ran out holds nothing any more; this owner's own places always count
 * (its lease may have lapsed while it was busy, its tasks have not). */
gt_journal_status gt_journal_take_slot(gt_journal *j, const char *owner, int cap, int64_t now_ms,
                                       int64_t lease_until_ms, bool *taken)
{
    *taken = false;
    sqlite3_stmt *st = gt_journal_prepared(
        j, GT_SQL_SLOT_TAKE,
        "INSERT INTO owners (owner, lease_until_ms, slots) SELECT ?1, ?4, 1 "
        "WHERE ?2 <= 0 OR (SELECT coalesce(sum(slots), 0) FROM owners WHERE lease_until_ms > ?3 OR owner = ?1) < ?2 "
        "ON CONFLICT (owner) DO UPDATE SET slots = slots + 1, lease_until_ms = excluded.lease_until_ms");
    if (!st) return GT_JOURNAL_ERROR;
    sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, cap);
    sqlite3_bind_int64(st, 3, now_ms);
    sqlite3_bind_int64(st, 4, lease_until_ms);
    gt_journal_status status = step_done(j, st, "taking a place of the key");
    if (status == GT_JOURNAL_OK) *taken = sqlite3_changes(j->db) > 0;
    return status;
}

gt_journal_status gt_journal_add_slots(gt_journal *j, const char *owner, int delta, int64_t lease_until_ms)
{
    sqlite3_stmt *st = gt_journal_prepared(
        j, GT_SQL_SLOTS_ADD,
        "INSERT INTO owners (owner, lease_until_ms, slots) VALUES (?1, ?3, max(?2, 0)) "
        "ON CONFLICT (owner) DO UPDATE SET slots = max(slots + ?2, 0), "
        "lease_until_ms = excluded.lease_until_ms");
    if (!st) return GT_JOURNAL_ERROR;
    sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, delta);
    sqlite3_bind_int64(st, 3, lease_until_ms);
    return step_done(j, st, "counting the key's places");
}

gt_journal_status gt_journal_leave(gt_journal *j, const char *owner)
{
    sqlite3_stmt *st = gt_journal_prepared(j, GT_SQL_OWNER_LEAVE, "DELETE FROM owners WHERE owner = ?1");
    if (!st) return GT_JOURNAL_ERROR;
    sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    return step_done(j, st, "giving the key's places back");
}

gt_journal_status gt_journal_shared(gt_journal *j, int64_t *paused_until_ms, double *cap)
{
    sqlite3_stmt *st = gt_journal_prepared(j, GT_SQL_SHARED_GET,
                                           "SELECT (SELECT value FROM meta WHERE name = 'paused_until_ms'), "
                                           "(SELECT value FROM meta WHERE name = 'cap')");
    if (!st) return GT_JOURNAL_ERROR;
    int rc = sqlite3_step(st);
    gt_journal_status status = GT_JOURNAL_OK;
    if (rc == SQLITE_ROW) {
        *paused_until_ms = sqlite3_column_int64(st, 0); /* NULL reads 0: no pause */
        *cap = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_double(st, 1);
    } else {
        status = gt_journal_sqlite_failed(j, rc, "reading the key's pause and cap");
    }
    sqlite3_reset(st);
    return status;
}

/* max(): two processes pausing at once keep the later end, whichever writes last. */
gt_journal_status gt_journal_pause(gt_journal *j, int64_t until_ms)
{
    sqlite3_stmt *st = gt_journal_prepared(j, GT_SQL_SHARED_PAUSE,
                                           "INSERT INTO meta (name, value) VALUES ('paused_until_ms', ?1) "
                                           "ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)");
    if (!st) return GT_JOURNAL_ERROR;
    sqlite3_bind_int64(st, 1, until_ms);
    return step_done(j, st, "pausing the key's submits");
}

gt_journal_status gt_journal_set_cap(gt_journal *j, double cap)
{
    sqlite3_stmt *st = gt_journal_prepared(j, GT_SQL_SHARED_CAP,
                                           "INSERT INTO meta (name, value) VALUES ('cap', ?1) "
                                           "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
    if (!st) return GT_JOURNAL_ERROR;
    sqlite3_bind_double(st, 1, cap);
    return step_done(j, st, "writing the key's learned cap");
}
