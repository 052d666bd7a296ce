#include "dialect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "ids.h"

#define JSON_CONTENT_TYPE "application/json"
#define HEADERS_MAX 8
#define REQUEST_ID_HEX 24
#define RETRY_AFTER_MS_HEADER "retry-after-ms"
#define IDEMPOTENCY_KEY_HEADER "Idempotency-Key"

void exchange_begin(struct exchange *exchange, struct request *request,
                    const struct dialect *dialect)
{
    exchange->request = request;
    exchange->dialect = dialect;
    exchange->envelope_code = 0;
    exchange->attempt = 1;
    exchange->api_key = NULL;
    scenario_init(&exchange->scenario, dialect->scenario_dialect);
}

/* FNV-1a, 64 bits: enough to tell apart the submits of any test run. */
static uint64_t hash_bytes(uint64_t hash, const void *data, size_t length)
{
    const unsigned char *bytes = data;
    for (size_t i = 0; i < length; i++)
        hash = (hash ^ bytes[i]) * 0x100000001b3ULL;
    return hash;
}

/* Strings with their NUL, so that the fields cannot run into one another. */
static uint64_t hash_string(uint64_t hash, const char *text)
{
    return hash_bytes(hash, text, strlen(text) + 1);
}

void exchange_submit_arrived(struct exchange *exchange)
{
    struct request *request = exchange->request;
    uint64_t hash = 0xcbf29ce484222325ULL;
    hash = hash_string(hash, exchange->dialect->name);
    hash = hash_string(hash, request->path);
    /* FLORA takes the idempotency key from this header too: it is part of what was asked */
    const char *key = request_header(request, IDEMPOTENCY_KEY_HEADER);
    hash = hash_bytes(hash, key ? "k" : "-", 1);
    if (key != NULL)
        hash = hash_string(hash, key);
    if (request->body != NULL)
        hash = hash_bytes(hash, request->body, request->body_length);
    store_submit_arrived(request->sim->store, exchange->dialect->name, hash, sim_clock_ms(),
                         &request->submit);
    exchange->attempt = request->submit.number;
}

void exchange_read_scenario_header(struct exchange *exchange)
{
    scenario_read_words(&exchange->scenario, request_header(exchange->request, SCENARIO_HEADER));
}

/* The caller's headers plus the dialect's own: a fresh request id unless the caller already set
 * that header (echo-key does, to quote the key in it). `id` holds the id's text. */
static size_t add_dialect_headers(const struct exchange *exchange,
                                  const struct reply_header *headers, size_t header_count,
                                  struct reply_header out[HEADERS_MAX],
                                  char id[REQUEST_ID_HEX + 8])
{
    const char *id_header = exchange->dialect->request_id_header;
    bool has_id = false;
    size_t count = 0;
    for (size_t i = 0; i < header_count && count < HEADERS_MAX - 1; i++) {
        out[count++] = headers[i];
        if (id_header != NULL && strcasecmp(headers[i].name, id_header) == 0)
            has_id = true;
    }
    if (id_header != NULL && !has_id) {
        memcpy(id, "req_", 4);
        ids_random_hex(id + 4, REQUEST_ID_HEX);
        out[count++] = (struct reply_header){ id_header, id };
    }
    return count;
}

static enum MHD_Result send_text(struct exchange *exchange, unsigned status, const char *text,
                                 const struct reply_header *headers, size_t header_count)
{
    struct reply_header all[HEADERS_MAX];
    char id[REQUEST_ID_HEX + 8];
    size_t count = add_dialect_headers(exchange, headers, header_count, all, id);
    return reply_text_with_headers(exchange->request->connection, status, JSON_CONTENT_TYPE, text,
                                   all, count);
}

enum MHD_Result exchange_reply_json(struct exchange *exchange, unsigned status, const cJSON *body,
                                    const struct reply_header *headers, size_t header_count)
{
    char *text = cJSON_PrintUnformatted(body);
    if (text == NULL)
        return MHD_NO;
    enum MHD_Result result = send_text(exchange, status, text, headers, header_count);
    cJSON_free(text);
    return result;
}

