/* FLORA: techniques and runs. A request-id header on every response, {"error": {"code",
 * "message", "fields"?}} bodies with several codes for one status, idempotency keys, and field
 * names in camelCase or snake_case (PROVIDERS.md §3, seed 002). Mounted under /flora. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "dialect.h"
#include "ids.h"
#include "routes.h"

#define DIALECT "flora"

/* Every code the seed documents, in its words; the first one of a status is that status's
 * default (http=STATUS), the others are picked with http=STATUS:CODE. */
static const struct flora_error {
    unsigned status;
    const char *code;
    const char *message;
} flora_errors[] = {
    { 400, "input_validation_error", "Input 'prompt' is required but was not provided." },
    { 400, "invalid_json", "The request body wasn't valid JSON." },
    { 401, "invalid_api_key", "The API key is malformed, revoked, or doesn't exist." },
    { 401, "unauthorized", "No Authorization header was sent." },
    { 401, "invalid_token", "The OAuth token expired and couldn't refresh, or was revoked." },
    { 402, "insufficient_credits", "The workspace has run out of credits and can't start the run." },
    { 403, "forbidden", "The key is valid but lacks permission for this operation." },
    { 404, "not_found", "The resource ID, Technique slug, or run ID doesn't exist (or doesn't "
                        "belong to your workspace)." },
    { 409, "conflict", "The resource is in a state that doesn't allow this operation." },
    { 422, "idempotency_conflict", "You sent the same idempotency_key with a different request "
                                   "body." },
    { 429, "rate_limited", "You've exceeded the per-workspace request rate." },
    { 500, "internal_error", "Something broke on our side. The request didn't complete." },
    { 503, "service_unavailable", "The API is overloaded or down for maintenance." },
};

/* errorMessage of a failed run; model_timeout's is the seed's example. */
static const struct code_text failure_messages[] = {
    { "model_timeout", "Underlying model exceeded the 60s budget" },
    { "safety_blocked", "The model refused the request on safety grounds." },
    { "input_unreachable", "A URL input (image/video) couldn't be fetched." },
    { "internal_error", "Generic execution failure." },
    { "provider_error", "The upstream model provider returned an error." },
};

/* The documented entry for (status, code); code "" picks the status's default. An undocumented
 * code keeps the status's default message; an undocumented status gets a generic code. */
static struct flora_error error_for(unsigned status, const char *code)
{
    const struct flora_error *fallback = NULL;
    for (size_t i = 0; i < sizeof flora_errors / sizeof flora_errors[0]; i++) {
        if (flora_errors[i].status != status)
            continue;
        if (fallback == NULL)
            fallback = &flora_errors[i];
        if (code[0] == '\0' || strcmp(flora_errors[i].code, code) == 0)
            return flora_errors[i];
    }
    const char *phrase = MHD_get_reason_phrase_for(status);
    struct flora_error error = { status, status >= 500 ? "server_error" : "bad_request",
                                 phrase && phrase[0] ? phrase : "Error" };
    if (fallback != NULL)
        error = *fallback;
    if (code[0] != '\0')
        error.code = code;
    return error;
}

/* A "fields" entry: which input failed, and why. */
static void add_field(cJSON *fields, const char *field, const char *message)
{
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddStringToObject(entry, "field", field);
    cJSON_AddStringToObject(entry, "message", message);
    cJSON_AddItemToArray(fields, entry);
}

static cJSON *error_json(const char *code, const char *message, cJSON **fields)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(body, "error");
    cJSON_AddStringToObject(error, "code", code);
    cJSON_AddStringToObject(error, "message", message);
    if (fields != NULL)
        *fields = cJSON_AddArrayToObject(error, "fields");
    return body;
}

static cJSON *error_body(const struct exchange *exchange, unsigned status, const char *variant,
                         const char *message)
{
    (void)exchange;
    struct flora_error error = error_for(status, variant);
    bool with_fields = message == NULL && strcmp(error.code, "input_validation_error") == 0;
    cJSON *fields = NULL;
    cJSON *body = error_json(error.code, message ? message : error.message,
                             with_fields ? &fields : NULL);
    if (fields != NULL)
        add_field(fields, "prompt", "Required");
    return body;
}

static const struct dialect flora = {
    .name = DIALECT,
    .scenario_dialect = SCENARIO_FLORA,
    .retry_after_header = true,
    .request_id_header = "request-id",
    .echo_header = "request-id",
    .error_body = error_body,
};

static const char *authorization(const struct request *request)
{
    return request_header(request, MHD_HTTP_HEADER_AUTHORIZATION);
}

