/* FoxAPI: a unified task API with OpenAI-style errors (PROVIDERS.md §2, seed 001). EvoLink speaks
 * a near twin, so its extra failure codes are known here too. Mounted under /foxapi. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "clock.h"
#include "ids.h"
#include "lifecycle.h"
#include "reply.h"
#include "routes.h"
#include "scenario.h"
#include "store.h"

#define DIALECT "foxapi"

static const char image_task_object[] = "image.generation.task";
static const char video_task_object[] = "video.generation.task";

/* error.message of a failed task; the first seven are the seed's own descriptions. */
static const struct {
    const char *code;
    const char *message;
} failure_messages[] = {
    { "model_unavailable", "The requested model is temporarily unavailable" },
    { "content_policy_violation", "The input content violates content policies" },
    { "generation_failed", "The generation process failed" },
    { "timeout", "The task timed out" },
    { "invalid_image_url", "The provided image URL is inaccessible" },
    { "file_too_large", "The uploaded file exceeds size limits" },
    { "unsupported_format", "The file format is not supported" },
    /* EvoLink */
    { "invalid_parameters", "Invalid request parameters" },
    { "image_processing_error", "The input image could not be processed" },
    { "image_dimension_mismatch", "The input image dimensions do not match the request" },
    { "request_cancelled", "The request was cancelled" },
    { "generation_failed_no_content", "The generation finished without producing content" },
    { "service_error", "An internal service error occurred" },
    { "generation_timeout", "The generation timed out" },
    { "resource_exhausted", "Resources are temporarily exhausted, please retry later" },
    { "quota_exceeded", "The account quota has been exceeded" },
    { "service_unavailable", "The service is temporarily unavailable" },
    { "resource_not_found", "The requested resource was not found" },
    { "unknown_error", "An unknown error occurred" },
};

static const char *failure_message(const char *code)
{
    for (size_t i = 0; i < sizeof failure_messages / sizeof failure_messages[0]; i++)
        if (strcmp(failure_messages[i].code, code) == 0)
            return failure_messages[i].message;
    return "The task failed";
}

/* The error body for each HTTP status FoxAPI documents, and the codes its gateways use for 5xx. */
static const struct http_error {
    unsigned status;
    const char *type;
    const char *code;
    const char *message;
} http_errors[] = {
    { 400, "invalid_request_error", "invalid_parameters", "Invalid parameters" },
    { 401, "authentication_error", "invalid_api_key", "Invalid API key provided" },
    { 402, "invalid_request_error", "insufficient_balance", "Insufficient account balance" },
    { 403, "permission_error", "permission_denied", "API key lacks required permissions" },
    { 404, "not_found_error", "task_not_found", "Task not found" },
    { 429, "rate_limit_error", "rate_limit_exceeded", "Rate limit exceeded" },
    { 500, "server_error", "internal_error", "Server-side error, please retry later" },
    { 502, "server_error", "bad_gateway", "Bad gateway" },
    { 503, "server_error", "service_unavailable", "Service temporarily unavailable" },
    { 504, "server_error", "gateway_timeout", "Gateway timeout" },
};

static struct http_error http_error_for(unsigned status)
{
    for (size_t i = 0; i < sizeof http_errors / sizeof http_errors[0]; i++)
        if (http_errors[i].status == status)
            return http_errors[i];
    if (status >= 500)
        return (struct http_error){ status, "server_error", "server_error", "Server error" };
    return (struct http_error){ status, "invalid_request_error", "invalid_request",
                                "Invalid request" };
}

static enum MHD_Result reply_status(struct request *request, unsigned status,
                                    const struct scenario *scenario)
{
    struct http_error error = http_error_for(status);
    char retry_after[24];
    struct reply_header header = { MHD_HTTP_HEADER_RETRY_AFTER, retry_after };
    size_t header_count = 0;
    if (status == MHD_HTTP_TOO_MANY_REQUESTS) {
        snprintf(retry_after, sizeof retry_after, "%u", scenario ? scenario->retry_after_s : 1);
        header_count = 1;
    }
    return reply_error(request->connection, status, error.type, error.code, error.message,
                       &header, header_count);
}

