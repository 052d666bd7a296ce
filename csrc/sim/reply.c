#include "reply.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define JSON_CONTENT_TYPE "application/json"
#define STREAM_BLOCK_SIZE (64 * 1024)

static _Thread_local struct reply_watch *current_watch;

void reply_watch_begin(struct reply_watch *watch)
{
    current_watch = watch;
}

void reply_watch_end(void)
{
    current_watch = NULL;
}

enum MHD_Result reply_watch_release(struct reply_watch *watch)
{
    struct MHD_Response *response = watch->held;
    if (response == NULL) return MHD_NO;
    watch->held = NULL;
    enum MHD_Result result = MHD_queue_response(watch->connection, watch->status, response);
    MHD_destroy_response(response);
    return result;
}

void reply_watch_discard(struct reply_watch *watch)
{
    if (watch->held != NULL) MHD_destroy_response(watch->held);
    watch->held = NULL;
}

static enum MHD_Result queue_and_release(struct MHD_Connection *connection, unsigned status,
                                         struct MHD_Response *response, const struct reply_header *headers,
                                         size_t header_count, const char *content_type)
{
    if (response == NULL) return MHD_NO;
    if (content_type != NULL) MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    for (size_t i = 0; i < header_count; i++) MHD_add_response_header(response, headers[i].name, headers[i].value);
    struct reply_watch *watch = current_watch;
    if (watch != NULL && watch->connection == connection) {
        watch->status = status;
        if (watch->hold && watch->held == NULL) {
            watch->held = response; /* our reference, until reply_watch_release */
            return MHD_YES;
        }
    }
    enum MHD_Result result = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return result;
}

static enum MHD_Result reply_json_with_headers(struct MHD_Connection *connection, unsigned status, const cJSON *body,
                                               const struct reply_header *headers, size_t header_count)
{
    char *text = cJSON_PrintUnformatted(body);
    if (text == NULL) return MHD_NO;
    /* MHD_RESPMEM_MUST_FREE hands the buffer to free(), which is what cJSON allocated it with. */
    struct MHD_Response *response = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (response == NULL) free(text);
    return queue_and_release(connection, status, response, headers, header_count, JSON_CONTENT_TYPE);
}

enum MHD_Result reply_json(struct MHD_Connection *connection, unsigned status, const cJSON *body)
{
    return reply_json_with_headers(connection, status, body, NULL, 0);
}

enum MHD_Result reply_error(struct MHD_Connection *connection, unsigned status, const char *type, const char *code,
                            const char *message, const struct reply_header *headers, size_t header_count)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(body, "error");
    cJSON_AddStringToObject(error, "message", message);
    cJSON_AddStringToObject(error, "type", type);
    cJSON_AddStringToObject(error, "code", code);
    enum MHD_Result result = reply_json_with_headers(connection, status, body, headers, header_count);
    cJSON_Delete(body);
    return result;
}

enum MHD_Result reply_text_with_headers(struct MHD_Connection *connection, unsigned status, const char *content_type,
                                        const char *text, const struct reply_header *headers, size_t header_count)
{
    struct MHD_Response *response = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    return queue_and_release(connection, status, response, headers, header_count, content_type);
}

enum MHD_Result reply_text(struct MHD_Connection *connection, unsigned status, const char *content_type,
                           const char *text)
{
    return reply_text_with_headers(connection, status, content_type, text, NULL, 0);
}

/* --- truncated: a Content-Length that the body never reaches --- */

struct truncated_body {
    size_t sent_limit;
    char text[];
};

static ssize_t read_truncated(void *cls, uint64_t position, char *buffer, size_t max)
{
    const struct truncated_body *body = cls;
    if (position >= body->sent_limit) return MHD_CONTENT_READER_END_WITH_ERROR; /* MHD closes the connection mid-body */
    size_t length = body->sent_limit - (size_t)position;
    if (length > max) length = max;
    memcpy(buffer, body->text + position, length);
    return (ssize_t)length;
}

enum MHD_Result reply_bytes(struct MHD_Connection *connection, unsigned status, const char *content_type,
                            const void *data, size_t length, uint64_t declared, size_t sent_limit,
                            const struct reply_header *headers, size_t header_count)
{
    struct truncated_body *body = malloc(sizeof *body + length + 1);
    if (body == NULL) return MHD_NO;
    memcpy(body->text, data, length);
    body->text[length] = '\0';
    body->sent_limit = sent_limit < length ? sent_limit : length;
    struct MHD_Response *response = MHD_create_response_from_callback(declared, STREAM_BLOCK_SIZE, read_truncated, body,
                                                                      free);
    if (response == NULL) free(body);
    return queue_and_release(connection, status, response, headers, header_count, content_type);
}

static enum MHD_Result reply_truncated(struct MHD_Connection *connection, const char *text,
                                       const struct reply_header *headers, size_t header_count)
{
    size_t length = strlen(text);
    /* A body shorter than two bytes cannot be cut in half; promise more than it has instead. */
    uint64_t declared = length >= 2 ? length : length / 2 + 16;
    return reply_bytes(connection, MHD_HTTP_OK, JSON_CONTENT_TYPE, text, length, declared, length / 2, headers,
                       header_count);
}