/* No header: unauthorized; a header that holds no accepted key: invalid_api_key. */
static bool authorized(struct exchange *exchange, enum MHD_Result *result)
{
    if (bearer_key_accepted(exchange->request))
        return true;
    const char *header = authorization(exchange->request);
    *result = exchange_reply_error(exchange, MHD_HTTP_UNAUTHORIZED,
                                   header ? "invalid_api_key" : "unauthorized", NULL);
    return false;
}

/* Field names in the case the scenario asked for. */
static const char *name(const struct task *task, const char *camel, const char *snake)
{
    return task->scenario.snake_case ? snake : camel;
}

static void poll_url(char *out, size_t size, const struct task *task, unsigned port)
{
    snprintf(out, size, "http://127.0.0.1:%u/flora/techniques/%s/runs/%s", port, task->model,
             task->id);
}

static cJSON *submitted_json(const struct task *task, unsigned port)
{
    char url[512];
    poll_url(url, sizeof url, task, port);
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, name(task, "runId", "run_id"), task->id);
    cJSON_AddStringToObject(json, "status", "pending");
    cJSON_AddNumberToObject(json, "progress", 0);
    cJSON_AddStringToObject(json, name(task, "pollUrl", "poll_url"), url);
    return json;
}

static const char *phase_status(enum task_phase phase)
{
    switch (phase) {
    case TASK_PENDING: return "pending";
    case TASK_PROCESSING: return "running";
    case TASK_COMPLETED: return "completed";
    case TASK_FAILED:
    case TASK_CANCELLED: break;
    }
    return "failed";
}

static cJSON *run_json(const struct task *task, const struct task_progress *progress,
                       unsigned port)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, name(task, "runId", "run_id"), task->id);
    cJSON_AddStringToObject(json, "status", phase_status(progress->phase));
    cJSON_AddNumberToObject(json, "progress", progress->percent);
    if (progress->phase == TASK_COMPLETED) {
        cJSON *outputs = cJSON_AddArrayToObject(json, "outputs");
        for (unsigned i = 0; i < task->scenario.result_count; i++) {
            char url[160], output_id[TASK_ID_MAX + 16];
            result_url(url, sizeof url, port, task->id, i);
            snprintf(output_id, sizeof output_id, "%s-out-%u", task->id, i);
            cJSON *output = cJSON_CreateObject();
            cJSON_AddStringToObject(output, name(task, "outputId", "output_id"), output_id);
            cJSON_AddStringToObject(output, "type", "imageUrl");
            cJSON_AddStringToObject(output, "url", url);
            cJSON_AddItemToArray(outputs, output);
        }
        cJSON_AddNumberToObject(json, name(task, "chargedCost", "charged_cost"),
                                2.0 * task->scenario.result_count);
    } else if (progress->phase == TASK_FAILED) {
        const char *code = task->scenario.fail_code;
        const char *message = CODE_TEXT_FIND(failure_messages, code);
        cJSON_AddStringToObject(json, name(task, "errorCode", "error_code"), code);
        cJSON_AddStringToObject(json, name(task, "errorMessage", "error_message"),
                                message ? message : "The run failed.");
    }
    return json;
}

static const struct fault_shape submit_faults[2] = {
    {
        .id_field = "runId", .state_field = "status", .unknown_state = "sleeping",
        .malformed = "{\"runId\": \"run_",
        .wrong_types = "{\"runId\": 12345, \"status\": [\"x\"], \"progress\": \"lots\", "
                       "\"pollUrl\": 7}",
    },
    {
        .id_field = "run_id", .state_field = "status", .unknown_state = "sleeping",
        .malformed = "{\"run_id\": \"run_",
        .wrong_types = "{\"run_id\": 12345, \"status\": [\"x\"], \"progress\": \"lots\", "
                       "\"poll_url\": 7}",
    },
};

static const struct fault_shape poll_faults[2] = {
    {
        .id_field = "runId", .state_field = "status", .unknown_state = "sleeping",
        .malformed = "{\"runId\": \"run_",
        .wrong_types = "{\"runId\": 7, \"status\": 42, \"progress\": \"lots\", "
                       "\"outputs\": \"nope\", \"errorCode\": 5}",
    },
    {
        .id_field = "run_id", .state_field = "status", .unknown_state = "sleeping",
        .malformed = "{\"run_id\": \"run_",
        .wrong_types = "{\"run_id\": 7, \"status\": 42, \"progress\": \"lots\", "
                       "\"outputs\": \"nope\", \"error_code\": 5}",
    },
};

