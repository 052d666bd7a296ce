/* FoxAPI: a unified task API with OpenAI-style errors (PROVIDERS.md §2, seed 001). EvoLink speaks
 * a near twin, so its extra failure codes are known here too. Mounted under /foxapi. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "clock.h"
#include "dialect.h"
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

/* `{"error": {"message", "type", "code"}}`; a variant (http=400:invalid_json) replaces the code. */
static cJSON *error_body(const struct exchange *exchange, unsigned status, const char *variant,
                         const char *message)
{
    (void)exchange;
    struct http_error error = http_error_for(status);
    cJSON *body = cJSON_CreateObject();
    cJSON *fields = cJSON_AddObjectToObject(body, "error");
    cJSON_AddStringToObject(fields, "message", message ? message : error.message);
    cJSON_AddStringToObject(fields, "type", error.type);
    cJSON_AddStringToObject(fields, "code", variant[0] ? variant : error.code);
    return body;
}

static const struct dialect foxapi = {
    .name = DIALECT,
    .scenario_dialect = SCENARIO_FOXAPI,
    .retry_after_header = true,
    .echo_header = "X-Request-Id",
    .error_body = error_body,
};

static const char *authorization(const struct request *request)
{
    return request_header(request, MHD_HTTP_HEADER_AUTHORIZATION);
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
            result_url(url, sizeof url, port, task->id, i);
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
        result_url(url, sizeof url, port, task->id, i);
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

static const struct fault_shape submit_faults = {
    .id_field = "id",
    .state_field = "status",
    .unknown_state = "sleeping",
    .malformed = "{\"id\": \"task-unified-",
    .wrong_types = "{\"id\": 12345, \"status\": [\"x\"], \"progress\": \"lots\"}",
};

static const struct fault_shape poll_faults = {
    .id_field = "id",
    .state_field = "status",
    .unknown_state = "sleeping",
    .malformed = "{\"id\": \"task-unified-",
    .wrong_types = "{\"id\": 7, \"status\": 42, \"progress\": \"lots\", "
                   "\"results\": \"nope\", \"error\": \"bad\"}",
};

static enum MHD_Result submit(struct request *request, const char *object_type)
{
    if (!request_method_is(request, MHD_HTTP_METHOD_POST))
        return reply_method_not_allowed(request, "POST");
    struct exchange exchange;
    exchange_begin(&exchange, request, &foxapi);
    exchange_submit_arrived(&exchange);
    if (!bearer_key_accepted(request))
        return exchange_reply_error(&exchange, MHD_HTTP_UNAUTHORIZED, "", NULL);

    cJSON *body = NULL;
    if (request->body != NULL)
        body = cJSON_ParseWithLength(request->body, request->body_length);
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        return exchange_reply_error(&exchange, MHD_HTTP_BAD_REQUEST, "invalid_json",
                                    "Request body must be a JSON object");
    }
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(body, "model");
    const cJSON *prompt = cJSON_GetObjectItemCaseSensitive(body, "prompt");
    if (cJSON_IsString(prompt))
        scenario_read_prompt(&exchange.scenario, prompt->valuestring);
    exchange_read_scenario_header(&exchange);

    enum MHD_Result result;
    if (exchange_submit_refused(&exchange, "Authorization", authorization(request), &result)) {
        /* answered */
    } else if (!cJSON_IsString(model)) {
        result = exchange_reply_error(&exchange, MHD_HTTP_BAD_REQUEST, "invalid_parameters",
                                      model ? "Parameter 'model' must be a string"
                                            : "Missing required parameter: 'model'");
    } else if (!cJSON_IsString(prompt)) {
        result = exchange_reply_error(&exchange, MHD_HTTP_BAD_REQUEST, "invalid_parameters",
                                      prompt ? "Parameter 'prompt' must be a string"
                                             : "Missing required parameter: 'prompt'");
    } else {
        struct task task = { .object_type = object_type, .model = model->valuestring };
        char random[17];
        ids_random_hex(random, 16);
        snprintf(task.id, sizeof task.id, "task-unified-%llu-%s",
                 (unsigned long long)ids_next_sequence(), random);
        exchange_new_task(&exchange, &task);
        if (!exchange_store_task(&exchange, &task, &result)) {
            /* answered: --max-active, or out of memory */
        } else {
            const struct task_progress submitted = { TASK_PENDING, 0, task.duration_ms };
            cJSON *json = task_json(&task, &submitted, request->sim->port);
            result = exchange_reply_created(&exchange, json, &submit_faults);
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
    struct exchange exchange;
    exchange_begin(&exchange, request, &foxapi);
    if (!bearer_key_accepted(request)) {
        store_record_poll(store, NULL, now_ms, NULL);
        return exchange_reply_error(&exchange, MHD_HTTP_UNAUTHORIZED, "", NULL);
    }
    struct task task;
    if (!store_record_poll(store, task_id, now_ms, &task))
        return exchange_reply_error(&exchange, MHD_HTTP_NOT_FOUND, "", NULL);

    enum MHD_Result result;
    if (!exchange_poll_refused(&exchange, &task, &result)) {
        struct task_progress progress = task_progress_now(&task, now_ms);
        cJSON *json = task_json(&task, &progress, request->sim->port);
        result = exchange_reply_task(&exchange, &task, json, &poll_faults);
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
