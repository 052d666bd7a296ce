/* webhook_keys.c — the provider's published webhook keys ("ed25519" scheme), fetched by the
 * engine and cached per client.
 *
 * The URL is the profile's (webhook.keys_url, https), or the client's webhook_keys_url option that
 * replaces it (a simulator in tests): never anything a delivery says. The fetch is one GET through
 * the engine's own transfers, on its loop like every request: a client that asked for webhooks
 * starts it when it is made, any other on its first delivery. A delivery is never held while the
 * keys come — under a host loop (nginx) the webhook handler must not block the worker, and every
 * task of the process waits on that loop — so a delivery with no key to check it is refused as
 * unavailable (retryable): the provider sends it again, and by then the keys are here.
 *
 * The keys are fetched again when a delivery names a key id they lack, or when none of them
 * verifies a delivery (a provider that names no key may have rotated): at most once per
 * GT_WEBHOOK_KEYS_REFETCH_MS (sooner while there are none), so a forger's deliveries cannot make
 * the client hammer the provider. Keys older than GT_WEBHOOK_KEYS_MAX_AGE_MS (24 h) are dropped, as
 * if never fetched. */
#include "features.h"

#include <stdlib.h>
#include <string.h>

#define NO_KEYS_RETRY_MS 5000 /* no keys yet (the first fetch failed): try again this soon */
#define KEYS_BODY_LIMIT (64 * 1024)

struct gt_webhook_keys {
    gt_client *client;
    char *url;
    gt_jwks *jwks;      /* NULL until a fetch succeeds */
    gt_transfer *xfer;  /* a fetch on the wire */
    int64_t started_ms; /* when the last fetch started (monotonic); 0: never */
    int64_t fetched_ms; /* when jwks came (monotonic) */
};

/* A fetch that gives no keys (no answer, not 200, no Ed25519 key in it) keeps those it had. */
static void fetched(void *ctx, const gt_transfer_result *result)
{
    struct gt_webhook_keys *k = ctx;
    k->xfer = NULL;
    gt_metrics_request(k->client, GT_METRICS_WEBHOOK_KEYS, result);
    const gt_response *res = &result->response;
    if (result->curl_code != CURLE_OK || res->status != 200) return;
    gt_jwks *jwks = gt_jwks_parse(res->body ? res->body : "", res->body_len);
    if (!jwks) return;
    gt_jwks_free(k->jwks);
    k->jwks = jwks;
    k->fetched_ms = gt_now_ms();
}

static void start_fetch(struct gt_webhook_keys *k)
{
    gt_client *c = k->client;
    gt_request req = {
        .method = "GET",
        .url = k->url,
        /* no auth_header: the keys are public, and the API key stays with the provider's API */
        .timeout_ms = c->opts.request_timeout_ms,
        .connect_timeout_ms = c->opts.connect_timeout_ms,
        .body_limit = KEYS_BODY_LIMIT,
        .ca_file = c->ca_file,
        .proxy = c->proxy,
        .may_multiplex = true,
    };
    k->started_ms = gt_now_ms();
    k->xfer = gt_engine_send(c->engine, &req, fetched, k); /* NULL: curl refuses the URL */
}

bool gt_webhook_keys_open(gt_client *c)
{
    const char *url = c->opts.webhook_keys_url ? c->opts.webhook_keys_url : c->profile->webhook_keys_url;
    c->opts.webhook_keys_url = NULL; /* lent by the caller */
    if (c->profile->webhook_scheme != GT_WEBHOOK_ED25519 || !url) return true;
    struct gt_webhook_keys *k = calloc(1, sizeof *k);
    if (!k || !(k->url = gt_strdup(url))) {
        free(k);
        return false;
    }
    k->client = c;
    c->webhook_keys = k;
    if (c->webhook_url) start_fetch(k); /* it asked for deliveries: the keys are here before they are */
    return true;
}

void gt_webhook_keys_close(gt_client *c)
{
    struct gt_webhook_keys *k = c->webhook_keys;
    if (!k) return;
    if (k->xfer) gt_engine_abort(c->engine, k->xfer);
    gt_jwks_free(k->jwks);
    free(k->url);
    free(k);
    c->webhook_keys = NULL;
}

const gt_jwks *gt_webhook_keys(gt_client *c)
{
    struct gt_webhook_keys *k = c->webhook_keys;
    if (k && k->jwks && gt_now_ms() - k->fetched_ms > GT_WEBHOOK_KEYS_MAX_AGE_MS) {
        /* fal: "do not cache longer than 24 hours since they can change": a withdrawn key
         * verifies nothing past that */
        gt_jwks_free(k->jwks);
        k->jwks = NULL;
    }
    return k ? k->jwks : NULL;
}

const char *gt_webhook_keys_url(const gt_client *c)
{
    return c->webhook_keys ? c->webhook_keys->url : NULL;
}

bool gt_webhook_keys_refresh(gt_client *c)
{
    struct gt_webhook_keys *k = c->webhook_keys;
    if (!k) return false;
    if (k->xfer) return true;
    int64_t wait_ms = k->jwks ? GT_WEBHOOK_KEYS_REFETCH_MS : NO_KEYS_RETRY_MS;
    if (k->started_ms != 0 && gt_now_ms() - k->started_ms < wait_ms) return false;
    start_fetch(k);
    return k->xfer != NULL;
}
