/* lease.h — the timings of an owner's lease, one fact for every store that keeps one: the journal's
 * claim of records (journal_shared.c through its callers, journal_redis.c) and the key's places
 * (shared_sqlite.c, shared_redis.c). An owner is one client (a random id its records and places
 * carry); another process takes what a silent owner held. */
#ifndef GENTASK_LEASE_H
#define GENTASK_LEASE_H

/* An owner silent this long is gone: its unended records may be claimed by another process's
 * recover(), and its places stop counting against the key's cap. Long enough for two renewals in
 * a row to be lost (a file another process held, a Redis call timed out at redis_timeout's default
 * of 1 s) without a live owner losing its tasks; short enough that a crashed process's places
 * come back within seconds. */
#define GT_LEASE_MS 6000
/* The lease is renewed this often while the client has tasks (or holds places): a third of it,
 * so that one late or lost renewal never lets it run out. */
#define GT_HEARTBEAT_MS 2000
/* The key was full: a place another process gave back is looked for this much later. Short,
 * since a submit is waiting on it; each look is one statement or one script. */
#define GT_SLOT_RECHECK_MS 20

#endif
