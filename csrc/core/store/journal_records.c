/* journal_records.c — a journal's records: adding, updating, finding one by the caller's key, and
 * listing those not ended (what recovery starts from). */
#include "journal_handle.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Binds s, or SQL NULL for NULL. SQLITE_STATIC: every statement is reset before the strings
 * bound to it can go away. */
static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

/* Runs a bound insert or update to its end; resets it and unbinds its strings either way. */
static gt_journal_status finish_write(gt_sqlite_journal *j, sqlite3_stmt *st, int bind_rc, const char *doing)
{
    int rc = bind_rc == SQLITE_OK ? sqlite3_step(st) : bind_rc;
    gt_journal_status status = GT_JOURNAL_OK;
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        gt_journal_fail(&j->base, "%s: a record with that caller key is there already", doing);
        status = GT_JOURNAL_DUPLICATE;
    } else if (rc != SQLITE_DONE) {
        status = gt_journal_sqlite_failed(j, rc, doing);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return status;
}

gt_journal_status gt_sqlite_totals(gt_sqlite_journal *j, int64_t *sent, double *settled, double *held)
{
    *sent = 0;
    *settled = *held = 0;
    sqlite3_stmt *st = gt_journal_prepared(j, GT_SQL_TOTALS, "SELECT sent, settled, held FROM totals");
    if (!st) return GT_JOURNAL_ERROR;
    int rc = sqlite3_step(st);
    gt_journal_status status = GT_JOURNAL_OK;
    if (rc == SQLITE_ROW) {
        *sent = sqlite3_column_int64(st, 0);
        *settled = sqlite3_column_double(st, 1);
        *held = sqlite3_column_double(st, 2);
    } else if (rc != SQLITE_DONE) {
        status = gt_journal_sqlite_failed(j, rc, "reading the journal's totals");
    }
    sqlite3_reset(st);
    return status;
}

static bool goes_out(gt_record_stage stage)
{
    return stage == GT_RECORD_SENDING || stage == GT_RECORD_ACCEPTED;
}

/* Whether record id's submit went out already, as the file has it (a record not there: no). */
static gt_journal_status stored_sent(gt_sqlite_journal *j, int64_t id, bool *sent)
{
    *sent = false;
    sqlite3_stmt *st = gt_journal_prepared(j, GT_SQL_STAGE_OF, "SELECT stage <> 'queued' FROM records WHERE id = ?1");
    if (!st) return GT_JOURNAL_ERROR;
    int rc = sqlite3_bind_int64(st, 1, id);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    gt_journal_status status = GT_JOURNAL_OK;
    if (rc == SQLITE_ROW) *sent = sqlite3_column_int(st, 0) != 0;
    else if (rc != SQLITE_DONE) status = gt_journal_sqlite_failed(j, rc, "reading a record's stage");
    sqlite3_reset(st);
    return status;
}

/* A record that becomes sent (from queued, or new: id 0) must fit the budget of every process
 * sharing the file: read under the transaction's write lock, so two processes cannot both take
 * the last room. OK, OVER_BUDGET, BUDGET_HELD, or a failure to read. */
static gt_journal_status within_budget(gt_sqlite_journal *j, const gt_record *r, int64_t id)
{
    const gt_journal_budget *b = &j->base.budget;
    if (!goes_out(r->stage) || (b->max_submits <= 0 && b->max_cost <= 0)) return GT_JOURNAL_OK;
    bool was_sent = false;
    gt_journal_status status = id ? stored_sent(j, id, &was_sent) : GT_JOURNAL_OK;
    if (status != GT_JOURNAL_OK || was_sent) return status;
    int64_t sent;
    double settled, held;
    status = gt_sqlite_totals(j, &sent, &settled, &held);
    if (status != GT_JOURNAL_OK) return status;
    if (b->max_submits > 0 && sent >= b->max_submits) return GT_JOURNAL_OVER_BUDGET;
    return gt_journal_budget_fits(b->max_cost, settled, held, r->reserved);
}

