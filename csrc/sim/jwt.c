#include "jwt.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "hmac_sha256.h"
#include "signing.h"

enum refusal { MALFORMED, SIGNATURE, ISSUER, EXPIRED, EARLY, REFUSAL_COUNT };
static const char *const refusal_names[REFUSAL_COUNT] = {"malformed", "signature", "issuer", "expired", "early"};

struct sim_jwt {
    char *issuer, *secret;
    pthread_mutex_t lock; /* the request threads count here */
    long tokens;          /* tokens taken that differ from the one taken before */
    char last_signature[64];
    long refused[REFUSAL_COUNT];
};

struct sim_jwt *sim_jwt_new(const char *issuer, const char **why)
{
    const char *secret = getenv(SIM_JWT_SECRET_ENV);
    if (secret == NULL || secret[0] == '\0') {
        *why = "--jwt-issuer wants the secret in the environment variable " SIM_JWT_SECRET_ENV;
        return NULL;
    }
    struct sim_jwt *jwt = calloc(1, sizeof *jwt);
    if (jwt != NULL) {
        jwt->issuer = strdup(issuer);
        jwt->secret = strdup(secret);
    }
    if (jwt == NULL || jwt->issuer == NULL || jwt->secret == NULL) {
        sim_jwt_free(jwt);
        *why = "out of memory";
        return NULL;
    }
    pthread_mutex_init(&jwt->lock, NULL);
    return jwt;
}

void sim_jwt_free(struct sim_jwt *jwt)
{
    if (jwt == NULL) return;
    free(jwt->issuer);
    free(jwt->secret);
    free(jwt);
}

/* base64url without padding → bytes (NUL-terminated, for JSON); NULL when it is not that. */
static char *decode_base64url(const char *text, size_t n)
{
    if (n % 4 == 1) return NULL;
    char *padded = malloc(n + 4);
    char *out = malloc(n / 4 * 3 + 4);
    int got = -1;
    if (padded != NULL && out != NULL) {
        size_t i = 0;
        for (; i < n; i++) {
            char c = text[i];
            if (c == '+' || c == '/' || c == '=') break; /* base64's own spellings are not base64url */
            padded[i] = c == '-' ? '+' : c == '_' ? '/' : c;
        }
        size_t pads = (4 - n % 4) % 4;
        for (size_t p = 0; p < pads; p++) padded[n + p] = '=';
        if (i == n) got = EVP_DecodeBlock((unsigned char *)out, (unsigned char *)padded, (int)(n + pads));
        if (got >= 0) out[got - (int)pads] = '\0';
    }
    free(padded);
    if (got < 0) {
        free(out);
        return NULL;
    }
    return out;
}

static cJSON *decode_part(const char *text, size_t n)
{
    char *json = decode_base64url(text, n);
    cJSON *parsed = json != NULL ? cJSON_Parse(json) : NULL;
    free(json);
    if (cJSON_IsObject(parsed)) return parsed;
    cJSON_Delete(parsed);
    return NULL;
}

/* The signature the secret gives header.payload, as base64url. */
static void expected_signature(const struct sim_jwt *jwt, const char *token, size_t signed_length, char out[64])
{
    unsigned char mac[SHA256_SIZE];
    hmac_sha256(jwt->secret, strlen(jwt->secret), token, signed_length, mac);
    signing_base64url(mac, SHA256_SIZE, out);
}

static enum refusal check(const struct sim_jwt *jwt, const char *token, const char **signature)
{
    const char *first = token != NULL ? strchr(token, '.') : NULL;
    const char *second = first != NULL ? strchr(first + 1, '.') : NULL;
    if (second == NULL || strchr(second + 1, '.') != NULL) return MALFORMED;
    cJSON *header = decode_part(token, (size_t)(first - token));
    cJSON *claims = decode_part(first + 1, (size_t)(second - first - 1));
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(header, "alg");
    const cJSON *iss = cJSON_GetObjectItemCaseSensitive(claims, "iss");
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
    const cJSON *nbf = cJSON_GetObjectItemCaseSensitive(claims, "nbf");
    enum refusal verdict = REFUSAL_COUNT;
    char expected[64];
    expected_signature(jwt, token, (size_t)(second - token), expected);
    int64_t now_s = sim_clock_unix_ms() / 1000;
    if (!cJSON_IsString(alg) || strcmp(alg->valuestring, "HS256") != 0 || !cJSON_IsNumber(exp) || !cJSON_IsNumber(nbf))
        verdict = MALFORMED;
    else if (strcmp(second + 1, expected) != 0) verdict = SIGNATURE;
    else if (!cJSON_IsString(iss) || strcmp(iss->valuestring, jwt->issuer) != 0) verdict = ISSUER;
    else if (exp->valuedouble <= (double)now_s) verdict = EXPIRED;
    else if (nbf->valuedouble > (double)now_s) verdict = EARLY;
    cJSON_Delete(header);
    cJSON_Delete(claims);
    *signature = second + 1;
    return verdict;
}

bool sim_jwt_accepted(struct sim_jwt *jwt, const char *token)
{
    const char *signature = "";
    enum refusal verdict = check(jwt, token, &signature);
    pthread_mutex_lock(&jwt->lock);
    if (verdict != REFUSAL_COUNT) jwt->refused[verdict]++;
    else if (strncmp(signature, jwt->last_signature, sizeof jwt->last_signature - 1) != 0) {
        jwt->tokens++;
        snprintf(jwt->last_signature, sizeof jwt->last_signature, "%s", signature);
    }
    pthread_mutex_unlock(&jwt->lock);
    return verdict == REFUSAL_COUNT;
}

void sim_jwt_stats_json(struct sim_jwt *jwt, cJSON *stats)
{
    if (jwt == NULL) return;
    cJSON *json = cJSON_AddObjectToObject(stats, "jwt");
    cJSON *refused = cJSON_AddObjectToObject(json, "refused");
    pthread_mutex_lock(&jwt->lock);
    cJSON_AddNumberToObject(json, "tokens", (double)jwt->tokens);
    for (int i = 0; i < REFUSAL_COUNT; i++) cJSON_AddNumberToObject(refused, refusal_names[i], (double)jwt->refused[i]);
    pthread_mutex_unlock(&jwt->lock);
}

const char *sim_jwt_issuer(const struct sim_jwt *jwt)
{
    return jwt->issuer;
}

void sim_jwt_reset(struct sim_jwt *jwt)
{
    if (jwt == NULL) return;
    pthread_mutex_lock(&jwt->lock);
    jwt->tokens = 0;
    jwt->last_signature[0] = '\0';
    memset(jwt->refused, 0, sizeof jwt->refused);
    pthread_mutex_unlock(&jwt->lock);
}
