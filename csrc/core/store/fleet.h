/* fleet.h — the fleet read (gentask.h's gt_fleet_read): what every process sharing one journal is
 * doing, read by each backend its own way without writing anything — the SQLite file opened
 * read-only (journal_fleet.c), Redis with plain reads and one read-only script (redis_fleet.c) —
 * into the one gt_fleet that fleet.c builds. Not an op of an opened journal: opening one writes
 * (the file is created and migrated, Redis's salt is stored and its persistence asked), and a look
 * at a journal must change nothing. journal_open.c chooses the backend, as it does for a journal. */
#ifndef GENTASK_FLEET_H
#define GENTASK_FLEET_H

#include "../base/base.h"

/* An empty fleet; NULL: out of memory. */
gt_fleet *gt_fleet_new(void);
/* Adds a live owner (id shortened here; host NULL and pid 0 when the store keeps none). false:
 * out of memory. */
bool gt_fleet_add_owner(gt_fleet *f, const char *id, const char *host, int64_t pid, int64_t lease_left_ms,
                        int64_t places);
/* Adds n records of provider at stage (a journal stage's name; another is not counted). false:
 * out of memory. */
bool gt_fleet_add_tasks(gt_fleet *f, const char *provider, const char *stage, int64_t n);
/* The read's error: kind and code (NULL: none), the message printf-style. */
gt_error *gt_fleet_error(gt_kind kind, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The backends (gentask.h's gt_fleet_read says what each answers). */
gt_fleet *gt_sqlite_fleet(const char *path, long timeout_ms, gt_error **error);
gt_fleet *gt_redis_fleet(const char *url, const char *api_key, long timeout_ms, gt_error **error);

#endif