static const char *const input_types[] = { "text", "imageUrl", "videoUrl" };

/* The technique's input schema, as far as the simulator knows it: at least one input, each
 * {"id": string, "type": one of input_types, "value": string}. Returns the input_validation_error
 * body, or NULL when the request is valid. */
static cJSON *validation_error(const cJSON *body)
{
    const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(body, "inputs");
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(body, "mode");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(body, "idempotency_key");
    cJSON *fields = NULL, *error = NULL;
    char field[48], message[160];
    if (!cJSON_IsArray(inputs)) {
        error = error_json("input_validation_error", "Request body must have an 'inputs' array.",
                           &fields);
        add_field(fields, "inputs", "Expected an array");
        return error;
    }
    if (cJSON_GetArraySize(inputs) == 0) {
        error = error_json("input_validation_error",
                           "Input 'prompt' is required but was not provided.", &fields);
        add_field(fields, "prompt", "Required");
        return error;
    }
    int index = 0;
    const cJSON *input;
    cJSON_ArrayForEach(input, inputs) {
        const char *id = json_string_member(input, "id");
        const char *type = json_string_member(input, "type");
        bool known_type = false;
        for (size_t i = 0; type != NULL && i < sizeof input_types / sizeof input_types[0]; i++)
            known_type = known_type || strcmp(type, input_types[i]) == 0;
        const char *problem = NULL, *member = NULL;
        if (!cJSON_IsObject(input))
            problem = "Expected an object", member = "";
        else if (id == NULL)
            problem = "Expected a string", member = ".id";
        else if (!known_type)
            problem = "Expected one of text, imageUrl, videoUrl", member = ".type";
        else if (json_string_member(input, "value") == NULL)
            problem = "Expected a string", member = ".value";
        if (problem != NULL) {
            snprintf(field, sizeof field, "inputs[%d]%s", index, member);
            snprintf(message, sizeof message, "Input '%.60s' is invalid: %s.",
                     id ? id : field, problem);
            error = error_json("input_validation_error", message, &fields);
            add_field(fields, field, problem);
            return error;
        }
        index++;
    }
    if (mode != NULL && !(cJSON_IsString(mode) && strcmp(mode->valuestring, "async") == 0)) {
        error = error_json("input_validation_error", "Field 'mode' must be \"async\".", &fields);
        add_field(fields, "mode", "Expected \"async\"");
        return error;
    }
    if (key != NULL && !(cJSON_IsString(key) && key->valuestring[0] != '\0')) {
        error = error_json("input_validation_error",
                           "Field 'idempotency_key' must be a non-empty string.", &fields);
        add_field(fields, "idempotency_key", "Expected a non-empty string");
        return error;
    }
    return NULL;
}

/* Scenario words may sit in any text input. */
static void read_scenario(struct exchange *exchange, const cJSON *body)
{
    const cJSON *input;
    cJSON_ArrayForEach(input, cJSON_GetObjectItemCaseSensitive(body, "inputs")) {
        const char *type = json_string_member(input, "type");
        if (type != NULL && strcmp(type, "text") == 0)
            scenario_read_prompt(&exchange->scenario, json_string_member(input, "value"));
    }
    exchange_read_scenario_header(exchange);
}

/* With an idempotency key the store decides, atomically, whether this request creates the run or
 * replays it; a replay answers as the first submit did (status pending), without its reset and
 * body= faults (the first-attempt words still count it as an attempt). */
static enum MHD_Result create_run(struct exchange *exchange, struct task *task, const cJSON *body)
{
    struct request *request = exchange->request;
    enum MHD_Result result;
    if (task->idempotency_key == NULL) {
        if (!exchange_store_task(exchange, task, &result))
            return result;
    } else {
        cJSON *fingerprint = cJSON_CreateObject();
        cJSON_AddStringToObject(fingerprint, "technique", task->model);
        cJSON_AddItemToObject(fingerprint, "body", cJSON_Duplicate(body, true));
        struct task existing;
        struct store_admission admission;
        exchange_admission(exchange, &admission);
        enum store_outcome outcome =
            store_add_task(request->sim->store, task, fingerprint, &admission, &existing);
        cJSON_Delete(fingerprint);
        if (outcome == STORE_NO_MEMORY)
            return exchange_reply_error(exchange, MHD_HTTP_INTERNAL_SERVER_ERROR, "", NULL);
        if (outcome == STORE_BUSY)
            return exchange_reply_busy(exchange);
        if (outcome == STORE_CONFLICT)
            return exchange_reply_error(exchange, HTTP_UNPROCESSABLE,
                                        "idempotency_conflict", NULL);
        if (outcome == STORE_REPLAYED) {
            cJSON *json = submitted_json(&existing, request->sim->port);
            result = exchange_reply_replayed(exchange, json);
            cJSON_Delete(json);
            task_release(&existing);
            return result;
        }
    }
    cJSON *json = submitted_json(task, request->sim->port);
    result = exchange_reply_created(exchange, json, &submit_faults[task->scenario.snake_case]);
    cJSON_Delete(json);
    return result;
}

