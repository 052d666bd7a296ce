/* ModelsLab: the key travels in the JSON body, answers are told apart by the body's "status"
 * (success, processing, error, failed), often under HTTP 200, a 429 says retry_after in its body,
 * and legacy endpoints spell "message" as "messege" (PROVIDERS.md §4, seed 003). Mounted under
 * /modelslab. */
#include <math.h>   /* isfinite: a macro, no libm needed */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dialect.h"
#include "ids.h"
#include "routes.h"

#define DIALECT "modelslab"
#define PROCESSING_MESSAGE "Your request is being processed"
#define FIRST_ID 80000000ULL

/* The seed's example message for each status it documents. */
static const struct {
    unsigned status;
    const char *message;
} messages[] = {
    { 400, "prompt is required" },
    { 401, "Invalid API key" },
    { 402, "Insufficient credits. Please add more credits to continue." },
    { 403, "This feature requires a premium subscription" },
    { 404, "Request not found" },
    { 429, "Rate limit exceeded. Maximum 5 queued requests allowed." },
    { 500, "Internal server error. Please try again." },
    { 503, "Service temporarily unavailable. Please try again later." },
};

/* http=400:VARIANT: the seed's other 400 messages (its validation table and examples). */
static const struct code_text bad_request_messages[] = {
    { "prompt", "prompt is required" },
    { "prompt-type", "prompt must be a string" },
    { "width", "width must be between 256 and 1024" },
    { "height", "height must be divisible by 8" },
    { "samples", "samples must be between 1 and 4" },
    { "guidance_scale", "guidance_scale must be between 1 and 20" },
    { "model", "Model not found: invalid_model_name" },
    { "image", "Unable to fetch image from provided URL" },
    { "json", "Malformed JSON in request body" },
};

static const char *message_for(unsigned status, const char *variant)
{
    const char *message = NULL;
    if (status == MHD_HTTP_BAD_REQUEST)
        message = CODE_TEXT_FIND(bad_request_messages, variant);
    for (size_t i = 0; message == NULL && i < sizeof messages / sizeof messages[0]; i++)
        if (messages[i].status == status)
            message = messages[i].message;
    if (message == NULL)
        message = MHD_get_reason_phrase_for(status);
    return message && message[0] ? message : "Error";
}

/* "message", or "messege" as legacy endpoints spell it. */
static const char *message_field(const struct scenario *scenario)
{
    return scenario->messege ? "messege" : "message";
}

/* {"status": "error", "message"}; a 429 adds "retry_after" (seconds) to the body. */
static cJSON *error_body(const struct exchange *exchange, unsigned status, const char *variant,
                         const char *message)
{
    const struct scenario *scenario = &exchange->scenario;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "status", "error");
    cJSON_AddStringToObject(body, message_field(scenario),
                            message ? message : message_for(status, variant));
    if (status == MHD_HTTP_TOO_MANY_REQUESTS && scenario_sends_retry_after(scenario))
        cJSON_AddNumberToObject(body, "retry_after", scenario->retry_after_s);
    return body;
}

static const struct dialect modelslab = {
    .name = DIALECT,
    .scenario_dialect = SCENARIO_MODELSLAB,
    .retry_after_header = false,      /* only with retry-after-header */
    .echo_header = "X-Request-Id",
    .error_body = error_body,
};

/* A number, or a string holding one, as ModelsLab's own examples send ("width": "512"). */
static bool number_value(const cJSON *item, double *out)
{
    if (cJSON_IsNumber(item)) {
        *out = item->valuedouble;
        return true;
    }
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0')
        return false;
    char *end;
    *out = strtod(item->valuestring, &end);
    return *end == '\0' && isfinite(*out);
}

static bool is_whole(double value)
{
    return value > -9e15 && value < 9e15 && value == (double)(long long)value;
}

