/* jwt.c — an HS256 JSON Web Token (RFC 7519), as providers that sign their requests want one
 * (Kling): a fixed header, claims that name the key and the token's life, and an HMAC-SHA256 over
 * both with a secret. OpenSSL makes the MAC and the base64, cJSON the claims; base64url (RFC 4648
 * §5) is base64 with two characters swapped and no padding. */
#include "base.h"

#include <cJSON.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

/* the one header this maker writes */
#define JWT_HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

char *gt_base64url(const void *bytes, size_t n)
{
    if (n > (size_t)INT_MAX / 4 * 3) return NULL;
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (!out) return NULL;
    int len = EVP_EncodeBlock((unsigned char *)out, bytes, (int)n);
    while (len > 0 && out[len - 1] == '=') len--;
    out[len] = '\0';
    for (char *c = out; *c; c++) {
        if (*c == '+') *c = '-';
        else if (*c == '/') *c = '_';
    }
    return out;
}

/* The claims as compact JSON: {"<issuer claim>":"<key>","exp":…,"nbf":…}. */
static char *claims_json(const gt_jwt_claims *claims)
{
    cJSON *json = cJSON_CreateObject();
    char *text = NULL;
    if (json && cJSON_AddStringToObject(json, claims->issuer_claim, claims->issuer) &&
        cJSON_AddNumberToObject(json, "exp", (double)(claims->now_s + claims->ttl_s)) &&
        cJSON_AddNumberToObject(json, "nbf", (double)(claims->now_s - claims->not_before_s)))
        text = cJSON_PrintUnformatted(json);
    cJSON_Delete(json);
    return text;
}

bool gt_jwt_issuer_claim_fits(const char *claim)
{
    return claim && *claim && strcmp(claim, "exp") != 0 && strcmp(claim, "nbf") != 0;
}

char *gt_jwt_hs256(const gt_jwt_claims *claims, const void *secret, size_t secret_len)
{
    if (!gt_jwt_issuer_claim_fits(claims->issuer_claim) || !claims->issuer || secret_len > INT_MAX) return NULL;
    char *payload_json = claims_json(claims);
    char *payload = payload_json ? gt_base64url(payload_json, strlen(payload_json)) : NULL;
    cJSON_free(payload_json);
    char *header = gt_base64url(JWT_HEADER, strlen(JWT_HEADER));
    char *signed_part = payload && header ? gt_printf("%s.%s", header, payload) : NULL;
    free(header);
    free(payload);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    char *signature = NULL, *token = NULL;
    /* a zero-length key is still a key to HMAC: a pointer to nothing, never NULL */
    if (signed_part && HMAC(EVP_sha256(), secret_len ? secret : "", (int)secret_len, (const unsigned char *)signed_part,
                            strlen(signed_part), mac, &mac_len))
        signature = gt_base64url(mac, mac_len);
    if (signature) token = gt_printf("%s.%s", signed_part, signature);
    gt_wipe(mac, sizeof mac);
    free(signed_part);
    gt_wipe_free(signature);
    return token;
}
