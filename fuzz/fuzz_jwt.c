/* fuzz_jwt.c — the JWT maker: whatever the key, the claim's name, the secret (any bytes, NULs
 * too) and the times, the token is three base64url parts without padding that decode back to the
 * one header, to claims that name the key and say exp = now + ttl and nbf = now - not_before, and
 * to the HMAC-SHA256 of the first two parts under the same secret. Input: 12 bytes of times (now,
 * ttl, not_before), then claim NUL key NUL secret (the rest, NULs included). */
#include <cJSON.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../csrc/core/base/base.h"
#include "fuzz.h"

/* base64url → bytes through OpenSSL's base64 decoder; NULL if it is not that. */
static unsigned char *decoded(const char *text, size_t n, size_t *length)
{
    if (n % 4 == 1) return NULL;
    size_t pads = (4 - n % 4) % 4;
    char *padded = malloc(n + pads + 1);
    unsigned char *out = malloc(n / 4 * 3 + 4);
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            abort(); /* only the base64url alphabet, never '+', '/' or padding */
        padded[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    memset(padded + n, '=', pads);
    int got = EVP_DecodeBlock(out, (unsigned char *)padded, (int)(n + pads));
    free(padded);
    if (got < 0) abort();
    *length = (size_t)got - pads;
    out[*length] = '\0';
    return out;
}

static uint32_t read_u16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 12) return 0;
    uint64_t now = 0;
    for (int i = 0; i < 8; i++) now = now << 8 | data[i];
    int64_t now_s = (int64_t)(now & (((uint64_t)1 << 40) - 1)); /* past the year 30000: plenty, exact as a double */
    long ttl_s = 1 + (long)(read_u16(data + 8) % 86400), not_before_s = (long)read_u16(data + 10);
    const char *rest = (const char *)data + 12;
    size_t left = size - 12;
    size_t claim_len = strnlen(rest, left);
    char *claim = strndup(rest, claim_len);
    size_t after_claim = claim_len < left ? claim_len + 1 : left;
    size_t issuer_len = strnlen(rest + after_claim, left - after_claim);
    char *issuer = strndup(rest + after_claim, issuer_len);
    size_t at = after_claim + issuer_len < left ? after_claim + issuer_len + 1 : left;
    const char *secret = rest + at;
    size_t secret_len = left - at;

    gt_jwt_claims claims = {claim, issuer, now_s, ttl_s, not_before_s};
    char *token = gt_jwt_hs256(&claims, secret, secret_len);
    bool refused = !*claim || !strcmp(claim, "exp") || !strcmp(claim, "nbf");
    if (refused != (token == NULL)) abort(); /* a claim that exp or nbf would shadow is refused */
    if (token) {
        char *first = strchr(token, '.'), *second = first ? strchr(first + 1, '.') : NULL;
        if (!second || strchr(second + 1, '.')) abort();
        size_t header_len, claims_len, mac_len;
        unsigned char *header = decoded(token, (size_t)(first - token), &header_len);
        unsigned char *json = decoded(first + 1, (size_t)(second - first - 1), &claims_len);
        unsigned char *mac = decoded(second + 1, strlen(second + 1), &mac_len);
        if (strcmp((char *)header, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}") != 0) abort();
        cJSON *parsed = cJSON_ParseWithLength((char *)json, claims_len);
        const cJSON *iss = cJSON_GetObjectItemCaseSensitive(parsed, claim);
        const cJSON *exp = cJSON_GetObjectItemCaseSensitive(parsed, "exp");
        const cJSON *nbf = cJSON_GetObjectItemCaseSensitive(parsed, "nbf");
        if (!cJSON_IsString(iss) || strcmp(iss->valuestring, issuer) != 0) abort();
        if (!cJSON_IsNumber(exp) || exp->valuedouble != (double)(now_s + ttl_s)) abort();
        if (!cJSON_IsNumber(nbf) || nbf->valuedouble != (double)(now_s - not_before_s)) abort();
        unsigned char expected[EVP_MAX_MD_SIZE];
        unsigned int expected_len = 0;
        HMAC(EVP_sha256(), secret_len ? secret : "", (int)secret_len, (unsigned char *)token, (size_t)(second - token),
             expected, &expected_len);
        if (mac_len != expected_len || memcmp(mac, expected, mac_len) != 0) abort();
        cJSON_Delete(parsed);
        free(header);
        free(json);
        free(mac);
    }
    gt_wipe_free(token);
    free(claim);
    free(issuer);
    return 0;
}
