/* APIXO: every answer is an envelope {"code", "message", "data"} whose code mirrors the HTTP
 * status (and may disagree with it), task state under data, a resultJson that is a JSON document
 * inside a string, and failCodes with spaces and in any case (docs/providers.md, APIXO). Mounted
 * under /apixo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "ids.h"
#include "render.h"
#include "routes.h"

#define PROMPT_MAX 2000
#define PROMPT_TOO_LONG "Prompt exceeds provider limit (max 2000 chars)"

/* The envelope's message for each code the documentation lists: its examples where it has one,
 * its table's description otherwise. */
static const struct error_word envelope_messages[] = {
    {200, "", "success"},
    {400, "", PROMPT_TOO_LONG},
    {401, "", "Invalid or missing API key"},
    {402, "", "Insufficient balance"},
    {403, "", "Content violates policy"},
    /* https://apixo.ai/docs/api-reference/error-codes reads 403 as a key without permission */
    {403, "permission", "API key lacks permission"},
    {404, "", "Resource not found"},
    {429, "", "Provider rate limited, please retry later"},
    {500, "", "Internal server error"},
    {503, "", "Service temporarily unavailable"},
    {504, "", "Provider timeout, please retry later"},
};

/* failMsg for each documented failCode: the documentation's examples where it has one, its
 * table's description otherwise. */
static const struct code_text failure_messages[] = {
    {"SensitiveContent", "Content violates policy"},
    {"SensitiveContentDetected", "Your content was flagged by OpenAI as violating content policies."},
    {"InputImageSensitiveContentDetected", "Input image contains violation"},
    {"InputOutputSensitiveContentDetected", "Input or output contains sensitive content"},
    {"NSFW", "NSFW, Try different input please."},
    {"ProhibitedContentDetected", "Prohibited content detected"},
    {"CONTENT_VIOLATION", "Content violates policy"},
    {"outputimagesensitivecontentdetected", "Output image contains sensitive content"},
    {"PromptLengthExceeded", "Prompt exceeds limit"},
    {"PromptInvalid", "Invalid or rejected prompt"},
    {"ImageFormatIncorrect", "Image format is incorrect"},
    {"InvalidImageSize", "Invalid image dimensions"},
    {"Upload error", "Image exceeds 10MB limit"},
    {"INVALID_IMAGE_URL", "Cannot access image URL"},
    {"INVALID_LORA_URL", "Cannot download LoRA model"},
    {"RateLimited", "Rate limited, retry later"},
    {"RateLimitExceeded", "Rate limit exceeded"},
    {"InsufficientQuota", "Insufficient quota"},
    {"Timeout", "Response timeout"},
    {"Task TimeOut", "Task expired, generation failed"},
    {"BadRequest", "Missing required parameters"},
    {"MissingParameter", "Missing required parameter"},
    {"Website TimeOut", "MidJourney website unresponsive after multiple attempts"},
    {"INVALID_TASK_ID", "Invalid previous task ID for upscale/vary"},
    /* the older set, still documented at https://apixo.ai/docs/api-reference/error-codes */
    {"NSFW_DETECTED", "NSFW content detected"},
    {"PROMPT_TOO_LONG", "Prompt exceeds character limit"},
    {"INVALID_PROMPT", "Prompt is empty or malformed"},
    {"IMAGE_TOO_LARGE", "Input image exceeds size limit"},
    {"UNSUPPORTED_FORMAT", "Image format not supported"},
    {"IMAGE_DOWNLOAD_FAILED", "Failed to download reference image"},
    {"PROCESSING_TIMEOUT", "Generation took too long"},
    {"MODEL_UNAVAILABLE", "Model is temporarily offline"},
    {"GENERATION_FAILED", "Generic generation failure"},
    {"INSUFFICIENT_CREDITS", "Account has no credits"},
};

/* The documented codes that hold underscores: written as is, they are not respelled. */
static const char *const underscore_codes[] = {
    "CONTENT_VIOLATION",  "INVALID_IMAGE_URL", "INVALID_LORA_URL",  "INVALID_TASK_ID",      "NSFW_DETECTED",
    "PROMPT_TOO_LONG",    "INVALID_PROMPT",    "IMAGE_TOO_LARGE",   "UNSUPPORTED_FORMAT",   "IMAGE_DOWNLOAD_FAILED",
    "PROCESSING_TIMEOUT", "MODEL_UNAVAILABLE", "GENERATION_FAILED", "INSUFFICIENT_CREDITS", NULL,
};

extern const struct dialect apixo_dialect;

/* The envelope's code mirrors the HTTP status, unless envelope=/poll-envelope= say otherwise;
 * its message is the code's (http=403:permission: the other documented 403). */
