/* journal_deliveries.c — webhook deliveries handed from the process that received one to the
 * process whose client holds the task (nginx gives a delivery to whichever worker it picks). A row
 * per delivery; the owner reads its provider's rows and deletes those it took. A row nobody takes
 * (a task that ended meanwhile, a forged id) is dropped once old, by the next post. */
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

gt_journal_status gt_sqlite_post_delivery(gt_sqlite_journal *j, const char *provider, const char *remote_id,
                                          const char *body, bool verified, int64_t now_ms, int64_t max_age_ms)
{
    sqlite3_stmt *st = gt_journal_prepared(j, GT_SQL_DELIVERY_POST,
                                           "INSERT INTO deliveries (provider, remote_id, body, verified, posted_ms) "
                                           "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st) return GT_JOURNAL_ERROR;
    sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, remote_id, -1, SQLITE_STATIC);
    if (body) sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, 3);
    sqlite3_bind_int(st, 4, verified ? 1 : 0);
    sqlite3_bind_int64(st, 5, now_ms);
    gt_journal_status status = step_done(j, st, "posting a webhook delivery");
    if (status != GT_JOURNAL_OK) return status;
    /* the old rows go with a post: a file whose processes receive no webhooks has none to drop */
    st = gt_journal_prepared(j, GT_SQL_DELIVERY_PRUNE, "DELETE FROM deliveries WHERE posted_ms < ?1");
    if (!st) return GT_JOURNAL_OK;
    sqlite3_bind_int64(st, 1, now_ms - max_age_ms);
    step_done(j, st, "dropping old webhook deliveries"); /* BUSY: the next post drops them */
    return GT_JOURNAL_OK;
}

void gt_journal_deliveries_free(gt_journal_delivery *d, size_t n)
{
    for (size_t i = 0; d && i < n; i++) {
        free(d[i].remote_id);
        free(d[i].body);
    }
    free(d);
}

gt_journal_status gt_sqlite_deliveries(gt_sqlite_journal *j, const char *provider, gt_journal_delivery **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = gt_journal_prepared(
        j, GT_SQL_DELIVERY_LIST,
        "SELECT id, remote_id, body, verified FROM deliveries WHERE provider = ?1 ORDER BY id");
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
        d->verified = sqlite3_column_int(st, 3) != 0;
        if (!d->remote_id || (body && !d->body)) ok = false;
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
