/* journal_shared.c — the key's state kept in the journal file, for the processes of one machine
 * that use one key: how many of its places each client holds, the 429 pause and the learned cap.
 * SQLite's own locking makes each statement atomic across processes; nothing here waits for a
 * lock (the connection has no busy timeout): BUSY goes back to the caller, who tries again. */
#include "journal_handle.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool gt_sqlite_set_owner(gt_journal *base, const char *owner)
{
    gt_sqlite_journal *j = GT_SQLITE(base);
    free(j->owner);
    j->owner = gt_strdup(owner);
    if (gethostname(j->host, sizeof j->host) != 0) j->host[0] = '\0';
    j->host[sizeof j->host - 1] = '\0';
    return j->owner != NULL;
}

/* Binds the owner's host and pid at ?5 and ?6. */
static void bind_process(gt_sqlite_journal *j, sqlite3_stmt *st)
{
    sqlite3_bind_text(st, 5, j->host, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)getpid());
}

/* Runs a prepared statement that returns no rows, then resets it (no read transaction is kept). */
static gt_journal_status step_done(gt_sqlite_journal *j, sqlite3_stmt *st, const char *doing)
{
    int rc = sqlite3_step(st);
    gt_journal_status status = rc == SQLITE_DONE ? GT_JOURNAL_OK : gt_journal_sqlite_failed(j, rc, doing);
    sqlite3_reset(st);
    return status;
}

/* One statement both counts and takes, so that two processes can never both see the last place
 * free. An owner whose lease ran out holds nothing any more; this owner's own places always count
 * (its lease may have lapsed while it was busy, its tasks have not). */
gt_journal_status gt_sqlite_take_slot(gt_sqlite_journal *j, const char *owner, int cap, int64_t now_ms,
                                      int64_t lease_until_ms, bool *taken)
{
    *taken = false;
    sqlite3_stmt *st = gt_journal_prepared(
        j, GT_SQL_SLOT_TAKE,
        "INSERT INTO owners (owner, lease_until_ms, slots, host, pid) SELECT ?1, ?4, 1, ?5, ?6 "
        "WHERE ?2 <= 0 OR (SELECT coalesce(sum(slots), 0) FROM owners WHERE lease_until_ms > ?3 OR owner = ?1) < ?2 "
        "ON CONFLICT (owner) DO UPDATE SET slots = slots + 1, lease_until_ms = excluded.lease_until_ms");
    if (!st) return GT_JOURNAL_ERROR;
    sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, cap);
    sqlite3_bind_int64(st, 3, now_ms);
    sqlite3_bind_int64(st, 4, lease_until_ms);
    bind_process(j, st);
    gt_journal_status status = step_done(j, st, "taking a place of the key");
    if (status == GT_JOURNAL_OK) *taken = sqlite3_changes(j->db) > 0;
    return status;
}

gt_journal_status gt_sqlite_add_slots(gt_sqlite_journal *j, const char *owner, int delta, int64_t lease_until_ms)
{
    sqlite3_stmt *st = gt_journal_prepared(
        j, GT_SQL_SLOTS_ADD,
        "INSERT INTO owners (owner, lease_until_ms, slots, host, pid) VALUES (?1, ?3, max(?2, 0), ?5, ?6) "
        "ON CONFLICT (owner) DO UPDATE SET slots = max(slots + ?2, 0), "
        "lease_until_ms = excluded.lease_until_ms");
    if (!st) return GT_JOURNAL_ERROR;
    sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, delta);
    sqlite3_bind_int64(st, 3, lease_until_ms);
    bind_process(j, st);
    return step_done(j, st, "counting the key's places");
}

gt_journal_status gt_sqlite_leave(gt_sqlite_journal *j, const char *owner)
{
    sqlite3_stmt *st = gt_journal_prepared(j, GT_SQL_OWNER_LEAVE, "DELETE FROM owners WHERE owner = ?1");
    if (!st) return GT_JOURNAL_ERROR;
    sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    return step_done(j, st, "giving the key's places back");
}

gt_journal_status gt_sqlite_shared(gt_sqlite_journal *j, int64_t *paused_until_ms, double *cap)
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
gt_journal_status gt_sqlite_pause(gt_sqlite_journal *j, int64_t until_ms)
{
    sqlite3_stmt *st = gt_journal_prepared(j, GT_SQL_SHARED_PAUSE,
                                           "INSERT INTO meta (name, value) VALUES ('paused_until_ms', ?1) "
                                           "ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)");
    if (!st) return GT_JOURNAL_ERROR;
    sqlite3_bind_int64(st, 1, until_ms);
    return step_done(j, st, "pausing the key's submits");
}

gt_journal_status gt_sqlite_set_cap(gt_sqlite_journal *j, double cap)
{
    sqlite3_stmt *st = gt_journal_prepared(j, GT_SQL_SHARED_CAP,
                                           "INSERT INTO meta (name, value) VALUES ('cap', ?1) "
                                           "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
    if (!st) return GT_JOURNAL_ERROR;
    sqlite3_bind_double(st, 1, cap);
    return step_done(j, st, "writing the key's learned cap");
}

gt_journal_status gt_sqlite_disown(gt_journal *base, int64_t id)
{
    gt_sqlite_journal *j = GT_SQLITE(base);
    if (!j->owner) return GT_JOURNAL_OK;
    sqlite3_stmt *st = gt_journal_prepared(j, GT_SQL_DISOWN,
                                           "UPDATE records SET owner = NULL WHERE id = ?1 AND owner = ?2");
    if (!st) return GT_JOURNAL_ERROR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, j->owner, -1, SQLITE_STATIC);
    return step_done(j, st, "letting a record go");
}

