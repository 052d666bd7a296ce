/* journal_sqlite.h — the SQLite journal file's own calls, beside journal.h's ops: opening the file,
 * and the key's state shared by the processes of one machine through it (journal_shared.c,
 * journal_deliveries.c), which shared_sqlite.c alone asks for. A store over the network keeps that
 * state its own way (shared_redis.c). The inside of the file's handle is journal_handle.h. */
#ifndef GENTASK_JOURNAL_SQLITE_H
#define GENTASK_JOURNAL_SQLITE_H

#include "journal.h"

typedef struct gt_sqlite_journal gt_sqlite_journal;

/* Opens the journal at path, creating it (mode 0600) if it is not there: WAL, synchronous =
 * NORMAL (a committed transaction survives the process being killed; only a power cut may lose
 * the last ones), no busy timeout. The schema version is PRAGMA user_version, the file is marked
 * as gentask's by PRAGMA application_id; an older schema is migrated here, a newer one (written by
 * a later gentask) or a file of another program is refused. NULL on failure, with *error (when
 * error is not NULL) a message to free(). */
gt_journal *gt_sqlite_open(const char *path, char **error);
/* The SQLite journal behind a handle; NULL when the handle is another backend's. */
gt_sqlite_journal *gt_sqlite_journal_of(gt_journal *j);

/* ---- the key's state shared by the processes using the file (journal_shared.c) ------------------ */

/* Times are wall clock ms (another process reads them). owner names one client (a random id).
 * Each call is one transaction of its own: call them outside begin/commit. */

/* Takes one of the key's places for owner, when fewer than cap are held by owners whose lease
 * runs past now_ms (owner's own always count); renews owner's lease to lease_until_ms either way
 * it is taken. cap <= 0: taken whatever the count (a task already at the provider). *taken says. */
gt_journal_status gt_sqlite_take_slot(gt_sqlite_journal *j, const char *owner, int cap, int64_t now_ms,
                                      int64_t lease_until_ms, bool *taken);
/* Adds delta (may be negative; the count never goes below 0) to owner's places and renews its
 * lease: delta 0 is the heartbeat. */
gt_journal_status gt_sqlite_add_slots(gt_sqlite_journal *j, const char *owner, int delta, int64_t lease_until_ms);
/* owner is gone: its places are given back. */
gt_journal_status gt_sqlite_leave(gt_sqlite_journal *j, const char *owner);
/* The key's pause-until (0: none) and learned cap (< 0: none learned). */
gt_journal_status gt_sqlite_shared(gt_sqlite_journal *j, int64_t *paused_until_ms, double *cap);
gt_journal_status gt_sqlite_pause(gt_sqlite_journal *j, int64_t until_ms); /* only ever moves it later */
gt_journal_status gt_sqlite_set_cap(gt_sqlite_journal *j, double cap);

/* ---- webhook deliveries passed between the key's processes (journal_deliveries.c) -------------- */

/* A delivery one process received for a task another may hold. Strings owned by the array. */
typedef struct gt_journal_delivery {
    int64_t id;
    char *remote_id;
    char *body;     /* the payload, scrubbed of secrets; NULL: news only */
    char *verifier; /* the fingerprint of the secret that checked its signature; NULL: none did */
} gt_journal_delivery;

/* What the deliveries nobody took may hold, per provider: rows older than max_age_ms go, then,
 * past max_count rows or max_bytes (ids and bodies), the oldest unverified ones, then the oldest
 * verified ones. Forged news cannot push out a delivery a secret checked. */
typedef struct gt_delivery_limits {
    int64_t max_age_ms;
    int64_t max_count;
    int64_t max_bytes;
} gt_delivery_limits;

/* Posts a delivery for provider's task remote_id (body and verifier NULL when unverified), at wall
 * time now_ms; the provider's deliveries are brought within limits in the same call. */
gt_journal_status gt_sqlite_post_delivery(gt_sqlite_journal *j, const char *provider, const char *remote_id,
                                          const char *body, const char *verifier, int64_t now_ms,
                                          const gt_delivery_limits *limits);
/* Every delivery posted for provider, oldest first: *out (NULL when none) to free with
 * gt_journal_deliveries_free. */
gt_journal_status gt_sqlite_deliveries(gt_sqlite_journal *j, const char *provider, gt_journal_delivery **out,
                                       size_t *n);
void gt_journal_deliveries_free(gt_journal_delivery *d, size_t n);
/* Delivery id was taken by the task's owner: gone for every process. */
gt_journal_status gt_sqlite_drop_delivery(gt_sqlite_journal *j, int64_t id);

#endif
