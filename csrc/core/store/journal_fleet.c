/* journal_fleet.c — the fleet of a journal file (fleet.h), read through a read-only connection in
 * one read transaction, so that owners, counts, pause and cap are one moment's: a file that is not
 * there is not made, an older schema is not migrated, and the rows of owners that are gone are
 * left for recover() to remove (they are only left out here). */
#include "fleet.h"
#include "journal_handle.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The schema version that brought the owners table (journal_schema.c's migration 2 → 3). */
#define SCHEMA_WITH_OWNERS 3
#define SCHEMA_WITH_TOTALS 6 /* money: the totals table */
/* A file another process is recovering (its WAL being rebuilt) is waited for this long when the
 * caller gives no timeout. */
#define DEFAULT_WAIT_MS 1000

typedef struct file_reader {
    sqlite3 *db;
    const char *path;
    char host[256]; /* this machine's: an owner's pid means something here alone */
    int version;    /* the file's schema version */
    gt_fleet *fleet;
    gt_error *error;
} file_reader;

static bool sqlite_failed(file_reader *r, const char *doing)
{
    r->error = gt_fleet_error(GT_UNAVAILABLE, "journal", "journal %s: %s: %s", r->path, doing, sqlite3_errmsg(r->db));
    return false;
}

static bool out_of_memory(file_reader *r)
{
    r->error = gt_fleet_error(GT_UNAVAILABLE, "journal", "journal %s: reading the fleet: out of memory", r->path);
    return false;
}

/* Prepares sql, then calls row for each row; false on failure (r->error says why). */
static bool each_row(file_reader *r, const char *sql, const char *doing, bool (*row)(file_reader *r, sqlite3_stmt *st))
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
    bool ok = rc == SQLITE_OK;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) ok = row(r, st);
    if (ok && rc != SQLITE_DONE) ok = false;
    if (!ok && !r->error) sqlite_failed(r, doing);
    sqlite3_finalize(st);
    return ok;
}

static const char *text_at(sqlite3_stmt *st, int column)
{
    return (const char *)sqlite3_column_text(st, column);
}

/* version and application id, from the transaction's snapshot */
static bool header_row(file_reader *r, sqlite3_stmt *st)
{
    int version = sqlite3_column_int(st, 0), application_id = sqlite3_column_int(st, 1);
    if (application_id != GT_JOURNAL_APPLICATION_ID) {
        r->error = gt_fleet_error(GT_USAGE, NULL, "journal %s: not a gentask journal (%s)", r->path,
                                  version == 0 && application_id == 0 ? "an empty database" : "another program's file");
        return false;
    }
    r->version = version;
    return true;
}

static bool owner_row(file_reader *r, sqlite3_stmt *st)
{
    const char *host = text_at(st, 1);
    int64_t pid = sqlite3_column_int64(st, 2), lease_until_ms = sqlite3_column_int64(st, 3), now_ms = gt_wall_ms();
    if (gt_sqlite_owner_gone(r->host, host, pid, lease_until_ms, now_ms)) return true; /* left for recover() */
    return gt_fleet_add_owner(r->fleet, text_at(st, 0), host, pid, lease_until_ms - now_ms,
                              sqlite3_column_int64(st, 4)) ||
           out_of_memory(r);
}

static bool tasks_row(file_reader *r, sqlite3_stmt *st)
{
    return gt_fleet_add_tasks(r->fleet, text_at(st, 0), text_at(st, 1), sqlite3_column_int64(st, 2)) ||
           out_of_memory(r);
}

/* the totals the budget counts (journal_schema.c) and the budget the latest client noted */
static bool money_row(file_reader *r, sqlite3_stmt *st)
{
    r->fleet->sent = sqlite3_column_int64(st, 0);
    r->fleet->spent_settled = sqlite3_column_double(st, 1);
    r->fleet->spent_held = sqlite3_column_double(st, 2);
    r->fleet->max_cost = sqlite3_column_double(st, 3); /* NULL reads 0: none */
    const char *currency = text_at(st, 4);
    if (currency && !(r->fleet->currency = gt_strdup(currency))) return out_of_memory(r);
    return true;
}

