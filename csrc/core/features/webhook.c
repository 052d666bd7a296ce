/* webhook.c — asking a provider to push a task's end, and reading what it pushes.
 *
 * A submit asks for a webhook where the client has a webhook_url and the profile says where the
 * request carries it (BFL's webhook_url and webhook_secret, ModelsLab's webhook, APIXO's
 * callback_url with request_type "callback"; fal's and Higgsfield's a query parameter of the
 * submit URL, url_query, the URL escaped by libcurl). The core, not the Lua layer, writes the URL and
 * the secret into the body as it is sent: the secret then stays out of Lua tables, the journal
 * and every error, like the API key.
 *
 * A delivery is trusted only as far as it can be verified. A provider that signs (BFL:
 * HMAC-SHA256 of the raw body with the webhook secret, hex, in a header) and a client that has the
 * secret: a valid signature ends the task from the payload, read by the same classification as a
 * poll answer; a missing or wrong one is refused and changes nothing. A provider that signs
 * nothing: anyone could have sent it, so it is only news — the task polls at once, over the
 * authenticated channel, and the poll decides (at most once per poll_interval).
 *
 * A delivery for a task another client of the key holds is posted to the key's shared state,
 * tagged with a fingerprint of the secret that verified it. Clients sharing a journal may have
 * different secrets (two applications on one key): a delivery signed with one's secret is a
 * forgery to the other, so a client ends its task only from a delivery its own secret verified,
 * and takes any other as news. A body over GT_WEBHOOK_MAX_BODY is refused before it is read. */
#include "features.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* HMAC-SHA256 of a fixed label keyed with the secret, hex: the same for every client with that
 * secret, and no way back to it (nor to a hash of it another program might keep). */
static char *verifier_of(const char *secret)
{
    static const char label[] = "gentask webhook verifier v1";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    if (!secret ||
        !HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)label, sizeof label - 1, mac, &mac_len))
        return NULL;
    char *hex = gt_hex(mac, mac_len);
    gt_wipe(mac, sizeof mac);
    return hex;
}

bool gt_client_webhook_open(gt_client *c, char **why)
{
    gt_queue_init(&c->hooked);
    c->webhook_url = gt_strdup(c->opts.webhook_url);
    c->webhook_secret = gt_strdup(c->opts.webhook_secret);
    c->opts.webhook_url = c->opts.webhook_secret = NULL; /* lent by the caller: never kept */
    *why = NULL;
    if (!gt_webhook_keys_open(c)) return false;
    /* what tags the deliveries it verified for the key's other clients: the secret, or for an
     * "ed25519" scheme the keys' URL, which they verify with too */
    c->webhook_verifier = verifier_of(c->webhook_keys ? gt_webhook_keys_url(c) : c->webhook_secret);
    if (c->profile->webhook_scheme == GT_WEBHOOK_STANDARD && c->webhook_secret &&
        !gt_webhook_standard_key(c->webhook_secret, &c->webhook_key, &c->webhook_key_len)) {
        *why = gt_strdup("webhook_secret: the profile's webhook scheme is \"standard\", whose secret is "
                         "\"whsec_\" and base64 (the provider's signing secret as it gives it); this one is not");
        return false;
    }
    return true;
}

void gt_client_webhook_close(gt_client *c)
{
    free(c->webhook_url);
    gt_wipe_free(c->webhook_secret);
    free(c->webhook_verifier);
    c->webhook_url = c->webhook_secret = c->webhook_verifier = NULL;
    gt_wipe(c->webhook_key, c->webhook_key_len);
    free(c->webhook_key);
    c->webhook_key = NULL;
    c->webhook_key_len = 0;
    gt_webhook_seen_free(c);
    gt_webhook_keys_close(c);
}

void gt_client_webhook_scrub(const gt_client *c, char **s)
{
    gt_redact(s, c->webhook_secret);
    /* a "standard" secret's key is the part after whsec_: spelled alone, it is the secret too */
    if (c->webhook_key && strncmp(c->webhook_secret, "whsec_", 6) == 0) gt_redact(s, c->webhook_secret + 6);
}

static bool set_string(cJSON *json, const char *field, const char *value)
{
    if (!field || !value) return true;
    cJSON_DeleteItemFromObjectCaseSensitive(json, field);
    return cJSON_AddStringToObject(json, field, value) != NULL;
}

/* The body's webhook fields set: the URL at url_field, the secret, the switch. false: the body is
 * not a JSON object, or out of memory. */
