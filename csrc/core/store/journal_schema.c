/* journal_schema.c — the journal's tables, and how a file written by an older gentask is brought up
 * to date. The version is PRAGMA user_version (a number in the database header, written in the
 * same transaction as the tables it describes); PRAGMA application_id marks the file as a
 * gentask journal, so that a path pointing at another program's database is refused, not altered. */
#include "journal_handle.h"

#include <stdio.h>

/* migrations[v] takes a journal from version v to v + 1; the last index + 1 is this build's
 * version. Append, never edit: a file on disk may be at any earlier version. */
static const char *const migrations[] = {
    /* 0 → 1. meta: the account fingerprint and its salt (journal_account.c).
     * records: one row per task. stage is stored by name, so that the file reads the same whatever
     * the C enum's order. AUTOINCREMENT: a committed id is never reused, even after its row is
     * deleted, so an id a process logged never names another task later. The partial index keeps recovery's
     * scan to the unended records however many ended ones pile up. */
    "CREATE TABLE meta ("
    "  name TEXT PRIMARY KEY NOT NULL,"
    "  value BLOB NOT NULL"
    ");"
    "CREATE TABLE records ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  stage TEXT NOT NULL CHECK (stage IN ('queued', 'sending', 'accepted', 'ended')),"
    "  caller_key TEXT UNIQUE,"
    "  provider TEXT NOT NULL,"
    "  model TEXT NOT NULL,"
    "  path TEXT NOT NULL,"
    "  poll_path TEXT,"
    "  params TEXT NOT NULL,"
    "  request_hash TEXT NOT NULL,"
    "  idempotency_key TEXT,"
    "  remote_id TEXT,"
    "  poll_url TEXT,"
    "  outcome TEXT,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL"
    ");"
    "CREATE INDEX records_unended ON records (id) WHERE stage <> 'ended';",
    /* 1 → 2. Results as files: download, the task's download spec (JSON: dir, name, extension),
     * and files, what its downloads wrote (JSON, NULL until they ended). A succeeded record with a
     * spec and no files is a download a stopped process left: recovery finishes it. */
    "ALTER TABLE records ADD COLUMN download TEXT;"
    "ALTER TABLE records ADD COLUMN files TEXT;"
    "CREATE INDEX records_downloading ON records (id) WHERE download IS NOT NULL AND files IS NULL;",
    /* 2 → 3. The key's state shared by the processes using this journal (journal_shared.c):
     * owners, one row per live client — its host and pid, its lease renewed while it has tasks,
     * and slots, how many of the key's places it holds (a dead client's stop counting when its
     * lease runs out) — and records.owner, the client working on a record, so that recover() in
     * one process takes only the records of clients that are gone. The pause and the learned cap
     * are rows of meta. */
    "CREATE TABLE owners ("
    "  owner TEXT PRIMARY KEY NOT NULL,"
    "  host TEXT NOT NULL,"
    "  pid INTEGER NOT NULL,"
    "  lease_until_ms INTEGER NOT NULL,"
    "  slots INTEGER NOT NULL DEFAULT 0 CHECK (slots >= 0)"
    ");"
    "ALTER TABLE records ADD COLUMN owner TEXT;",
    /* 3 → 4. Webhook deliveries one process received for a task another holds (nginx hands a
     * delivery to whichever worker it picks): the receiver checked the signature and posts the
     * scrubbed body (verified 1) or, from a provider that signs nothing, only the news (verified
     * 0, no body); the owner's client reads the rows of its provider while it has tasks waiting
     * for a webhook, and deletes what it took. Rows nobody takes are dropped when old. */
    "CREATE TABLE deliveries ("
    "  id INTEGER PRIMARY KEY,"
    "  provider TEXT NOT NULL,"
    "  remote_id TEXT NOT NULL,"
    "  body TEXT,"
    "  verified INTEGER NOT NULL CHECK (verified IN (0, 1)),"
    "  posted_ms INTEGER NOT NULL"
    ");"
    "CREATE INDEX deliveries_provider ON deliveries (provider, id);",
    /* 4 → 5. verifier: a fingerprint of the webhook secret that checked a delivery's signature
     * (webhook.c), so that a client takes a body only from a delivery its own secret checked: on a
     * file shared by clients with different secrets, one signed with another's ends nothing. Rows
     * are written with verified 0 from now on: a gentask of schema 4 still running on the file
     * then reads every delivery as news (a poll), never as a task's end. */
    "ALTER TABLE deliveries ADD COLUMN verifier TEXT;",
    /* 5 → 6. Money (task/cost.c): reserved, the most a record's task may cost, held against
     * max_cost from its send; cost and cost_source, what it cost once known (a reported cost may
     * come on its way). totals: one row, the journal's count of sent records and its spend,
     * settled and held (journal.h's gt_journal_budget), kept by triggers in the transaction that
     * changes a record — so that a budget check reads three numbers, not every record, and no
     * write can forget them. (Not formatted: clang-format cannot lay out SQL built of macros.) */
    // clang-format off
    "ALTER TABLE records ADD COLUMN reserved REAL;"
    "ALTER TABLE records ADD COLUMN cost REAL;"
    "ALTER TABLE records ADD COLUMN cost_source TEXT;"
    "CREATE TABLE totals ("
    "  one INTEGER PRIMARY KEY CHECK (one = 1),"
    "  sent INTEGER NOT NULL,"
    "  settled REAL NOT NULL,"
    "  held REAL NOT NULL"
    ");"
    "INSERT INTO totals SELECT 1,"
    "  coalesce(sum(" GT_SQL_SENT("records") "), 0),"
    "  total(" GT_SQL_SETTLED("records") "),"
    "  total(" GT_SQL_HELD("records") ")"
    "  FROM records;"
    "CREATE TRIGGER records_totals_insert AFTER INSERT ON records BEGIN UPDATE totals SET"
    "  sent = sent + " GT_SQL_SENT("NEW") ","
    "  settled = settled + " GT_SQL_SETTLED("NEW") ","
    "  held = held + " GT_SQL_HELD("NEW") "; END;"
    "CREATE TRIGGER records_totals_update AFTER UPDATE ON records BEGIN UPDATE totals SET"
    "  sent = sent + " GT_SQL_SENT("NEW") " - " GT_SQL_SENT("OLD") ","
    "  settled = settled + " GT_SQL_SETTLED("NEW") " - " GT_SQL_SETTLED("OLD") ","
    "  held = held + " GT_SQL_HELD("NEW") " - " GT_SQL_HELD("OLD") "; END;"
    "CREATE TRIGGER records_totals_delete AFTER DELETE ON records BEGIN UPDATE totals SET"
    "  sent = sent - " GT_SQL_SENT("OLD") ","
    "  settled = settled - " GT_SQL_SETTLED("OLD") ","
    "  held = held - " GT_SQL_HELD("OLD") "; END;",
    // clang-format on
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

static gt_journal_status exec(gt_sqlite_journal *j, const char *sql, const char *doing)
{
    int rc = sqlite3_exec(j->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? GT_JOURNAL_OK : gt_journal_sqlite_failed(j, rc, doing);
}

/* Whether this file may be used at version `version`: not newer than this build, and gentask's. */
static gt_journal_status check_file(gt_sqlite_journal *j, int version, int application_id, int tables)
{
    if (version > SCHEMA_VERSION)
        return gt_journal_fail(&j->base,
                               "written by a newer gentask (schema version %d; this one knows up to %d): open it "
                               "with that version, or give this one another journal",
                               version, SCHEMA_VERSION);
    bool blank = version == 0 && application_id == 0 && tables == 0;
    if (!blank && application_id != GT_JOURNAL_APPLICATION_ID)
        return gt_journal_fail(&j->base,
                               "not a gentask journal (a database of another program?): refusing to touch it");
    return GT_JOURNAL_OK;
}

/* The three in one statement, so from one snapshot: read one by one, they could straddle another
 * process's creation of the schema (a version from before it, tables from after) and make a
 * journal being created look like another program's file. */
static gt_journal_status read_header(gt_sqlite_journal *j, int *version, int *application_id, int *tables)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(j->db,
                                "SELECT (SELECT user_version FROM pragma_user_version), "
                                "(SELECT application_id FROM pragma_application_id), "
                                "(SELECT count(*) FROM sqlite_master)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    gt_journal_status status = GT_JOURNAL_OK;
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int(st, 0);
        *application_id = sqlite3_column_int(st, 1);
        *tables = sqlite3_column_int(st, 2);
    } else {
        status = gt_journal_sqlite_failed(j, rc, "reading the schema version");
    }
    sqlite3_finalize(st);
    return status;
}

gt_journal_status gt_journal_check_file(gt_sqlite_journal *j)
{
    int version, application_id, tables;
    gt_journal_status status = read_header(j, &version, &application_id, &tables);
    return status == GT_JOURNAL_OK ? check_file(j, version, application_id, tables) : status;
}

gt_journal_status gt_journal_migrate(gt_sqlite_journal *j)
{
    int version, application_id, tables;
    gt_journal_status status = read_header(j, &version, &application_id, &tables);
    if (status == GT_JOURNAL_OK) status = check_file(j, version, application_id, tables);
    /* the usual open: nothing to write, no write lock to take */
    if (status != GT_JOURNAL_OK || version == SCHEMA_VERSION) return status;

    if ((status = exec(j, "BEGIN IMMEDIATE", "taking the lock to create or migrate the schema")) != GT_JOURNAL_OK)
        return status;
    /* read again under the lock: another process may have migrated it meanwhile */
    status = read_header(j, &version, &application_id, &tables);
    if (status == GT_JOURNAL_OK) status = check_file(j, version, application_id, tables);
    for (int v = version; status == GT_JOURNAL_OK && v < SCHEMA_VERSION; v++)
        status = exec(j, migrations[v], "migrating the schema");
    if (status == GT_JOURNAL_OK && version < SCHEMA_VERSION) {
        char sql[96]; /* PRAGMAs take no bound parameters; both numbers are this file's own */
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d", GT_JOURNAL_APPLICATION_ID,
                 SCHEMA_VERSION);
        status = exec(j, sql, "writing the schema version");
    }
    if (status == GT_JOURNAL_OK) status = exec(j, "COMMIT", "committing the schema");
    if (status != GT_JOURNAL_OK) sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    return status;
}