static cJSON *error_body(const struct exchange *exchange, const struct error_answer *error)
{
    unsigned code = exchange->envelope_code ? exchange->envelope_code : error->status;
    bool other_code = error->documented && code != error->status;
    const char *message = other_code ? error_words_find(&apixo_dialect.errors, code, NULL).message : error->message;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddNumberToObject(body, "code", code);
    cJSON_AddStringToObject(body, "message", message);
    cJSON_AddNullToObject(body, "data");
    return body;
}

/* What the request's body lacks. */
static bool invalid(const cJSON *body, struct refusal *refusal)
{
    const cJSON *request_type = cJSON_GetObjectItemCaseSensitive(body, "request_type");
    const char *prompt = json_string_at(body, "input.prompt");
    refusal->status = MHD_HTTP_BAD_REQUEST;
    if (request_type != NULL && !(cJSON_IsString(request_type) && strcmp(request_type->valuestring, "async") == 0))
        refusal->message = "Invalid parameter: request_type must be \"async\"";
    else if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(body, "input")))
        refusal->message = "Missing required parameter: input";
    else if (prompt == NULL || prompt[0] == '\0') refusal->message = "Missing required parameter: input.prompt";
    else if (strlen(prompt) > PROMPT_MAX) refusal->message = PROMPT_TOO_LONG;
    else return false;
    return true;
}

/* Digits, as the documentation's task_12345678: the sequence, then 8 random digits. */
static void new_id(char *id, size_t size)
{
    char hex[9];
    ids_random_hex(hex, 8);
    snprintf(id, size, "task_%llu%08lu", (unsigned long long)ids_next_sequence(), strtoul(hex, NULL, 16) % 100000000UL);
}

static cJSON *success(cJSON **data)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddNumberToObject(body, "code", 200);
    cJSON_AddStringToObject(body, "message", "success");
    *data = cJSON_AddObjectToObject(body, "data");
    return body;
}

static cJSON *render_created(const struct exchange *exchange, const struct task *task)
{
    (void)exchange;
    cJSON *data;
    cJSON *json = success(&data);
    cJSON_AddStringToObject(data, "taskId", task->id);
    return json;
}

/* {"resultUrls": [...]}, printed: resultJson holds it as a string. */
static char *result_json_text(const struct task *task, unsigned port)
{
    cJSON *result = cJSON_CreateObject();
    add_result_urls(result, "resultUrls", NULL, task, port);
    char *text = cJSON_PrintUnformatted(result);
    cJSON_Delete(result);
    return text;
}

static cJSON *render_task(const struct exchange *exchange, const struct task *task,
                          const struct task_progress *progress)
{
    cJSON *data;
    cJSON *json = success(&data);
    cJSON_AddStringToObject(data, "taskId", task->id);
    cJSON_AddStringToObject(data, "state", exchange->dialect->phase_words[progress->phase]);
    if (progress->phase == TASK_COMPLETED) {
        char *text = result_json_text(task, exchange->request->sim->port);
        cJSON_AddStringToObject(data, "resultJson", text ? text : "");
        cJSON_free(text);
        cJSON_AddNumberToObject(data, "costTime", (double)task->duration_ms);
    } else if (progress->phase == TASK_FAILED) {
        char code[SCENARIO_FAIL_CODE_MAX];
        respell_with_spaces(task->scenario.fail_code, underscore_codes, code, sizeof code);
        /* case-insensitive, as the documentation tells clients to match failCodes */
        const char *message = CODE_TEXT_FIND(failure_messages, code, true);
        cJSON_AddStringToObject(data, "failCode", code);
        cJSON_AddStringToObject(data, "failMsg", message ? message : "Task failed");
    }
    cJSON_AddNumberToObject(data, "createTime", (double)task->created_unix_ms);
    if (task_phase_is_final(progress->phase))
        cJSON_AddNumberToObject(data, "completeTime", (double)(task->created_unix_ms + task->duration_ms));
    return json;
}

const struct dialect apixo_dialect = {
    .name = "apixo",
    .scenario_dialect = SCENARIO_APIXO,
    .routes =
        {
            {ROUTE_SUBMIT, "/generateTask/{model}", NULL, NULL},
            {ROUTE_POLL, "/statusTask/{model}", "taskId", NULL},
        },
    .empty_id_is_missing = true,
    .key = {.name = MHD_HTTP_HEADER_AUTHORIZATION, .bearer = true},
    .prompt_field = "input.prompt",
    .webhook_url_field = "callback_url",
    .phase_words = {"pending", "processing", "success", "failed", "failed"},
    .errors = {ERROR_WORDS(envelope_messages)},
    .not_json = {MHD_HTTP_BAD_REQUEST, "", "Invalid JSON in request body"},
    .no_poll_id = {MHD_HTTP_BAD_REQUEST, "", "Missing required parameter: taskId"},
    .retry_after_header = false, /* undocumented: only with retry-after-header */
    .faults = {.id_fields = {"data.taskId"}, .state_field = "data.state"},
    .new_id = new_id,
    .invalid = invalid,
    .render_created = render_created,
    .render_task = render_task,
    .error_body = error_body,
};