/* the pause (wall clock ms; one that ended is none) and the learned cap, rows of meta */
static bool shared_row(file_reader *r, sqlite3_stmt *st)
{
    int64_t paused_until_ms = sqlite3_column_int64(st, 0), now_ms = gt_wall_ms(); /* NULL reads 0: no pause */
    r->fleet->paused_until_ms = paused_until_ms > now_ms ? paused_until_ms : 0;
    r->fleet->pause_left_ms = paused_until_ms > now_ms ? paused_until_ms - now_ms : 0;
    r->fleet->has_cap = sqlite3_column_type(st, 1) != SQLITE_NULL;
    r->fleet->cap = r->fleet->has_cap ? sqlite3_column_double(st, 1) : 0;
    return true;
}

static bool read_fleet(file_reader *r)
{
    if (!each_row(r,
                  "SELECT (SELECT user_version FROM pragma_user_version), "
                  "(SELECT application_id FROM pragma_application_id)",
                  "reading the schema version", header_row))
        return false;
    /* a file of an older gentask has no owners table: nobody shares it */
    return (r->version < SCHEMA_WITH_OWNERS ||
            each_row(r, "SELECT owner, host, pid, lease_until_ms, slots FROM owners ORDER BY owner",
                     "reading the owners", owner_row)) &&
           each_row(r, "SELECT provider, stage, count(*) FROM records GROUP BY provider, stage", "counting the records",
                    tasks_row) &&
           each_row(r,
                    "SELECT (SELECT value FROM meta WHERE name = 'paused_until_ms'), "
                    "(SELECT value FROM meta WHERE name = 'cap')",
                    "reading the key's pause and cap", shared_row) &&
           (r->version < SCHEMA_WITH_TOTALS ||
            each_row(r,
                     "SELECT sent, settled, held, (SELECT value FROM meta WHERE name = 'max_cost'), "
                     "(SELECT value FROM meta WHERE name = 'currency') FROM totals",
                     "reading the spend", money_row));
}

/* A path that names no file is the caller's mistake, said before SQLite is asked (SQLite would
 * make the file, or answer only "unable to open"). */
static bool check_there(file_reader *r)
{
    struct stat st;
    if (stat(r->path, &st) != 0) {
        r->error = errno == ENOENT
                       ? gt_fleet_error(GT_USAGE, NULL, "no journal at %s: no file there", r->path)
                       : gt_fleet_error(GT_UNAVAILABLE, "journal", "journal %s: %s", r->path, strerror(errno));
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        r->error = gt_fleet_error(GT_USAGE, NULL, "journal %s: not a file", r->path);
        return false;
    }
    return true;
}

gt_fleet *gt_sqlite_fleet(const char *path, long timeout_ms, gt_error **error)
{
    file_reader r = {.path = path};
    if (gethostname(r.host, sizeof r.host) != 0) r.host[0] = '\0';
    r.host[sizeof r.host - 1] = '\0';
    if (!check_there(&r)) {
        *error = r.error;
        return NULL;
    }
    r.fleet = gt_fleet_new();
    int rc = r.fleet ? sqlite3_open_v2(path, &r.db, SQLITE_OPEN_READONLY, NULL) : SQLITE_NOMEM;
    bool ok = rc == SQLITE_OK || (r.db ? sqlite_failed(&r, "opening") : out_of_memory(&r));
    if (ok) {
        sqlite3_busy_timeout(r.db, timeout_ms > 0 ? (int)timeout_ms : DEFAULT_WAIT_MS);
        ok = sqlite3_exec(r.db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? read_fleet(&r)
                                                                        : sqlite_failed(&r, "beginning the read");
    }
    sqlite3_close_v2(r.db); /* a transaction still open is rolled back: nothing was written */
    if (ok) return r.fleet;
    gt_fleet_free(r.fleet);
    *error = r.error;
    return NULL;
}
