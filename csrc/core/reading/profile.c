/* profile.c — a provider profile as data: auth, poll endpoint, field paths, state and code maps. */
#include "reading.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const field_names[GT_FIELD_COUNT] = {
    [GT_FIELD_ID] = "id",
    [GT_FIELD_STATE] = "state",
    [GT_FIELD_PROGRESS] = "progress",
    [GT_FIELD_ERROR_CODE] = "error_code",
    [GT_FIELD_ERROR_MESSAGE] = "error_message",
    [GT_FIELD_RESULTS] = "results",
    [GT_FIELD_POLL_URL] = "poll_url",
    [GT_FIELD_RETRY_AFTER] = "retry_after",
    [GT_FIELD_ENVELOPE_STATUS] = "envelope_status",
    [GT_FIELD_ETA] = "eta",
    [GT_FIELD_FAILURE] = "failure",
    [GT_FIELD_RESULT_URL] = "result_url",
    [GT_FIELD_RESULT_ID] = "result_id",
    [GT_FIELD_REFUSAL] = "refusal",
    [GT_FIELD_ENVELOPE_CODE] = "envelope_code",
    [GT_FIELD_COST] = "cost",
};

gt_profile *gt_profile_new(const char *name)
{
    gt_profile *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->name = gt_strdup(name ? name : "custom");
    p->auth_header = gt_strdup("Authorization");
    p->auth_prefix = gt_strdup("Bearer ");
    p->jwt_ttl_s = 1800;
    p->jwt_not_before_s = 5;
    p->jwt_renew_before_s = 300;
    p->poll_method = gt_strdup("GET");
    p->progress_scale = 1;
    return p;
}

static void paths_free(gt_paths *paths)
{
    for (size_t i = 0; i < paths->n; i++) free(paths->items[i]);
    free(paths->items);
    paths->items = NULL;
    paths->n = 0;
}

static void codes_free(gt_code_list *list)
{
    for (size_t i = 0; i < list->n; i++) {
        free(list->items[i].code);
        free(list->items[i].stage);
    }
    free(list->items);
}

void gt_profile_free(gt_profile *p)
{
    if (!p) return;
    char *strings[] = {p->name,
                       p->auth_header,
                       p->auth_prefix,
                       p->key_field,
                       p->jwt_issuer_claim,
                       p->jwt_secret_env,
                       p->poll_method,
                       p->poll_path,
                       p->poll_key_field,
                       p->idempotency_field,
                       p->cancel_method,
                       p->cancel_path,
                       p->cancel_from_poll_url,
                       p->webhook_url_field,
                       p->webhook_url_query,
                       p->webhook_secret_field,
                       p->webhook_switch_field,
                       p->webhook_switch_value,
                       p->webhook_signature_header,
                       p->webhook_signature_prefix,
                       p->idempotency_header,
                       p->deadline_header,
                       p->deadline_suffix,
                       p->result_method,
                       p->result_path,
                       p->webhook_id_header,
                       p->webhook_timestamp_header,
                       p->webhook_keys_url,
                       p->webhook_key_id_header};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) free(strings[i]);
    for (int f = 0; f < GT_FIELD_COUNT; f++) paths_free(&p->fields[f]);
    paths_free(&p->request_id_headers);
    paths_free(&p->webhook_signed_headers);
    paths_free(&p->poll_hosts);
    paths_free(&p->headers);
    paths_free(&p->download_hosts);
    for (int i = 0; i < GT_PRICE_PATH_COUNT; i++) paths_free(&p->price_paths[i]);
    for (size_t i = 0; i < p->n_prices; i++) free(p->prices[i].model);
    free(p->prices);
    free(p->cost_currency);
    free(p->cost_header);
    for (size_t i = 0; i < p->n_model_caps; i++) free(p->model_caps[i].model);
    free(p->model_caps);
    for (size_t i = 0; i < p->n_states; i++) {
        free(p->states[i].name);
        free(p->states[i].stage);
    }
    free(p->states);
    for (int t = 0; t < 3; t++) codes_free(&p->codes[t]);
    for (size_t i = 0; i < p->n_statuses; i++) free(p->statuses[i].stage);
    free(p->statuses);
    free(p);
}

const char *gt_profile_name(const gt_profile *p)
{
    return p->name;
}

