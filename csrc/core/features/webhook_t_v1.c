/* webhook_t_v1.c — the "t_v1" scheme (OpenRouter's): one header, "t=<unix seconds>,v1=<hex>", the
 * v1 being the HMAC-SHA256 of "<t>,<raw body>" keyed with the secret's bytes as they are (the
 * workspace's signing secret, given as the client's webhook_secret). Stripe's shape, but a comma
 * joins the time and the body where Stripe puts a dot. Any one v1 entry matching is enough (a
 * provider rotating its secret signs with both); other entries (v0, …) are skipped. Then the
 * timestamp within the tolerance, and the delivery accepted once: its signature is its id (a
 * captured delivery replayed carries the same), and where the profile names an id_header (a
 * provider's dedupe key, OpenRouter's X-OpenRouter-Idempotency-Key) that value is accepted once
 * too. */
#include "features.h"

#include <ctype.h>
#include <string.h>

#include <openssl/crypto.h>

bool gt_webhook_t_v1_parse(const char *value, gt_t_v1 *out)
{
    memset(out, 0, sizeof *out);
    bool has_t = false;
    for (const char *item = value; *item;) {
        size_t len = strcspn(item, ",");
        const char *end = item + len;
        while (item < end && *item == ' ') item++;
        if (end - item > 2 && strncmp(item, "t=", 2) == 0) {
            size_t digits = (size_t)(end - item - 2);
            /* twice, or not a whole number of seconds: not a signature this scheme reads */
            if (has_t || digits >= sizeof out->timestamp || strspn(item + 2, "0123456789") < digits) return false;
            memcpy(out->timestamp, item + 2, digits);
            has_t = true;
        } else if (end - item == 3 + GT_T_V1_HEX && strncmp(item, "v1=", 3) == 0 && out->n < GT_T_V1_MAX &&
                   strspn(item + 3, "0123456789abcdefABCDEF") >= GT_T_V1_HEX) {
            for (size_t i = 0; i < GT_T_V1_HEX; i++) out->v1[out->n][i] = (char)tolower((unsigned char)item[3 + i]);
            out->n++;
        }
        item = *end ? end + 1 : end;
    }
    return has_t && out->n > 0;
}

/* The hex HMAC-SHA256 of timestamp "," body keyed with the secret into out. */
static bool expected_signature(const char *secret, const char *timestamp, const gt_webhook_delivery *d,
                               char out[GT_T_V1_HEX + 1])
{
    unsigned char mac[32];
    const char *const texts[] = {timestamp, d->body};
    bool ok = gt_webhook_hmac_joined((const unsigned char *)secret, strlen(secret), texts, 2, d->len, ',', mac);
    if (ok) gt_hex_encode(out, mac, sizeof mac);
    OPENSSL_cleanse(mac, sizeof mac);
    return ok;
}

gt_error *gt_webhook_check_t_v1(gt_client *c, const gt_webhook_delivery *d)
{
    const char *header = gt_webhook_header_value(d, c->profile->webhook_signature_header);
    if (!header || !*header)
        return gt_webhook_refusal(GT_AUTHENTICATION, "webhook_signature_missing",
                                  "the webhook carries no signature: refused, nothing changed");
    gt_t_v1 signed_by;
    if (!gt_webhook_t_v1_parse(header, &signed_by))
        return gt_webhook_refusal(GT_AUTHENTICATION, "webhook_signature_invalid",
                                  "the webhook's signature header is not \"t=<seconds>,v1=<hex>\": refused, nothing "
                                  "changed");
    char expected[GT_T_V1_HEX + 1];
    size_t matched = GT_T_V1_MAX;
    if (expected_signature(c->webhook_secret, signed_by.timestamp, d, expected))
        for (size_t i = 0; i < signed_by.n; i++)
            if (CRYPTO_memcmp(signed_by.v1[i], expected, GT_T_V1_HEX) == 0) matched = i;
    OPENSSL_cleanse(expected, sizeof expected);
    if (matched == GT_T_V1_MAX)
        return gt_webhook_refusal(GT_AUTHENTICATION, "webhook_signature_invalid",
                                  "no v1 signature of the webhook matches its timestamp and body: refused, nothing "
                                  "changed");
    /* the signature is the delivery's own id: the header's, unsigned here, is a provider's dedupe
     * key a forger could change, so it is checked besides, never instead */
    gt_error *replayed = gt_webhook_check_replay(c, signed_by.timestamp, signed_by.v1[matched]);
    const char *id = c->profile->webhook_id_header ? gt_webhook_header_value(d, c->profile->webhook_id_header) : NULL;
    return replayed || !id ? replayed : gt_webhook_check_replay(c, signed_by.timestamp, id);
}