/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") at least `seconds` from now: the next whole
 * second plus `seconds`, so that a client that subtracts the current time never waits less. */
static void http_date_in(unsigned seconds, char *out, size_t size)
{
    static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    time_t when = (time_t)((sim_clock_unix_ms() + 999) / 1000 + seconds);
    struct tm tm;
    if (gmtime_r(&when, &tm) == NULL) {
        snprintf(out, size, "%u", seconds);
        return;
    }
    snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static enum MHD_Result reply_error_with_header(struct exchange *exchange, unsigned status,
                                               const char *variant, const char *message,
                                               const struct reply_header *extra)
{
    cJSON *body = exchange->dialect->error_body(exchange, status, variant ? variant : "",
                                                message);
    if (body == NULL)
        return MHD_NO;
    struct reply_header headers[3];
    size_t header_count = 0;
    char retry_after[64], retry_after_ms[24];
    const struct scenario *scenario = &exchange->scenario;
    if (status == MHD_HTTP_TOO_MANY_REQUESTS
        && (exchange->dialect->retry_after_header || scenario->retry_after_header)) {
        if (scenario_sends_retry_after(scenario)) {
            if (scenario->retry_after_date)
                http_date_in(scenario->retry_after_s, retry_after, sizeof retry_after);
            else
                snprintf(retry_after, sizeof retry_after, "%u", scenario->retry_after_s);
            headers[header_count++] =
                (struct reply_header){ MHD_HTTP_HEADER_RETRY_AFTER, retry_after };
        }
        if (scenario->retry_after_ms_given) {
            snprintf(retry_after_ms, sizeof retry_after_ms, "%u", scenario->retry_after_ms);
            headers[header_count++] =
                (struct reply_header){ RETRY_AFTER_MS_HEADER, retry_after_ms };
        }
    }
    if (extra != NULL)
        headers[header_count++] = *extra;
    enum MHD_Result result = exchange_reply_json(exchange, status, body, headers, header_count);
    cJSON_Delete(body);
    return result;
}

enum MHD_Result exchange_reply_error(struct exchange *exchange, unsigned status,
                                     const char *variant, const char *message)
{
    return reply_error_with_header(exchange, status, variant, message, NULL);
}

enum MHD_Result exchange_reply_no_endpoint(struct exchange *exchange)
{
    char message[256];
    snprintf(message, sizeof message, "No endpoint %s %.200s", exchange->request->method,
             exchange->request->path);
    return exchange_reply_error(exchange, MHD_HTTP_NOT_FOUND, "", message);
}

enum MHD_Result exchange_reply_wrong_method(struct exchange *exchange, const char *allowed)
{
    char message[256];
    snprintf(message, sizeof message, "Method %.20s is not allowed here; use %s",
             exchange->request->method, allowed);
    const struct reply_header allow = { MHD_HTTP_HEADER_ALLOW, allowed };
    return reply_error_with_header(exchange, MHD_HTTP_METHOD_NOT_ALLOWED, "", message, &allow);
}

/* Quotes the received key back, as careless servers do in their error messages and request ids:
 * a test can then prove that the client redacts the secret from everything it reports, however
 * the echo is spelled or wherever in the body it falls. */
static enum MHD_Result reply_echoing_key(struct exchange *exchange, const char *key_label,
                                         const char *key)
{
    static const char lead[] = "Invalid request; received ";
    enum echo_key_form form = exchange->scenario.echo_key;
    key = key ? key : "";
    size_t padding = form == ECHO_KEY_DEEP ? 500 : 0;
    size_t size = sizeof lead + strlen(key_label) + 2 + padding + strlen(key);
    char *message = malloc(size), *request_id = malloc(strlen(key) + 4);
    cJSON *body = NULL;
    char *printed = NULL, *escaped = NULL;
    enum MHD_Result result = MHD_NO;
    if (message == NULL || request_id == NULL)
        goto done;
    snprintf(message, size, "%s%s: %*s%s", lead, key_label, (int)padding, "", key);
    snprintf(request_id, strlen(key) + 4, "rq-%s", key);
    body = exchange->dialect->error_body(exchange, MHD_HTTP_BAD_REQUEST, "", message);
    printed = body ? cJSON_PrintUnformatted(body) : NULL;
    if (printed == NULL)
        goto done;
    /* JSON allows "\/" for '/', and PHP writes it that way: the client must see through it */
    escaped = malloc(2 * strlen(printed) + 1);
    if (escaped == NULL)
        goto done;
    char *w = escaped;
    for (const char *r = printed; *r; r++) {
        if (*r == '/' && form == ECHO_KEY_ESCAPED)
            *w++ = '\\';
        *w++ = *r;
    }
    *w = '\0';
    const struct reply_header header = { exchange->dialect->echo_header, request_id };
    result = send_text(exchange, MHD_HTTP_BAD_REQUEST, escaped, &header, 1);
done:
    cJSON_Delete(body);
    cJSON_free(printed);
    free(escaped);
    free(message);
    free(request_id);
    return result;
}

static enum MHD_Result reply_fault(struct exchange *exchange, enum body_fault fault,
                                   const struct fault_bodies *bodies)
{
    struct reply_header headers[HEADERS_MAX];
    char id[REQUEST_ID_HEX + 8];
    size_t count = add_dialect_headers(exchange, NULL, 0, headers, id);
    return reply_body_fault_with_headers(exchange->request->connection, fault, bodies, headers,
                                         count);
}

/* The key itself: the Authorization header holds "Bearer KEY". */
static const char *bare_key(const char *key)
{
    if (key != NULL && strncasecmp(key, "Bearer ", 7) == 0)
        for (key += 7; *key == ' '; key++)
            ;
    return key;
}

bool exchange_submit_refused(struct exchange *exchange, const char *key_label, const char *key,
                             enum MHD_Result *result)
{
    const struct scenario *scenario = &exchange->scenario;
    exchange->api_key = bare_key(key);
    if (scenario_window_covers(&scenario->first_reset, exchange->attempt))
        *result = MHD_NO;       /* dropped before anything was done: no task */
    else if (scenario_window_covers(&scenario->first_http, exchange->attempt))
        *result = exchange_reply_error(exchange, scenario->first_http_status,
                                       scenario->first_http_variant, NULL);
    else if (scenario->submit_http_status != 0)
        *result = exchange_reply_error(exchange, scenario->submit_http_status,
                                       scenario->submit_http_variant, NULL);
    else if (scenario->submit_body == BODY_FAULT_HTML)
        *result = reply_fault(exchange, BODY_FAULT_HTML, &(struct fault_bodies){ .normal = "" });
    else if (scenario->echo_key != ECHO_KEY_NONE)
        *result = reply_echoing_key(exchange, key_label, key);
    else
        return false;
    return true;
}

void exchange_new_task(const struct exchange *exchange, struct task *task)
{
    task->dialect = exchange->dialect->name;
    task->created_unix_ms = sim_clock_unix_ms();
    task->created_unix_s = task->created_unix_ms / 1000;
    task->submitted_ms = sim_clock_ms();
    task->duration_ms = exchange->scenario.duration_ms >= 0
                            ? exchange->scenario.duration_ms
                            : exchange->request->sim->default_duration_ms;
    task->scenario = exchange->scenario;
}

void exchange_admission(const struct exchange *exchange, struct store_admission *admission)
{
    *admission = (struct store_admission){
        .dialect = exchange->dialect->name,
        .api_key = exchange->api_key,
        .max_active = exchange->request->sim->max_active,
        .attempt = &exchange->request->submit,
    };
}

enum MHD_Result exchange_reply_busy(struct exchange *exchange)
{
    /* the limit's own Retry-After, whatever the submit's words asked for */
    struct scenario *scenario = &exchange->scenario;
    scenario->retry_after_s = 1;
    scenario->retry_after_omitted = false;
    scenario->retry_after_given = true;
    scenario->retry_after_date = false;
    scenario->retry_after_ms_given = false;
    scenario->retry_after_header = true;
    exchange->envelope_code = 0;
    return exchange_reply_error(exchange, MHD_HTTP_TOO_MANY_REQUESTS, "", NULL);
}

bool exchange_store_task(struct exchange *exchange, const struct task *task,
                         enum MHD_Result *result)
{
    struct store_admission admission;
    exchange_admission(exchange, &admission);
    switch (store_add_task(exchange->request->sim->store, task, NULL, &admission, NULL)) {
    case STORE_CREATED:
        return true;
    case STORE_BUSY:
        *result = exchange_reply_busy(exchange);
        return false;
    case STORE_REPLAYED:
    case STORE_CONFLICT:
    case STORE_NO_MEMORY:
        break;
    }
    *result = exchange_reply_error(exchange, MHD_HTTP_INTERNAL_SERVER_ERROR, "", NULL);
    return false;
}

/* submit-reset-after drops the answer (true, *result MHD_NO); submit-slow holds it back. */
static bool first_attempt_faults(struct exchange *exchange, enum MHD_Result *result)
{
    const struct scenario *scenario = &exchange->scenario;
    if (scenario_window_covers(&scenario->first_reset_after, exchange->attempt)) {
        *result = MHD_NO;
        return true;
    }
    if (scenario_window_covers(&scenario->submit_slow, exchange->attempt))
        request_answer_later(exchange->request, scenario->submit_slow_ms);
    return false;
}

enum MHD_Result exchange_reply_replayed(struct exchange *exchange, const cJSON *json)
{
    enum MHD_Result result;
    if (first_attempt_faults(exchange, &result))
        return result;
    return exchange_reply_json(exchange, MHD_HTTP_OK, json, NULL, 0);
}

/* The object that holds the last member of a dotted path, and that member's name. */
static cJSON *path_parent(cJSON *root, const char *path, const char **leaf)
{
    cJSON *node = root;
    const char *dot;
    while ((dot = strchr(path, '.')) != NULL) {
        char name[64];
        size_t length = (size_t)(dot - path);
        if (length >= sizeof name)
            return NULL;
        memcpy(name, path, length);
        name[length] = '\0';
        node = cJSON_GetObjectItemCaseSensitive(node, name);
        if (!cJSON_IsObject(node))
            return NULL;
        path = dot + 1;
    }
    *leaf = path;
    return node;
}

/* The body with one member removed or one replaced by a string, for the faults that damage it. */
static char *print_variant(const cJSON *json, const char *dropped, const char *replaced,
                           const char *replacement)
{
    cJSON *copy = cJSON_Duplicate(json, true);
    const char *leaf;
    cJSON *parent;
    if (dropped != NULL && (parent = path_parent(copy, dropped, &leaf)) != NULL)
        cJSON_DeleteItemFromObjectCaseSensitive(parent, leaf);
    /* A body without a state (BFL's and APIXO's submit answers) goes out unchanged. */
    if (replaced != NULL && (parent = path_parent(copy, replaced, &leaf)) != NULL
        && cJSON_GetObjectItemCaseSensitive(parent, leaf) != NULL)
        cJSON_ReplaceItemInObjectCaseSensitive(parent, leaf, cJSON_CreateString(replacement));
    char *text = copy ? cJSON_PrintUnformatted(copy) : NULL;
    cJSON_Delete(copy);
    return text;
}

enum MHD_Result exchange_reply_with_fault(struct exchange *exchange, const cJSON *json,
                                          enum body_fault fault, const struct fault_shape *shape)
{
    if (fault == BODY_FAULT_NONE)
        return exchange_reply_json(exchange, MHD_HTTP_OK, json, NULL, 0);

    char *normal = cJSON_PrintUnformatted(json);
    char *no_id =
        fault == BODY_FAULT_NO_ID ? print_variant(json, shape->id_field, NULL, NULL) : NULL;
    char *unknown_state = fault == BODY_FAULT_UNKNOWN_STATE
                              ? print_variant(json, NULL, shape->state_field, shape->unknown_state)
                              : NULL;
    const struct fault_bodies bodies = {
        .normal = normal ? normal : "{}",
        .malformed = shape->malformed,
        .wrong_types = shape->wrong_types,
        .no_id = no_id,
        .unknown_state = unknown_state,
    };
    enum MHD_Result result = reply_fault(exchange, fault, &bodies);
    cJSON_free(normal);
    cJSON_free(no_id);
    cJSON_free(unknown_state);
    return result;
}

enum MHD_Result exchange_reply_created(struct exchange *exchange, const cJSON *json,
                                       const struct fault_shape *shape)
{
    /* The task exists before any of these faults: a reset or a broken body after the provider
     * accepted the work is exactly the ambiguity a client must not paper over by resubmitting. */
    enum MHD_Result result;
    if (exchange->scenario.submit_reset)
        return MHD_NO;
    if (first_attempt_faults(exchange, &result))
        return result;
    enum body_fault fault = exchange->scenario.submit_body;
    unsigned created = exchange->dialect->created_status;
    if (fault == BODY_FAULT_NONE && created != 0)
        return exchange_reply_json(exchange, created, json, NULL, 0);
    return exchange_reply_with_fault(exchange, json, fault, shape);
}

bool exchange_poll_refused(struct exchange *exchange, const struct task *task,
                           enum MHD_Result *result)
{
    exchange->scenario = task->scenario;
    const struct scenario *scenario = &exchange->scenario;
    if (scenario_window_covers(&scenario->poll_reset, task->poll_number)) {
        *result = MHD_NO;
        return true;
    }
    /* whatever this poll answers, from here on, goes out late */
    if (scenario_window_covers(&scenario->poll_slow, task->poll_number))
        request_answer_later(exchange->request, scenario->poll_slow_ms);
    if (!scenario_window_covers(&scenario->poll_http, task->poll_number))
        return false;
    *result = exchange_reply_error(exchange, scenario->poll_http_status,
                                   scenario->poll_http_variant, NULL);
    return true;
}

enum MHD_Result exchange_reply_task(struct exchange *exchange, const struct task *task,
                                    const cJSON *json, const struct fault_shape *shape)
{
    enum body_fault fault = BODY_FAULT_NONE;
    if (scenario_window_covers(&task->scenario.poll_body_window, task->poll_number))
        fault = task->scenario.poll_body;
    return exchange_reply_with_fault(exchange, json, fault, shape);
}

struct task_progress task_progress_now(const struct task *task, int64_t now_ms)
{
    return lifecycle_at(task->submitted_ms, task->duration_ms, task->scenario.ending, now_ms);
}

void result_url(char *out, size_t size, unsigned port, const char *task_id, unsigned index)
{
    snprintf(out, size, "http://127.0.0.1:%u/files/%s-%u.png", port, task_id, index);
}

void respell_with_spaces(const char *code, const char *const *keep, char *out, size_t size)
{
    bool kept = false;
    for (size_t i = 0; keep != NULL && keep[i] != NULL && !kept; i++)
        kept = strcmp(keep[i], code) == 0;
    size_t i = 0;
    for (; code[i] != '\0' && i + 1 < size; i++)
        out[i] = (code[i] == '_' && !kept) ? ' ' : code[i];
    if (size > 0)
        out[i] = '\0';
}

const char *code_text_find(const struct code_text *table, size_t count, const char *code)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(table[i].code, code) == 0)
            return table[i].text;
    return NULL;
}

const char *json_string_member(const cJSON *object, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

bool bearer_key_accepted(const struct request *request)
{
    const char *header = request_header(request, MHD_HTTP_HEADER_AUTHORIZATION);
    if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
        return false;
    const char *key = header + 7;
    while (*key == ' ')
        key++;
    return sim_api_key_accepted(request->sim, key);
}
