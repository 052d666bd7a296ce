/* journal_backend.h — what a journal backend implements: the calls of journal.h, each through
 * the handle's ops. The SQLite file (journal.c and its journal_*.c) is one backend; a backend
 * whose store answers later (over a network) commits asynchronously: its commit answers PENDING
 * and calls done when the store has answered.
 *
 * For backends alone: the task state machine sees journal.h. */
#ifndef GENTASK_JOURNAL_BACKEND_H
#define GENTASK_JOURNAL_BACKEND_H

#include "journal.h"

typedef struct gt_journal_ops {
    void (*close)(gt_journal *j);
    gt_journal_status (*begin)(gt_journal *j);
    /* done NULL: the caller cannot wait (a backend that could only answer later says BUSY) */
    gt_journal_status (*commit)(gt_journal *j, gt_journal_done_fn done, void *ctx);
    void (*rollback)(gt_journal *j);
    gt_journal_status (*add)(gt_journal *j, gt_record *r);
    gt_journal_status (*update)(gt_journal *j, gt_record *r);
    gt_journal_status (*find_key)(gt_journal *j, const char *caller_key, gt_record *out);
    gt_journal_status (*unended)(gt_journal *j, gt_record **out, size_t *n);
    gt_journal_status (*count_sent)(gt_journal *j, int64_t *n);
    gt_journal_status (*check_account)(gt_journal *j, const char *api_key);
    bool (*set_owner)(gt_journal *j, const char *owner);
    gt_journal_status (*claim)(gt_journal *j, const char *provider, int64_t now_ms);
    gt_journal_status (*claim_record)(gt_journal *j, int64_t id, int64_t now_ms, bool *claimed);
    gt_journal_status (*disown)(gt_journal *j, int64_t id);
    /* a store that answers on the loop (journal.h's *_then); NULL for the file, which answers at once */
    gt_journal_status (*find_key_then)(gt_journal *j, const char *caller_key, gt_journal_read *rd);
    gt_journal_status (*claim_record_then)(gt_journal *j, gt_journal_read *rd);
    gt_journal_status (*unended_then)(gt_journal *j, const char *provider, gt_journal_read *rd);
    /* A record's id is its own from add on, whether its transaction was committed or not (an id
     * the backend drew rather than one the store counted): a commit that failed is written again
     * under the same ids, which is what makes writing it again harmless. */
    bool keeps_ids;
} gt_journal_ops;

/* Every backend's handle starts with this. */
struct gt_journal {
    const gt_journal_ops *ops;
    char *path;        /* the file or address, for messages (never a password) */
    char error[1024];  /* the last error; a buffer, so that running out of memory can be reported too */
    const char *fault; /* the last error is the store's fault: its code (a constant); NULL: not */
};

/* Records an error of the journal's own (printf-style), "journal <path>: " before it. Returns
 * GT_JOURNAL_ERROR. */
gt_journal_status gt_journal_fail(gt_journal *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for a fault of the store (code: "redis", "journal_lost"; a constant string). */
gt_journal_status gt_journal_fault(gt_journal *j, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
