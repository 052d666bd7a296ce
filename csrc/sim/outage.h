/* An outage: a span of the simulator's clock during which it plays a server that has gone away.
 * This file only keeps the span and what it refused; the listener (listener.c) closes the port
 * for it and the router (router.c) drops the requests of connections that were already open. The
 * tasks are not touched: their state is derived from the clock (lifecycle.h), so they go on
 * generating and a poll after the outage sees where they are by then.
 *
 * Lock-free: the listener's thread and every request thread read it, the admin endpoints write it,
 * and its two members never need to change together. */
#ifndef GENTASK_SIM_OUTAGE_H
#define GENTASK_SIM_OUTAGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#define OUTAGE_MS_MAX 600000

struct outage {
    _Atomic int64_t until_ms; /* when the current or last outage ends; 0: none since the start or reset */
    _Atomic uint64_t refused; /* requests dropped because an outage was on */
};

/* Starts an outage that ends by itself at until_ms, replacing any outage going on; until_ms <= now
 * ends it at once. */
void outage_set_until(struct outage *outage, int64_t until_ms);

/* The end of the outage going on at now_ms; 0 when there is none. */
int64_t outage_until(struct outage *outage, int64_t now_ms);

/* Whether a request arriving at now_ms is to be dropped; counts it if so. */
bool outage_refuse(struct outage *outage, int64_t now_ms);

/* Ends any outage and zeroes the count (POST /_sim/reset). */
void outage_reset(struct outage *outage);

/* Adds "outage_refused" and "outage_until_ms" to a GET /_sim/stats body. */
void outage_stats_json(struct outage *outage, cJSON *body, int64_t now_ms);

#endif
