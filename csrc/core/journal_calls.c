/* journal_calls.c — journal.h's calls, each handed to the backend of the handle it is given
 * (journal_backend.h): the SQLite file, or a store over the network. The calls that only the
 * file has (the key's shared state of journal_shared.c: shared_sqlite.c's) check that it is one. */
#include "journal_handle.h"

#include <stdarg.h>
#include <stdio.h>

const char *gt_journal_error(const gt_journal *j)
{
    return j ? j->error : "";
}

bool gt_journal_is_file(gt_journal *j)
{
    return gt_sqlite_journal_of(j) != NULL;
}

const char *gt_journal_fault_code(const gt_journal *j)
{
    return j ? j->fault : NULL;
}

static gt_journal_status vfail(gt_journal *j, const char *fault, const char *fmt, va_list ap)
{
    int n = snprintf(j->error, sizeof j->error, "journal %s: ", j->path ? j->path : "");
    if (n < 0 || (size_t)n >= sizeof j->error) n = 0;
    vsnprintf(j->error + n, sizeof j->error - (size_t)n, fmt, ap);
    j->fault = fault;
    return GT_JOURNAL_ERROR;
}

gt_journal_status gt_journal_fail(gt_journal *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(j, NULL, fmt, ap);
    va_end(ap);
    return GT_JOURNAL_ERROR;
}

gt_journal_status gt_journal_fault(gt_journal *j, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(j, code, fmt, ap);
    va_end(ap);
    return GT_JOURNAL_ERROR;
}

gt_journal *gt_journal_open(const char *path, char **error)
{
    return gt_sqlite_open(path, error);
}

void gt_journal_close(gt_journal *j)
{
    if (j) j->ops->close(j);
}

gt_journal_status gt_journal_begin(gt_journal *j)
{
    return j->ops->begin(j);
}

gt_journal_status gt_journal_commit(gt_journal *j)
{
    return j->ops->commit(j, NULL, NULL);
}

gt_journal_status gt_journal_commit_then(gt_journal *j, gt_journal_done_fn done, void *ctx)
{
    return j->ops->commit(j, done, ctx);
}

bool gt_journal_keeps_ids(const gt_journal *j)
{
    return j->ops->keeps_ids;
}

void gt_journal_rollback(gt_journal *j)
{
    if (j) j->ops->rollback(j);
}

gt_journal_status gt_journal_add(gt_journal *j, gt_record *r)
{
    return j->ops->add(j, r);
}

gt_journal_status gt_journal_update(gt_journal *j, gt_record *r)
{
    return j->ops->update(j, r);
}

gt_journal_status gt_journal_find_key(gt_journal *j, const char *caller_key, gt_record *out)
{
    return j->ops->find_key(j, caller_key, out);
}

gt_journal_status gt_journal_unended(gt_journal *j, gt_record **out, size_t *n)
{
    return j->ops->unended(j, out, n);
}

gt_journal_status gt_journal_count_sent(gt_journal *j, int64_t *n)
{
    return j->ops->count_sent(j, n);
}

gt_journal_status gt_journal_check_account(gt_journal *j, const char *api_key)
{
    return j->ops->check_account(j, api_key);
}

bool gt_journal_set_owner(gt_journal *j, const char *owner)
{
    return j->ops->set_owner(j, owner);
}

gt_journal_status gt_journal_claim(gt_journal *j, const char *provider, int64_t now_ms)
{
    return j->ops->claim(j, provider, now_ms);
}

gt_journal_status gt_journal_claim_record(gt_journal *j, int64_t id, int64_t now_ms, bool *claimed)
{
    return j->ops->claim_record(j, id, now_ms, claimed);
}

gt_journal_status gt_journal_disown(gt_journal *j, int64_t id)
{
    return j->ops->disown(j, id);
}

gt_journal_status gt_journal_checkpoint(gt_journal *j)
{
    gt_sqlite_journal *file = gt_sqlite_journal_of(j);
    return file ? gt_sqlite_checkpoint(file) : GT_JOURNAL_OK;
}

