/* webhook_ed25519.c — the "ed25519" scheme (fal): a hex Ed25519 signature, in the profile's
 * signature header, of the values of its signed headers and then the lowercase hex SHA-256 of the
 * raw body, joined with "\n" (fal: request id, user id, timestamp). It is checked with the keys the
 * provider publishes (webhook_keys.c): each key in turn (a key id the delivery names is only a
 * hint: one the cache lacks makes it fetch them again). Then the timestamp and the id, as for "standard". */
#include "features.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define ED25519_SIGNATURE_LEN 64

/* The signed headers' values and hex(SHA-256(body)), joined with "\n" (malloc'd); NULL when a
 * signed header is missing. */
static char *signed_message(const gt_client *c, const gt_webhook_delivery *d, size_t *len)
{
    const gt_paths *names = &c->profile->webhook_signed_headers;
    size_t values_len = 0;
    for (size_t i = 0; i < names->n; i++) {
        const char *value = gt_webhook_header_value(d, names->items[i]);
        if (!value) return NULL;
        values_len += strlen(value) + 1;
    }
    char *digest = gt_sha256_hex(d->body, d->len);
    char *message = digest ? malloc(values_len + strlen(digest) + 1) : NULL;
    if (message) {
        char *at = message;
        for (size_t i = 0; i < names->n; i++)
            at = stpcpy(stpcpy(at, gt_webhook_header_value(d, names->items[i])), "\n");
        *len = (size_t)(stpcpy(at, digest) - message);
    }
    free(digest);
    return message;
}

/* The signature header's hex as 64 bytes into out; false for anything else. */
static bool signature_bytes(const char *hex, unsigned char out[ED25519_SIGNATURE_LEN])
{
    if (strlen(hex) != 2 * ED25519_SIGNATURE_LEN) return false;
    long len = 0;
    unsigned char *bytes = OPENSSL_hexstr2buf(hex, &len);
    bool ok = bytes && len == ED25519_SIGNATURE_LEN;
    if (ok) memcpy(out, bytes, ED25519_SIGNATURE_LEN);
    OPENSSL_free(bytes);
    return ok;
}

static bool verifies(EVP_PKEY *key, const unsigned char *signature, const char *message, size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
              EVP_DigestVerify(ctx, signature, ED25519_SIGNATURE_LEN, (const unsigned char *)message, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

static gt_error *keys_unavailable(gt_client *c, const char *message)
{
    gt_webhook_keys_refresh(c);
    gt_error *err = gt_webhook_refusal(GT_UNAVAILABLE, "webhook_keys_unavailable", message);
    if (err) err->retryable = true;
    return err;
}

/* Whether one of the keys verifies the signature. kid (the delivery's key id header, where the
 * profile names one) is a hint, not a limit (Ideogram: "a hint for which public key to try first
 * ... fall back to the others"): *known is false when it names a key the cache lacks. */
static bool any_key_verifies(const gt_jwks *keys, const char *kid, const unsigned char *signature, const char *message,
                             size_t len, bool *known)
{
    *known = kid == NULL;
    for (size_t i = 0; i < keys->n; i++)
        if (kid && keys->items[i].kid && strcmp(keys->items[i].kid, kid) == 0) *known = true;
    for (size_t i = 0; i < keys->n; i++)
        if (verifies(keys->items[i].key, signature, message, len)) return true;
    return false;
}

gt_error *gt_webhook_check_ed25519(gt_client *c, const gt_webhook_delivery *d)
{
    const gt_profile *p = c->profile;
    const char *signature_hex = gt_webhook_header_value(d, p->webhook_signature_header);
    const char *timestamp = gt_webhook_header_value(d, p->webhook_timestamp_header);
    const char *id = gt_webhook_header_value(d, p->webhook_id_header);
    size_t len = 0;
    char *message = signature_hex && *signature_hex ? signed_message(c, d, &len) : NULL;
    if (!message || (p->webhook_timestamp_header && !timestamp) || (p->webhook_id_header && !id)) {
        free(message);
        return gt_webhook_refusal(GT_AUTHENTICATION, "webhook_signature_missing",
                                  "the webhook lacks its signature or a signed header: refused, nothing changed");
    }
    unsigned char signature[ED25519_SIGNATURE_LEN];
    const gt_jwks *keys = gt_webhook_keys(c);
    bool known = true; /* a signature that is not even hex names no key: a forgery */
    bool valid = keys && signature_bytes(signature_hex, signature) &&
                 any_key_verifies(keys, gt_webhook_header_value(d, p->webhook_key_id_header), signature, message, len,
                                  &known);
    free(message);
    if (!keys)
        return keys_unavailable(c, "the provider's webhook keys are not fetched yet: refused for now (the provider "
                                   "sends it again), nothing changed");
    if (!valid && !known)
        return keys_unavailable(c, "the webhook names a key the provider's published keys lack: they are fetched "
                                   "again; refused for now, nothing changed");
    /* none verified: a forgery, unless the keys rotated since they were fetched (fetched again, at
     * most once per GT_WEBHOOK_KEYS_REFETCH_MS: meanwhile it is a forgery) */
    if (!valid && gt_webhook_keys_refresh(c))
        return keys_unavailable(c, "no published key verifies the webhook: the keys are fetched again (they may have "
                                   "rotated); refused for now, nothing changed");
    if (!valid)
        return gt_webhook_refusal(GT_AUTHENTICATION, "webhook_signature_invalid",
                                  "no published key verifies the webhook's signature: refused, nothing changed");
    return gt_webhook_check_replay(c, timestamp, id);
}
