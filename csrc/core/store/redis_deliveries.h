/* redis_deliveries.h — webhook deliveries passed between the key's clients through Redis, for
 * shared_redis.c: the one nginx (or any front) handed a delivery to posts it, the one holding the
 * task takes it. The same contract as the journal file's (shared.h's gt_delivery). */
#ifndef GENTASK_REDIS_DELIVERIES_H
#define GENTASK_REDIS_DELIVERIES_H

#include "redis_link.h"
#include "shared.h"

typedef struct gt_redis_deliveries gt_redis_deliveries;

gt_redis_deliveries *gt_redis_deliveries_new(gt_engine *e, gt_redis_link *link); /* the link is borrowed */
/* The key's namespace ("prefix:fingerprint"), once known: nothing is sent before. */
void gt_redis_deliveries_named(gt_redis_deliveries *d, const char *ns);
bool gt_redis_deliveries_post(gt_redis_deliveries *d, const gt_delivery *delivery);
void gt_redis_deliveries_watch(gt_redis_deliveries *d, const gt_delivery_sink *sink);
void gt_redis_deliveries_await(gt_redis_deliveries *d);
void gt_redis_deliveries_free(gt_redis_deliveries *d); /* before the link it borrows */

#endif
