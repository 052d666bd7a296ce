/* BFL (Black Forest Labs FLUX): an x-key header, FastAPI error bodies ({"detail": ...}), a
 * polling_url to follow, and capitalised status words under HTTP 200, "Task not found" among them
 * (docs/providers.md, BFL (FLUX)). Mounted under /bfl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "ids.h"
#include "render.h"
#include "routes.h"

#define STATUS_TASK_NOT_FOUND "Task not found"
#define REGION "us1"

/* The documentation's own words for each status it lists; FastAPI's reason phrase for the rest. */
static const struct error_word errors[] = {
    {400, "", "There was an issue with the format or content of your request."},
    {401, "", "Invalid API key"},
    {402, "", "Your account has insufficient credits or your payment method needs to be updated."},
    {403, "", "Your API key does not have permission to access the specified resource."},
    {422, "", "The request you sent contains invalid request body or parameters."},
    {429, "", "You've exceeded the rate limits for your account."},
    {500, "", "An unexpected error occurred on our servers."},
    {503, "",
     "Our service is temporarily unavailable, typically due to maintenance or high load. "
     "Try again in a few moments."},
};

/* One entry of a FastAPI validation error: {"type", "loc": [where, field], "msg", "input"?};
 * location is "where" or "where.field". */
static void add_validation_error(cJSON *list, const char *location, const char *type, const char *message,
                                 const cJSON *input)
{
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddStringToObject(entry, "type", type);
    cJSON *loc = cJSON_AddArrayToObject(entry, "loc");
    const char *dot = strchr(location, '.');
    if (dot == NULL) {
        cJSON_AddItemToArray(loc, cJSON_CreateString(location));
    } else {
        char where[16];
        snprintf(where, sizeof where, "%.*s", (int)(dot - location), location);
        cJSON_AddItemToArray(loc, cJSON_CreateString(where));
        cJSON_AddItemToArray(loc, cJSON_CreateString(dot + 1));
    }
    cJSON_AddStringToObject(entry, "msg", message);
    if (input != NULL) cJSON_AddItemToObject(entry, "input", cJSON_Duplicate(input, true));
    cJSON_AddItemToArray(list, entry);
}

/* {"detail": "message"}. A 422 is FastAPI's list: one entry where a location is known, else the
 * documentation's example (http=422:TYPE sets its "type"), unless the code "string" asks for the
 * plain form (docs/providers.md, BFL (FLUX): both occur). */
static cJSON *error_body(const struct exchange *exchange, const struct error_answer *error)
{
    (void)exchange;
    cJSON *body = cJSON_CreateObject();
    if (error->status == HTTP_UNPROCESSABLE && error->location != NULL) {
        add_validation_error(cJSON_AddArrayToObject(body, "detail"), error->location, error->code, error->message,
                             NULL);
        return body;
    }
    if (error->status == HTTP_UNPROCESSABLE && error->documented && strcmp(error->code, "string") != 0) {
        bool custom = error->code[0] != '\0' && strcmp(error->code, "multiple_of") != 0;
        add_validation_error(
            cJSON_AddArrayToObject(body, "detail"), "body.width", custom ? error->code : "multiple_of",
            custom ? "Value error, width must be a multiple of 16" : "Input should be a multiple of 16", NULL);
        return body;
    }
    /* http=STATUS:message: the body carries "message", not "detail" (docs/providers/bfl.md) */
    cJSON_AddStringToObject(body, strcmp(error->code, "message") == 0 ? "message" : "detail", error->message);
    return body;
}

/* Integers as JSON numbers, within the range a double holds exactly. */
static bool is_integer(const cJSON *item)
{
    return cJSON_IsNumber(item) && item->valuedouble > -9e15 && item->valuedouble < 9e15 &&
           item->valuedouble == (double)(int64_t)item->valuedouble;
}

