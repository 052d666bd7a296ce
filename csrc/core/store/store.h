/* store.h — the store layer's one face: what outlives a process or is shared between processes.
 * The journal of a client's tasks (journal.h: one ops table, a SQLite file or Redis behind it) and
 * the key's state its clients share (shared.h: places in flight, the 429 pause, the learned cap,
 * webhook deliveries; in this process, in the journal's file, or in Redis). Files of the other
 * layers include this header alone; the backends' own headers (journal_sqlite.h, journal_redis.h,
 * redis_link.h, lease.h, …) are for the files of this folder and the white-box tests. */
#ifndef GENTASK_STORE_H
#define GENTASK_STORE_H

#include "journal.h"
#include "shared.h"

#endif