static enum MHD_Result submit(struct exchange *exchange, const char *slug)
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
    if (body == NULL)
        return exchange_reply_error(exchange, MHD_HTTP_BAD_REQUEST, "invalid_json", NULL);
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        return exchange_reply_error(exchange, MHD_HTTP_BAD_REQUEST, "input_validation_error",
                                    "Request body must be a JSON object.");
    }
    read_scenario(exchange, body);

    cJSON *invalid = NULL;
    if (exchange_submit_refused(exchange, "Authorization", authorization(request), &result)) {
        /* answered */
    } else if ((invalid = validation_error(body)) != NULL) {
        result = exchange_reply_json(exchange, MHD_HTTP_BAD_REQUEST, invalid, NULL, 0);
        cJSON_Delete(invalid);
    } else {
        const char *key = json_string_member(body, "idempotency_key");
        if (key == NULL)
            key = request_header(request, "Idempotency-Key");
        struct task task = { .model = (char *)slug, .idempotency_key = (char *)key };
        char hex[25];
        ids_random_hex(hex, 24);
        snprintf(task.id, sizeof task.id, "run_%s", hex);
        exchange_new_task(exchange, &task);
        result = create_run(exchange, &task, body);
    }
    cJSON_Delete(body);
    return result;
}

static enum MHD_Result poll_run(struct exchange *exchange, const char *slug, const char *run_id)
{
    struct request *request = exchange->request;
    if (!request_method_is(request, MHD_HTTP_METHOD_GET))
        return exchange_reply_wrong_method(exchange, "GET, HEAD");
    struct store *store = request->sim->store;
    int64_t now_ms = sim_clock_ms();
    enum MHD_Result result;
    if (!authorized(exchange, &result)) {
        store_record_poll(store, NULL, now_ms, NULL);
        return result;
    }
    struct task task;
    if (!store_record_poll(store, run_id, now_ms, &task))
        return exchange_reply_error(exchange, MHD_HTTP_NOT_FOUND, "not_found", NULL);
    if (strcmp(task.model, slug) != 0) {
        /* a run belongs to its technique */
        result = exchange_reply_error(exchange, MHD_HTTP_NOT_FOUND, "not_found", NULL);
    } else if (!exchange_poll_refused(exchange, &task, &result)) {
        struct task_progress progress = task_progress_now(&task, now_ms);
        cJSON *json = run_json(&task, &progress, request->sim->port);
        result = exchange_reply_task(exchange, &task, json, &poll_faults[task.scenario.snake_case]);
        cJSON_Delete(json);
    }
    task_release(&task);
    return result;
}

static const char techniques_path[] = "/techniques/";
static const char runs_path[] = "/runs";

enum MHD_Result flora_handle(struct request *request, const char *subpath)
{
    struct exchange exchange;
    exchange_begin(&exchange, request, &flora);
    /* /techniques/{slug}/runs and /techniques/{slug}/runs/{runId} */
    if (strncmp(subpath, techniques_path, sizeof techniques_path - 1) != 0)
        return exchange_reply_no_endpoint(&exchange);
    const char *slug = subpath + sizeof techniques_path - 1;
    const char *slash = strchr(slug, '/');
    size_t slug_length = slash ? (size_t)(slash - slug) : 0;
    if (slug_length == 0 || slug_length >= TASK_ID_MAX
        || strncmp(slash, runs_path, sizeof runs_path - 1) != 0)
        return exchange_reply_no_endpoint(&exchange);
    char slug_text[TASK_ID_MAX];
    memcpy(slug_text, slug, slug_length);
    slug_text[slug_length] = '\0';
    const char *rest = slash + sizeof runs_path - 1;
    if (rest[0] == '\0')
        return submit(&exchange, slug_text);
    if (rest[0] == '/' && rest[1] != '\0' && strchr(rest + 1, '/') == NULL)
        return poll_run(&exchange, slug_text, rest + 1);
    return exchange_reply_no_endpoint(&exchange);
}
