/* client.c — a provider profile, a base URL and a secret key, shared by the tasks submitted through it. */
#include "core.h"

#include <stdlib.h>
#include <string.h>

void gt_client_options_default(gt_client_options *o)
{
    o->request_timeout_ms = 30000;
    o->connect_timeout_ms = 10000;
    o->poll_interval_ms = 1000;
    o->max_poll_errors = 5;
    o->task_timeout_ms = 3600L * 1000;
    o->max_body_bytes = 4u << 20;
}

/* JSON may escape '/' as "\/" (PHP does by default): a provider echoing the key in a JSON body
 * can spell it that way. NULL when the key has no '/'. */
static char *json_spelling(const char *key)
{
    size_t slashes = 0;
    for (const char *p = key; *p; p++) slashes += *p == '/';
    if (!slashes) return NULL;
    char *out = malloc(strlen(key) + slashes + 1), *w = out;
    if (!out) return NULL;
    for (const char *p = key; *p; p++) {
        if (*p == '/') *w++ = '\\';
        *w++ = *p;
    }
    *w = '\0';
    return out;
}

gt_client *gt_client_new(gt_engine *e, gt_profile *profile, const char *base_url, const char *api_key,
                         const gt_client_options *opts)
{
    gt_client *c = calloc(1, sizeof *c);
    if (!c) {
        gt_profile_free(profile);
        return NULL;
    }
    c->engine = e;
    gt_engine_retain(e);
    c->profile = profile;
    size_t len = strlen(base_url);
    while (len > 0 && base_url[len - 1] == '/') len--;   /* paths start with '/' */
    c->base_url = gt_strndup(base_url, len);
    c->api_key = gt_strdup(api_key ? api_key : "");
    c->auth_value = gt_printf("%s%s", profile->auth_prefix ? profile->auth_prefix : "", c->api_key);
    c->api_key_json = json_spelling(c->api_key);
    if (opts) c->opts = *opts;
    else gt_client_options_default(&c->opts);
    c->refs = 1;
    return c;
}

void gt_client_retain(gt_client *c)
{
    c->refs++;
}

static void wipe(char *secret)
{
    if (secret) memset(secret, 0, strlen(secret));
    free(secret);
}

void gt_client_release(gt_client *c)
{
    if (!c || --c->refs > 0) return;
    gt_engine_release(c->engine);
    gt_profile_free(c->profile);
    free(c->base_url);
    wipe(c->api_key);
    wipe(c->auth_value);
    wipe(c->api_key_json);
    free(c);
}

void gt_client_scrub(const gt_client *c, char **s)
{
    gt_redact(s, c->api_key);   /* the auth header value contains the key: covered too */
    gt_redact(s, c->api_key_json);
}

const gt_profile *gt_client_profile(const gt_client *c)
{
    return c->profile;
}