/* One row of meta, written or replaced. */
static gt_journal_status put_meta(gt_sqlite_journal *j, const char *name, double number, const char *text)
{
    sqlite3_stmt *st = gt_journal_prepared(
        j, GT_SQL_NOTE_BUDGET,
        "INSERT INTO meta (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = excluded.value");
    if (!st) return GT_JOURNAL_ERROR;
    int rc = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = text ? bind_text(st, 2, text) : sqlite3_bind_double(st, 2, number);
    return finish_write(j, st, rc, "noting the budget");
}

/* The budget this handle's client counts in, beside the records it writes (in their transaction):
 * what the fleet's view (gentask status) compares the spend with. A client without max_cost
 * leaves another's in place. */
static gt_journal_status note_budget(gt_sqlite_journal *j)
{
    const gt_journal_budget *b = &j->base.budget;
    if (j->budget_noted || !b->currency) return GT_JOURNAL_OK;
    gt_journal_status status = put_meta(j, "currency", 0, b->currency);
    if (status == GT_JOURNAL_OK && b->max_cost > 0) status = put_meta(j, "max_cost", b->max_cost, NULL);
    j->budget_noted = status == GT_JOURNAL_OK;
    return status;
}

/* The money columns: reserved (NULL for none), cost and its source (NULL: not known). */
static int bind_money(sqlite3_stmt *st, int first, const gt_record *r)
{
    int rc = r->reserved > 0 ? sqlite3_bind_double(st, first, r->reserved) : sqlite3_bind_null(st, first);
    if (rc == SQLITE_OK)
        rc = r->cost_source ? sqlite3_bind_double(st, first + 1, r->cost) : sqlite3_bind_null(st, first + 1);
    if (rc == SQLITE_OK) rc = bind_text(st, first + 2, r->cost_source);
    return rc;
}

gt_journal_status gt_sqlite_add(gt_journal *base, gt_record *r)
{
    gt_sqlite_journal *j = GT_SQLITE(base);
    if (!r->provider || !r->model || !r->path || !r->params)
        return gt_journal_fail(&j->base, "add: provider, model, path and params are required");
    if (!gt_record_stage_name(r->stage)) return gt_journal_fail(&j->base, "add: unknown stage %d", (int)r->stage);
    if (!r->request_hash && !(r->request_hash = gt_request_hash(r->provider, r->model, r->params)))
        return gt_journal_fail(&j->base, "add: params is not JSON (or out of memory)");
    sqlite3_stmt *st = gt_journal_prepared(
        j, GT_SQL_ADD,
        "INSERT INTO records (stage, caller_key, provider, model, path, poll_path, params, request_hash, "
        "idempotency_key, remote_id, poll_url, outcome, created_ms, updated_ms, download, files, owner, reserved, "
        "cost, cost_source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15, ?16, ?17, "
        "?18, ?19)");
    if (!st) return GT_JOURNAL_ERROR;
    gt_journal_status allowed = within_budget(j, r, 0);
    if (allowed == GT_JOURNAL_OK) allowed = note_budget(j);
    if (allowed != GT_JOURNAL_OK) return allowed;
    int64_t now = gt_wall_ms(); /* not monotonic: the next process reads these times */
    const char *texts[] = {gt_record_stage_name(r->stage),
                           r->caller_key,
                           r->provider,
                           r->model,
                           r->path,
                           r->poll_path,
                           r->params,
                           r->request_hash,
                           r->idempotency_key,
                           r->remote_id,
                           r->poll_url,
                           r->outcome};
    int rc = SQLITE_OK;
    for (int i = 0; rc == SQLITE_OK && i < (int)(sizeof texts / sizeof texts[0]); i++)
        rc = bind_text(st, i + 1, texts[i]);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 13, now);
    if (rc == SQLITE_OK) rc = bind_text(st, 14, r->download);
    if (rc == SQLITE_OK) rc = bind_text(st, 15, r->files);
    if (rc == SQLITE_OK) rc = bind_text(st, 16, j->owner);
    if (rc == SQLITE_OK) rc = bind_money(st, 17, r);
    gt_journal_status status = finish_write(j, st, rc, "add");
    if (status == GT_JOURNAL_OK) {
        r->id = sqlite3_last_insert_rowid(j->db);
        r->created_ms = r->updated_ms = now;
    }
    return status;
}