/* The scheme's name, read once here: a delivery is checked by the scheme's enum, never by a string. */
static bool set_webhook_scheme(gt_profile *p, const char *name)
{
    static const struct {
        const char *name;
        gt_webhook_scheme scheme;
    } schemes[] = {{"hmac_hex", GT_WEBHOOK_HMAC_HEX},
                   {"standard", GT_WEBHOOK_STANDARD},
                   {"ed25519", GT_WEBHOOK_ED25519},
                   {"t_v1", GT_WEBHOOK_T_V1}};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (name && strcmp(name, schemes[i].name) == 0) {
            p->webhook_scheme = schemes[i].scheme;
            return true;
        }
    return false;
}

bool gt_profile_set(gt_profile *p, const char *key, const char *value)
{
    static const struct {
        const char *key;
        size_t offset;
    } settings[] = {
        {"auth_header", offsetof(gt_profile, auth_header)},
        {"auth_prefix", offsetof(gt_profile, auth_prefix)},
        {"key_field", offsetof(gt_profile, key_field)},
        {"jwt_issuer_claim", offsetof(gt_profile, jwt_issuer_claim)},
        {"jwt_secret_env", offsetof(gt_profile, jwt_secret_env)},
        {"poll_method", offsetof(gt_profile, poll_method)},
        {"poll_path", offsetof(gt_profile, poll_path)},
        {"poll_key_field", offsetof(gt_profile, poll_key_field)},
        {"idempotency_field", offsetof(gt_profile, idempotency_field)},
        {"cancel_method", offsetof(gt_profile, cancel_method)},
        {"cancel_path", offsetof(gt_profile, cancel_path)},
        {"cancel_from_poll_url", offsetof(gt_profile, cancel_from_poll_url)},
        {"webhook_url_field", offsetof(gt_profile, webhook_url_field)},
        {"webhook_url_query", offsetof(gt_profile, webhook_url_query)},
        {"webhook_secret_field", offsetof(gt_profile, webhook_secret_field)},
        {"webhook_switch_field", offsetof(gt_profile, webhook_switch_field)},
        {"webhook_switch_value", offsetof(gt_profile, webhook_switch_value)},
        {"webhook_signature_header", offsetof(gt_profile, webhook_signature_header)},
        {"webhook_signature_prefix", offsetof(gt_profile, webhook_signature_prefix)},
        {"idempotency_header", offsetof(gt_profile, idempotency_header)},
        {"deadline_header", offsetof(gt_profile, deadline_header)},
        {"deadline_suffix", offsetof(gt_profile, deadline_suffix)},
        {"result_method", offsetof(gt_profile, result_method)},
        {"result_path", offsetof(gt_profile, result_path)},
        {"webhook_id_header", offsetof(gt_profile, webhook_id_header)},
        {"webhook_timestamp_header", offsetof(gt_profile, webhook_timestamp_header)},
        {"webhook_keys_url", offsetof(gt_profile, webhook_keys_url)},
        {"webhook_key_id_header", offsetof(gt_profile, webhook_key_id_header)},
    };
    if (strcmp(key, "webhook_scheme") == 0) return set_webhook_scheme(p, value);
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        if (strcmp(settings[i].key, key) != 0) continue;
        char **slot = (char **)((char *)p + settings[i].offset);
        free(*slot);
        *slot = gt_strdup(value);
        return true;
    }
    return false;
}

/* The JWT's times: whole seconds, a day at most (a provider caps a token's life lower). */
static bool set_jwt_seconds(gt_profile *p, const char *key, double value)
{
    if (value != floor(value) || !(value >= 0 && value <= 86400)) return false;
    if (strcmp(key, "ttl") == 0 && value >= 1) p->jwt_ttl_s = (long)value;
    else if (strcmp(key, "not_before") == 0) p->jwt_not_before_s = (long)value;
    else if (strcmp(key, "renew_before") == 0) p->jwt_renew_before_s = (long)value;
    else return false;
    return true;
}