static bool ask_in_body(const gt_client *c, char **body)
{
    const gt_profile *p = c->profile;
    if (!p->webhook_url_field && !p->webhook_secret_field && !p->webhook_switch_field) return true;
    cJSON *json = cJSON_Parse(*body);
    bool ok = cJSON_IsObject(json) && set_string(json, p->webhook_url_field, c->webhook_url) &&
              set_string(json, p->webhook_switch_field, p->webhook_switch_value) &&
              (!p->webhook_secret_field || set_string(json, p->webhook_secret_field, c->webhook_secret));
    char *asked = ok ? cJSON_PrintUnformatted(json) : NULL;
    cJSON_Delete(json);
    if (!asked) return false;
    gt_wipe_free(*body); /* it may hold the key (ModelsLab) */
    *body = asked;
    return true;
}

/* The submit URL with "<url_query>=<the URL, escaped>" after its query (fal's fal_webhook,
 * Higgsfield's hf_webhook). false: out of memory. */
static bool ask_in_query(gt_task *t)
{
    const gt_profile *p = t->client->profile;
    if (!p->webhook_url_query) return true;
    char *value = curl_easy_escape(NULL, t->client->webhook_url, 0);
    char *url = value ? gt_printf("%s%c%s=%s", t->submit_url, strchr(t->submit_url, '?') ? '&' : '?',
                                  p->webhook_url_query, value)
                      : NULL;
    curl_free(value);
    if (!url) return false;
    free(t->submit_url);
    t->submit_url = url;
    return true;
}

void gt_task_webhook_request(gt_task *t, char **body)
{
    gt_client *c = t->client;
    const gt_profile *p = c->profile;
    if (!c->webhook_url || (!p->webhook_url_field && !p->webhook_url_query)) return;
    /* out of memory, or a body that is no object: the task polls as if it had asked for nothing */
    if (!ask_in_body(c, body) || !ask_in_query(t)) return;
    t->features->webhook.asked = true;
    gt_queue_push(&c->hooked, &t->features->webhook.node);
    gt_shared_await_deliveries(c->shared); /* its delivery may reach another process of the key */
}

void gt_task_webhook_forget(gt_task *t)
{
    if (t->features->webhook.asked) gt_queue_remove(&t->client->hooked, &t->features->webhook.node);
}

/* A task that asked for a webhook is told its end by the provider: its polls are only the
 * fallback for a delivery that never comes, webhook_poll_factor times slower. */
long gt_task_webhook_poll_delay(const gt_task *t, long delay)
{
    if (!t->features->webhook.asked || t->opts->webhook_poll_factor <= 1) return delay;
    return delay < 1000000000L / t->opts->webhook_poll_factor ? delay * t->opts->webhook_poll_factor : 1000000000L;
}

static gt_task *hooked_task(gt_client *c, const char *id)
{
    if (!id) return NULL;
    for (gt_qnode *n = c->hooked.head.next; n != &c->hooked.head; n = n->next) {
        gt_task *t = GT_TASK_OF(n, webhook.node);
        if (t->remote_id && strcmp(t->remote_id, id) == 0) return t;
    }
    return NULL;
}

/* News that the task may have ended, from anyone (a delivery nobody could verify, or one checked
 * with another client's secret): it polls now, over the authenticated channel, and the poll
 * decides. At most once per poll_interval: a burst of news is not a burst of polls. */
static void nudge(gt_task *t)
{
    int64_t now = gt_now_ms();
    if (t->features->webhook.nudged && now - t->features->webhook.nudged_ms < t->opts->poll_interval_ms) return;
    t->features->webhook.nudged = true;
    t->features->webhook.nudged_ms = now;
    gt_task_poll_now(t);
}

/* A task of this client still waiting for its webhook (ended ones stay hooked until released). */
static bool awaiting(void *client)
{
    const gt_client *c = client;
    for (const gt_qnode *n = c->hooked.head.next; n != &c->hooked.head; n = n->next)
        if (!gt_task_done(GT_TASK_OF(n, webhook.node))) return true;
    return false;
}

/* Whether a posted delivery was verified with this client's own secret. */
static bool own_verifier(const gt_client *c, const gt_delivery *d)
{
    return d->body && d->verifier && c->webhook_verifier && strcmp(d->verifier, c->webhook_verifier) == 0;
}