gt_journal_status gt_sqlite_update(gt_journal *base, gt_record *r)
{
    gt_sqlite_journal *j = GT_SQLITE(base);
    if (!gt_record_stage_name(r->stage)) return gt_journal_fail(&j->base, "update: unknown stage %d", (int)r->stage);
    sqlite3_stmt *st = gt_journal_prepared(
        j, GT_SQL_UPDATE,
        "UPDATE records SET stage = ?2, idempotency_key = ?3, remote_id = ?4, poll_url = ?5, "
        "outcome = ?6, updated_ms = ?7, download = ?8, files = ?9, owner = coalesce(?10, owner), reserved = ?11, "
        "cost = ?12, cost_source = ?13 WHERE id = ?1");
    if (!st) return GT_JOURNAL_ERROR;
    gt_journal_status allowed = within_budget(j, r, r->id);
    if (allowed != GT_JOURNAL_OK) return allowed;
    int64_t now = gt_wall_ms(); /* not monotonic: the next process reads these times */
    int rc = sqlite3_bind_int64(st, 1, r->id);
    const char *texts[] = {gt_record_stage_name(r->stage), r->idempotency_key, r->remote_id, r->poll_url, r->outcome};
    for (int i = 0; rc == SQLITE_OK && i < (int)(sizeof texts / sizeof texts[0]); i++)
        rc = bind_text(st, i + 2, texts[i]);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 7, now);
    if (rc == SQLITE_OK) rc = bind_text(st, 8, r->download);
    if (rc == SQLITE_OK) rc = bind_text(st, 9, r->files);
    if (rc == SQLITE_OK) rc = bind_text(st, 10, j->owner);
    if (rc == SQLITE_OK) rc = bind_money(st, 11, r);
    gt_journal_status status = finish_write(j, st, rc, "update");
    if (status != GT_JOURNAL_OK) return status;
    if (sqlite3_changes(j->db) == 0) {
        gt_journal_fail(&j->base, "update: no record %lld", (long long)r->id);
        return GT_JOURNAL_NOT_FOUND;
    }
    r->updated_ms = now;
    return GT_JOURNAL_OK;
}

/* The columns every read selects, in the order read_row takes them. */
#define RECORD_COLUMNS                                                                                            \
    "id, stage, caller_key, provider, model, path, poll_path, params, request_hash, idempotency_key, remote_id, " \
    "poll_url, outcome, created_ms, updated_ms, download, files, reserved, cost, cost_source"

static bool copy_column(sqlite3_stmt *st, int col, char **out)
{
    const char *text = (const char *)sqlite3_column_text(st, col);
    *out = gt_strdup(text);
    return !text || *out;
}

/* One row of RECORD_COLUMNS into *r (overwritten); ERROR, with *r cleared, when out of memory or
 * the stage is not one this build knows. */
