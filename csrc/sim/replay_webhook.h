/* Replay mode's webhook deliveries (replay.h, an exchange's "webhook"), handed to webhooks.c. */
#ifndef GENTASK_SIM_REPLAY_WEBHOOK_H
#define GENTASK_SIM_REPLAY_WEBHOOK_H

#include <cJSON.h>

#include "replay_fill.h"
#include "request.h"

/* Schedules the delivery the exchange's webhook describes, signed where it says, to the URL the
 * request's JSON body (submitted: parsed once by the caller, NULL when not JSON) names at
 * url_field, or its query at url_query; nothing when it names none (a task that asked for no
 * webhook), nor when it cannot be signed (said on stderr: the secret is not set). */
void replay_webhook_push(struct request *request, const cJSON *submitted, const cJSON *webhook,
                         const struct replay_fill *fill);

#endif
