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

/* The string value of field in a JSON object body, or NULL. */
static char *string_field(const char *body, const char *field)
{
    cJSON *json = cJSON_Parse(body ? body : "{}");
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, field);
    char *value = cJSON_IsString(item) ? gt_strdup(item->valuestring) : NULL;
    delete_json(json);
    return value;
}

/* Whether resending a submit is safe: the provider reads an idempotency key (in the body or a
 * header) and answers a second submit under it with the task of the first. */
bool gt_endpoint_idempotent(const gt_client *c)
{
    return c->profile->idempotency_field || c->profile->idempotency_header;
}

/* The body as sent: with the key for providers that take it there, and with an idempotency key
 * for providers that honour one: resend_key (a resend after a crash: the key the first send
 * carried), else the caller's own in the body, else a fresh one (fresh_key: always a fresh one,
 * for an opted-in resubmit, which is a new generation). *idempotency_key gets the key the submits
 * carry, in the body or in the profile's idempotency header (NULL where the provider honours
 * none). NULL: not a JSON object. */
char *gt_endpoint_submit_body(const gt_client *c, const char *body, const char *resend_key, bool fresh_key,
                              char **idempotency_key)
{
    const gt_profile *p = c->profile;
    *idempotency_key = NULL;
    char *out = p->key_field ? with_field(body, p->key_field, c->api_key) : gt_strdup(body ? body : "{}");
    if (!out || !gt_endpoint_idempotent(c)) return out;
    char *key = resend_key && !fresh_key             ? gt_strdup(resend_key)
                : !fresh_key && p->idempotency_field ? string_field(out, p->idempotency_field)
                                                     : NULL;
    if (!key) key = gt_random_key("gentask-");
    if (key && p->idempotency_field) {
        char *keyed = with_field(out, p->idempotency_field, key);
        gt_wipe_free(out);
        out = keyed;
    }
    if (out) *idempotency_key = key;
    else free(key);
    return out;
}

char *gt_endpoint_poll_body(const gt_client *c)
{
    const char *field = c->profile->poll_key_field;
    return field ? with_field(NULL, field, c->api_key) : NULL;
}

/* A task id as its path needs it: "{id}" URL-escaped whole, "{+id}" (RFC 6570's reserved
 * expansion, for ids that are paths: Veo's "models/veo-3/operations/abc") escaped segment by
 * segment with its slashes kept. Such an id may not climb out of its place: an empty, "." or ".."
 * segment refuses it (NULL). */
/* RFC 3986's unreserved characters: the ones curl_easy_escape leaves as they are (ASCII, whatever
 * the locale) */
static bool unreserved(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                     ch == '.' || ch == '_' || ch == '~';
        if (!plain) return false;
    }
    return true;
}

static char *escaped(const char *s, size_t len)
{
    if (unreserved(s, len)) return gt_strndup(s, len); /* what curl_easy_escape would give, without its copy */
    char *curl_owned = curl_easy_escape(NULL, s, (int)len);
    char *copy = gt_strdup(curl_owned);
    curl_free(curl_owned);
    return copy;
}