/* The seed's validation table: the first rule broken, or NULL. */
static const char *validation_error(const cJSON *body)
{
    const cJSON *prompt = cJSON_GetObjectItemCaseSensitive(body, "prompt");
    if (prompt == NULL || cJSON_IsNull(prompt))
        return "prompt is required";
    if (!cJSON_IsString(prompt))
        return "prompt must be a string";
    static const struct {
        const char *field;
        double min, max;
        long long divisor;          /* 0: any number in range; else a whole multiple of it */
        const char *message;
    } rules[] = {
        { "width", 256, 1024, 0, "width must be between 256 and 1024" },
        { "height", 8, 1e9, 8, "height must be divisible by 8" },
        { "samples", 1, 4, 1, "samples must be between 1 and 4" },
        { "guidance_scale", 1, 20, 0, "guidance_scale must be between 1 and 20" },
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(body, rules[i].field);
        double value;
        if (item == NULL || cJSON_IsNull(item))
            continue;
        if (!number_value(item, &value) || value < rules[i].min || value > rules[i].max
            || (rules[i].divisor > 0
                && (!is_whole(value) || (long long)value % rules[i].divisor != 0)))
            return rules[i].message;
    }
    return NULL;
}

static double optional_number(const cJSON *body, const char *name, double fallback)
{
    double value;
    return number_value(cJSON_GetObjectItemCaseSensitive(body, name), &value) ? value : fallback;
}

static void add_id(cJSON *json, const struct task *task)
{
    if (task->scenario.string_id)
        cJSON_AddStringToObject(json, "id", task->id);
    else
        cJSON_AddNumberToObject(json, "id", strtod(task->id, NULL));
}

static cJSON *urls_json(const struct task *task, unsigned port)
{
    cJSON *urls = cJSON_CreateArray();
    for (unsigned i = 0; i < task->scenario.result_count; i++) {
        char url[160];
        result_url(url, sizeof url, port, task->id, i);
        cJSON_AddItemToArray(urls, cJSON_CreateString(url));
    }
    return urls;
}

static void add_urls(cJSON *json, const char *name, const struct task *task, unsigned port)
{
    cJSON *urls = urls_json(task, port);
    if (!cJSON_AddItemToObject(json, name, urls))
        cJSON_Delete(urls);
}

static cJSON *meta_json(const struct task *task)
{
    cJSON *meta = cJSON_CreateObject();
    cJSON_AddStringToObject(meta, "prompt", task->prompt ? task->prompt : "");
    cJSON_AddStringToObject(meta, "model_id", task->model ? task->model : "");
    cJSON_AddNumberToObject(meta, "W", task->width);
    cJSON_AddNumberToObject(meta, "H", task->height);
    cJSON_AddNumberToObject(meta, "seed", (double)task->seed);
    cJSON_AddNumberToObject(meta, "n_samples", task->scenario.result_count);
    return meta;
}

/* The body for where a task stands: processing (with eta), success or failed. At submit,
 * processing also says where to fetch the result and where the images will appear. */
static cJSON *task_json(const struct task *task, const struct task_progress *progress,
                        unsigned port, bool at_submit)
{
    cJSON *json = cJSON_CreateObject();
    switch (progress->phase) {
    case TASK_PENDING:
    case TASK_PROCESSING:
        cJSON_AddStringToObject(json, "status", "processing");
        add_id(json, task);
        cJSON_AddNumberToObject(json, "eta", progress->remaining_ms / 1000.0);
        cJSON_AddStringToObject(json, "message", PROCESSING_MESSAGE);
        if (at_submit) {
            char url[160];
            snprintf(url, sizeof url, "http://127.0.0.1:%u/modelslab/images/fetch/%s", port,
                     task->id);
            cJSON_AddStringToObject(json, "fetch_result", url);
        }
        add_urls(json, "future_links", task, port);
        break;
    case TASK_COMPLETED:
        cJSON_AddStringToObject(json, "status", "success");
        add_id(json, task);
        add_urls(json, "output", task, port);
        cJSON_AddNumberToObject(json, "generationTime", task->duration_ms / 1000.0);
        cJSON_AddItemToObject(json, "meta", meta_json(task));
        break;
    case TASK_FAILED:
    case TASK_CANCELLED: {
        /* ModelsLab has no failure codes: the fail= word is the message */
        char message[SCENARIO_FAIL_CODE_MAX];
        respell_with_spaces(task->scenario.fail_code, NULL, message, sizeof message);
        cJSON_AddStringToObject(json, "status", "failed");
        add_id(json, task);
        cJSON_AddStringToObject(json, message_field(&task->scenario), message);
        break;
    }
    }
    return json;
}

