/* BFL (Black Forest Labs FLUX): an x-key header, FastAPI error bodies ({"detail": ...}), a
 * polling_url to follow, and capitalised status words under HTTP 200, "Task not found" among them
 * (PROVIDERS.md §1, seed 000). Mounted under /bfl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dialect.h"
#include "ids.h"
#include "routes.h"

#define DIALECT "bfl"
#define STATUS_TASK_NOT_FOUND "Task not found"

/* The seed's own words for each status it documents; FastAPI's reason phrase for the rest. */
static const struct {
    unsigned status;
    const char *detail;
} details[] = {
    { 400, "There was an issue with the format or content of your request." },
    { 401, "Invalid API key" },
    { 402, "Your account has insufficient credits or your payment method needs to be updated." },
    { 403, "Your API key does not have permission to access the specified resource." },
    { 422, "The request you sent contains invalid request body or parameters." },
    { 429, "You've exceeded the rate limits for your account." },
    { 500, "An unexpected error occurred on our servers." },
    { 503, "Our service is temporarily unavailable, typically due to maintenance or high load. "
           "Try again in a few moments." },
};

static const char *detail_for(unsigned status)
{
    for (size_t i = 0; i < sizeof details / sizeof details[0]; i++)
        if (details[i].status == status)
            return details[i].detail;
    const char *phrase = MHD_get_reason_phrase_for(status);
    return phrase && phrase[0] ? phrase : "Error";
}

/* One entry of a FastAPI validation error: {"type", "loc": [where, field], "msg", "input"?}. */
static void add_validation_error(cJSON *list, const char *where, const char *field,
                                 const char *type, const char *message, const cJSON *input)
{
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddStringToObject(entry, "type", type);
    cJSON *loc = cJSON_AddArrayToObject(entry, "loc");
    cJSON_AddItemToArray(loc, cJSON_CreateString(where));
    if (field != NULL)
        cJSON_AddItemToArray(loc, cJSON_CreateString(field));
    cJSON_AddStringToObject(entry, "msg", message);
    if (input != NULL)
        cJSON_AddItemToObject(entry, "input", cJSON_Duplicate(input, true));
    cJSON_AddItemToArray(list, entry);
}

/* {"detail": "message"}; a 422 without a message carries FastAPI's list (http=422:TYPE sets its
 * "type"), unless the variant "string" asks for the plain form (PROVIDERS.md: both occur). */
static cJSON *error_body(const struct exchange *exchange, unsigned status, const char *variant,
                         const char *message)
{
    (void)exchange;
    cJSON *body = cJSON_CreateObject();
    if (status == HTTP_UNPROCESSABLE && message == NULL && strcmp(variant, "string") != 0) {
        cJSON *list = cJSON_AddArrayToObject(body, "detail");
        bool custom = variant[0] != '\0' && strcmp(variant, "multiple_of") != 0;
        add_validation_error(list, "body", "width", custom ? variant : "multiple_of",
                             custom ? "Value error, width must be a multiple of 16"
                                    : "Input should be a multiple of 16",
                             NULL);
        return body;
    }
    cJSON_AddStringToObject(body, "detail", message ? message : detail_for(status));
    return body;
}

static const struct dialect bfl = {
    .name = DIALECT,
    .scenario_dialect = SCENARIO_BFL,
    .retry_after_header = true,
    .echo_header = "X-Request-Id",
    .error_body = error_body,
};

static const char *x_key(const struct request *request)
{
    return request_header(request, "x-key");
}

/* Integers as JSON numbers, within the range a double holds exactly. */
static bool is_integer(const cJSON *item)
{
    return cJSON_IsNumber(item) && item->valuedouble > -9e15 && item->valuedouble < 9e15
           && item->valuedouble == (double)(int64_t)item->valuedouble;
}

static int64_t json_integer(const cJSON *item)
{
    return (int64_t)item->valuedouble;
}

