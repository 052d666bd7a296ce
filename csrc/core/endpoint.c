/* endpoint.c — where a task's requests go and what they carry: the submit body (with the key,
 * for providers that take it there), the poll URL (the profile's template, or the one the
 * provider handed back, if it stays within the provider's own domain) and the poll body. */
#include "domain.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

/* Sets field = value in a JSON object body; NULL when the body is not a JSON object. */
static char *with_field(const char *body, const char *field, const char *value)
{
    cJSON *json = cJSON_Parse(body ? body : "{}");
    char *out = NULL;
    if (cJSON_IsObject(json)) {
        cJSON_DeleteItemFromObjectCaseSensitive(json, field);
        if (cJSON_AddStringToObject(json, field, value)) out = cJSON_PrintUnformatted(json);
    }
    cJSON_Delete(json);
    return out;
}

static bool has_field(const char *body, const char *field)
{
    cJSON *json = cJSON_Parse(body ? body : "{}");
    bool has = cJSON_GetObjectItemCaseSensitive(json, field) != NULL;
    cJSON_Delete(json);
    return has;
}

/* The string value of field in a JSON object body, or NULL. */
static char *string_field(const char *body, const char *field)
{
    cJSON *json = cJSON_Parse(body ? body : "{}");
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, field);
    char *value = cJSON_IsString(item) ? gt_strdup(item->valuestring) : NULL;
    cJSON_Delete(json);
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
        free(out);
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

static char *url_part(CURLU *u, CURLUPart part)
{
    char *value = NULL;
    if (curl_url_get(u, part, &value, 0) != CURLUE_OK) return NULL;
    char *copy = gt_strdup(value);
    curl_free(value);
    return copy;
}

/* api.bfl.ai → bfl.ai; a host of one or two labels (or an address) has no parent to share. */
static const char *parent_domain(const char *host)
{
    const char *dot = strchr(host, '.');
    if (!dot || !strchr(dot + 1, '.') || strspn(host, "0123456789.") == strlen(host)) return NULL;
    return dot + 1;
}

static bool within(const char *host, const char *parent)
{
    size_t h = strlen(host), n = strlen(parent);
    return h > n + 1 && host[h - n - 1] == '.' && strcmp(host + h - n, parent) == 0;
}

/* The key travels with every poll, so a poll URL from a response is followed only to the base
 * URL's own origin or, over https, to a sibling host of the same domain (BFL answers
 * api.bfl.ai submits with api.us1.bfl.ai polling URLs). Relative URLs resolve against the base. */
char *gt_endpoint_trusted_url(const gt_client *c, const char *url)
{
    CURLU *base = curl_url(), *target = curl_url();
    char *resolved = NULL, *base_host = NULL, *host = NULL, *base_scheme = NULL, *scheme = NULL;
    char *base_port = NULL, *port = NULL;
    if (!base || !target || curl_url_set(base, CURLUPART_URL, c->base_url, 0) != CURLUE_OK) goto done;
    if (curl_url_set(target, CURLUPART_URL, c->base_url, 0) != CURLUE_OK ||
        curl_url_set(target, CURLUPART_URL, url, 0) != CURLUE_OK) /* resolves a relative URL */
        goto done;
    base_host = url_part(base, CURLUPART_HOST);
    host = url_part(target, CURLUPART_HOST);
    base_scheme = url_part(base, CURLUPART_SCHEME);
    scheme = url_part(target, CURLUPART_SCHEME);
    base_port = url_part(base, CURLUPART_PORT);
    port = url_part(target, CURLUPART_PORT);
    if (!base_host || !host || !base_scheme || !scheme) goto done;

    bool same_origin = strcmp(base_host, host) == 0 && strcmp(base_scheme, scheme) == 0 &&
                       ((!base_port && !port) || (base_port && port && strcmp(base_port, port) == 0));
    const char *parent = parent_domain(base_host);
    bool sibling = strcmp(scheme, "https") == 0 && parent && (strcmp(host, parent) == 0 || within(host, parent));
    if (same_origin || sibling) resolved = url_part(target, CURLUPART_URL);
done:
    free(base_host);
    free(host);
    free(base_scheme);
    free(scheme);
    free(base_port);
    free(port);
    curl_url_cleanup(base);
    curl_url_cleanup(target);
    return resolved;
}
