/* journal_deliveries.c — webhook deliveries handed from the process that received one to the
 * process whose client holds the task (nginx gives a delivery to whichever worker it picks). A row
 * per delivery; the owner reads its provider's rows and deletes those it took. A row nobody takes
 * (a task that ended meanwhile, a forged id) is dropped by a later post: once old, or once the
 * provider's rows are over their count or bytes (gt_delivery_limits), the oldest unverified first
 * — a flood of forged news leaves the file bounded and cannot push out a verified delivery. */
#include "journal_handle.h"

#include <stdlib.h>
#include <string.h>

static gt_journal_status step_done(gt_sqlite_journal *j, sqlite3_stmt *st, const char *doing)
{
    int rc = sqlite3_step(st);
    gt_journal_status status = rc == SQLITE_DONE ? GT_JOURNAL_OK : gt_journal_sqlite_failed(j, rc, doing);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return status;
}

/* The provider's rows past limits->max_count or max_bytes, counted from the ones most worth
 * keeping: verified before unverified, newest before oldest. */
static void bound(gt_sqlite_journal *j, const char *provider, const gt_delivery_limits *limits)
{
    sqlite3_stmt *st = gt_journal_prepared(
        j, GT_SQL_DELIVERY_BOUND,
        "DELETE FROM deliveries WHERE id IN (SELECT id FROM ("
        "  SELECT id, count(*) OVER kept AS rows_kept,"
        "    sum(length(CAST(remote_id AS BLOB)) + coalesce(length(CAST(body AS BLOB)), 0)) OVER kept AS bytes_kept"
        "  FROM deliveries WHERE provider = ?1"
        "  WINDOW kept AS (ORDER BY verifier IS NULL, id DESC ROWS UNBOUNDED PRECEDING))"
        " WHERE rows_kept > ?2 OR bytes_kept > ?3)");
    if (!st) return;
    sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limits->max_count);
    sqlite3_bind_int64(st, 3, limits->max_bytes);
    step_done(j, st, "dropping webhook deliveries over the limits"); /* BUSY: the next post drops them */
}

gt_journal_status gt_sqlite_post_delivery(gt_sqlite_journal *j, const char *provider, const char *remote_id,
                                          const char *body, const char *verifier, int64_t now_ms,
                                          const gt_delivery_limits *limits)
{
    /* verified stays 0: a gentask of schema 4 on the same file trusts it whoever's secret checked
     * the row, and reads a 0 as news only */
    sqlite3_stmt *st = gt_journal_prepared(j, GT_SQL_DELIVERY_POST,
                                           "INSERT INTO deliveries (provider, remote_id, body, verified, posted_ms, "
                                           "verifier) VALUES (?1, ?2, ?3, 0, ?4, ?5)");
    if (!st) return GT_JOURNAL_ERROR;
    sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, remote_id, -1, SQLITE_STATIC);
    if (body && verifier) sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, now_ms);
    if (body && verifier) sqlite3_bind_text(st, 5, verifier, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, 5);
    gt_journal_status status = step_done(j, st, "posting a webhook delivery");
    if (status != GT_JOURNAL_OK) return status;
    /* the old rows go with a post: a file whose processes receive no webhooks has none to drop */
    st = gt_journal_prepared(j, GT_SQL_DELIVERY_PRUNE, "DELETE FROM deliveries WHERE posted_ms < ?1");
    if (!st) return GT_JOURNAL_OK;
    sqlite3_bind_int64(st, 1, now_ms - limits->max_age_ms);
    step_done(j, st, "dropping old webhook deliveries"); /* BUSY: the next post drops them */
    bound(j, provider, limits);
    return GT_JOURNAL_OK;
}

void gt_journal_deliveries_free(gt_journal_delivery *d, size_t n)
{
    for (size_t i = 0; d && i < n; i++) {
        free(d[i].remote_id);
        free(d[i].body);
        free(d[i].verifier);
    }
    free(d);
}

gt_journal_status gt_sqlite_deliveries(gt_sqlite_journal *j, const char *provider, gt_journal_delivery **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = gt_journal_prepared(
        j, GT_SQL_DELIVERY_LIST,
        "SELECT id, remote_id, body, verifier FROM deliveries WHERE provider = ?1 ORDER BY id");
    if (!st) return GT_JOURNAL_ERROR;
    sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
    gt_journal_delivery *list = NULL;
    size_t count = 0;
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        gt_journal_delivery *more = realloc(list, (count + 1) * sizeof *list);
        if (!more) {
            ok = false;
            break;
        }
        list = more;
        gt_journal_delivery *d = &list[count++];
        const char *body = (const char *)sqlite3_column_text(st, 2);
        d->id = sqlite3_column_int64(st, 0);
        d->remote_id = gt_strdup((const char *)sqlite3_column_text(st, 1));
        d->body = body ? gt_strdup(body) : NULL;
        const char *verifier = (const char *)sqlite3_column_text(st, 3);
        d->verifier = verifier ? gt_strdup(verifier) : NULL;
        if (!d->remote_id || (body && !d->body) || (verifier && !d->verifier)) ok = false;
    }
    gt_journal_status status = GT_JOURNAL_OK;
    if (!ok) status = gt_journal_fail(&j->base, "reading webhook deliveries: out of memory");
    else if (rc != SQLITE_DONE) status = gt_journal_sqlite_failed(j, rc, "reading webhook deliveries");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (status != GT_JOURNAL_OK) {
        gt_journal_deliveries_free(list, count);
        return status;
    }
    *out = list;
    *n = count;
    return GT_JOURNAL_OK;
}

gt_journal_status gt_sqlite_drop_delivery(gt_sqlite_journal *j, int64_t id)
{
    sqlite3_stmt *st = gt_journal_prepared(j, GT_SQL_DELIVERY_DROP, "DELETE FROM deliveries WHERE id = ?1");
    if (!st) return GT_JOURNAL_ERROR;
    sqlite3_bind_int64(st, 1, id);
    return step_done(j, st, "dropping a webhook delivery taken");
}