/* --- huge: 64 MiB generated on the fly, never held in memory --- */

#define HUGE_BODY_SIZE ((uint64_t)64 * 1024 * 1024)
static const char huge_prefix[] = "{\"id\":\"task-unified-huge\",\"status\":\"pending\",\"padding\":\"";
static const char huge_suffix[] = "\"}";

static void copy_overlap(char *buffer, uint64_t position, size_t length, const char *piece, size_t piece_length,
                         uint64_t piece_position)
{
    uint64_t start = position > piece_position ? position : piece_position;
    uint64_t end = position + length;
    if (piece_position + piece_length < end) end = piece_position + piece_length;
    if (start < end) memcpy(buffer + (start - position), piece + (start - piece_position), end - start);
}

static ssize_t read_huge(void *cls, uint64_t position, char *buffer, size_t max)
{
    (void)cls;
    if (position >= HUGE_BODY_SIZE) return MHD_CONTENT_READER_END_OF_STREAM;
    size_t length = max;
    if (HUGE_BODY_SIZE - position < length) length = (size_t)(HUGE_BODY_SIZE - position);
    memset(buffer, 'x', length);
    copy_overlap(buffer, position, length, huge_prefix, sizeof huge_prefix - 1, 0);
    copy_overlap(buffer, position, length, huge_suffix, sizeof huge_suffix - 1,
                 HUGE_BODY_SIZE - (sizeof huge_suffix - 1));
    return (ssize_t)length;
}

static enum MHD_Result reply_huge(struct MHD_Connection *connection, const struct reply_header *headers,
                                  size_t header_count)
{
    struct MHD_Response *response = MHD_create_response_from_callback(HUGE_BODY_SIZE, STREAM_BLOCK_SIZE, read_huge,
                                                                      NULL, NULL);
    return queue_and_release(connection, MHD_HTTP_OK, response, headers, header_count, JSON_CONTENT_TYPE);
}

static enum MHD_Result reply_constant(struct MHD_Connection *connection, unsigned status, const char *content_type,
                                      const char *text, const struct reply_header *headers, size_t header_count)
{
    struct MHD_Response *response = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    return queue_and_release(connection, status, response, headers, header_count, content_type);
}

/* The titles of Cloudflare's 5xx pages
 * (https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/). */
static const char *const cdn_titles[] = {
    "Web server is returning an unknown error", /* 520 */
    "Web server is down",                       /* 521 */
    "Connection timed out",                     /* 522 */
    "Origin is unreachable",                    /* 523 */
    "A timeout occurred",                       /* 524 */
    "SSL handshake failed",                     /* 525 */
    "Invalid SSL certificate",                  /* 526 */
};

enum MHD_Result reply_cdn_page(struct MHD_Connection *connection, unsigned status)
{
    if (status < 520 || status > 526) return MHD_NO;
    const char *title = cdn_titles[status - 520];
    char page[1024];
    snprintf(page, sizeof page,
             "<!DOCTYPE html>\n<html lang=\"en-US\">\n<head><title>gentask-sim | %u: %s</title></head>\n"
             "<body><div id=\"cf-error-details\"><h1><span>%s</span> <span>Error code %u</span></h1>\n"
             "<p>Cloudflare Ray ID: <strong>8e2f6c1a9b3d4e5f</strong></p></div></body>\n</html>\n",
             status, title, title, status);
    const struct reply_header headers[] = {{"Server", "cloudflare"}, {"CF-RAY", "8e2f6c1a9b3d4e5f-AMS"}};
    return reply_text_with_headers(connection, status, "text/html; charset=UTF-8", page, headers,
                                   sizeof headers / sizeof headers[0]);
}

static const char bad_gateway_html[] = "<html><body><h1>502 Bad Gateway</h1></body></html>";

enum MHD_Result reply_body_fault(struct MHD_Connection *connection, enum body_fault fault,
                                 const struct fault_bodies *bodies, const struct reply_header *headers,
                                 size_t header_count)
{
    switch (fault) {
    case BODY_FAULT_TRUNCATED: return reply_truncated(connection, bodies->normal, headers, header_count);
    case BODY_FAULT_HUGE: return reply_huge(connection, headers, header_count);
    case BODY_FAULT_HTML:
        return reply_constant(connection, MHD_HTTP_BAD_GATEWAY, "text/html", bad_gateway_html, headers, header_count);
    case BODY_FAULT_EMPTY: return reply_constant(connection, MHD_HTTP_OK, JSON_CONTENT_TYPE, "", headers, header_count);
    case BODY_FAULT_NOT_OBJECT:
        return reply_constant(connection, MHD_HTTP_OK, JSON_CONTENT_TYPE, "[1,2,3]", headers, header_count);
    case BODY_FAULT_NONE:
    case BODY_FAULT_MALFORMED:
    case BODY_FAULT_WRONG_TYPES:
    case BODY_FAULT_NO_ID:
    case BODY_FAULT_UNKNOWN_STATE: break;
    }
    const char *body = fault != BODY_FAULT_NONE && bodies->broken ? bodies->broken : bodies->normal;
    return reply_text_with_headers(connection, MHD_HTTP_OK, JSON_CONTENT_TYPE, body, headers, header_count);
}
