/* auth.c — what a client's auth header says: the prefix and the key, fixed; or, for a provider
 * that signs (the profile's auth.jwt: Kling), an HS256 JWT made from the key (an access key, read
 * in every token's claims) and a secret key that the core reads itself from a variable or a
 * private file, so that it never passes through a script. The token is made anew on the request
 * path once less than the profile's renew_before is left of it. */
#include "task.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define SECRET_FILE_MAX (64 * 1024) /* secrets are short: anything longer is not one */

/* The file's first line, without the blanks around it (a newline at the end is usual). */
static char *first_line(const char *text)
{
    while (isspace((unsigned char)*text)) text++;
    size_t n = strcspn(text, "\r\n");
    while (n > 0 && isspace((unsigned char)text[n - 1])) n--;
    return gt_strndup(text, n);
}

/* The first line of a file of the user's alone (private_file.c's rules: as ssh's for a key). */
static char *read_secret_file(const gt_client *c, const char *file, char **why)
{
    char *problem = NULL;
    char *text = gt_read_private_file(file, SECRET_FILE_MAX, &problem);
    char *secret = text ? first_line(text) : NULL;
    gt_secret_free(text);
    if (problem) *why = gt_printf("%s: the secret key file: %s", c->profile->name, problem);
    else if (secret && !*secret) *why = gt_printf("%s: the secret key file %s is empty", c->profile->name, file);
    free(problem);
    if (*why) {
        gt_wipe_free(secret);
        return NULL;
    }
    return secret;
}

/* The secret from opts' secret_file or secret_env, else the profile's variable; NULL with *why
 * (naming the file or variable, never what it holds) when there is none. */
static char *read_secret(const gt_client *c, char **why)
{
    if (c->opts.secret_file) return read_secret_file(c, c->opts.secret_file, why);
    const char *name = c->opts.secret_env ? c->opts.secret_env : c->profile->jwt_secret_env;
    if (!name) {
        *why = gt_printf("%s signs its requests with a secret key: give the secret_env or secret_file option",
                         c->profile->name);
        return NULL;
    }
    const char *value = getenv(name);
    if (!value || !*value) {
        *why = gt_printf("%s signs its requests with a secret key: set %s, or give the secret_file option",
                         c->profile->name, name);
        return NULL;
    }
    return gt_strdup(value);
}

/* A new token for now; the one before it is kept until the next renewal, for scrubbing: an answer
 * read after a renewal may echo the token its request carried. */
static bool renew_token(gt_client *c, int64_t now_s)
{
    const gt_profile *p = c->profile;
    gt_jwt_claims claims = {
        .issuer_claim = p->jwt_issuer_claim,
        .issuer = c->api_key,
        .now_s = now_s,
        .ttl_s = p->jwt_ttl_s,
        .not_before_s = p->jwt_not_before_s,
    };
    char *token = gt_jwt_hs256(&claims, c->jwt_secret, strlen(c->jwt_secret));
    char *value = token ? gt_printf("%s%s", p->auth_prefix ? p->auth_prefix : "", token) : NULL;
    if (!value) { /* out of memory: the token held stays, until it runs out */
        gt_wipe_free(token);
        return false;
    }
    gt_wipe_free(c->jwt_previous);
    c->jwt_previous = c->jwt_token;
    c->jwt_token = token;
    gt_wipe_free(c->auth_value);
    c->auth_value = value;
    c->jwt_issued_s = now_s;
    return true;
}

bool gt_client_auth_open(gt_client *c, char **why)
{
    *why = NULL;
    const gt_profile *p = c->profile;
    bool signs = p->jwt_issuer_claim != NULL;
    if (signs && !gt_jwt_issuer_claim_fits(p->jwt_issuer_claim)) {
        *why = gt_printf("profile %s: auth.jwt.issuer must name a claim other than exp and nbf", p->name);
    } else if (signs && p->jwt_renew_before_s >= p->jwt_ttl_s) {
        *why = gt_printf("profile %s: auth.jwt.renew_before (%ld s) must be less than its ttl (%ld s)", p->name,
                         p->jwt_renew_before_s, p->jwt_ttl_s);
    } else if (signs && (c->jwt_secret = read_secret(c, why)) && !renew_token(c, gt_wall_ms() / 1000)) {
        *why = gt_strdup("out of memory");
    }
    c->opts.secret_env = c->opts.secret_file = NULL; /* the options' text was only lent */
    return *why == NULL && (!signs || c->jwt_secret);
}

const char *gt_client_auth_value(gt_client *c)
{
    if (c->jwt_secret) {
        const gt_profile *p = c->profile;
        int64_t now_s = gt_wall_ms() / 1000;
        /* a clock set back would make the token's nbf lie ahead of the provider's clock */
        bool stale = now_s >= c->jwt_issued_s + p->jwt_ttl_s - p->jwt_renew_before_s || now_s < c->jwt_issued_s;
        if (stale) renew_token(c, now_s);
    }
    return c->auth_value;
}

void gt_client_auth_free(gt_client *c)
{
    gt_wipe_free(c->auth_value);
    gt_wipe_free(c->jwt_token);
    gt_wipe_free(c->jwt_previous);
    gt_wipe_free(c->jwt_secret);
}

void gt_client_scrub(const gt_client *c, char **s)
{
    gt_redact(s, c->api_key); /* a fixed auth header value contains the key: covered too */
    const char *secrets[] = {c->jwt_secret, c->jwt_token, c->jwt_previous};
    for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++)
        if (secrets[i]) gt_redact(s, secrets[i]);
}

bool gt_client_mentions_key(const gt_client *c, const char *text)
{
    const char *secrets[] = {c->api_key, c->jwt_secret, c->jwt_token, c->jwt_previous};
    for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++)
        if (secrets[i] && gt_mentions(text, secrets[i])) return true;
    return false;
}