static enum MHD_Result reply_invalid(struct request *request, const char *code,
                                     const char *message)
{
    return reply_error(request->connection, MHD_HTTP_BAD_REQUEST, "invalid_request_error", code,
                       message, NULL, 0);
}

/* Quotes the whole Authorization header back, as careless servers do in their error messages and
 * request ids: a test can then prove that the client redacts the secret from everything it
 * reports, however the echo is spelled or wherever in the body it falls. */
static enum MHD_Result reply_echoing_key(struct request *request, enum echo_key_form form)
{
    static const char lead[] = "Invalid request; received Authorization: ";
    const char *header = request_header(request, MHD_HTTP_HEADER_AUTHORIZATION);
    header = header ? header : "";
    size_t padding = form == ECHO_KEY_DEEP ? 500 : 0;
    size_t size = sizeof lead + padding + strlen(header);
    char *message = malloc(size), *request_id = malloc(strlen(header) + 4);
    cJSON *body = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(body, "error");
    char *printed = NULL, *escaped = NULL;
    enum MHD_Result result = MHD_NO;
    if (message == NULL || request_id == NULL || error == NULL)
        goto done;
    snprintf(message, size, "%s%*s%s", lead, (int)padding, "", header);
    snprintf(request_id, strlen(header) + 4, "rq-%s", header);
    cJSON_AddStringToObject(error, "message", message);
    cJSON_AddStringToObject(error, "type", "invalid_request_error");
    cJSON_AddStringToObject(error, "code", "invalid_parameters");
    printed = cJSON_PrintUnformatted(body);
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
    struct reply_header headers[] = { { "X-Request-Id", request_id } };
    result = reply_text_with_headers(request->connection, MHD_HTTP_BAD_REQUEST, "application/json",
                                     escaped, headers, 1);
done:
    cJSON_Delete(body);
    free(printed);
    free(escaped);
    free(message);
    free(request_id);
    return result;
}

static bool authorized(const struct request *request)
{
    const char *header = request_header(request, MHD_HTTP_HEADER_AUTHORIZATION);
    if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
        return false;
    const char *key = header + 7;
    while (*key == ' ')
        key++;
    return sim_api_key_accepted(request->sim, key);
}

static int64_t seconds_rounded_up(int64_t ms)
{
    return (ms + 999) / 1000;
}

static void add_result_urls(cJSON *json, const struct task *task, unsigned port)
{
    char url[160];
    if (task->scenario.shape == RESULT_SHAPE_OUTPUT) {
        cJSON *output = cJSON_AddObjectToObject(json, "output");
        cJSON *urls = cJSON_CreateArray();
        for (unsigned i = 0; i < task->scenario.result_count; i++) {
            snprintf(url, sizeof url, "http://127.0.0.1:%u/files/%s-%u.png", port, task->id, i);
            if (i == 0)
                cJSON_AddStringToObject(output, "url", url);
            cJSON_AddItemToArray(urls, cJSON_CreateString(url));
        }
        if (!cJSON_AddItemToObject(output, "urls", urls))
            cJSON_Delete(urls);
        return;
    }
    cJSON *results = cJSON_AddArrayToObject(json, "results");
    for (unsigned i = 0; i < task->scenario.result_count; i++) {
        snprintf(url, sizeof url, "http://127.0.0.1:%u/files/%s-%u.png", port, task->id, i);
        cJSON *result = cJSON_CreateObject();
        cJSON_AddStringToObject(result, "url", url);
        cJSON_AddItemToArray(results, result);
    }
}