static gt_journal_status read_row(gt_sqlite_journal *j, sqlite3_stmt *st, gt_record *r)
{
    *r = (gt_record){.id = sqlite3_column_int64(st, 0),
                     .created_ms = sqlite3_column_int64(st, 13),
                     .updated_ms = sqlite3_column_int64(st, 14)};
    if (!gt_record_stage_from_name((const char *)sqlite3_column_text(st, 1), &r->stage))
        return gt_journal_fail(&j->base, "record %lld has an unknown stage", (long long)r->id);
    char **strings[] = {&r->caller_key,   &r->provider,        &r->model,     &r->path,     &r->poll_path, &r->params,
                        &r->request_hash, &r->idempotency_key, &r->remote_id, &r->poll_url, &r->outcome};
    r->reserved = sqlite3_column_double(st, 17); /* NULL reads 0: none */
    r->cost = sqlite3_column_double(st, 18);
    bool copied = copy_column(st, 15, &r->download) && copy_column(st, 16, &r->files) &&
                  copy_column(st, 19, &r->cost_source);
    for (int i = 0; i < (int)(sizeof strings / sizeof strings[0]); i++) {
        if (!copied || !copy_column(st, i + 2, strings[i])) {
            gt_record_clear(r);
            return gt_journal_fail(&j->base, "reading a record: out of memory");
        }
    }
    return GT_JOURNAL_OK;
}

gt_journal_status gt_sqlite_find_key(gt_journal *base, const char *caller_key, gt_record *out)
{
    gt_sqlite_journal *j = GT_SQLITE(base);
    *out = (gt_record){0};
    if (!caller_key) return gt_journal_fail(&j->base, "find_key: no key");
    sqlite3_stmt *st = gt_journal_prepared(j, GT_SQL_FIND_KEY,
                                           "SELECT " RECORD_COLUMNS " FROM records WHERE caller_key = ?1");
    if (!st) return GT_JOURNAL_ERROR;
    int rc = sqlite3_bind_text(st, 1, caller_key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    gt_journal_status status;
    if (rc == SQLITE_ROW) status = read_row(j, st, out);
    else if (rc == SQLITE_DONE) status = GT_JOURNAL_NOT_FOUND;
    else status = gt_journal_sqlite_failed(j, rc, "find_key");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return status;
}

gt_journal_status gt_sqlite_unended(gt_journal *base, gt_record **out, size_t *n)
{
    gt_sqlite_journal *j = GT_SQLITE(base);
    *out = NULL;
    *n = 0;
    /* each half of the WHERE is a partial index's own, so the two indexes serve it */
    sqlite3_stmt *st = gt_journal_prepared(j, GT_SQL_UNENDED,
                                           "SELECT " RECORD_COLUMNS
                                           " FROM records WHERE (stage <> 'ended' OR (download IS NOT NULL AND "
                                           "files IS NULL AND json_extract(outcome, '$.state') = 'succeeded')) AND (?1 "
                                           "IS NULL OR owner = ?1) ORDER BY id");
    if (!st) return GT_JOURNAL_ERROR;
    bind_text(st, 1, j->owner); /* a named owner sees its own records: gt_journal_claim gave it the orphans' */
    gt_record *records = NULL;
    size_t count = 0, capacity = 0;
    gt_journal_status status = GT_JOURNAL_OK;
    int rc = SQLITE_DONE;
    while (status == GT_JOURNAL_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == capacity) {
            size_t grown = capacity ? capacity * 2 : 16;
            gt_record *bigger = realloc(records, grown * sizeof *bigger);
            if (!bigger) {
                status = gt_journal_fail(&j->base, "unended: out of memory");
                break;
            }
            records = bigger;
            capacity = grown;
        }
        status = read_row(j, st, &records[count]);
        if (status == GT_JOURNAL_OK) count++;
    }
    if (status == GT_JOURNAL_OK && rc != SQLITE_DONE) status = gt_journal_sqlite_failed(j, rc, "unended");
    sqlite3_reset(st);
    if (status != GT_JOURNAL_OK) {
        gt_records_free(records, count);
        return status;
    }
    *out = records;
    *n = count;
    return GT_JOURNAL_OK;
}

gt_journal_status gt_sqlite_count_sent(gt_journal *base, int64_t *n)
{
    double settled, held;
    return gt_sqlite_totals(GT_SQLITE(base), n, &settled, &held);
}
