/* webhook_delivery.c — what every scheme reads of a delivery and how it refuses one: below the
 * schemes (webhook_*.c), which webhook.c calls, so that nothing calls back up. */
#include "features.h"

#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

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

bool gt_webhook_hmac_joined(const unsigned char *key, size_t key_len, const char *const texts[], size_t n,
                            size_t body_len, char sep, unsigned char mac[32])
{
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t out_len = 0;
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
    bool ok = ctx && EVP_MAC_init(ctx, key, key_len, params);
    for (size_t i = 0; ok && i < n; i++) {
        size_t len = i + 1 == n ? body_len : strlen(texts[i]);
        ok = EVP_MAC_update(ctx, (const unsigned char *)texts[i], len) &&
             (i + 1 == n || EVP_MAC_update(ctx, (const unsigned char *)&sep, 1));
    }
    ok = ok && EVP_MAC_final(ctx, out, &out_len, sizeof out) && out_len == 32;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(hmac);
    if (ok) memcpy(mac, out, 32);
    OPENSSL_cleanse(out, sizeof out);
    return ok;
}
