/* FoxAPI: a unified task API with OpenAI-style errors (docs/providers.md, FoxAPI). EvoLink speaks
 * a near twin, so its extra failure codes are known here too. Mounted under /foxapi. */
#include <stdio.h>
#include <string.h>

#include "dialect.h"
#include "ids.h"
#include "render.h"
#include "routes.h"

/* error.message of a failed task; the first seven are the documentation's own descriptions. */
static const struct code_text failure_messages[] = {
    {"model_unavailable", "The requested model is temporarily unavailable"},
    {"content_policy_violation", "The input content violates content policies"},
    {"generation_failed", "The generation process failed"},
    {"timeout", "The task timed out"},
    {"invalid_image_url", "The provided image URL is inaccessible"},
    {"file_too_large", "The uploaded file exceeds size limits"},
    {"unsupported_format", "The file format is not supported"},
    /* EvoLink */
    {"invalid_parameters", "Invalid request parameters"},
    {"image_processing_error", "The input image could not be processed"},
    {"image_dimension_mismatch", "The input image dimensions do not match the request"},
    {"request_cancelled", "The request was cancelled"},
    {"generation_failed_no_content", "The generation finished without producing content"},
    {"service_error", "An internal service error occurred"},
    {"generation_timeout", "The generation timed out"},
    {"resource_exhausted", "Resources are temporarily exhausted, please retry later"},
    {"quota_exceeded", "The account quota has been exceeded"},
    {"service_unavailable", "The service is temporarily unavailable"},
    {"resource_not_found", "The requested resource was not found"},
    {"unknown_error", "An unknown error occurred"},
};

/* The error for each HTTP status FoxAPI documents, and the codes its gateways use for 5xx. */
static const struct error_word errors[] = {
    {400, "invalid_parameters", "Invalid parameters"},
    {401, "invalid_api_key", "Invalid API key provided"},
    {402, "insufficient_balance", "Insufficient account balance"},
    /* 402s that are not about the balance: the key expired, or it may not use the model (EvoLink's
     * codes, as its CLI reads them) */
    {402, "key_expired", "This API key has expired"},
    {402, "key_model_not_allowed", "This API key may not use model flux-dev"},
    /* a prompt refused at submit, with the code a failed task would carry */
    {400, "content_policy_violation", "The input content violates content policies"},
    {403, "permission_denied", "API key lacks required permissions"},
    {404, "task_not_found", "Task not found"},
    {422, "invalid_request", "Unprocessable request"},
    /* a gateway without an upstream channel for the model (docs/providers/foxapi.md): retry later */
    {422, "model_not_found", "No available channel for model flux-dev under group default"},
    {429, "rate_limit_exceeded", "Rate limit exceeded"},
    {500, "internal_error", "Server-side error, please retry later"},
    {502, "bad_gateway", "Bad gateway"},
    {503, "service_unavailable", "Service temporarily unavailable"},
    {504, "gateway_timeout", "Gateway timeout"},
};

/* error.type, which follows from the status as in OpenAI's errors. */
static const char *error_type(unsigned status)
{
    switch (status) {
    case MHD_HTTP_UNAUTHORIZED: return "authentication_error";
    case MHD_HTTP_FORBIDDEN: return "permission_error";
    case MHD_HTTP_NOT_FOUND: return "not_found_error";
    case MHD_HTTP_TOO_MANY_REQUESTS: return "rate_limit_error";
    default: return status >= 500 ? "server_error" : "invalid_request_error";
    }
}

/* {"error": {"message", "type", "code"}}: OpenAI's shape. */
static cJSON *error_body(const struct exchange *exchange, const struct error_answer *error)
{
    (void)exchange;
    cJSON *body = cJSON_CreateObject();
    cJSON *fields = cJSON_AddObjectToObject(body, "error");
    cJSON_AddStringToObject(fields, "message", error->message);
    cJSON_AddStringToObject(fields, "type", error_type(error->status));
    cJSON_AddStringToObject(fields, "code", error->code);
    return body;
}

/* model and prompt, both strings. */
static bool invalid(const cJSON *body, struct refusal *refusal)
{
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(body, "model");
    const cJSON *prompt = cJSON_GetObjectItemCaseSensitive(body, "prompt");
    if (!cJSON_IsString(model))
        refusal->message = model ? "Parameter 'model' must be a string" : "Missing required parameter: 'model'";
    else if (!cJSON_IsString(prompt))
        refusal->message = prompt ? "Parameter 'prompt' must be a string" : "Missing required parameter: 'prompt'";
    else return false;
    refusal->status = MHD_HTTP_BAD_REQUEST;
    refusal->code = "invalid_parameters";
    return true;
}

