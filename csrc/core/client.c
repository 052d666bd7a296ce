/* client.c — a provider profile, a base URL and a secret key, shared by the tasks submitted through it. */
#include "domain.h"

#include <stdlib.h>
#include <string.h>

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

static void start_queued(void *client);

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
    while (len > 0 && base_url[len - 1] == '/') len--; /* paths start with '/' */
    c->base_url = gt_strndup(base_url, len);
    c->api_key = gt_strdup(api_key ? api_key : "");
    c->auth_value = gt_printf("%s%s", profile->auth_prefix ? profile->auth_prefix : "", c->api_key);
    c->api_key_json = json_spelling(c->api_key);
    if (opts) c->opts = *opts;
    else gt_client_options_default(&c->opts);
    /* the client's own copies: its tasks' options point at them */
    c->opts.ca_file = c->ca_file = gt_strdup(c->opts.ca_file);
    c->opts.proxy = c->proxy = gt_strdup(c->opts.proxy);
    c->refs = 1;
    gt_timer_init(&c->timer, start_queued, c);
    gt_queue_init(&c->queue);
    c->max_in_flight = c->opts.max_in_flight >= 0 ? c->opts.max_in_flight : profile->max_in_flight;
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
    gt_engine_disarm(c->engine, &c->timer);
    gt_engine_release(c->engine);
    gt_profile_free(c->profile);
    free(c->base_url);
    free(c->ca_file);
    free(c->proxy);
    wipe(c->api_key);
    wipe(c->auth_value);
    wipe(c->api_key_json);
    free(c);
}

void gt_client_scrub(const gt_client *c, char **s)
{
    gt_redact(s, c->api_key); /* the auth header value contains the key: covered too */
    gt_redact(s, c->api_key_json);
}

bool gt_client_mentions_key(const gt_client *c, const char *text)
{
    return (c->api_key[0] && strstr(text, c->api_key)) || (c->api_key_json && strstr(text, c->api_key_json));
}

const gt_profile *gt_client_profile(const gt_client *c)
{
    return c->profile;
}

const gt_client_options *gt_client_options_of(const gt_client *c)
{
    return &c->opts;
}

/* A submit may go out now; otherwise *wait_until_ms says when the 429 pause ends. */
bool gt_client_may_submit(const gt_client *c, int64_t *wait_until_ms)
{
    *wait_until_ms = c->paused_until_ms;
    return gt_now_ms() >= c->paused_until_ms;
}

/* A 429 slows the whole client, not just the task that met it: a batch of 500 must not hammer a
 * rate-limited key. */
void gt_client_pause(gt_client *c, int64_t until_ms)
{
    if (until_ms > c->paused_until_ms) c->paused_until_ms = until_ms;
}

static bool slot_free(const gt_client *c)
{
    return c->max_in_flight == 0 || c->in_flight < c->max_in_flight;
}

/* Starts waiting holders, in order, while slots are free and the client is not paused. */
static void start_queued(void *client)
{
    gt_client *c = client;
    int64_t until;
    while (!gt_queue_empty(&c->queue) && slot_free(c)) {
        if (!gt_client_may_submit(c, &until)) {
            gt_engine_arm(c->engine, &c->timer, until);
            return;
        }
        gt_slot *s = GT_CONTAINER(gt_queue_pop(&c->queue), gt_slot, node);
        s->held = true;
        c->in_flight++;
        s->start(s->ctx);
    }
}

void gt_client_slot_wait(gt_client *c, gt_slot *s)
{
    gt_queue_push(&c->queue, &s->node);
    start_queued(c);
}

void gt_client_slot_release(gt_client *c, gt_slot *s)
{
    gt_queue_remove(&c->queue, &s->node);
    if (!s->held) return;
    s->held = false;
    c->in_flight--;
    /* the next holder starts from the client's timer, on this step: a task that ends must not
     * run another task's submit inside its own finish */
    if (!gt_queue_empty(&c->queue)) gt_engine_arm(c->engine, &c->timer, gt_now_ms());
}
