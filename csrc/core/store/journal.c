/* journal.c — the SQLite journal's handle: opening the file (private, WAL, never waiting on a
 * lock), transactions, and the backend's ops table. The statement cache is journal_sql.c, the
 * schema journal_schema.c, records journal_records.c, the account check journal_account.c, the
 * key's shared state journal_shared.c and journal_deliveries.c. */
#include "journal_handle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Runs a statement that returns no rows; it is reset at once either way, so that no statement
 * keeps a read transaction (and the WAL it pins) open between calls. */
static gt_journal_status run(gt_sqlite_journal *j, gt_journal_statement which, const char *sql, const char *doing)
{
    sqlite3_stmt *st = gt_journal_prepared(j, which, sql);
    if (!st) return GT_JOURNAL_ERROR;
    int rc = sqlite3_step(st);
    gt_journal_status status = rc == SQLITE_DONE ? GT_JOURNAL_OK : gt_journal_sqlite_failed(j, rc, doing);
    sqlite3_reset(st);
    return status;
}

/* IMMEDIATE: the write lock is taken here or not at all, so that BUSY comes now, with nothing
 * changed, rather than from the middle of a batch of adds. */
static gt_journal_status sqlite_begin(gt_journal *base)
{
    gt_sqlite_journal *j = GT_SQLITE(base);
    if (!sqlite3_get_autocommit(j->db)) return gt_journal_fail(&j->base, "begin: a transaction is open already");
    return run(j, GT_SQL_BEGIN, "BEGIN IMMEDIATE", "begin");
}

/* SQLite leaves the transaction open when COMMIT is BUSY: the caller commits again later. (In WAL
 * mode, with the write lock taken at begin, COMMIT waits on no other lock, so this is not expected;
 * should it happen, it is reported as BUSY, not as a failure that ended the transaction.) */
static gt_journal_status sqlite_commit(gt_journal *base, gt_journal_done_fn done, void *ctx)
{
    (void)done, (void)ctx; /* a file answers at once: done is never needed */
    return run(GT_SQLITE(base), GT_SQL_COMMIT, "COMMIT", "commit");
}

static void sqlite_rollback(gt_journal *base)
{
    gt_sqlite_journal *j = GT_SQLITE(base);
    if (!j || !j->db || sqlite3_get_autocommit(j->db)) return;
    run(j, GT_SQL_ROLLBACK, "ROLLBACK", "rollback");
}

/* SQLite would create the file with the umask's mode (often 0644), and the journal holds every
 * request of the account: the file is created here, 0600, before SQLite opens it. SQLite gives the
 * -wal and -shm files it makes the database file's mode. An existing file keeps its own, and is
 * not opened here at all: closing any descriptor of a file drops every POSIX lock this process
 * holds on it, the locks of this process's other connections to the journal among them — another
 * process closing last would then think itself alone, checkpoint and delete the WAL those
 * connections still write to, and their commits would be lost to everyone else. */
static gt_journal_status create_private(gt_sqlite_journal *j, const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) return GT_JOURNAL_OK;
    if (fd < 0) return gt_journal_fail(&j->base, "cannot open: %s", strerror(errno));
    close(fd); /* a new file: no connection of this process has it open yet */
    return GT_JOURNAL_OK;
}

/* Whether st (a file of the journal, or its directory) could be written by a user other than this
 * process's and root (who can write anything anyway): "" when not, else what to run about it. A
 * directory others may write is safe only with the sticky bit (/tmp): nobody else then can
 * replace the files in it. */
static bool foreign_writable(const struct stat *st, bool directory, const char *path, char *fix, size_t size)
{
    uid_t me = geteuid();
    if (st->st_uid != me && st->st_uid != 0) {
        snprintf(fix, size,
                 "it is owned by uid %ld, not by this process's uid %ld (or root): if it is yours, run: chown %ld '%s'",
                 (long)st->st_uid, (long)me, (long)me, path);
        return true;
    }
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(directory && (st->st_mode & S_ISVTX))) {
        snprintf(fix, size, "its group or others may write it (mode %04o): run: chmod go-w '%s'",
                 (unsigned)(st->st_mode & 07777), path);
        return true;
    }
    return false;
}

/* A record is data, never an instruction, only while nobody else can write one: a journal that
 * another user could write (its file, its -wal or -shm, a -journal SQLite would roll back into it,
 * or the directory that holds them, where the files could be replaced) is refused, as ssh refuses
 * a key file others could write. stat(), not open(): closing a descriptor of the file would drop
 * this process's other connections' locks. */
static gt_journal_status check_writers(gt_sqlite_journal *j, const char *path)
{
    char *dir = gt_strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
    if (!dir) return gt_journal_fail(&j->base, "out of memory");
    if (slash == dir) slash[1] = '\0';
    else if (slash) *slash = '\0';
    const char *files[] = {slash ? dir : ".", path, "-wal", "-shm", "-journal"};
    gt_journal_status status = GT_JOURNAL_OK;
    char fix[600];
    for (size_t i = 0; status == GT_JOURNAL_OK && i < sizeof files / sizeof files[0]; i++) {
        char *name = files[i][0] == '-' ? gt_printf("%s%s", path, files[i]) : gt_strdup(files[i]);
        struct stat st;
        if (!name) status = gt_journal_fail(&j->base, "out of memory");
        else if (stat(name, &st) != 0) {
            /* a -wal or -shm not there: SQLite makes it with the database file's mode and owner */
        } else if (foreign_writable(&st, i == 0, name, fix, sizeof fix))
            status = gt_journal_fail(&j->base, "another user could write %s, and plant records in it: %s", name, fix);
        free(name);
    }
    free(dir);
    return status;
}