static void new_id(char *id, size_t size)
{
    char random[17];
    ids_random_hex(random, 16);
    snprintf(id, size, "task-unified-%llu-%s", (unsigned long long)ids_next_sequence(), random);
}

/* "results": [{"url"}], with shape=output "output": {"url", "urls": [...]}, with shape=strings
 * EvoLink's "results": ["url"]. */
static void add_results(cJSON *json, const struct task *task, unsigned port)
{
    if (task->scenario.shape != RESULT_SHAPE_OUTPUT) {
        add_result_urls(json, "results", task->scenario.shape == RESULT_SHAPE_STRINGS ? NULL : "url", task, port);
        return;
    }
    cJSON *output = cJSON_AddObjectToObject(json, "output");
    if (task->scenario.result_count > 0) {
        char url[160];
        result_url(url, sizeof url, port, task->id, 0);
        cJSON_AddStringToObject(output, "url", url);
    }
    add_result_urls(output, "urls", NULL, task, port);
}

static cJSON *render_task(const struct exchange *exchange, const struct task *task,
                          const struct task_progress *progress)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "id", task->id);
    cJSON_AddStringToObject(json, "object", task->object_type);
    cJSON_AddNumberToObject(json, "created", (double)task->created_unix_s);
    cJSON_AddStringToObject(json, "model", task->model);
    cJSON_AddStringToObject(json, "status", exchange->dialect->phase_words[progress->phase]);
    cJSON_AddNumberToObject(json, "progress", progress->percent);
    cJSON *info = cJSON_AddObjectToObject(json, "task_info");
    cJSON_AddBoolToObject(info, "can_cancel", !task_phase_is_final(progress->phase));
    /* the remaining time in seconds (the docs give no precision: milliseconds here) */
    cJSON_AddNumberToObject(info, "estimated_time", progress->eta_ms / 1000.0);
    if (progress->phase == TASK_COMPLETED) add_results(json, task, exchange->request->sim->port);
    if (progress->phase == TASK_FAILED) {
        const char *code = task->scenario.fail_code;
        const char *message = CODE_TEXT_FIND(failure_messages, code, false);
        cJSON *error = cJSON_AddObjectToObject(json, "error");
        cJSON_AddStringToObject(error, "code", code);
        cJSON_AddStringToObject(error, "message", message ? message : "The task failed");
    }
    return json;
}

const struct dialect foxapi_dialect = {
    .name = "foxapi",
    .scenario_dialect = SCENARIO_FOXAPI,
    .routes =
        {
            {ROUTE_SUBMIT, "/v1/images/generations", NULL, "image.generation.task"},
            {ROUTE_SUBMIT, "/v1/videos/generations", NULL, "video.generation.task"},
            {ROUTE_POLL, "/v1/tasks/{id}", NULL, NULL},
            {ROUTE_CANCEL, "/v1/tasks/{id}/cancel", NULL, NULL},
        },
    .key = {.name = MHD_HTTP_HEADER_AUTHORIZATION, .bearer = true},
    .prompt_field = "prompt",
    .model_field = "model",
    .phase_words = {"pending", "processing", "completed", "failed", "cancelled"},
    .errors =
        {
            ERROR_WORDS(errors),
            .client = {0, "invalid_request", "Invalid request"},
            .server = {0, "server_error", "Server error"},
        },
    .not_json = {MHD_HTTP_BAD_REQUEST, "invalid_json", "Request body must be a JSON object"},
    /* the simulator's own words: the stored documentation shows can_cancel, not this refusal */
    .too_late = {MHD_HTTP_BAD_REQUEST, "task_not_cancellable", "The task has already finished and cannot be cancelled"},
    .webhook_url_field = "callback_url",
    .no_endpoint = {.code = "not_found"},
    .wrong_method_code = "method_not_allowed",
    .retry_after_header = true,
    /* the one-api / new-api gateway these APIs run on names every answer (docs/providers/foxapi.md) */
    .request_id_header = "X-Oneapi-Request-Id",
    .faults = {.id_fields = {"id"}, .state_field = "status"},
    .new_id = new_id,
    .invalid = invalid,
    .render_task = render_task,
    .error_body = error_body,
};