static const struct fault_shape submit_faults = {
    .id_field = "id",
    .state_field = "status",
    .unknown_state = "sleeping",
    .malformed = "{\"status\": \"processing\", \"id\": 8",
    .wrong_types = "{\"status\": [\"processing\"], \"id\": {\"x\": 1}, \"eta\": \"soon\", "
                   "\"fetch_result\": 7, \"future_links\": \"nope\"}",
};

static const struct fault_shape poll_faults = {
    .id_field = "id",
    .state_field = "status",
    .unknown_state = "sleeping",
    .malformed = "{\"status\": \"success\", \"id\": 8",
    .wrong_types = "{\"status\": 42, \"id\": [1], \"eta\": \"soon\", \"output\": \"nope\"}",
};

/* Both endpoints take a JSON object: parsed, or answered 400 (and NULL). */
static cJSON *object_body(struct exchange *exchange, enum MHD_Result *result)
{
    struct request *request = exchange->request;
    cJSON *body = request->body ? cJSON_ParseWithLength(request->body, request->body_length)
                                : NULL;
    if (cJSON_IsObject(body))
        return body;
    cJSON_Delete(body);
    *result = exchange_reply_error(exchange, MHD_HTTP_BAD_REQUEST, "json", NULL);
    return NULL;
}

/* The key is the body's "key": missing or unknown, 401. */
static bool authorized(struct exchange *exchange, const cJSON *body, enum MHD_Result *result)
{
    if (sim_api_key_accepted(exchange->request->sim, json_string_member(body, "key")))
        return true;
    *result = exchange_reply_error(exchange, MHD_HTTP_UNAUTHORIZED, "", NULL);
    return false;
}

static enum MHD_Result reply_error_200(struct exchange *exchange)
{
    char message[SCENARIO_FAIL_CODE_MAX];
    respell_with_spaces(exchange->scenario.error_200, NULL, message, sizeof message);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "status", "error");
    cJSON_AddStringToObject(body, message_field(&exchange->scenario), message);
    enum MHD_Result result = exchange_reply_json(exchange, MHD_HTTP_OK, body, NULL, 0);
    cJSON_Delete(body);
    return result;
}

static enum MHD_Result create(struct exchange *exchange, const cJSON *body)
{
    struct request *request = exchange->request;
    enum MHD_Result result;
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(body, "seed");
    double seed_value;
    struct task task = {
        .model = (char *)json_string_member(body, "model_id"),
        .prompt = (char *)json_string_member(body, "prompt"),
        .width = (unsigned)optional_number(body, "width", 512),
        .height = (unsigned)optional_number(body, "height", 512),
    };
    snprintf(task.id, sizeof task.id, "%llu", FIRST_ID + (unsigned long long)ids_next_sequence());
    if (number_value(seed, &seed_value) && seed_value >= 0 && seed_value < 9e15) {
        task.seed = (int64_t)seed_value;
    } else {
        char digits[9];
        ids_random_hex(digits, 8);
        task.seed = (int64_t)(strtoull(digits, NULL, 16) & 0x7fffffff);
    }
    exchange_new_task(exchange, &task);
    if (!task.scenario.result_count_given)
        task.scenario.result_count = (unsigned)optional_number(body, "samples", 1);
    /* instant: the answer is already the result */
    bool instant = task.scenario.instant || task.duration_ms == 0;
    if (instant)
        task.duration_ms = 0;
    if (!exchange_store_task(exchange, &task, &result))
        return result;
    struct task_progress progress = task_progress_now(&task, task.submitted_ms);
    cJSON *json = task_json(&task, &progress, request->sim->port, true);
    result = exchange_reply_created(exchange, json, &submit_faults);
    cJSON_Delete(json);
    return result;
}