static cJSON *task_json(const struct task *task, const struct task_progress *progress,
                        unsigned port)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "id", task->id);
    cJSON_AddStringToObject(json, "object", task->object_type);
    cJSON_AddNumberToObject(json, "created", (double)task->created_unix_s);
    cJSON_AddStringToObject(json, "model", task->model);
    cJSON_AddStringToObject(json, "status", task_phase_name(progress->phase));
    cJSON_AddNumberToObject(json, "progress", progress->percent);
    cJSON *info = cJSON_AddObjectToObject(json, "task_info");
    cJSON_AddBoolToObject(info, "can_cancel", !task_phase_is_final(progress->phase));
    cJSON_AddNumberToObject(info, "estimated_time",
                            (double)seconds_rounded_up(progress->remaining_ms));
    if (progress->phase == TASK_COMPLETED)
        add_result_urls(json, task, port);
    if (progress->phase == TASK_FAILED) {
        cJSON *error = cJSON_AddObjectToObject(json, "error");
        cJSON_AddStringToObject(error, "code", task->scenario.fail_code);
        cJSON_AddStringToObject(error, "message", failure_message(task->scenario.fail_code));
    }
    return json;
}

/* The task object with one field removed or its status replaced, for the faults that damage it. */
static char *print_variant(const cJSON *json, const char *dropped_field, const char *status)
{
    cJSON *copy = cJSON_Duplicate(json, true);
    if (dropped_field != NULL)
        cJSON_DeleteItemFromObjectCaseSensitive(copy, dropped_field);
    if (status != NULL)
        cJSON_ReplaceItemInObjectCaseSensitive(copy, "status", cJSON_CreateString(status));
    char *text = cJSON_PrintUnformatted(copy);
    cJSON_Delete(copy);
    return text;
}

/* Sends the task object, or the broken version of it that the scenario asks for. */
static enum MHD_Result reply_task(struct request *request, const cJSON *json,
                                  enum body_fault fault, const char *wrong_types)
{
    if (fault == BODY_FAULT_NONE)
        return reply_json(request->connection, MHD_HTTP_OK, json);

    char *normal = cJSON_PrintUnformatted(json);
    char *no_id = fault == BODY_FAULT_NO_ID ? print_variant(json, "id", NULL) : NULL;
    char *unknown_state =
        fault == BODY_FAULT_UNKNOWN_STATE ? print_variant(json, NULL, "sleeping") : NULL;
    const struct fault_bodies bodies = {
        .normal = normal ? normal : "{}",
        .malformed = "{\"id\": \"task-unified-",
        .wrong_types = wrong_types,
        .no_id = no_id,
        .unknown_state = unknown_state,
    };
    enum MHD_Result result = reply_body_fault(request->connection, fault, &bodies);
    cJSON_free(normal);
    cJSON_free(no_id);
    cJSON_free(unknown_state);
    return result;
}

static enum MHD_Result submit(struct request *request, const char *object_type)
{
    if (!request_method_is(request, MHD_HTTP_METHOD_POST))
        return reply_method_not_allowed(request, "POST");
    store_count_submission(request->sim->store);
    if (!authorized(request))
        return reply_status(request, MHD_HTTP_UNAUTHORIZED, NULL);