/* An optional integer member within [min, max] and a multiple of `step` (1: any). */
static void check_integer(cJSON *errors, const cJSON *body, const char *name, int64_t min, int64_t max, int64_t step)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(body, name);
    char location[32], message[96];
    if (item == NULL || cJSON_IsNull(item)) return;
    snprintf(location, sizeof location, "body.%s", name);
    if (!is_integer(item)) {
        add_validation_error(errors, location, "int_type", "Input should be a valid integer", item);
        return;
    }
    int64_t value = (int64_t)item->valuedouble;
    if (value < min) {
        snprintf(message, sizeof message, "Input should be greater than or equal to %lld", (long long)min);
        add_validation_error(errors, location, "greater_than_equal", message, item);
    } else if (value > max) {
        snprintf(message, sizeof message, "Input should be less than or equal to %lld", (long long)max);
        add_validation_error(errors, location, "less_than_equal", message, item);
    } else if (value % step != 0) {
        snprintf(message, sizeof message, "Input should be a multiple of %lld", (long long)step);
        add_validation_error(errors, location, "multiple_of", message, item);
    }
}

/* FastAPI validates the whole body and lists every problem. */
static bool invalid(const cJSON *body, struct refusal *refusal)
{
    cJSON *errors = cJSON_CreateArray();
    const cJSON *prompt = cJSON_GetObjectItemCaseSensitive(body, "prompt");
    if (prompt == NULL) add_validation_error(errors, "body.prompt", "missing", "Field required", NULL);
    else if (!cJSON_IsString(prompt))
        add_validation_error(errors, "body.prompt", "string_type", "Input should be a valid string", prompt);
    check_integer(errors, body, "width", 64, 4096, 16);
    check_integer(errors, body, "height", 64, 4096, 16);
    check_integer(errors, body, "safety_tolerance", 0, 6, 1);
    check_integer(errors, body, "seed", 0, 8000000000000000LL, 1);
    if (cJSON_GetArraySize(errors) == 0) {
        cJSON_Delete(errors);
        return false;
    }
    refusal->status = HTTP_UNPROCESSABLE;
    refusal->body = cJSON_CreateObject();
    cJSON_AddItemToObject(refusal->body, "detail", errors);
    return true;
}

/* A UUID's shape from 32 random hex digits. */
static void new_id(char *id, size_t size)
{
    char hex[33];
    ids_random_hex(hex, 32);
    snprintf(id, size, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

static void read_task(const cJSON *body, struct task *task)
{
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(body, "seed");
    task->seed = is_integer(seed) ? (int64_t)seed->valuedouble : ids_random_seed();
}

static cJSON *render_created(const struct exchange *exchange, const struct task *task)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "id", task->id);
    /* what the request costs, in credits ("used for billing"), as BFL's OpenAPI describes it:
     * the simulator's price is 4 credits an image, and 1.0 output megapixel */
    cJSON_AddNumberToObject(json, "cost", 4.0 * task->scenario.result_count);
    cJSON_AddNumberToObject(json, "input_mp", 0);
    cJSON_AddNumberToObject(json, "output_mp", 1.0);
    if (!task->scenario.no_polling_url) {
        char url[256];
        const char *region = task->scenario.regional_polling_url ? "/" REGION : "";
        char origin[SCENARIO_ORIGIN_MAX];
        snprintf(origin, sizeof origin, "http://127.0.0.1:%u", exchange->request->sim->port);
        if (task->scenario.polling_origin[0]) snprintf(origin, sizeof origin, "%s", task->scenario.polling_origin);
        snprintf(url, sizeof url, "%s/bfl%s/v1/get_result?id=%s", origin, region, task->id);
        cJSON_AddStringToObject(json, "polling_url", url);
    }
    return json;
}

/* BFL answers an id it does not know (or not yet: replication lag) with 200 and this. */
static cJSON *render_unknown(const char *id)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "id", id);
    cJSON_AddStringToObject(json, "status", STATUS_TASK_NOT_FOUND);
    return json;
}