bool gt_profile_set_number(gt_profile *p, const char *key, double value)
{
    if (strcmp(key, "progress_scale") == 0 && value > 0) p->progress_scale = value;
    else if (strcmp(key, "result_ttl") == 0 && value > 0) p->result_ttl = value;
    else if (strcmp(key, "webhook_tolerance") == 0 && value >= 1 && value <= 86400) p->webhook_tolerance = value;
    else if (strcmp(key, "max_in_flight") == 0 && value >= 0 && value <= 1e6) p->max_in_flight = (int)value;
    else if (strcmp(key, "deadline_min") == 0 && value >= 0 && value <= 1e6) p->deadline_min = (int)value;
    else if (strncmp(key, "jwt_", 4) == 0) return set_jwt_seconds(p, key + 4, value);
    else return false;
    return true;
}

/* Grows an array by one element; the new slot is returned zeroed, or NULL when memory ran out. */
static void *grow(void *array, size_t *n, size_t size)
{
    char *grown = realloc(*(void **)array, (*n + 1) * size);
    if (!grown) return NULL;
    *(void **)array = grown;
    memset(grown + *n * size, 0, size);
    return grown + (*n)++ * size;
}

static void paths_add(gt_paths *paths, const char *path)
{
    char **slot = grow(&paths->items, &paths->n, sizeof *slot);
    if (slot) *slot = gt_strdup(path);
}

bool gt_profile_add_path(gt_profile *p, const char *field, const char *path)
{
    if (gt_json_path_problem(path)) return false;
    for (int f = 0; f < GT_FIELD_COUNT; f++) {
        if (strcmp(field_names[f], field) != 0) continue;
        paths_add(&p->fields[f], path);
        return true;
    }
    return false;
}

void gt_profile_add_request_id_header(gt_profile *p, const char *header)
{
    paths_add(&p->request_id_headers, header);
}

void gt_profile_add_webhook_signed_header(gt_profile *p, const char *header)
{
    paths_add(&p->webhook_signed_headers, header);
}

/* Labels of letters, digits and '-', none empty, at least two: "bfl.ai", "api.eu1.bfl.ai". */
static bool host_name(const char *host)
{
    size_t labels = 0, label_len = 0;
    for (const char *c = host;; c++) {
        if (*c == '.' || *c == '\0') {
            if (label_len == 0 || label_len > 63) return false;
            labels++;
            label_len = 0;
            if (*c == '\0') break;
        } else if ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-') {
            label_len++;
        } else {
            return false;
        }
    }
    return labels >= 2 && strlen(host) <= 253;
}

static bool add_host(gt_paths *hosts, const char *host)
{
    if (!host || !host_name(strncmp(host, "*.", 2) == 0 ? host + 2 : host)) return false;
    paths_add(hosts, host);
    return true;
}

bool gt_profile_add_poll_host(gt_profile *p, const char *host)
{
    return add_host(&p->poll_hosts, host);
}

bool gt_profile_add_download_host(gt_profile *p, const char *host)
{
    return add_host(&p->download_hosts, host);
}

void gt_profile_set_keyed_downloads(gt_profile *p, bool keyed)
{
    p->keyed_downloads = keyed;
}

bool gt_profile_set_missing_state(gt_profile *p, gt_remote_state state)
{
    if (state == GT_REMOTE_UNKNOWN) return false;
    p->missing_state = state;
    return true;
}

/* A header name is an HTTP token (RFC 9110: letters, digits and !#$%&'*+-.^_`|~). */
static bool header_name(const char *name)
{
    if (!name || !*name) return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              strchr("!#$%&'*+-.^_`|~", *c)))
            return false;
    return true;
}

/* A value is visible ASCII and spaces: a CR or LF would start another header of the caller's. */
static bool header_value(const char *value)
{
    if (!value) return false;
    for (const unsigned char *c = (const unsigned char *)value; *c; c++)
        if (*c < 0x20 || *c == 0x7f) return false;
    return true;
}

const char *gt_profile_header_problem(const gt_profile *p, const char *name, const char *value)
{
    if (!header_name(name)) return "a header name must be a token of letters, digits and !#$%&'*+-.^_`|~";
    if (!header_value(value)) return "a header value must be printable text on one line";
    if (p->auth_header && strcasecmp(name, p->auth_header) == 0) return "the auth header is the core's to set";
    return NULL;
}

bool gt_profile_add_header(gt_profile *p, const char *name, const char *value)
{
    if (gt_profile_header_problem(p, name, value)) return false;
    char *line = gt_printf("%s: %s", name, value);
    if (line) paths_add(&p->headers, line);
    free(line);
    return true;
}

