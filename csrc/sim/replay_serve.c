/* Answering a request under a replay file's mount (replays.h decides which answer): the
 * documented response with the task's id and the simulator's own address put in, a real PNG for a
 * result, or the simulator's own 404 naming what it looked for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hash.h"
#include "jwt.h"
#include "png.h"
#include "replay_fill.h"
#include "replay_serve.h"
#include "replay_webhook.h"
#include "replays.h"

#define HEADERS_MAX 32

/* The response's headers filled in: every one but Content-Type, which reply_* take apart, goes
 * into sent (with room for the PNG's X-Sim-Sha256). */
struct headers {
    struct reply_header sent[HEADERS_MAX + 1];
    size_t sent_count;
    char *owned[HEADERS_MAX];
    size_t owned_count;
    const char *content_type; /* points into owned */
};

static void headers_free(struct headers *headers)
{
    for (size_t i = 0; i < headers->owned_count; i++) free(headers->owned[i]);
}

static bool headers_fill(struct headers *headers, const cJSON *response, const struct replay_fill *fill)
{
    const cJSON *member;
    cJSON_ArrayForEach(member, cJSON_GetObjectItemCaseSensitive(response, "headers"))
    {
        if (headers->owned_count == HEADERS_MAX) break;
        char *value = replay_fill_in(member->valuestring, fill);
        if (value == NULL) return false;
        headers->owned[headers->owned_count++] = value;
        if (strcasecmp(member->string, "Content-Type") == 0) headers->content_type = value;
        else headers->sent[headers->sent_count++] = (struct reply_header){member->string, value};
    }
    return true;
}

static enum MHD_Result reply_png(struct request *request, unsigned status, const struct replay_fill *fill,
                                 struct reply_header *headers, size_t count)
{
    uint64_t seed = hash_string(hash_string(HASH_SEED, fill->id), request->path);
    size_t length = 0;
    unsigned char *png = png_render(seed, &length);
    if (png == NULL) return MHD_NO;
    char sha256[65];
    png_sha256_hex(png, length, sha256);
    if (count < HEADERS_MAX) headers[count++] = (struct reply_header){"X-Sim-Sha256", sha256};
    enum MHD_Result result = reply_bytes(request->connection, status, "image/png", png, length, length, length, headers,
                                         count);
    free(png);
    return result;
}

static enum MHD_Result reply_response(struct request *request, const cJSON *response, const struct replay_fill *fill)
{
    unsigned status = (unsigned)cJSON_GetObjectItemCaseSensitive(response, "status")->valueint;
    struct headers headers = {0};
    if (!headers_fill(&headers, response, fill)) {
        headers_free(&headers);
        return MHD_NO;
    }
    enum MHD_Result result = MHD_NO;
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(response, "body");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(response, "png"))) {
        result = reply_png(request, status, fill, headers.sent, headers.sent_count);
    } else {
        /* a string is the body's own text; anything else is JSON, printed as the docs show it */
        char *printed = body == NULL || cJSON_IsString(body) ? NULL : cJSON_PrintUnformatted(body);
        const char *template = printed ? printed : cJSON_IsString(body) ? body->valuestring : "";
        char *text = replay_fill_in(template, fill);
        const char *type = headers.content_type ? headers.content_type : printed ? "application/json" : NULL;
        if (text != NULL)
            result = reply_text_with_headers(request->connection, status, type, text, headers.sent, headers.sent_count);
        free(text);
        cJSON_free(printed);
    }
    headers_free(&headers);
    return result;
}

/* The simulator's own answer when the file has none: what was asked, in which scenario, and what
 * the scenario's exchanges would have matched. */