bool gt_journal_answers_later(const gt_journal *j)
{
    return j && j->ops->find_key_then != NULL;
}

gt_journal_status gt_journal_find_key_then(gt_journal *j, const char *caller_key, gt_journal_read *rd)
{
    rd->journal = j;
    if (!j->ops->find_key_then) return gt_journal_fail(j, "this store answers at once: find_key");
    return j->ops->find_key_then(j, caller_key, rd);
}

gt_journal_status gt_journal_claim_record_then(gt_journal *j, gt_journal_read *rd)
{
    rd->journal = j;
    if (!j->ops->claim_record_then) return gt_journal_fail(j, "this store answers at once: claim_record");
    return j->ops->claim_record_then(j, rd);
}

gt_journal_status gt_journal_unended_then(gt_journal *j, const char *provider, gt_journal_read *rd)
{
    rd->journal = j;
    if (!j->ops->unended_then) return gt_journal_fail(j, "this store answers at once: unended");
    return j->ops->unended_then(j, provider, rd);
}

/* ---- the file's own: the key's shared state (shared_sqlite.c) --------------------------------- */

static gt_sqlite_journal *file_of(gt_journal *j)
{
    gt_sqlite_journal *file = gt_sqlite_journal_of(j);
    if (!file) gt_journal_fail(j, "the key's shared state of a journal file asked of another store");
    return file;
}

gt_journal_status gt_journal_take_slot(gt_journal *j, const char *owner, int cap, int64_t now_ms,
                                       int64_t lease_until_ms, bool *taken)
{
    gt_sqlite_journal *file = file_of(j);
    return file ? gt_sqlite_take_slot(file, owner, cap, now_ms, lease_until_ms, taken) : GT_JOURNAL_ERROR;
}

gt_journal_status gt_journal_add_slots(gt_journal *j, const char *owner, int delta, int64_t lease_until_ms)
{
    gt_sqlite_journal *file = file_of(j);
    return file ? gt_sqlite_add_slots(file, owner, delta, lease_until_ms) : GT_JOURNAL_ERROR;
}

gt_journal_status gt_journal_leave(gt_journal *j, const char *owner)
{
    gt_sqlite_journal *file = file_of(j);
    return file ? gt_sqlite_leave(file, owner) : GT_JOURNAL_ERROR;
}

gt_journal_status gt_journal_shared(gt_journal *j, int64_t *paused_until_ms, double *cap)
{
    gt_sqlite_journal *file = file_of(j);
    return file ? gt_sqlite_shared(file, paused_until_ms, cap) : GT_JOURNAL_ERROR;
}

gt_journal_status gt_journal_pause(gt_journal *j, int64_t until_ms)
{
    gt_sqlite_journal *file = file_of(j);
    return file ? gt_sqlite_pause(file, until_ms) : GT_JOURNAL_ERROR;
}

gt_journal_status gt_journal_set_cap(gt_journal *j, double cap)
{
    gt_sqlite_journal *file = file_of(j);
    return file ? gt_sqlite_set_cap(file, cap) : GT_JOURNAL_ERROR;
}

gt_journal_status gt_journal_post_delivery(gt_journal *j, const char *provider, const char *remote_id, const char *body,
                                           const char *verifier, int64_t now_ms, const gt_delivery_limits *limits)
{
    gt_sqlite_journal *file = file_of(j);
    return file ? gt_sqlite_post_delivery(file, provider, remote_id, body, verifier, now_ms, limits) : GT_JOURNAL_ERROR;
}

gt_journal_status gt_journal_deliveries(gt_journal *j, const char *provider, gt_journal_delivery **out, size_t *n)
{
    gt_sqlite_journal *file = file_of(j);
    return file ? gt_sqlite_deliveries(file, provider, out, n) : GT_JOURNAL_ERROR;
}

gt_journal_status gt_journal_drop_delivery(gt_journal *j, int64_t id)
{
    gt_sqlite_journal *file = file_of(j);
    return file ? gt_sqlite_drop_delivery(file, id) : GT_JOURNAL_ERROR;
}