bool gt_profile_add_model_cap(gt_profile *p, const char *model, double max)
{
    if (!model || !*model || !(max >= 1 && max <= 1e6) || max != floor(max)) return false;
    gt_model_cap *e = grow(&p->model_caps, &p->n_model_caps, sizeof *e);
    if (e) *e = (gt_model_cap){gt_strdup(model), (int)max};
    return true;
}

void gt_profile_add_state(gt_profile *p, const char *provider_state, gt_remote_state state, gt_kind kind,
                          const char *stage, long grace_ms)
{
    gt_state_entry *e = grow(&p->states, &p->n_states, sizeof *e);
    if (e) *e = (gt_state_entry){gt_strdup(provider_state), state, kind, gt_strdup(stage), grace_ms};
}

void gt_profile_add_code(gt_profile *p, gt_code_table table, const char *code, gt_kind kind, const char *stage,
                         gt_retryable retryable)
{
    gt_code_list *list = &p->codes[table];
    gt_code_entry *e = grow(&list->items, &list->n, sizeof *e);
    if (e) *e = (gt_code_entry){gt_strdup(code), kind, gt_strdup(stage), retryable};
}

void gt_profile_add_status(gt_profile *p, long status, gt_kind kind, const char *stage)
{
    gt_status_entry *e = grow(&p->statuses, &p->n_statuses, sizeof *e);
    if (e) *e = (gt_status_entry){status, kind, gt_strdup(stage)};
}

static const char *const remote_state_names[] = {"unknown", "pending", "running", "succeeded", "failed", "cancelled"};

gt_remote_state gt_remote_state_from_name(const char *name)
{
    for (int i = 1; name && i <= GT_REMOTE_CANCELLED; i++)
        if (strcmp(remote_state_names[i], name) == 0) return (gt_remote_state)i;
    return GT_REMOTE_UNKNOWN;
}

const char *gt_remote_state_name(gt_remote_state state)
{
    return remote_state_names[state];
}

const char *gt_profile_request_id_header(const gt_profile *p, size_t i)
{
    return i < p->request_id_headers.n ? p->request_id_headers.items[i] : NULL;
}

/* Providers vary the case of their states and codes (APIXO: SensitiveContent beside
 * outputimagesensitivecontentdetected): every lookup ignores case. */
const gt_state_entry *gt_profile_state(const gt_profile *p, const char *provider_state)
{
    for (size_t i = 0; provider_state && i < p->n_states; i++)
        if (strcasecmp(p->states[i].name, provider_state) == 0) return &p->states[i];
    return NULL;
}

/* A code entry ending in '*' stands for every code it begins (Runway's "SAFETY.INPUT.*" for
 * SAFETY.INPUT.TEXT and SAFETY.INPUT.IMAGE): an exact entry wins, then the longest such prefix. */
const gt_code_entry *gt_profile_code(const gt_profile *p, gt_code_table table, const char *code)
{
    const gt_code_list *list = &p->codes[table];
    const gt_code_entry *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; code && i < list->n; i++) {
        const char *entry = list->items[i].code;
        size_t len = strlen(entry);
        if (len > 0 && entry[len - 1] == '*') {
            if (len - 1 >= best_len && strncasecmp(entry, code, len - 1) == 0) {
                best = &list->items[i];
                best_len = len - 1;
            }
        } else if (strcasecmp(entry, code) == 0) {
            return &list->items[i];
        }
    }
    return best;
}

static bool contains_ignoring_case(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    for (; *haystack; haystack++)
        if (strncasecmp(haystack, needle, n) == 0) return true;
    return n == 0;
}

const gt_code_entry *gt_profile_message_code(const gt_profile *p, const char *message)
{
    const gt_code_list *list = &p->codes[GT_CODES_MESSAGE];
    for (size_t i = 0; message && i < list->n; i++)
        if (contains_ignoring_case(message, list->items[i].code)) return &list->items[i];
    return NULL;
}

const gt_status_entry *gt_profile_status(const gt_profile *p, long status)
{
    for (size_t i = 0; i < p->n_statuses; i++)
        if (p->statuses[i].status == status) return &p->statuses[i];
    return NULL;
}