/* An optional integer member within [min, max] and a multiple of `step` (1: any). */
static void check_integer(cJSON *errors, const cJSON *body, const char *name, int64_t min,
                          int64_t max, int64_t step)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(body, name);
    char message[96];
    if (item == NULL || cJSON_IsNull(item))
        return;
    if (!is_integer(item)) {
        add_validation_error(errors, "body", name, "int_type", "Input should be a valid integer",
                             item);
    } else if (json_integer(item) < min) {
        snprintf(message, sizeof message, "Input should be greater than or equal to %lld",
                 (long long)min);
        add_validation_error(errors, "body", name, "greater_than_equal", message, item);
    } else if (json_integer(item) > max) {
        snprintf(message, sizeof message, "Input should be less than or equal to %lld",
                 (long long)max);
        add_validation_error(errors, "body", name, "less_than_equal", message, item);
    } else if (json_integer(item) % step != 0) {
        snprintf(message, sizeof message, "Input should be a multiple of %lld", (long long)step);
        add_validation_error(errors, "body", name, "multiple_of", message, item);
    }
}

/* FastAPI validates the whole body and lists every problem; NULL when there is none. */
static cJSON *validation_errors(const cJSON *body)
{
    cJSON *errors = cJSON_CreateArray();
    const cJSON *prompt = cJSON_GetObjectItemCaseSensitive(body, "prompt");
    if (prompt == NULL)
        add_validation_error(errors, "body", "prompt", "missing", "Field required", NULL);
    else if (!cJSON_IsString(prompt))
        add_validation_error(errors, "body", "prompt", "string_type",
                             "Input should be a valid string", prompt);
    check_integer(errors, body, "width", 64, 4096, 16);
    check_integer(errors, body, "height", 64, 4096, 16);
    check_integer(errors, body, "safety_tolerance", 0, 6, 1);
    check_integer(errors, body, "seed", 0, 8000000000000000LL, 1);
    if (cJSON_GetArraySize(errors) > 0)
        return errors;
    cJSON_Delete(errors);
    return NULL;
}

static enum MHD_Result reply_validation(struct exchange *exchange, const char *where,
                                        const char *field, const char *type,
                                        const char *message)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(body, "detail");
    add_validation_error(list, where, field, type, message, NULL);
    enum MHD_Result result = exchange_reply_json(exchange, HTTP_UNPROCESSABLE, body,
                                                 NULL, 0);
    cJSON_Delete(body);
    return result;
}

/* A missing or unknown x-key. The seed documents no 401 (its 403 is a valid key without
 * permission), so the simulator answers FastAPI's 401 with one detail for both cases. */
static bool authorized(struct exchange *exchange, enum MHD_Result *result)
{
    if (sim_api_key_accepted(exchange->request->sim, x_key(exchange->request)))
        return true;
    *result = exchange_reply_error(exchange, MHD_HTTP_UNAUTHORIZED, "", NULL);
    return false;
}

static void polling_url(char *out, size_t size, const struct task *task, unsigned port)
{
    snprintf(out, size, "http://127.0.0.1:%u/bfl%s/v1/get_result?id=%s", port,
             task->scenario.regional_polling_url ? "/us1" : "", task->id);
}

static const struct fault_shape submit_faults = {
    .id_field = "id",
    .state_field = "status",
    .unknown_state = "Sleeping",
    .malformed = "{\"id\": \"",
    .wrong_types = "{\"id\": [\"x\"], \"polling_url\": 12345}",
};

static const struct fault_shape poll_faults = {
    .id_field = "id",
    .state_field = "status",
    .unknown_state = "Sleeping",
    .malformed = "{\"id\": \"",
    .wrong_types = "{\"id\": 7, \"status\": 42, \"result\": \"nope\", \"progress\": \"lots\", "
                   "\"details\": []}",
};