static void add_result(cJSON *json, const struct task *task, unsigned port)
{
    cJSON *result = cJSON_AddObjectToObject(json, "result");
    char url[160];
    result_url(url, sizeof url, port, task->id, 0);
    if (task->scenario.result_count > 0) cJSON_AddStringToObject(result, "sample", url);
    else cJSON_AddNullToObject(result, "sample");
    cJSON_AddStringToObject(result, "prompt", task->prompt ? task->prompt : "");
    cJSON_AddNumberToObject(result, "seed", (double)task->seed);
    double start = task->created_unix_ms / 1000.0;
    cJSON_AddNumberToObject(result, "start_time", start);
    cJSON_AddNumberToObject(result, "end_time", start + task->duration_ms / 1000.0);
    cJSON_AddNumberToObject(result, "duration", task->duration_ms / 1000.0);
}

static cJSON *render_task(const struct exchange *exchange, const struct task *task,
                          const struct task_progress *progress)
{
    /* "Request_Moderated" and "Request Moderated" alike: scenario words cannot hold spaces */
    char status[SCENARIO_FAIL_CODE_MAX];
    bool ended_badly = progress->phase == TASK_FAILED || progress->phase == TASK_CANCELLED;
    if (ended_badly) respell_with_spaces(task->scenario.fail_code, NULL, status, sizeof status);
    else snprintf(status, sizeof status, "%s", exchange->dialect->phase_words[progress->phase]);
    /* replication lag, or the global endpoint asked about a task its region holds */
    bool global_route = exchange->route->pattern->kind == NULL;
    bool hidden = task->poll_number <= task->scenario.not_found_polls ||
                  (task->scenario.regional_polling_url && global_route);
    if (hidden || strcmp(status, STATUS_TASK_NOT_FOUND) == 0) return render_unknown(task->id);
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "id", task->id);
    cJSON_AddStringToObject(json, "status", status);
    if (progress->phase == TASK_COMPLETED) add_result(json, task, exchange->request->sim->port);
    else cJSON_AddNullToObject(json, "result");
    if (ended_badly) cJSON_AddNullToObject(json, "progress");
    else /* undocumented: a fraction, as BFL's own clients print it */
        cJSON_AddNumberToObject(json, "progress", progress->percent / 100.0);
    if (strcmp(status, "Error") == 0)
        cJSON_AddStringToObject(cJSON_AddObjectToObject(json, "details"), "error",
                                "An error occurred during processing.");
    else cJSON_AddNullToObject(json, "details");
    return json;
}

#define FASTAPI_422(code, message, location)              \
    {                                                     \
        HTTP_UNPROCESSABLE, code, message, location, NULL \
    }

const struct dialect bfl_dialect = {
    .name = "bfl",
    .scenario_dialect = SCENARIO_BFL,
    .routes =
        {
            {ROUTE_POLL, "/v1/get_result", "id", NULL},
            {ROUTE_POLL, "/" REGION "/v1/get_result", "id", REGION},
            {ROUTE_SUBMIT, "/v1/{model}", NULL, NULL},
        },
    .key = {.name = "x-key"},
    .prompt_field = "prompt",
    .webhook_url_field = "webhook_url",
    .webhook_secret_field = "webhook_secret",
    .webhook_signature_header = "X-BFL-Signature",
    .webhook_signature_prefix = "sha256=",
    .phase_words = {"Pending", "Pending", "Ready", NULL, NULL},
    .errors = {ERROR_WORDS(errors)},
    /* A missing or unknown x-key. The documentation lists no 401 (its 403 is a valid key without
     * permission), so the simulator answers FastAPI's 401 with one detail for both cases. */
    .not_json = FASTAPI_422("json_invalid", "JSON decode error", "body"),
    .not_object = FASTAPI_422("model_attributes_type",
                              "Input should be a valid dictionary or object to extract fields "
                              "from",
                              "body"),
    .no_poll_id = FASTAPI_422("missing", "Field required", "query.id"),
    .no_endpoint = {.format = "Not Found"},
    .retry_after_header = true,
    .faults = {.id_fields = {"id"}, .state_field = "status", .unknown_state = "Sleeping"},
    .new_id = new_id,
    .read_task = read_task,
    .invalid = invalid,
    .render_created = render_created,
    .render_task = render_task,
    .render_unknown = render_unknown,
    .error_body = error_body,
};