    cJSON *body = NULL;
    if (request->body != NULL)
        body = cJSON_ParseWithLength(request->body, request->body_length);
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        return reply_invalid(request, "invalid_json", "Request body must be a JSON object");
    }
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(body, "model");
    const cJSON *prompt = cJSON_GetObjectItemCaseSensitive(body, "prompt");

    struct task task = { .dialect = DIALECT, .object_type = object_type };
    scenario_init(&task.scenario);
    if (cJSON_IsString(prompt))
        scenario_read_prompt(&task.scenario, prompt->valuestring);
    scenario_read_words(&task.scenario, request_header(request, SCENARIO_HEADER));
    const struct scenario *scenario = &task.scenario;

    enum MHD_Result result;
    if (scenario->submit_http_status != 0) {
        result = reply_status(request, scenario->submit_http_status, scenario);
    } else if (scenario->submit_body == BODY_FAULT_HTML) {
        result = reply_body_fault(request->connection, BODY_FAULT_HTML,
                                  &(struct fault_bodies){ .normal = "" });
    } else if (scenario->echo_key) {
        result = reply_echoing_key(request, scenario->echo_key);
    } else if (!cJSON_IsString(model)) {
        result = reply_invalid(request, "invalid_parameters",
                               model ? "Parameter 'model' must be a string"
                                     : "Missing required parameter: 'model'");
    } else if (!cJSON_IsString(prompt)) {
        result = reply_invalid(request, "invalid_parameters",
                               prompt ? "Parameter 'prompt' must be a string"
                                      : "Missing required parameter: 'prompt'");
    } else {
        char random[17];
        ids_random_hex(random, 16);
        snprintf(task.id, sizeof task.id, "task-unified-%llu-%s",
                 (unsigned long long)ids_next_sequence(), random);
        task.model = model->valuestring;
        task.created_unix_s = sim_clock_unix_s();
        task.submitted_ms = sim_clock_ms();
        task.duration_ms = scenario->duration_ms >= 0 ? scenario->duration_ms
                                                      : request->sim->default_duration_ms;
        /* The task exists before any fault is applied: a reset or a broken body after the
         * provider accepted the work is exactly the ambiguity a client must not paper over by
         * resubmitting. */
        if (!store_add_task(request->sim->store, &task)) {
            result = reply_status(request, MHD_HTTP_INTERNAL_SERVER_ERROR, scenario);
        } else if (scenario->submit_reset) {
            result = MHD_NO;
        } else {
            const struct task_progress submitted = { TASK_PENDING, 0, task.duration_ms };
            cJSON *json = task_json(&task, &submitted, request->sim->port);
            result = reply_task(request, json, scenario->submit_body,
                                "{\"id\": 12345, \"status\": [\"x\"], \"progress\": \"lots\"}");
            cJSON_Delete(json);
        }
    }
    cJSON_Delete(body);
    return result;
}

static enum MHD_Result poll_task(struct request *request, const char *task_id)
{
    if (!request_method_is(request, MHD_HTTP_METHOD_GET))
        return reply_method_not_allowed(request, "GET, HEAD");
    struct store *store = request->sim->store;
    int64_t now_ms = sim_clock_ms();
    if (!authorized(request)) {
        store_record_poll(store, NULL, now_ms, NULL);
        return reply_status(request, MHD_HTTP_UNAUTHORIZED, NULL);
    }
    struct task task;
    if (!store_record_poll(store, task_id, now_ms, &task))
        return reply_status(request, MHD_HTTP_NOT_FOUND, NULL);

    const struct scenario *scenario = &task.scenario;
    enum MHD_Result result;
    if (scenario_window_covers(&scenario->poll_reset, task.poll_number)) {
        result = MHD_NO;
    } else if (scenario_window_covers(&scenario->poll_http, task.poll_number)) {
        result = reply_status(request, scenario->poll_http_status, scenario);
    } else {
        enum body_fault fault = BODY_FAULT_NONE;
        if (scenario_window_covers(&scenario->poll_body_window, task.poll_number))
            fault = scenario->poll_body;
        struct task_progress progress = lifecycle_at(task.submitted_ms, task.duration_ms,
                                                     scenario->ending, now_ms);
        cJSON *json = task_json(&task, &progress, request->sim->port);
        result = reply_task(request, json, fault,
                            "{\"id\": 7, \"status\": 42, \"progress\": \"lots\", "
                            "\"results\": \"nope\", \"error\": \"bad\"}");
        cJSON_Delete(json);
    }
    task_release(&task);
    return result;
}

static const char tasks_path[] = "/v1/tasks/";

enum MHD_Result foxapi_handle(struct request *request, const char *subpath)
{
    if (strcmp(subpath, "/v1/images/generations") == 0)
        return submit(request, image_task_object);
    if (strcmp(subpath, "/v1/videos/generations") == 0)
        return submit(request, video_task_object);
    if (strncmp(subpath, tasks_path, sizeof tasks_path - 1) == 0) {
        const char *task_id = subpath + sizeof tasks_path - 1;
        if (task_id[0] != '\0' && strchr(task_id, '/') == NULL)
            return poll_task(request, task_id);
    }
    return reply_not_found(request);
}