/* WAL: writers append and readers are not blocked. synchronous = NORMAL in WAL mode syncs at
 * checkpoints only: a committed transaction survives the process being killed (the WAL is in the
 * OS's cache), only a power cut or a kernel crash may lose the last ones. */
static gt_journal_status set_modes(gt_sqlite_journal *j)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(j->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        gt_journal_status status = gt_journal_sqlite_failed(j, rc, "turning WAL on");
        sqlite3_finalize(st);
        return status;
    }
    const char *mode = (const char *)sqlite3_column_text(st, 0);
    bool wal = mode && strcmp(mode, "wal") == 0;
    if (!wal) gt_journal_fail(&j->base, "turning WAL on: the journal mode stayed %s", mode ? mode : "unknown");
    sqlite3_finalize(st);
    if (!wal) return GT_JOURNAL_ERROR;

    rc = sqlite3_exec(j->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
    return rc == SQLITE_OK ? GT_JOURNAL_OK : gt_journal_sqlite_failed(j, rc, "setting synchronous");
}

static const gt_journal_ops sqlite_ops;
static void sqlite_close(gt_journal *base);

/* Checks the file, turns WAL on and brings the schema up to date. The processes that start
 * together on a new journal (nginx's workers) all find it being created: creating takes the file's
 * lock for a moment, and one that finds it taken tries again shortly rather than being refused —
 * a bounded wait, at a client's creation only (every later call answers BUSY at once). */
#define CREATE_TRIES 50
#define CREATE_RETRY_MS 20

static gt_journal_status prepare_file(gt_sqlite_journal *j)
{
    gt_journal_status status = GT_JOURNAL_BUSY;
    for (int attempt = 0; status == GT_JOURNAL_BUSY && attempt < CREATE_TRIES; attempt++) {
        if (attempt > 0) sqlite3_sleep(CREATE_RETRY_MS);
        status = gt_journal_check_file(j);
        if (status == GT_JOURNAL_OK) status = set_modes(j);
        if (status == GT_JOURNAL_OK) status = gt_journal_migrate(j);
    }
    return status;
}

gt_sqlite_journal *gt_sqlite_journal_of(gt_journal *j)
{
    return j && j->ops == &sqlite_ops ? (gt_sqlite_journal *)j : NULL;
}

gt_journal *gt_sqlite_open(const char *path, char **error)
{
    if (error) *error = NULL;
    gt_sqlite_journal *j = calloc(1, sizeof *j);
    if (j) j->base.ops = &sqlite_ops;
    if (!j || !(j->base.path = gt_strdup(path ? path : ""))) {
        free(j);
        if (error) *error = gt_strdup("journal: out of memory");
        return NULL;
    }
    if (!path || !*path || strcmp(path, ":memory:") == 0) {
        gt_journal_fail(&j->base, "a journal is a file: give its path");
        goto failed;
    }
    if (create_private(j, path) != GT_JOURNAL_OK || check_writers(j, path) != GT_JOURNAL_OK) goto failed;

    int rc = sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK) {
        if (j->db) gt_journal_sqlite_failed(j, rc, "opening");
        else gt_journal_fail(&j->base, "opening: out of memory");
        goto failed;
    }
    sqlite3_extended_result_codes(j->db, 1);
    /* 0: a lock held by another connection is answered at once (BUSY), never waited for: the
     * journal is written from a host's event loop */
    sqlite3_busy_timeout(j->db, 0);
    /* the file is checked before WAL is turned on: a file that is not ours is left as it was */
    if (prepare_file(j) != GT_JOURNAL_OK) goto failed;
    j->base.error[0] = '\0';
    return &j->base;

failed:
    if (error) *error = gt_strdup(j->base.error);
    sqlite_close(&j->base);
    return NULL;
}

static void sqlite_close(gt_journal *base)
{
    gt_sqlite_journal *j = GT_SQLITE(base);
    if (!j) return;
    if (j->db) {
        sqlite_rollback(base);
        for (int i = 0; i < GT_SQL_COUNT; i++) sqlite3_finalize(j->statements[i]);
        /* the last connection to close checkpoints the WAL into the database and removes it (a
         * process that exits without closing leaves it: the checkpoint op empties it before) */
        sqlite3_close_v2(j->db);
    }
    free(j->base.path);
    free(j->owner);
    free(j);
}

/* Copies the WAL into the database file and empties it (TRUNCATE): the file alone then holds
 * every committed record, for a copy of it (a backup, a look with the sqlite3 CLI) made while this
 * process still has it open. Never waits: a connection of another process reading or writing
 * stops it partway (BUSY), and what it could not copy stays in the WAL, where SQLite reads it. No
 * error is recorded: the journal's last error stays the one a write met. */
static gt_journal_status sqlite_checkpoint(gt_journal *base)
{
    gt_sqlite_journal *j = GT_SQLITE(base);
    if (!sqlite3_get_autocommit(j->db)) return GT_JOURNAL_BUSY; /* a round of ours is open */
    int rc = sqlite3_wal_checkpoint_v2(j->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    return rc == SQLITE_OK ? GT_JOURNAL_OK : gt_journal_sqlite_busy_or_error(rc);
}

static const gt_journal_ops sqlite_ops = {
    .close = sqlite_close,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .add = gt_sqlite_add,
    .update = gt_sqlite_update,
    .find_key = gt_sqlite_find_key,
    .unended = gt_sqlite_unended,
    .count_sent = gt_sqlite_count_sent,
    .check_account = gt_sqlite_check_account,
    .set_owner = gt_sqlite_set_owner,
    .claim = gt_sqlite_claim,
    .claim_record = gt_sqlite_claim_record,
    .disown = gt_sqlite_disown,
    .checkpoint = sqlite_checkpoint,
    .keeps_ids = false, /* ids are SQLite's rowids: a rolled-back one may be handed out again */
    .is_file = true,
};
