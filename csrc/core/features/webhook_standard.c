/* webhook_standard.c — the "standard" scheme: Standard Webhooks (www.standardwebhooks.com; Replicate,
 * OpenRouter). A delivery carries webhook-id, webhook-timestamp (seconds since 1970) and
 * webhook-signature, a space-separated list of "<version>,<base64>"; a "v1" entry is the
 * HMAC-SHA256 of "<id>.<timestamp>.<raw body>" keyed with the secret's bytes. Any one v1 entry
 * matching is enough (a provider rotating its secret signs with both); the others (v1a: an
 * asymmetric signature) are skipped. The secret is "whsec_<base64>"; without the prefix the rest
 * is base64 all the same, as the specification's libraries read it. */
#include "features.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define SECRET_PREFIX "whsec_"
#define MAC_BASE64_LEN 44 /* a 32-byte MAC in base64, with its padding */

bool gt_webhook_standard_key(const char *secret, unsigned char **key, size_t *len)
{
    if (strncmp(secret, SECRET_PREFIX, strlen(SECRET_PREFIX)) == 0) secret += strlen(SECRET_PREFIX);
    size_t text_len = strlen(secret);
    if (text_len == 0 || text_len > 4096) return false;
    unsigned char *bytes = malloc(text_len); /* base64 decodes to fewer bytes than it has */
    if (!bytes) return false;
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    int out = 0, tail = 0;
    bool ok = ctx != NULL;
    if (ok) {
        EVP_DecodeInit(ctx);
        ok = EVP_DecodeUpdate(ctx, bytes, &out, (const unsigned char *)secret, (int)text_len) >= 0 &&
             EVP_DecodeFinal(ctx, bytes + out, &tail) == 1 && out + tail > 0;
    }
    EVP_ENCODE_CTX_free(ctx);
    if (!ok) {
        OPENSSL_cleanse(bytes, text_len);
        free(bytes);
        return false;
    }
    *key = bytes;
    *len = (size_t)(out + tail);
    return true;
}

/* The base64 of HMAC-SHA256(key, id "." timestamp "." body) into out (MAC_BASE64_LEN + 1 bytes). */
static bool expected_signature(const gt_client *c, const char *id, const char *timestamp, const gt_webhook_delivery *d,
                               char out[MAC_BASE64_LEN + 1])
{
    unsigned char mac[32];
    const char *const texts[] = {id, timestamp, d->body};
    bool ok = gt_webhook_hmac_joined(c->webhook_key, c->webhook_key_len, texts, 3, d->len, '.', mac);
    if (ok) EVP_EncodeBlock((unsigned char *)out, mac, (int)sizeof mac);
    OPENSSL_cleanse(mac, sizeof mac);
    return ok;
}

/* Whether one "v1,<base64>" entry of the space-separated list is expected, each compared in
 * constant time. */
static bool any_signature_matches(const char *list, const char *expected)
{
    bool matched = false;
    const char *entry = list;
    while (*entry) {
        size_t len = strcspn(entry, " ");
        if (len == 3 + MAC_BASE64_LEN && strncmp(entry, "v1,", 3) == 0)
            matched |= CRYPTO_memcmp(entry + 3, expected, MAC_BASE64_LEN) == 0;
        entry += len;
        entry += strspn(entry, " ");
    }
    return matched;
}

gt_error *gt_webhook_check_standard(gt_client *c, const gt_webhook_delivery *d)
{
    const gt_profile *p = c->profile;
    const char *id = gt_webhook_header_value(d, p->webhook_id_header ? p->webhook_id_header : "webhook-id");
    const char *timestamp = gt_webhook_header_value(d, p->webhook_timestamp_header ? p->webhook_timestamp_header
                                                                                   : "webhook-timestamp");
    const char *signatures = gt_webhook_header_value(d, p->webhook_signature_header ? p->webhook_signature_header
                                                                                    : "webhook-signature");
    if (!id || !*id || !timestamp || !*timestamp || !signatures || !*signatures)
        return gt_webhook_refusal(GT_AUTHENTICATION, "webhook_signature_missing",
                                  "the webhook lacks its id, timestamp or signature header: refused, nothing changed");
    char expected[MAC_BASE64_LEN + 1];
    bool valid = expected_signature(c, id, timestamp, d, expected) && any_signature_matches(signatures, expected);
    OPENSSL_cleanse(expected, sizeof expected);
    if (!valid)
        return gt_webhook_refusal(GT_AUTHENTICATION, "webhook_signature_invalid",
                                  "no v1 signature of the webhook matches its id, timestamp and body: refused, "
                                  "nothing changed");
    return gt_webhook_check_replay(c, timestamp, id);
}
