/* webhook_jwks.c — a provider's published webhook keys: a JWKS document (RFC 7517) read into
 * Ed25519 public keys. Only {"kty":"OKP","crv":"Ed25519","x":<base64url of 32 bytes>} entries are
 * keys here (RFC 8037); anything else in the document is skipped, a key whose "x" is not 32
 * bytes of base64url included. The document is the provider's over HTTPS, yet read as untrusted
 * text: it is fuzzed (fuzz/fuzz_webhook_schemes.c). */
#include "features.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <openssl/evp.h>

#define ED25519_KEY_LEN 32
#define MAX_KEYS 32 /* a provider publishes a few: rotation keeps two or three */

void gt_jwks_free(gt_jwks *keys)
{
    if (!keys) return;
    for (size_t i = 0; i < keys->n; i++) {
        EVP_PKEY_free(keys->items[i].key);
        free(keys->items[i].kid);
    }
    free(keys->items);
    free(keys);
}

/* base64url (no padding, RFC 4648 §5) of exactly ED25519_KEY_LEN bytes into out, through EVP's
 * base64 once the alphabet and the padding are put back. */
static bool decode_x(const char *x, unsigned char out[ED25519_KEY_LEN])
{
    size_t len = strlen(x);
    if (len != 43) return false; /* 32 bytes: 43 characters unpadded */
    char padded[45];
    for (size_t i = 0; i < len; i++) {
        char ch = x[i];
        if (ch == '+' || ch == '/' || ch == '=') return false; /* base64url has none of these */
        padded[i] = ch == '-' ? '+' : ch == '_' ? '/' : ch;
    }
    padded[43] = '=';
    padded[44] = '\0';
    unsigned char decoded[36];
    int n = EVP_DecodeBlock(decoded, (const unsigned char *)padded, 44);
    if (n != 33) return false; /* EVP_DecodeBlock counts the padding's zero byte */
    memcpy(out, decoded, ED25519_KEY_LEN);
    return true;
}

static bool is_string(const cJSON *item, const char *value)
{
    return cJSON_IsString(item) && strcmp(item->valuestring, value) == 0;
}

static void add_key(gt_jwks *keys, const cJSON *jwk)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(jwk, "x");
    const cJSON *kid = cJSON_GetObjectItemCaseSensitive(jwk, "kid");
    unsigned char raw[ED25519_KEY_LEN];
    if (!is_string(cJSON_GetObjectItemCaseSensitive(jwk, "kty"), "OKP") ||
        !is_string(cJSON_GetObjectItemCaseSensitive(jwk, "crv"), "Ed25519") || !cJSON_IsString(x) ||
        !decode_x(x->valuestring, raw) || keys->n == MAX_KEYS)
        return;
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, sizeof raw);
    if (!key) return;
    keys->items[keys->n].key = key;
    keys->items[keys->n].kid = cJSON_IsString(kid) ? gt_strdup(kid->valuestring) : NULL;
    keys->n++;
}

gt_jwks *gt_jwks_parse(const char *json, size_t len)
{
    cJSON *doc = cJSON_ParseWithLength(json, len);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "keys");
    gt_jwks *keys = cJSON_IsArray(list) ? calloc(1, sizeof *keys) : NULL;
    if (keys) keys->items = calloc(MAX_KEYS, sizeof *keys->items);
    if (keys && !keys->items) {
        free(keys);
        keys = NULL;
    }
    const cJSON *jwk;
    if (keys) cJSON_ArrayForEach(jwk, list) add_key(keys, jwk);
    cJSON_Delete(doc);
    if (keys && keys->n == 0) {
        gt_jwks_free(keys);
        keys = NULL;
    }
    return keys;
}
