#include "exchange.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "dialect.h"
#include "hash.h"
#include "ids.h"
#include "store.h"

#define JSON_CONTENT_TYPE "application/json"
#define HEADERS_MAX 8
#define REQUEST_ID_HEX 24
#define RETRY_AFTER_MS_HEADER "retry-after-ms"
#define IDEMPOTENCY_KEY_HEADER "Idempotency-Key"

void exchange_begin(struct exchange *exchange, struct request *request, const struct dialect *dialect,
                    const struct route *route)
{
    *exchange = (struct exchange){
        .request = request,
        .dialect = dialect,
        .route = route,
        .attempt = 1,
    };
    scenario_init(&exchange->scenario, dialect->scenario_dialect);
}

void exchange_submit_arrived(struct exchange *exchange)
{
    struct request *request = exchange->request;
    uint64_t hash = hash_string(HASH_SEED, exchange->dialect->name);
    hash = hash_string(hash, request->path);
    /* FLORA takes the idempotency key from this header too: it is part of what was asked */
    const char *key = request_header(request, IDEMPOTENCY_KEY_HEADER);
    hash = hash_bytes(hash, key ? "k" : "-", 1);
    if (key != NULL) hash = hash_string(hash, key);
    if (request->body != NULL) hash = hash_bytes(hash, request->body, request->body_length);
    store_submit_arrived(request->sim->store, exchange->dialect->name, hash, sim_clock_ms(), &request->submit);
    exchange->attempt = request->submit.number;
}

/* The headers for one reply: the caller's, then the dialect's own request id, unless the caller
 * already set that header (echo-key does, to quote the key in it). `id` holds the id's text. */
struct reply_headers {
    struct reply_header list[HEADERS_MAX];
    size_t count;
    char id[REQUEST_ID_HEX + 8];
};

static void add_header(struct reply_headers *headers, const char *name, const char *value)
{
    if (headers->count < HEADERS_MAX - 1) headers->list[headers->count++] = (struct reply_header){name, value};
}

static void add_request_id(const struct exchange *exchange, struct reply_headers *headers)
{
    const char *id_header = exchange->dialect->request_id_header;
    if (id_header == NULL) return;
    for (size_t i = 0; i < headers->count; i++)
        if (strcasecmp(headers->list[i].name, id_header) == 0) return;
    memcpy(headers->id, "req_", 4);
    ids_random_hex(headers->id + 4, REQUEST_ID_HEX);
    headers->list[headers->count++] = (struct reply_header){id_header, headers->id};
}

static enum MHD_Result send_text(struct exchange *exchange, unsigned status, const char *text,
                                 struct reply_headers *headers)
{
    add_request_id(exchange, headers);
    return reply_text_with_headers(exchange->request->connection, status, JSON_CONTENT_TYPE, text, headers->list,
                                   headers->count);
}

static enum MHD_Result send_json(struct exchange *exchange, unsigned status, const cJSON *body,
                                 struct reply_headers *headers)
{
    char *text = cJSON_PrintUnformatted(body);
    if (text == NULL) return MHD_NO;
    enum MHD_Result result = send_text(exchange, status, text, headers);
    cJSON_free(text);
    return result;
}

enum MHD_Result exchange_reply_json(struct exchange *exchange, unsigned status, const cJSON *body)
{
    struct reply_headers headers = {.count = 0};
    return send_json(exchange, status, body, &headers);
}

enum MHD_Result exchange_reply_text(struct exchange *exchange, unsigned status, const char *text,
                                    const struct reply_header *header)
{
    struct reply_headers headers = {.count = 0};
    if (header != NULL) add_header(&headers, header->name, header->value);
    return send_text(exchange, status, text, &headers);
}

enum MHD_Result exchange_reply_fault(struct exchange *exchange, enum body_fault fault,
                                     const struct fault_bodies *bodies)
{
    struct reply_headers headers = {.count = 0};
    add_request_id(exchange, &headers);
    return reply_body_fault(exchange->request->connection, fault, bodies, headers.list, headers.count);
}