static char *escaped_id(const char *id, bool keep_slashes)
{
    if (!keep_slashes) return escaped(id, strlen(id));
    if (!*id) return NULL;
    char *out = gt_strdup("");
    for (const char *seg = id; out;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        bool dots = (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.');
        char *part = len == 0 || dots ? NULL : escaped(seg, len);
        char *joined = part ? gt_printf("%s%s%s", out, seg == id ? "" : "/", part) : NULL;
        free(part);
        free(out);
        out = joined;
        if (!end) break;
        seg = end + 1;
    }
    return out;
}

/* base + the template's text before the id + id + the text after it. Every poll builds one: put
 * together by length, not by printf (which reads its format twice, to measure and to write). */
static char *join_url(const char *base, const char *head, size_t head_len, const char *id, const char *tail)
{
    size_t base_len = strlen(base), id_len = strlen(id), tail_len = strlen(tail);
    char *url = malloc(base_len + head_len + id_len + tail_len + 1);
    if (!url) return NULL;
    char *p = url;
    memcpy(p, base, base_len);
    memcpy(p += base_len, head, head_len);
    memcpy(p += head_len, id, id_len);
    memcpy(p += id_len, tail, tail_len + 1);
    return url;
}

char *gt_endpoint_poll_url(const gt_client *c, const char *template, const char *task_id)
{
    const char *slot = strstr(template, "{id}"), *raw = strstr(template, "{+id}");
    if (!slot && !raw) return join_url(c->base_url, template, strlen(template), "", "");
    if (!slot || (raw && raw < slot)) slot = raw;
    const char *after = slot + (slot == raw ? 5 : 4);
    size_t head_len = (size_t)(slot - template);
    if (!task_id) task_id = "";
    if (slot != raw && unreserved(task_id, strlen(task_id))) /* most ids: nothing to escape, no copy to make */
        return join_url(c->base_url, template, head_len, task_id, after);
    char *id = escaped_id(task_id, slot == raw);
    if (!id) return NULL;
    char *url = join_url(c->base_url, template, head_len, id, after);
    free(id);
    return url;
}

/* The key travels with every poll: a poll URL from a response goes through the trust rule
 * (trust.c) against the client's profile and base URL. */
char *gt_endpoint_trusted_url(const gt_client *c, const char *url)
{
    return gt_trusted_poll_url(c->profile, c->base_url, url);
}

/* Seconds left before the task's deadline, as the provider's deadline header takes them: whole
 * seconds, never below its documented least (a task with less left still asks for that much). */
static char *deadline_line(const gt_task *t)
{
    const gt_profile *p = t->client->profile;
    int64_t left_ms = t->deadline_ms - gt_now_ms();
    long seconds = left_ms > 1000 ? (long)(left_ms / 1000) : 1;
    if (seconds < p->deadline_min) seconds = p->deadline_min;
    return gt_printf("%s: %ld%s", p->deadline_header, seconds, p->deadline_suffix ? p->deadline_suffix : "");
}

char **gt_endpoint_headers(const gt_task *t, gt_phase phase, size_t *n)
{
    const gt_profile *p = t->client->profile;
    bool submit = phase == GT_PHASE_SUBMIT;
    size_t most = p->headers.n + (submit ? 2 : 0);
    *n = 0;
    if (most == 0) return NULL; /* most polls: no line of their own, no list to allocate */
    char **lines = calloc(most, sizeof *lines);
    if (!lines) return NULL;
    for (size_t i = 0; i < p->headers.n; i++) lines[(*n)++] = gt_strdup(p->headers.items[i]);
    if (submit && p->deadline_header) lines[(*n)++] = deadline_line(t);
    if (submit && p->idempotency_header && t->idempotency_key)
        lines[(*n)++] = gt_printf("%s: %s", p->idempotency_header, t->idempotency_key);
    if (*n == 0) {
        free(lines);
        return NULL;
    }
    return lines;
}

void gt_endpoint_headers_free(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines);
}

/* "{result_id}" in the profile's result path, replaced by the escaped value (MiniMax's file_id). */
static char *with_result_id(const char *template, const char *result_id)
{
    const char *slot = strstr(template, "{result_id}");
    if (!slot) return gt_strdup(template);
    if (!result_id || !*result_id) return NULL;
    char *value = escaped(result_id, strlen(result_id));
    char *out = value ? gt_printf("%.*s%s%s", (int)(slot - template), template, value, slot + 11) : NULL;
    free(value);
    return out;
}

char *gt_endpoint_result_url(const gt_task *t, const char *result_url, const char *result_id)
{
    const gt_client *c = t->client;
    if (result_url) return gt_endpoint_trusted_url(c, result_url);
    if (!c->profile->result_path) return NULL;
    char *template = with_result_id(c->profile->result_path, result_id);
    char *url = template ? gt_endpoint_poll_url(c, template, t->remote_id) : NULL;
    free(template);
    return url;
}

/* The URL the task polls its state at: the one the provider gave, else its template's. */
static char *state_url(const gt_task *t)
{
    if (t->poll_url) return gt_strdup(t->poll_url);
    const char *template = gt_task_poll_template(t);
    return template ? gt_endpoint_poll_url(t->client, template, t->remote_id) : NULL;
}

/* A cancel beside the poll URL (fal's ".../requests/ID/cancel" next to ".../requests/ID/status",
 * under a model path one template cannot hold): the relative reference is resolved against the
 * task's poll URL by libcurl's parser, and the URL it makes is held to the poll URL's trust rule
 * (the key goes with it). */
char *gt_endpoint_cancel_url(const gt_task *t)
{
    const gt_client *c = t->client;
    const gt_profile *p = c->profile;
    if (!p->cancel_from_poll_url) return p->cancel_path ? gt_endpoint_poll_url(c, p->cancel_path, t->remote_id) : NULL;
    char *beside = state_url(t);
    char *url = beside ? gt_trusted_poll_url(p, beside, p->cancel_from_poll_url) : NULL;
    char *kept = url ? gt_endpoint_trusted_url(c, url) : NULL; /* the base URL's rule, as a poll URL's */
    free(beside);
    free(url);
    return kept;
}

bool gt_endpoint_cancels(const gt_task *t)
{
    const gt_profile *p = t->client->profile;
    return t->remote_id && (p->cancel_path || p->cancel_from_poll_url);
}
