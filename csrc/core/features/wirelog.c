/* wirelog.c — a client's debug events (gentask.h: gt_log_event): one per request sent and one per
 * answer. The URL is the one thing in an event that came from outside the core's own words, and
 * a profile may put the key in it (a query parameter) or a base URL may carry user:password: it
 * is read with libcurl's parser, its user info dropped, and scrubbed of every spelling of the key
 * before the hook sees it. */
#include "features.h"

#include <stdlib.h>

void gt_client_set_log(gt_client *c, gt_log_fn fn, void *ctx)
{
    c->log_fn = fn;
    c->log_ctx = ctx;
}

void *gt_client_log_ctx(const gt_client *c)
{
    return c->log_fn ? c->log_ctx : NULL;
}

static char *without_user_info(const char *url)
{
    CURLU *u = curl_url();
    char *clean = NULL, *out = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
        curl_url_set(u, CURLUPART_USER, NULL, 0);
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
        curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
        if (curl_url_get(u, CURLUPART_URL, &clean, 0) == CURLUE_OK) out = gt_strdup(clean);
        curl_free(clean);
    }
    curl_url_cleanup(u);
    /* a URL curl cannot read is not shown at all: it may be the key misplaced */
    return out ? out : gt_strdup("(a URL libcurl cannot read)");
}

bool gt_client_logs(const gt_client *c)
{
    return c->log_fn != NULL;
}

void gt_client_log(const gt_client *c, gt_log_event *ev, const char *url)
{
    if (!c->log_fn) return;
    char *shown = url ? without_user_info(url) : NULL;
    gt_client_scrub(c, &shown);
    ev->url = shown ? shown : "";
    ev->provider = c->profile->name;
    c->log_fn(c->log_ctx, ev);
    gt_wipe_free(shown);
}
