/* APIXO: every answer is an envelope {"code", "message", "data"} whose code mirrors the HTTP
 * status (and may disagree with it), task state under data, a resultJson that is a JSON document
 * inside a string, and failCodes with spaces and in any case (PROVIDERS.md §5, seed 004). Mounted
 * under /apixo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "dialect.h"
#include "ids.h"
#include "routes.h"

#define DIALECT "apixo"
#define PROMPT_MAX 2000

/* The envelope's message for each code the seed documents: its examples where it has one, its
 * table's description otherwise. */
static const struct {
    unsigned code;
    const char *message;
} messages[] = {
    { 200, "success" },
    { 400, "Prompt exceeds provider limit (max 2000 chars)" },
    { 401, "Invalid or missing API key" },
    { 402, "Insufficient balance" },
    { 403, "Content violates policy" },
    { 404, "Resource not found" },
    { 429, "Provider rate limited, please retry later" },
    { 500, "Internal server error" },
    { 503, "Service temporarily unavailable" },
    { 504, "Provider timeout, please retry later" },
};

/* failMsg for each documented failCode: the seed's examples where it has one, its table's
 * description otherwise. */
static const struct code_text failure_messages[] = {
    { "SensitiveContent", "Content violates policy" },
    { "SensitiveContentDetected",
      "Your content was flagged by OpenAI as violating content policies." },
    { "InputImageSensitiveContentDetected", "Input image contains violation" },
    { "InputOutputSensitiveContentDetected", "Input or output contains sensitive content" },
    { "NSFW", "NSFW, Try different input please." },
    { "ProhibitedContentDetected", "Prohibited content detected" },
    { "CONTENT_VIOLATION", "Content violates policy" },
    { "outputimagesensitivecontentdetected", "Output image contains sensitive content" },
    { "PromptLengthExceeded", "Prompt exceeds limit" },
    { "PromptInvalid", "Invalid or rejected prompt" },
    { "ImageFormatIncorrect", "Image format is incorrect" },
    { "InvalidImageSize", "Invalid image dimensions" },
    { "Upload error", "Image exceeds 10MB limit" },
    { "INVALID_IMAGE_URL", "Cannot access image URL" },
    { "INVALID_LORA_URL", "Cannot download LoRA model" },
    { "RateLimited", "Rate limited, retry later" },
    { "RateLimitExceeded", "Rate limit exceeded" },
    { "InsufficientQuota", "Insufficient quota" },
    { "Timeout", "Response timeout" },
    { "Task TimeOut", "Task expired, generation failed" },
    { "BadRequest", "Missing required parameters" },
    { "MissingParameter", "Missing required parameter" },
    { "Website TimeOut", "MidJourney website unresponsive after multiple attempts" },
    { "INVALID_TASK_ID", "Invalid previous task ID for upscale/vary" },
};

/* The documented codes that hold underscores: written as is, they are not respelled. */
static const char *const underscore_codes[] = {
    "CONTENT_VIOLATION", "INVALID_IMAGE_URL", "INVALID_LORA_URL", "INVALID_TASK_ID", NULL,
};

/* Case-insensitive, as the seed tells clients to match failCodes. */
static const char *failure_message(const char *code)
{
    for (size_t i = 0; i < sizeof failure_messages / sizeof failure_messages[0]; i++)
        if (strcasecmp(failure_messages[i].code, code) == 0)
            return failure_messages[i].text;
    return NULL;
}

static const char *message_for(unsigned code)
{
    for (size_t i = 0; i < sizeof messages / sizeof messages[0]; i++)
        if (messages[i].code == code)
            return messages[i].message;
    const char *phrase = MHD_get_reason_phrase_for(code);
    return phrase && phrase[0] ? phrase : "Error";
}

static cJSON *envelope(unsigned code, const char *message)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddNumberToObject(body, "code", code);
    cJSON_AddStringToObject(body, "message", message);
    cJSON_AddNullToObject(body, "data");
    return body;
}

/* The envelope's code mirrors the HTTP status, unless envelope=/poll-envelope= say otherwise. */
static cJSON *error_body(const struct exchange *exchange, unsigned status, const char *variant,
                         const char *message)
{
    (void)variant;
    unsigned code = exchange->envelope_code ? exchange->envelope_code : status;
    return envelope(code, message ? message : message_for(code));
}

static const struct dialect apixo = {
    .name = DIALECT,
    .scenario_dialect = SCENARIO_APIXO,
    .retry_after_header = false,      /* undocumented: only with retry-after-header */
    .echo_header = "X-Request-Id",
    .error_body = error_body,
};

static const char *authorization(const struct request *request)
{
    return request_header(request, MHD_HTTP_HEADER_AUTHORIZATION);
}