static enum MHD_Result submit(struct request *request, const char *model)
{
    struct exchange exchange;
    exchange_begin(&exchange, request, &bfl);
    if (!request_method_is(request, MHD_HTTP_METHOD_POST))
        return exchange_reply_wrong_method(&exchange, "POST");
    exchange_submit_arrived(&exchange);
    enum MHD_Result result;
    if (!authorized(&exchange, &result))
        return result;

    cJSON *body = request->body ? cJSON_ParseWithLength(request->body, request->body_length)
                                : NULL;
    if (body == NULL)
        return reply_validation(&exchange, "body", NULL, "json_invalid", "JSON decode error");
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        return reply_validation(&exchange, "body", NULL, "model_attributes_type",
                                "Input should be a valid dictionary or object to extract fields "
                                "from");
    }
    const char *prompt = json_string_member(body, "prompt");
    scenario_read_prompt(&exchange.scenario, prompt);
    exchange_read_scenario_header(&exchange);

    cJSON *errors = NULL;
    if (exchange_submit_refused(&exchange, "x-key", x_key(request), &result)) {
        /* answered */
    } else if ((errors = validation_errors(body)) != NULL) {
        cJSON *reply = cJSON_CreateObject();
        cJSON_AddItemToObject(reply, "detail", errors);
        result = exchange_reply_json(&exchange, HTTP_UNPROCESSABLE, reply, NULL, 0);
        cJSON_Delete(reply);
    } else {
        struct task task = { .model = (char *)model, .prompt = (char *)prompt };
        char hex[33];
        ids_random_hex(hex, 32);
        snprintf(task.id, sizeof task.id, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
                 hex + 16, hex + 20);
        const cJSON *seed = cJSON_GetObjectItemCaseSensitive(body, "seed");
        if (is_integer(seed)) {
            task.seed = json_integer(seed);
        } else {
            char digits[9];
            ids_random_hex(digits, 8);
            task.seed = (int64_t)(strtoull(digits, NULL, 16) & 0x7fffffff);
        }
        exchange_new_task(&exchange, &task);
        if (!exchange_store_task(&exchange, &task, &result)) {
            /* answered: --max-active, or out of memory */
        } else {
            cJSON *json = cJSON_CreateObject();
            cJSON_AddStringToObject(json, "id", task.id);
            if (!task.scenario.no_polling_url) {
                char url[256];
                polling_url(url, sizeof url, &task, request->sim->port);
                cJSON_AddStringToObject(json, "polling_url", url);
            }
            result = exchange_reply_created(&exchange, json, &submit_faults);
            cJSON_Delete(json);
        }
    }
    cJSON_Delete(body);
    return result;
}

/* BFL answers an id it does not know (or not yet: replication lag) with 200 and this. */
static cJSON *not_found_json(const char *id)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "id", id);
    cJSON_AddStringToObject(json, "status", STATUS_TASK_NOT_FOUND);
    return json;
}

/* "Request_Moderated" and "Request Moderated" alike: scenario words cannot hold spaces. */
static void failure_status(const struct task *task, char *out, size_t size)
{
    respell_with_spaces(task->scenario.fail_code, NULL, out, size);
}