static enum MHD_Result submit(struct exchange *exchange)
{
    struct request *request = exchange->request;
    if (!request_method_is(request, MHD_HTTP_METHOD_POST))
        return exchange_reply_wrong_method(exchange, "POST");
    exchange_submit_arrived(exchange);
    enum MHD_Result result;
    cJSON *body = object_body(exchange, &result);
    if (body == NULL)
        return result;
    /* read before the key is checked, so that `messege` spells the 401 too */
    scenario_read_prompt(&exchange->scenario, json_string_member(body, "prompt"));
    exchange_read_scenario_header(exchange);

    const char *invalid;
    if (!authorized(exchange, body, &result)
        || exchange_submit_refused(exchange, "key", json_string_member(body, "key"), &result)) {
        /* answered */
    } else if (exchange->scenario.error_200[0] != '\0') {
        result = reply_error_200(exchange);
    } else if ((invalid = validation_error(body)) != NULL) {
        result = exchange_reply_error(exchange, MHD_HTTP_BAD_REQUEST, "", invalid);
    } else {
        result = create(exchange, body);
    }
    cJSON_Delete(body);
    return result;
}

/* The id from the path (/images/fetch/{id}) or, in the older form, the body's request_id. */
static bool fetch_id(const cJSON *body, const char *path_id, char *out, size_t size)
{
    if (path_id != NULL) {
        snprintf(out, size, "%s", path_id);
        return true;
    }
    const cJSON *request_id = cJSON_GetObjectItemCaseSensitive(body, "request_id");
    if (cJSON_IsString(request_id) && request_id->valuestring[0] != '\0') {
        snprintf(out, size, "%s", request_id->valuestring);
        return true;
    }
    if (cJSON_IsNumber(request_id) && request_id->valuedouble >= 0
        && request_id->valuedouble < 9e15) {
        snprintf(out, size, "%.0f", request_id->valuedouble);
        return true;
    }
    return false;
}

static enum MHD_Result fetch(struct exchange *exchange, const char *path_id)
{
    struct request *request = exchange->request;
    if (!request_method_is(request, MHD_HTTP_METHOD_POST))
        return exchange_reply_wrong_method(exchange, "POST");
    struct store *store = request->sim->store;
    int64_t now_ms = sim_clock_ms();
    enum MHD_Result result;
    cJSON *body = object_body(exchange, &result);
    bool ok = body != NULL && authorized(exchange, body, &result);
    char id[TASK_ID_MAX];
    if (ok && !fetch_id(body, path_id, id, sizeof id)) {
        result = exchange_reply_error(exchange, MHD_HTTP_BAD_REQUEST, "",
                                      "request_id is required");
        ok = false;
    }
    cJSON_Delete(body);
    if (!ok) {
        store_record_poll(store, NULL, now_ms, NULL);
        return result;
    }
    struct task task;
    if (!store_record_poll(store, id, now_ms, &task))
        return exchange_reply_error(exchange, MHD_HTTP_NOT_FOUND, "", NULL);
    if (!exchange_poll_refused(exchange, &task, &result)) {
        struct task_progress progress = task_progress_now(&task, now_ms);
        cJSON *json = task_json(&task, &progress, request->sim->port, false);
        result = exchange_reply_task(exchange, &task, json, &poll_faults);
        cJSON_Delete(json);
    }
    task_release(&task);
    return result;
}

static const char fetch_path[] = "/images/fetch";

enum MHD_Result modelslab_handle(struct request *request, const char *subpath)
{
    struct exchange exchange;
    exchange_begin(&exchange, request, &modelslab);
    if (strcmp(subpath, "/images/text2img") == 0)
        return submit(&exchange);
    if (strcmp(subpath, fetch_path) == 0)
        return fetch(&exchange, NULL);
    if (strncmp(subpath, fetch_path, sizeof fetch_path - 1) == 0) {
        const char *id = subpath + sizeof fetch_path - 1;
        if (id[0] == '/' && id[1] != '\0' && strchr(id + 1, '/') == NULL
            && strlen(id + 1) < TASK_ID_MAX)
            return fetch(&exchange, id + 1);
    }
    return exchange_reply_no_endpoint(&exchange);
}