static bool authorized(struct exchange *exchange, enum MHD_Result *result)
{
    if (bearer_key_accepted(exchange->request))
        return true;
    *result = exchange_reply_error(exchange, MHD_HTTP_UNAUTHORIZED, "", NULL);
    return false;
}

/* An envelope that disagrees with a healthy HTTP 200: the error envelope, data null. */
static enum MHD_Result reply_envelope_only(struct exchange *exchange)
{
    cJSON *body = error_body(exchange, MHD_HTTP_OK, "", NULL);
    enum MHD_Result result = exchange_reply_json(exchange, MHD_HTTP_OK, body, NULL, 0);
    cJSON_Delete(body);
    return result;
}

static cJSON *success(cJSON **data)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddNumberToObject(body, "code", 200);
    cJSON_AddStringToObject(body, "message", "success");
    *data = cJSON_AddObjectToObject(body, "data");
    return body;
}

/* What the request's body lacks, or NULL. */
static const char *validation_error(const cJSON *body)
{
    const cJSON *request_type = cJSON_GetObjectItemCaseSensitive(body, "request_type");
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(body, "input");
    if (request_type != NULL
        && !(cJSON_IsString(request_type) && strcmp(request_type->valuestring, "async") == 0))
        return "Invalid parameter: request_type must be \"async\"";
    if (!cJSON_IsObject(input))
        return "Missing required parameter: input";
    const char *prompt = json_string_member(input, "prompt");
    if (prompt == NULL || prompt[0] == '\0')
        return "Missing required parameter: input.prompt";
    if (strlen(prompt) > PROMPT_MAX)
        return message_for(MHD_HTTP_BAD_REQUEST);
    return NULL;
}

static const struct fault_shape submit_faults = {
    .id_field = "data.taskId",
    .state_field = "data.state",
    .unknown_state = "sleeping",
    .malformed = "{\"code\": 200, \"message\": \"success\", \"data\": {\"taskId\": \"task_",
    .wrong_types = "{\"code\": \"200\", \"message\": 200, \"data\": \"task\"}",
};

static const struct fault_shape poll_faults = {
    .id_field = "data.taskId",
    .state_field = "data.state",
    .unknown_state = "sleeping",
    .malformed = "{\"code\": 200, \"message\": \"success\", \"data\": {\"taskId\": \"task_",
    .wrong_types = "{\"code\": \"200\", \"message\": 200, \"data\": {\"taskId\": 7, "
                   "\"state\": [\"success\"], \"resultJson\": {\"resultUrls\": \"nope\"}, "
                   "\"failCode\": 5}}",
};

static enum MHD_Result submit(struct exchange *exchange, const char *model)
{
    struct request *request = exchange->request;
    if (!request_method_is(request, MHD_HTTP_METHOD_POST))
        return exchange_reply_wrong_method(exchange, "POST");
    exchange_submit_arrived(exchange);
    enum MHD_Result result;
    if (!authorized(exchange, &result))
        return result;

    cJSON *body = request->body ? cJSON_ParseWithLength(request->body, request->body_length)
                                : NULL;
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        return exchange_reply_error(exchange, MHD_HTTP_BAD_REQUEST, "",
                                    "Invalid JSON in request body");
    }
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(body, "input");
    const char *prompt = json_string_member(input, "prompt");
    scenario_read_prompt(&exchange->scenario, prompt);
    exchange_read_scenario_header(exchange);
    exchange->envelope_code = exchange->scenario.envelope_code;

    const char *invalid;
    if (exchange_submit_refused(exchange, "Authorization", authorization(request), &result)) {
        /* answered */
    } else if (exchange->envelope_code != 0 && exchange->envelope_code != MHD_HTTP_OK) {
        /* refused in the envelope alone: no task */
        result = reply_envelope_only(exchange);
    } else if ((invalid = validation_error(body)) != NULL) {
        result = exchange_reply_error(exchange, MHD_HTTP_BAD_REQUEST, "", invalid);
    } else {
        struct task task = { .model = (char *)model, .prompt = (char *)prompt };
        /* digits, as the seed's task_12345678: the sequence, then 8 random digits */
        char hex[9];
        ids_random_hex(hex, 8);
        snprintf(task.id, sizeof task.id, "task_%llu%08lu",
                 (unsigned long long)ids_next_sequence(), strtoul(hex, NULL, 16) % 100000000UL);
        exchange_new_task(exchange, &task);
        if (!exchange_store_task(exchange, &task, &result)) {
            /* answered: --max-active, or out of memory */
        } else {
            cJSON *data;
            cJSON *json = success(&data);
            cJSON_AddStringToObject(data, "taskId", task.id);
            result = exchange_reply_created(exchange, json, &submit_faults);
            cJSON_Delete(json);
        }
    }
    cJSON_Delete(body);
    return result;
}