static cJSON *error_body_for(const struct exchange *exchange, const struct refusal *refusal)
{
    const struct error_word word = error_words_find(&exchange->dialect->errors, refusal->status, refusal->code);
    const struct error_answer answer = {
        .status = refusal->status,
        .code = word.code,
        .message = refusal->message ? refusal->message : word.message,
        .documented = refusal->message == NULL,
        .location = refusal->location,
    };
    return exchange->dialect->error_body(exchange, &answer);
}

cJSON *exchange_error_body(const struct exchange *exchange, unsigned status, const char *code, const char *message)
{
    return error_body_for(exchange, &(struct refusal){status, code, message, NULL, NULL});
}

/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") at least `seconds` from now: the next whole
 * second plus `seconds`, so that a client that subtracts the current time never waits less. */
static void http_date_in(unsigned seconds, char *out, size_t size)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t when = (time_t)((sim_clock_unix_ms() + 999) / 1000 + seconds);
    struct tm tm;
    if (gmtime_r(&when, &tm) == NULL) {
        snprintf(out, size, "%u", seconds);
        return;
    }
    snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Retry-After and retry-after-ms on a 429, where the dialect sends them or the words ask. */
static void add_retry_after(const struct exchange *exchange, struct reply_headers *headers, char *retry_after,
                            size_t retry_after_size, char *retry_after_ms, size_t retry_after_ms_size)
{
    const struct scenario *scenario = &exchange->scenario;
    if (!exchange->dialect->retry_after_header && !scenario->retry_after_header) return;
    if (scenario_sends_retry_after(scenario)) {
        if (scenario->retry_after_date) http_date_in(scenario->retry_after_s, retry_after, retry_after_size);
        else snprintf(retry_after, retry_after_size, "%u", scenario->retry_after_s);
        add_header(headers, MHD_HTTP_HEADER_RETRY_AFTER, retry_after);
    }
    if (scenario->retry_after_ms_given) {
        snprintf(retry_after_ms, retry_after_ms_size, "%u", scenario->retry_after_ms);
        add_header(headers, RETRY_AFTER_MS_HEADER, retry_after_ms);
    }
}

static enum MHD_Result refuse_with_header(struct exchange *exchange, struct refusal *refusal,
                                          const struct reply_header *extra)
{
    cJSON *body = refusal->body ? refusal->body : error_body_for(exchange, refusal);
    refusal->body = NULL;
    if (body == NULL) return MHD_NO;
    struct reply_headers headers = {.count = 0};
    char retry_after[64], retry_after_ms[24];
    if (refusal->status == MHD_HTTP_TOO_MANY_REQUESTS)
        add_retry_after(exchange, &headers, retry_after, sizeof retry_after, retry_after_ms, sizeof retry_after_ms);
    if (extra != NULL) add_header(&headers, extra->name, extra->value);
    enum MHD_Result result = send_json(exchange, refusal->status, body, &headers);
    cJSON_Delete(body);
    return result;
}

enum MHD_Result exchange_refuse(struct exchange *exchange, struct refusal *refusal)
{
    return refuse_with_header(exchange, refusal, NULL);
}

enum MHD_Result exchange_reply_error(struct exchange *exchange, unsigned status, const char *code, const char *message)
{
    return exchange_refuse(exchange, &(struct refusal){status, code, message, NULL, NULL});
}

enum MHD_Result exchange_reply_no_endpoint(struct exchange *exchange)
{
    const struct dialect *dialect = exchange->dialect;
    char message[256];
    const char *format = dialect->no_endpoint.format ? dialect->no_endpoint.format : "No endpoint %s %.200s";
    snprintf(message, sizeof message, format, exchange->request->method, exchange->request->path);
    return exchange_reply_error(exchange, MHD_HTTP_NOT_FOUND, dialect->no_endpoint.code, message);
}

enum MHD_Result exchange_reply_wrong_method(struct exchange *exchange, const char *allowed)
{
    char message[256];
    snprintf(message, sizeof message, "Method %.20s is not allowed here; use %s", exchange->request->method, allowed);
    const struct reply_header allow = {MHD_HTTP_HEADER_ALLOW, allowed};
    struct refusal refusal = {MHD_HTTP_METHOD_NOT_ALLOWED, exchange->dialect->wrong_method_code, message, NULL, NULL};
    return refuse_with_header(exchange, &refusal, &allow);
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
