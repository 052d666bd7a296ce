/* webhook_delivery.c — what every scheme reads of a delivery and how it refuses one: below the
 * schemes (webhook_*.c), which webhook.c calls, so that nothing calls back up. */
#include "features.h"

#include <strings.h>

const char *gt_webhook_header_value(const gt_webhook_delivery *d, const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < d->n_headers; i++)
        if (d->headers[i].name && d->headers[i].value && strcasecmp(d->headers[i].name, name) == 0)
            return d->headers[i].value;
    return NULL;
}

gt_error *gt_webhook_refusal(gt_kind kind, const char *code, const char *message)
{
    gt_error *err = gt_error_new(kind, GT_PHASE_WEBHOOK, message);
    if (err) err->code = gt_strdup(code);
    return err;
}