static cJSON *task_json(const struct task *task, const struct task_progress *progress,
                        unsigned port)
{
    char status[SCENARIO_FAIL_CODE_MAX];
    if (progress->phase == TASK_FAILED) {
        failure_status(task, status, sizeof status);
        if (strcmp(status, STATUS_TASK_NOT_FOUND) == 0)
            return not_found_json(task->id);
    }
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "id", task->id);
    switch (progress->phase) {
    case TASK_PENDING:
    case TASK_PROCESSING:
        cJSON_AddStringToObject(json, "status", "Pending");
        cJSON_AddNullToObject(json, "result");
        /* undocumented: a fraction, as BFL's own clients print it */
        cJSON_AddNumberToObject(json, "progress", progress->percent / 100.0);
        cJSON_AddNullToObject(json, "details");
        break;
    case TASK_COMPLETED: {
        cJSON_AddStringToObject(json, "status", "Ready");
        cJSON *result = cJSON_AddObjectToObject(json, "result");
        char url[160];
        result_url(url, sizeof url, port, task->id, 0);
        if (task->scenario.result_count > 0)
            cJSON_AddStringToObject(result, "sample", url);
        else
            cJSON_AddNullToObject(result, "sample");
        cJSON_AddStringToObject(result, "prompt", task->prompt ? task->prompt : "");
        cJSON_AddNumberToObject(result, "seed", (double)task->seed);
        double start = task->created_unix_ms / 1000.0;
        cJSON_AddNumberToObject(result, "start_time", start);
        cJSON_AddNumberToObject(result, "end_time", start + task->duration_ms / 1000.0);
        cJSON_AddNumberToObject(result, "duration", task->duration_ms / 1000.0);
        cJSON_AddNumberToObject(json, "progress", 1);
        cJSON_AddNullToObject(json, "details");
        break;
    }
    case TASK_FAILED:
    case TASK_CANCELLED:
        cJSON_AddStringToObject(json, "status", status);
        cJSON_AddNullToObject(json, "result");
        cJSON_AddNullToObject(json, "progress");
        if (strcmp(status, "Error") == 0) {
            cJSON *error = cJSON_AddObjectToObject(json, "details");
            cJSON_AddStringToObject(error, "error", "An error occurred during processing.");
        } else {
            cJSON_AddNullToObject(json, "details");
        }
        break;
    }
    return json;
}

static enum MHD_Result poll_task(struct request *request, bool regional)
{
    struct exchange exchange;
    exchange_begin(&exchange, request, &bfl);
    if (!request_method_is(request, MHD_HTTP_METHOD_GET))
        return exchange_reply_wrong_method(&exchange, "GET, HEAD");
    struct store *store = request->sim->store;
    int64_t now_ms = sim_clock_ms();
    const char *id = request_query(request, "id");
    enum MHD_Result result;
    if (!authorized(&exchange, &result)) {
        store_record_poll(store, NULL, now_ms, NULL);
        return result;
    }
    if (id == NULL) {
        store_record_poll(store, NULL, now_ms, NULL);
        return reply_validation(&exchange, "query", "id", "missing", "Field required");
    }
    struct task task;
    if (!store_record_poll(store, id, now_ms, &task)) {
        cJSON *json = not_found_json(id);
        result = exchange_reply_json(&exchange, MHD_HTTP_OK, json, NULL, 0);
        cJSON_Delete(json);
        return result;
    }
    if (!exchange_poll_refused(&exchange, &task, &result)) {
        /* replication lag, or the global endpoint asked about a task its region holds */
        bool hidden = task.poll_number <= task.scenario.not_found_polls
                      || (task.scenario.regional_polling_url && !regional);
        struct task_progress progress = task_progress_now(&task, now_ms);
        cJSON *json = hidden ? not_found_json(task.id)
                             : task_json(&task, &progress, request->sim->port);
        result = exchange_reply_task(&exchange, &task, json, &poll_faults);
        cJSON_Delete(json);
    }
    task_release(&task);
    return result;
}

static const char v1_path[] = "/v1/";
static const char regional_result_path[] = "/us1/v1/get_result";

enum MHD_Result bfl_handle(struct request *request, const char *subpath)
{
    if (strcmp(subpath, "/v1/get_result") == 0)
        return poll_task(request, false);
    if (strcmp(subpath, regional_result_path) == 0)
        return poll_task(request, true);
    if (strncmp(subpath, v1_path, sizeof v1_path - 1) == 0) {
        const char *model = subpath + sizeof v1_path - 1;
        if (model[0] != '\0' && strchr(model, '/') == NULL)
            return submit(request, model);
    }
    struct exchange exchange;
    exchange_begin(&exchange, request, &bfl);
    return exchange_reply_error(&exchange, MHD_HTTP_NOT_FOUND, "", "Not Found");
}