/* ---- recovery across processes ---------------------------------------------------------------- */

/* A killed process its parent has not reaped yet (a zombie) still has its pid, and kill(pid, 0)
 * succeeds on it: its state in /proc says it runs no more. Where there is no /proc, false. */
static bool zombie(int64_t pid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
    FILE *f = fopen(path, "re");
    size_t n = f ? fread(line, 1, sizeof line - 1, f) : 0;
    if (f) fclose(f);
    line[n] = '\0';
    /* "pid (comm) S ...": comm may hold spaces and parentheses, the state follows the last ')' */
    const char *end = strrchr(line, ')');
    return end && end[1] == ' ' && end[2] == 'Z';
}

/* On this host a pid says for certain whether its process runs (a lease can lapse under a live
 * process that was busy, and its tasks must not be taken then); elsewhere only the lease can. */
bool gt_sqlite_owner_gone(const char *here, const char *host, int64_t pid, int64_t lease_until_ms, int64_t now_ms)
{
    if (host && strcmp(host, here) == 0)
        return pid > 0 && ((kill((pid_t)pid, 0) != 0 && errno == ESRCH) || zombie(pid));
    return lease_until_ms <= now_ms;
}

static gt_journal_status exec_sql(gt_sqlite_journal *j, const char *sql, const char *doing)
{
    int rc = sqlite3_exec(j->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? GT_JOURNAL_OK : gt_journal_sqlite_failed(j, rc, doing);
}

/* Deletes the rows of the owners that are gone (read first, deleted after: one statement at a
 * time on the connection). */
static gt_journal_status forget_gone(gt_sqlite_journal *j, int64_t now_ms)
{
    sqlite3_stmt *read = NULL, *forget = NULL;
    int rc = sqlite3_prepare_v2(j->db, "SELECT owner, host, pid, lease_until_ms FROM owners WHERE owner <> ?1", -1,
                                &read, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(j->db, "DELETE FROM owners WHERE owner = ?1", -1, &forget, NULL);
    char **gone = NULL;
    size_t n = 0;
    if (rc == SQLITE_OK) sqlite3_bind_text(read, 1, j->owner, -1, SQLITE_STATIC);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(read);
        if (rc != SQLITE_ROW) break;
        if (!gt_sqlite_owner_gone(j->host, (const char *)sqlite3_column_text(read, 1), sqlite3_column_int64(read, 2),
                                  sqlite3_column_int64(read, 3), now_ms))
            continue;
        char **more = realloc(gone, (n + 1) * sizeof *gone);
        if (!more) {
            rc = SQLITE_NOMEM;
            break;
        }
        gone = more;
        gone[n++] = gt_strdup((const char *)sqlite3_column_text(read, 0));
    }
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
    for (size_t i = 0; i < n; i++) {
        if (rc == SQLITE_OK && gone[i]) {
            sqlite3_bind_text(forget, 1, gone[i], -1, SQLITE_STATIC);
            rc = sqlite3_step(forget) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(j->db);
            sqlite3_reset(forget);
        }
        free(gone[i]);
    }
    free(gone);
    sqlite3_finalize(read);
    sqlite3_finalize(forget);
    return rc == SQLITE_OK ? GT_JOURNAL_OK : gt_journal_sqlite_failed(j, rc, "finding the owners that are gone");
}

/* In one transaction: the owners that are gone are forgotten, then sql (?1 this owner, ?2 text,
 * ?3 id) gives this owner what they left; *claimed counts the records it took. */
static gt_journal_status claim(gt_sqlite_journal *j, int64_t now_ms, const char *sql, const char *text, int64_t id,
                               int *claimed)
{
    *claimed = 0;
    if (!j->owner) return GT_JOURNAL_OK;
    gt_journal_status status = exec_sql(j, "BEGIN IMMEDIATE", "taking the lock to claim records");
    if (status != GT_JOURNAL_OK) return status;
    status = forget_gone(j, now_ms);
    sqlite3_stmt *st = NULL;
    if (status == GT_JOURNAL_OK) {
        int rc = sqlite3_prepare_v2(j->db, sql, -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(st, 1, j->owner, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, id);
            rc = sqlite3_step(st);
        }
        if (rc == SQLITE_DONE) *claimed = sqlite3_changes(j->db);
        else status = gt_journal_sqlite_failed(j, rc, "claiming the records of owners that are gone");
        sqlite3_finalize(st);
    }
    if (status == GT_JOURNAL_OK) status = exec_sql(j, "COMMIT", "committing the claim");
    if (status != GT_JOURNAL_OK) sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    return status;
}

/* a record nobody live works on: no owner, or one whose row is gone (closed, or found dead) */
#define ORPHANED "(owner IS NULL OR owner NOT IN (SELECT owner FROM owners))"

gt_journal_status gt_sqlite_claim(gt_journal *base, const char *provider, int64_t now_ms)
{
    gt_sqlite_journal *j = GT_SQLITE(base);
    int claimed;
    return claim(j, now_ms,
                 "UPDATE records SET owner = ?1 WHERE provider = ?2 AND "
                 "(stage <> 'ended' OR (download IS NOT NULL AND files IS NULL)) AND " ORPHANED,
                 provider, 0, &claimed);
}

gt_journal_status gt_sqlite_claim_record(gt_journal *base, int64_t id, int64_t now_ms, bool *claimed)
{
    gt_sqlite_journal *j = GT_SQLITE(base);
    int n = 0;
    gt_journal_status status = claim(
        j, now_ms, "UPDATE records SET owner = ?1 WHERE id = ?3 AND (owner = ?1 OR " ORPHANED ")", NULL, id, &n);
    *claimed = !j->owner || n > 0;
    return status;
}
