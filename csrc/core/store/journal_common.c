/* journal_common.c — what every journal backend uses, below them all: its errors (the handle's
 * message and fault code) and the records' helpers. It calls no backend. */
#include "journal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char *const stage_names[] = {
    [GT_RECORD_QUEUED] = "queued",
    [GT_RECORD_SENDING] = "sending",
    [GT_RECORD_ACCEPTED] = "accepted",
    [GT_RECORD_ENDED] = "ended",
};
#define STAGE_COUNT (sizeof stage_names / sizeof stage_names[0])

const char *gt_record_stage_name(gt_record_stage stage)
{
    return (unsigned)stage < STAGE_COUNT ? stage_names[stage] : NULL;
}

bool gt_record_stage_from_name(const char *name, gt_record_stage *stage)
{
    for (size_t i = 0; name && i < STAGE_COUNT; i++) {
        if (strcmp(name, stage_names[i]) == 0) {
            *stage = (gt_record_stage)i;
            return true;
        }
    }
    return false;
}

void gt_record_clear(gt_record *r)
{
    if (!r) return;
    char *strings[] = {r->caller_key, r->provider,     r->model,           r->path,       r->poll_path,
                       r->params,     r->request_hash, r->idempotency_key, r->remote_id,  r->poll_url,
                       r->outcome,    r->download,     r->files,           r->cost_source};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) free(strings[i]);
    *r = (gt_record){0};
}

bool gt_record_copy(const gt_record *r, gt_record *out)
{
    *out = *r;
    char **strings[] = {&out->caller_key, &out->provider,     &out->model,           &out->path,       &out->poll_path,
                        &out->params,     &out->request_hash, &out->idempotency_key, &out->remote_id,  &out->poll_url,
                        &out->outcome,    &out->download,     &out->files,           &out->cost_source};
    bool ok = true;
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        if (!*strings[i]) continue;
        *strings[i] = gt_strdup(*strings[i]);
        ok = ok && *strings[i];
    }
    if (!ok) gt_record_clear(out);
    return ok;
}

void gt_records_free(gt_record *records, size_t n)
{
    for (size_t i = 0; records && i < n; i++) gt_record_clear(&records[i]);
    free(records);
}
