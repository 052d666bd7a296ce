/* endpoint.c — where a task's requests go and what they carry: the submit body (with the key,
 * for providers that take it there), the poll URL (the profile's template, or the one the
 * provider handed back, if the trust rule lets it be followed) and the poll body. */
#include "task.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

/* Bodies here may hold the key (ModelsLab's "key"): every parse tree and printed copy of one is
 * wiped before it is freed. */
static void wipe_json(cJSON *json)
{
    for (cJSON *item = json; item; item = item->next) {
        if (item->valuestring) gt_wipe(item->valuestring, strlen(item->valuestring));
        if (item->string) gt_wipe(item->string, strlen(item->string));
        wipe_json(item->child);
    }
}

static void delete_json(cJSON *json)
{
    wipe_json(json);
    cJSON_Delete(json);
}

/* Sets field = value in a JSON object body; NULL when the body is not a JSON object. */
static char *with_field(const char *body, const char *field, const char *value)
{
    cJSON *json = cJSON_Parse(body ? body : "{}");
    char *out = NULL;
    if (cJSON_IsObject(json)) {
        delete_json(cJSON_DetachItemFromObjectCaseSensitive(json, field));
        if (cJSON_AddStringToObject(json, field, value)) out = cJSON_PrintUnformatted(json);
    }
    delete_json(json);
    return out;
}

static bool has_field(const char *body, const char *field)
{
    cJSON *json = cJSON_Parse(body ? body : "{}");
    bool has = cJSON_GetObjectItemCaseSensitive(json, field) != NULL;
    delete_json(json);
    return has;
}

/* The string value of field in a JSON object body, or NULL. */
static char *string_field(const char *body, const char *field)
{
    cJSON *json = cJSON_Parse(body ? body : "{}");
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, field);
    char *value = cJSON_IsString(item) ? gt_strdup(item->valuestring) : NULL;
    delete_json(json);
    return value;
}

/* The body as sent: with the key for providers that take it there, and with an idempotency key
 * for providers that honour one (the caller's, or a fresh one; fresh_key replaces it, for an
 * opted-in resubmit, which is a new generation). *idempotency_key gets the key the body carries
 * (NULL where the provider honours none). */
char *gt_endpoint_submit_body(const gt_client *c, const char *body, bool fresh_key, char **idempotency_key)
{
    const gt_profile *p = c->profile;
    *idempotency_key = NULL;
    char *out = p->key_field ? with_field(body, p->key_field, c->api_key) : gt_strdup(body ? body : "{}");
    if (out && p->idempotency_field && (fresh_key || !has_field(out, p->idempotency_field))) {
        char *key = gt_random_key("gentask-");
        char *keyed = key ? with_field(out, p->idempotency_field, key) : NULL;
        free(key);
        gt_wipe_free(out);
        out = keyed;
    }
    if (out && p->idempotency_field) *idempotency_key = string_field(out, p->idempotency_field);
    return out;
}

char *gt_endpoint_with_idempotency_key(const gt_client *c, const char *body, const char *idempotency_key)
{
    const char *field = c->profile->idempotency_field;
    if (!field || !idempotency_key) return gt_strdup(body ? body : "{}");
    return with_field(body, field, idempotency_key);
}

char *gt_endpoint_poll_body(const gt_client *c)
{
    const char *field = c->profile->poll_key_field;
    return field ? with_field(NULL, field, c->api_key) : NULL;
}

char *gt_endpoint_poll_url(const gt_client *c, const char *template, const char *task_id)
{
    const char *slot = strstr(template, "{id}");
    if (!slot) return gt_printf("%s%s", c->base_url, template);
    char *id = curl_easy_escape(NULL, task_id ? task_id : "", 0);
    if (!id) return NULL;
    char *url = gt_printf("%s%.*s%s%s", c->base_url, (int)(slot - template), template, id, slot + 4);
    curl_free(id);
    return url;
}

/* The key travels with every poll: a poll URL from a response goes through the trust rule
 * (trust.c) against the client's profile and base URL. */
char *gt_endpoint_trusted_url(const gt_client *c, const char *url)
{
    return gt_trusted_poll_url(c->profile, c->base_url, url);
}