static enum MHD_Result reply_unmatched(struct request *request, const struct replay_file *file,
                                       const struct replay_answer *answer, const char *subpath)
{
    bool unknown_scenario = answer->kind == REPLAY_UNKNOWN_SCENARIO;
    cJSON *body = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(body, "error");
    char message[512];
    if (unknown_scenario)
        snprintf(message, sizeof message, "replay %s has no scenario \"%s\"", file->name, answer->scenario);
    else if (answer->id[0] != '\0' && answer->tried == NULL)
        snprintf(message, sizeof message, "replay %s handed out no task \"%.128s\" (%.16s %.200s)", file->name,
                 answer->id, request->method, subpath);
    else
        snprintf(message, sizeof message, "replay %s: no exchange of scenario \"%s\" or common matches %.16s %.200s",
                 file->name, answer->scenario, request->method, subpath);
    cJSON_AddStringToObject(error, "type", unknown_scenario ? "replay_unknown_scenario" : "replay_unmatched");
    cJSON_AddStringToObject(error, "message", message);
    cJSON_AddStringToObject(error, "replay", file->name);
    cJSON_AddStringToObject(error, "scenario", answer->scenario);
    cJSON_AddStringToObject(error, "method", request->method);
    cJSON_AddStringToObject(error, "path", subpath);
    cJSON *tried = cJSON_AddArrayToObject(error, unknown_scenario ? "scenarios" : "tried");
    for (size_t s = 0; unknown_scenario && s < file->scenario_count; s++)
        cJSON_AddItemToArray(tried, cJSON_CreateString(file->scenarios[s].name));
    for (int part = 0; !unknown_scenario && part < 2; part++) {
        const struct replay_scenario *scenario = part == 0 ? answer->tried : &file->common;
        for (size_t i = 0; scenario != NULL && i < scenario->count; i++) {
            char line[REPLAY_PATTERN_MAX + 32];
            const struct replay_exchange *exchange = &scenario->exchanges[i];
            snprintf(line, sizeof line, "%s %s", exchange->method ? exchange->method : "*", exchange->path);
            cJSON_AddItemToArray(tried, cJSON_CreateString(line));
        }
    }
    enum MHD_Result result = reply_json(request->connection,
                                        unknown_scenario ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_NOT_FOUND, body);
    cJSON_Delete(body);
    return result;
}

static const char *header_of(void *context, const char *name)
{
    return request_header(context, name);
}

static const char *query_of(void *context, const char *name)
{
    return request_query(context, name);
}

/* An auth value's {jwt}: a token the simulator's --jwt-issuer check takes (none without it). */
static bool token_accepted_of(void *context, const char *token)
{
    const struct request *request = context;
    return request->sim->jwt != NULL && sim_jwt_accepted(request->sim->jwt, token);
}

enum MHD_Result replay_handle(struct request *request, const struct replay_file *file, const char *subpath)
{
    cJSON *body_json = request->body ? cJSON_ParseWithLength(request->body, request->body_length) : NULL;
    struct replay_request asked = {
        .method = request->method,
        .path = subpath,
        .body = request->body,
        .body_json = body_json,
        .header = header_of,
        .query = query_of,
        .context = request,
        .keys = request->sim->api_keys,
        .key_count = request->sim->api_key_count,
        .token_accepted = token_accepted_of,
    };
    struct replay_answer answer;
    replays_answer(request->sim->replays, file, &asked, &answer);
    if (answer.response == NULL) {
        cJSON_Delete(body_json);
        return reply_unmatched(request, file, &answer, subpath);
    }
    struct replay_fill fill = {.id = answer.id};
    snprintf(fill.base, sizeof fill.base, "http://127.0.0.1:%u/%s", request->sim->port, file->name);
    snprintf(fill.elsewhere, sizeof fill.elsewhere, "http://localhost:%u/%s", request->sim->port, file->name);
    snprintf(fill.now, sizeof fill.now, "%lld", (long long)time(NULL));
    if (answer.kind == REPLAY_EXCHANGE && answer.exchange->webhook != NULL)
        replay_webhook_push(request, body_json, answer.exchange->webhook, &fill);
    cJSON_Delete(body_json);
    return reply_response(request, answer.response, &fill);
}