/* {"resultUrls": [...]}, printed: resultJson holds it as a string. */
static char *result_json_text(const struct task *task, unsigned port)
{
    cJSON *result = cJSON_CreateObject();
    cJSON *urls = cJSON_AddArrayToObject(result, "resultUrls");
    for (unsigned i = 0; i < task->scenario.result_count; i++) {
        char url[160];
        result_url(url, sizeof url, port, task->id, i);
        cJSON_AddItemToArray(urls, cJSON_CreateString(url));
    }
    char *text = cJSON_PrintUnformatted(result);
    cJSON_Delete(result);
    return text;
}

static const char *phase_state(enum task_phase phase)
{
    switch (phase) {
    case TASK_PENDING: return "pending";
    case TASK_PROCESSING: return "processing";
    case TASK_COMPLETED: return "success";
    case TASK_FAILED:
    case TASK_CANCELLED: break;
    }
    return "failed";
}

static cJSON *task_json(const struct task *task, const struct task_progress *progress,
                        unsigned port)
{
    cJSON *data;
    cJSON *json = success(&data);
    cJSON_AddStringToObject(data, "taskId", task->id);
    cJSON_AddStringToObject(data, "state", phase_state(progress->phase));
    if (progress->phase == TASK_COMPLETED) {
        char *text = result_json_text(task, port);
        cJSON_AddStringToObject(data, "resultJson", text ? text : "");
        cJSON_free(text);
        cJSON_AddNumberToObject(data, "costTime", (double)task->duration_ms);
    } else if (progress->phase == TASK_FAILED) {
        char code[SCENARIO_FAIL_CODE_MAX];
        respell_with_spaces(task->scenario.fail_code, underscore_codes, code, sizeof code);
        const char *message = failure_message(code);
        cJSON_AddStringToObject(data, "failCode", code);
        cJSON_AddStringToObject(data, "failMsg", message ? message : "Task failed");
    }
    cJSON_AddNumberToObject(data, "createTime", (double)task->created_unix_ms);
    if (task_phase_is_final(progress->phase))
        cJSON_AddNumberToObject(data, "completeTime",
                                (double)(task->created_unix_ms + task->duration_ms));
    return json;
}

static enum MHD_Result poll_task(struct exchange *exchange)
{
    struct request *request = exchange->request;
    if (!request_method_is(request, MHD_HTTP_METHOD_GET))
        return exchange_reply_wrong_method(exchange, "GET, HEAD");
    struct store *store = request->sim->store;
    int64_t now_ms = sim_clock_ms();
    const char *task_id = request_query(request, "taskId");
    enum MHD_Result result;
    if (!authorized(exchange, &result)) {
        store_record_poll(store, NULL, now_ms, NULL);
        return result;
    }
    if (task_id == NULL || task_id[0] == '\0') {
        store_record_poll(store, NULL, now_ms, NULL);
        return exchange_reply_error(exchange, MHD_HTTP_BAD_REQUEST, "",
                                    "Missing required parameter: taskId");
    }
    struct task task;
    if (!store_record_poll(store, task_id, now_ms, &task))
        return exchange_reply_error(exchange, MHD_HTTP_NOT_FOUND, "", NULL);
    if (scenario_window_covers(&task.scenario.poll_envelope, task.poll_number))
        exchange->envelope_code = task.scenario.poll_envelope_code;
    if (exchange_poll_refused(exchange, &task, &result)) {
        /* answered */
    } else if (exchange->envelope_code != 0 && exchange->envelope_code != MHD_HTTP_OK) {
        result = reply_envelope_only(exchange);
    } else {
        struct task_progress progress = task_progress_now(&task, now_ms);
        cJSON *json = task_json(&task, &progress, request->sim->port);
        result = exchange_reply_task(exchange, &task, json, &poll_faults);
        cJSON_Delete(json);
    }
    task_release(&task);
    return result;
}

static const char generate_path[] = "/generateTask/";
static const char status_path[] = "/statusTask/";

/* The last path segment, when the path is PREFIX + one non-empty segment. */
static const char *segment_after(const char *subpath, const char *prefix, size_t prefix_length)
{
    if (strncmp(subpath, prefix, prefix_length) != 0)
        return NULL;
    const char *segment = subpath + prefix_length;
    return segment[0] != '\0' && strchr(segment, '/') == NULL ? segment : NULL;
}

enum MHD_Result apixo_handle(struct request *request, const char *subpath)
{
    struct exchange exchange;
    exchange_begin(&exchange, request, &apixo);
    const char *model = segment_after(subpath, generate_path, sizeof generate_path - 1);
    if (model != NULL)
        return submit(&exchange, model);
    if (segment_after(subpath, status_path, sizeof status_path - 1) != NULL)
        return poll_task(&exchange);
    return exchange_reply_no_endpoint(&exchange);
}
