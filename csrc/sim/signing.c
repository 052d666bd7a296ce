#include "signing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hmac_sha256.h"
#include "png.h"

#define KEY_ID "gentask-sim-ed25519-1"

struct signing {
    EVP_PKEY *key;
    char *webhook_secret; /* SIGNING_SECRET_ENV's, copied at start; NULL: none given */
};

struct signing *signing_start(void)
{
    struct signing *signing = calloc(1, sizeof *signing);
    if (signing == NULL) return NULL;
    const char *secret = getenv(SIGNING_SECRET_ENV);
    if (secret != NULL && secret[0] != '\0' && (signing->webhook_secret = strdup(secret)) == NULL) {
        free(signing);
        return NULL;
    }
    signing->key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (signing->key == NULL) {
        signing_free(signing);
        return NULL;
    }
    return signing;
}

void signing_free(struct signing *signing)
{
    if (signing == NULL) return;
    EVP_PKEY_free(signing->key);
    if (signing->webhook_secret != NULL) OPENSSL_cleanse(signing->webhook_secret, strlen(signing->webhook_secret));
    free(signing->webhook_secret);
    free(signing);
}

const char *signing_webhook_secret(const struct signing *signing)
{
    return signing->webhook_secret;
}

/* EVP's base64, respelt. */
void signing_base64url(const unsigned char *bytes, size_t length, char *out)
{
    int n = EVP_EncodeBlock((unsigned char *)out, bytes, (int)length);
    while (n > 0 && out[n - 1] == '=') n--;
    for (int i = 0; i < n; i++) out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    out[n] = '\0';
}

char *signing_jwks_json(const struct signing *signing)
{
    unsigned char raw[32];
    size_t raw_length = sizeof raw;
    if (!EVP_PKEY_get_raw_public_key(signing->key, raw, &raw_length) || raw_length != sizeof raw) return NULL;
    char x[48];
    signing_base64url(raw, raw_length, x);
    char *json = malloc(256);
    if (json == NULL) return NULL;
    snprintf(json, 256,
             "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"EdDSA\",\"use\":\"sig\",\"kid\":\"%s\","
             "\"x\":\"%s\"}]}",
             KEY_ID, x);
    return json;
}

bool signing_standard(const char *secret, const char *id, const char *timestamp, const char *body, size_t length,
                      char out[45])
{
    if (strncmp(secret, "whsec_", 6) == 0) secret += 6;
    size_t secret_length = strlen(secret);
    unsigned char *key = malloc(secret_length + 1);
    size_t signed_length = strlen(id) + strlen(timestamp) + length + 2;
    char *content = malloc(signed_length + 1);
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    int decoded = 0, tail = 0;
    bool ok = key != NULL && content != NULL && ctx != NULL;
    if (ok) {
        EVP_DecodeInit(ctx);
        ok = EVP_DecodeUpdate(ctx, key, &decoded, (const unsigned char *)secret, (int)secret_length) >= 0 &&
             EVP_DecodeFinal(ctx, key + decoded, &tail) == 1 && decoded + tail > 0;
    }
    if (ok) {
        int prefix = snprintf(content, signed_length + 1, "%s.%s.", id, timestamp);
        memcpy(content + prefix, body, length);
        unsigned char mac[SHA256_SIZE];
        hmac_sha256(key, (size_t)(decoded + tail), content, signed_length, mac);
        EVP_EncodeBlock((unsigned char *)out, mac, SHA256_SIZE);
    }
    EVP_ENCODE_CTX_free(ctx);
    free(key);
    free(content);
    return ok;
}

bool signing_t_v1(const char *secret, const char *timestamp, const char *body, size_t length, char out[65])
{
    size_t signed_length = strlen(timestamp) + 1 + length;
    char *content = malloc(signed_length + 1);
    if (content == NULL) return false;
    int prefix = snprintf(content, signed_length + 1, "%s,", timestamp);
    memcpy(content + prefix, body, length);
    hmac_sha256_hex(secret, content, signed_length, out);
    free(content);
    return true;
}

bool signing_ed25519(const struct signing *signing, const char *const values[], size_t count, const char *body,
                     size_t length, char out[129])
{
    char digest_hex[65];
    png_sha256_hex((const unsigned char *)body, length, digest_hex); /* not only a PNG's: any bytes' */
    if (digest_hex[0] == '\0') return false;
    size_t message_size = sizeof digest_hex;
    for (size_t i = 0; i < count; i++) message_size += strlen(values[i]) + 1;
    char *message = malloc(message_size);
    if (message == NULL) return false;
    size_t message_length = 0;
    for (size_t i = 0; i < count; i++)
        message_length += (size_t)snprintf(message + message_length, message_size - message_length, "%s\n", values[i]);
    message_length += (size_t)snprintf(message + message_length, message_size - message_length, "%s", digest_hex);
    unsigned char signature[64];
    size_t signature_length = sizeof signature;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, signing->key) == 1 &&
              EVP_DigestSign(ctx, signature, &signature_length, (const unsigned char *)message, message_length) == 1;
    EVP_MD_CTX_free(ctx);
    free(message);
    if (ok)
        for (size_t i = 0; i < signature_length; i++) snprintf(out + 2 * i, 3, "%02x", signature[i]);
    return ok;
}