/* A delivery another client of the key received and posted: used here when the task is this
 * client's. A body its own secret verified ends it as its own delivery would have; its id must be
 * the task's (the row says which task, the signed body must agree). Anything else — unsigned, or
 * checked with another client's secret — is news: an early poll. */
static bool take_delivery(void *client, const gt_delivery *d)
{
    gt_client *c = client;
    gt_task *t = hooked_task(c, d->remote_id);
    if (!t) return false;
    gt_reply reading;
    memset(&reading, 0, sizeof reading);
    if (own_verifier(c, d)) {
        gt_response res = {.status = 200, .body = d->body, .body_len = strlen(d->body)};
        gt_classify(c->profile, GT_PHASE_POLL, &res, &reading);
    }
    /* a verified delivery that does not read as an end (a state the profile does not know) is
     * news all the same */
    if (!reading.task_id || strcmp(reading.task_id, d->remote_id) != 0 ||
        !gt_task_take_pushed(t, &reading, d->body, strlen(d->body)))
        nudge(t);
    gt_reply_clear(&reading);
    return true;
}

void gt_client_webhook_watch(gt_client *c)
{
    gt_delivery_sink sink = {.provider = c->profile->name, .awaiting = awaiting, .take = take_delivery, .ctx = c};
    gt_shared_watch_deliveries(c->shared, &sink);
}

/* Whether the client can check what this provider signs: a scheme that signs, and a secret. */
static bool can_verify(const gt_client *c)
{
    if (c->profile->webhook_scheme == GT_WEBHOOK_ED25519) return c->webhook_keys != NULL; /* public keys */
    if (!c->webhook_secret) return false;
    return c->profile->webhook_scheme == GT_WEBHOOK_STANDARD || c->profile->webhook_scheme == GT_WEBHOOK_T_V1 ||
           c->profile->webhook_signature_header;
}

/* The profile's scheme's verdict on a delivery: NULL when its signature is valid. */
static gt_error *check_signature(gt_client *c, const gt_webhook_delivery *d)
{
    switch (c->profile->webhook_scheme) {
    case GT_WEBHOOK_STANDARD: return gt_webhook_check_standard(c, d);
    case GT_WEBHOOK_ED25519: return gt_webhook_check_ed25519(c, d);
    case GT_WEBHOOK_T_V1: return gt_webhook_check_t_v1(c, d);
    case GT_WEBHOOK_HMAC_HEX: break;
    }
    return gt_webhook_check_hmac_hex(c, d);
}

gt_error *gt_client_webhook(gt_client *c, const gt_webhook_header *headers, size_t n_headers, const char *body,
                            size_t len, gt_reply *reading, gt_task **task, bool *verified, bool *posted)
{
    const gt_profile *p = c->profile;
    memset(reading, 0, sizeof *reading);
    *task = NULL;
    *posted = false;
    *verified = false;
    /* before the HMAC and the parse: a forger's 100 MB body costs neither */
    if (len > GT_WEBHOOK_MAX_BODY)
        return gt_webhook_refusal(GT_INVALID_REQUEST, "webhook_body_too_large",
                                  "the webhook's body is over 1 MiB (gentask.webhook_max_body): refused unread, "
                                  "nothing changed");
    *verified = can_verify(c);
    if (*verified) {
        gt_webhook_delivery d = {.headers = headers, .n_headers = n_headers, .body = body, .len = len};
        gt_error *refused = check_signature(c, &d);
        if (refused) return refused;
    }
    char *copy = gt_strndup(body, len);
    if (!copy) return gt_error_new(GT_NETWORK, GT_PHASE_WEBHOOK, "out of memory");
    gt_client_scrub(c, &copy); /* a provider's echo of the key is never read out of a payload */
    gt_client_webhook_scrub(c, &copy);
    const char *text = copy ? copy : "";
    gt_response res = {.status = 200, .body = text, .body_len = strlen(text)};
    gt_classify(p, GT_PHASE_POLL, &res, reading);
    *task = hooked_task(c, reading->task_id);
    if (*task && !(*verified && gt_task_take_pushed(*task, reading, text, strlen(text)))) nudge(*task);
    else if (reading->task_id) {
        /* not this client's: perhaps another process's of the key (nginx picks the worker) */
        gt_delivery d = {.provider = p->name,
                         .remote_id = reading->task_id,
                         .body = *verified ? text : NULL,
                         .verifier = *verified ? c->webhook_verifier : NULL};
        *posted = gt_shared_post_delivery(c->shared, &d);
    }
    free(copy);
    return NULL;
}
