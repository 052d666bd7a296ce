/* webhook_hmac_hex.c — the "hmac_hex" scheme (BFL): the hex HMAC-SHA256 of the raw body keyed
 * with the webhook secret, after a fixed prefix ("sha256="), in one header the profile names. */
#include "features.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* Whether signature is "<prefix><hex of HMAC-SHA256(secret, body)>". The comparison takes the
 * same time wherever the first wrong digit is: a forger learns nothing from how long a refusal
 * took. */
static bool signature_valid(const gt_profile *p, const char *secret, const char *signature, const char *body,
                            size_t len)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, mac, &mac_len)) return false;
    const char *prefix = p->webhook_signature_prefix ? p->webhook_signature_prefix : "";
    size_t prefix_len = strlen(prefix);
    if (strncasecmp(signature, prefix, prefix_len) != 0) return false;
    signature += prefix_len;
    char expected[2 * EVP_MAX_MD_SIZE + 1], given[2 * EVP_MAX_MD_SIZE + 1];
    gt_hex_encode(expected, mac, mac_len);
    size_t n = 2 * (size_t)mac_len;
    if (strlen(signature) != n) return false;
    for (size_t i = 0; i < n; i++) given[i] = (char)tolower((unsigned char)signature[i]);
    bool same = CRYPTO_memcmp(expected, given, n) == 0;
    OPENSSL_cleanse(expected, sizeof expected);
    OPENSSL_cleanse(mac, sizeof mac);
    return same;
}

gt_error *gt_webhook_check_hmac_hex(const gt_client *c, const gt_webhook_delivery *d)
{
    const char *signature = gt_webhook_header_value(d, c->profile->webhook_signature_header);
    if (!signature || !*signature)
        return gt_webhook_refusal(GT_AUTHENTICATION, "webhook_signature_missing",
                                  "the webhook carries no signature: refused, nothing changed");
    if (!signature_valid(c->profile, c->webhook_secret, signature, d->body, d->len))
        return gt_webhook_refusal(GT_AUTHENTICATION, "webhook_signature_invalid",
                                  "the webhook's signature does not match its body: refused, nothing changed");
    return NULL;
}
