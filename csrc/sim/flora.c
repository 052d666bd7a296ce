/* FLORA: techniques and runs. A request-id header on every response, {"error": {"code",
 * "message", "fields"?}} bodies with several codes for one status, idempotency keys, and field
 * names in camelCase or snake_case (docs/providers.md, FLORA). Mounted under /flora. */
#include <stdio.h>
#include <string.h>

#include "dialect.h"
#include "ids.h"
#include "render.h"
#include "routes.h"

#define INPUT_VALIDATION_ERROR "input_validation_error"

/* Every code the documentation lists, in its words; the first one of a status is that status's
 * default (http=STATUS), the others are picked with http=STATUS:CODE. */
static const struct error_word errors[] = {
    {400, INPUT_VALIDATION_ERROR, "Input 'prompt' is required but was not provided."},
    {400, "invalid_json", "The request body wasn't valid JSON."},
    {401, "invalid_api_key", "The API key is malformed, revoked, or doesn't exist."},
    {401, "unauthorized", "No Authorization header was sent."},
    {401, "invalid_token", "The OAuth token expired and couldn't refresh, or was revoked."},
    {402, "insufficient_credits", "The workspace has run out of credits and can't start the run."},
    {403, "forbidden", "The key is valid but lacks permission for this operation."},
    {404, "not_found",
     "The resource ID, Technique slug, or run ID doesn't exist (or doesn't "
     "belong to your workspace)."},
    {409, "conflict", "The resource is in a state that doesn't allow this operation."},
    /* the API reference: "duplicate keys within two hours return idempotency_duplicate" */
    {409, "idempotency_duplicate", "A request with this idempotency key was already made."},
    {422, "idempotency_conflict",
     "You sent the same idempotency_key with a different request "
     "body."},
    {429, "rate_limited", "You've exceeded the per-workspace request rate."},
    {500, "internal_error", "Something broke on our side. The request didn't complete."},
    {503, "service_unavailable", "The API is overloaded or down for maintenance."},
};

/* errorMessage of a failed run; model_timeout's is the documentation's example. */
static const struct code_text failure_messages[] = {
    {"model_timeout", "Underlying model exceeded the 60s budget"},
    {"safety_blocked", "The model refused the request on safety grounds."},
    {"input_unreachable", "A URL input (image/video) couldn't be fetched."},
    {"internal_error", "Generic execution failure."},
    {"provider_error", "The upstream model provider returned an error."},
};

static cJSON *error_json(const char *code, const char *message, const char *field, const char *problem)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(body, "error");
    cJSON_AddStringToObject(error, "code", code);
    cJSON_AddStringToObject(error, "message", message);
    if (field != NULL) {
        /* which input failed, and why */
        cJSON *entry = cJSON_CreateObject();
        cJSON_AddStringToObject(entry, "field", field);
        cJSON_AddStringToObject(entry, "message", problem);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(error, "fields"), entry);
    }
    return body;
}

/* The documented input_validation_error names the missing prompt in its fields. */
static cJSON *error_body(const struct exchange *exchange, const struct error_answer *error)
{
    (void)exchange;
    bool with_fields = error->documented && strcmp(error->code, INPUT_VALIDATION_ERROR) == 0;
    return error_json(error->code, error->message, with_fields ? "prompt" : NULL, "Required");
}

static const char *const input_types[] = {"text", "imageUrl", "videoUrl"};

/* The problem with one input, or NULL; *member says where in it. */
static const char *input_problem(const cJSON *input, const char **member)
{
    const char *type = json_string_at(input, "type");
    bool known_type = false;
    for (size_t i = 0; type != NULL && i < sizeof input_types / sizeof input_types[0]; i++)
        known_type = known_type || strcmp(type, input_types[i]) == 0;
    *member = "";
    if (!cJSON_IsObject(input)) return "Expected an object";
    *member = ".id";
    if (json_string_at(input, "id") == NULL) return "Expected a string";
    *member = ".type";
    if (!known_type) return "Expected one of text, imageUrl, videoUrl";
    *member = ".value";
    if (json_string_at(input, "value") == NULL) return "Expected a string";
    return NULL;
}

static bool refuse(struct refusal *refusal, const char *message, const char *field, const char *problem)
{
    refusal->status = MHD_HTTP_BAD_REQUEST;
    refusal->body = error_json(INPUT_VALIDATION_ERROR, message, field, problem);
    return true;
}

/* The technique's input schema, as far as the simulator knows it: at least one input, each
 * {"id": string, "type": one of input_types, "value": string}; mode "async" and a non-empty
 * idempotency_key where given. */
static bool invalid(const cJSON *body, struct refusal *refusal)
{
    const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(body, "inputs");
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(body, "mode");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(body, "idempotency_key");
    if (!cJSON_IsArray(inputs))
        return refuse(refusal, "Request body must have an 'inputs' array.", "inputs", "Expected an array");
    if (cJSON_GetArraySize(inputs) == 0)
        return refuse(refusal, "Input 'prompt' is required but was not provided.", "prompt", "Required");
    int index = 0;
    const cJSON *input;
    cJSON_ArrayForEach(input, inputs)
    {
        const char *member, *problem = input_problem(input, &member);
        if (problem != NULL) {
            char field[48], message[160];
            const char *id = json_string_at(input, "id");
            snprintf(field, sizeof field, "inputs[%d]%s", index, member);
            snprintf(message, sizeof message, "Input '%.60s' is invalid: %s.", id ? id : field, problem);
            return refuse(refusal, message, field, problem);
        }
        index++;
    }
    if (mode != NULL && !(cJSON_IsString(mode) && strcmp(mode->valuestring, "async") == 0))
        return refuse(refusal, "Field 'mode' must be \"async\".", "mode", "Expected \"async\"");
    if (key != NULL && !(cJSON_IsString(key) && key->valuestring[0] != '\0'))
        return refuse(refusal, "Field 'idempotency_key' must be a non-empty string.", "idempotency_key",
                      "Expected a non-empty string");
    return false;
}

/* Scenario words may sit in any text input. */
static void read_scenario(struct scenario *scenario, const cJSON *body)
{
    const cJSON *input;
    cJSON_ArrayForEach(input, cJSON_GetObjectItemCaseSensitive(body, "inputs"))
    {
        const char *type = json_string_at(input, "type");
        if (type != NULL && strcmp(type, "text") == 0) scenario_read_prompt(scenario, json_string_at(input, "value"));
    }
}

static void new_id(char *id, size_t size)
{
    char hex[25];
    ids_random_hex(hex, 24);
    snprintf(id, size, "run_%s", hex);
}

/* Field names in the case the scenario asked for. */
static const char *name(const struct task *task, const char *camel, const char *snake)
{
    return task->scenario.snake_case ? snake : camel;
}

static cJSON *render_created(const struct exchange *exchange, const struct task *task)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/flora/techniques/%s/runs/%s", exchange->request->sim->port,
             task->model, task->id);
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, name(task, "runId", "run_id"), task->id);
    cJSON_AddStringToObject(json, "status", exchange->dialect->phase_words[TASK_PENDING]);
    cJSON_AddNumberToObject(json, "progress", 0);
    cJSON_AddStringToObject(json, name(task, "pollUrl", "poll_url"), url);
    return json;
}

static void add_outputs(cJSON *json, const struct task *task, unsigned port)
{
    cJSON *outputs = cJSON_AddArrayToObject(json, "outputs");
    for (unsigned i = 0; i < task->scenario.result_count; i++) {
        char url[160], output_id[TASK_ID_MAX + 16];
        bool text = task->scenario.shape == RESULT_SHAPE_TEXT; /* "Run output URL or text content" */
        if (text) snprintf(url, sizeof url, "Caption %u of run %s", i + 1, task->id);
        else result_url(url, sizeof url, port, task->id, i);
        snprintf(output_id, sizeof output_id, "%s-out-%u", task->id, i);
        cJSON *output = cJSON_CreateObject();
        cJSON_AddStringToObject(output, name(task, "outputId", "output_id"), output_id);
        cJSON_AddStringToObject(output, "type", text ? "text" : "imageUrl");
        cJSON_AddStringToObject(output, "url", url);
        cJSON_AddItemToArray(outputs, output);
    }
    cJSON_AddNumberToObject(json, name(task, "chargedCost", "charged_cost"), 2.0 * task->scenario.result_count);
}

static cJSON *render_task(const struct exchange *exchange, const struct task *task,
                          const struct task_progress *progress)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, name(task, "runId", "run_id"), task->id);
    cJSON_AddStringToObject(json, "status", exchange->dialect->phase_words[progress->phase]);
    cJSON_AddNumberToObject(json, "progress", progress->percent);
    if (progress->phase == TASK_COMPLETED) {
        add_outputs(json, task, exchange->request->sim->port);
    } else if (progress->phase == TASK_FAILED) {
        const char *code = task->scenario.fail_code;
        const char *message = CODE_TEXT_FIND(failure_messages, code, false);
        cJSON_AddStringToObject(json, name(task, "errorCode", "error_code"), code);
        cJSON_AddStringToObject(json, name(task, "errorMessage", "error_message"),
                                message ? message : "The run failed.");
    }
    return json;
}

const struct dialect flora_dialect = {
    .name = "flora",
    .scenario_dialect = SCENARIO_FLORA,
    /* a run belongs to its technique: polled under another, it is unknown */
    .routes =
        {
            {ROUTE_SUBMIT, "/techniques/{model}/runs", NULL, NULL},
            {ROUTE_POLL, "/techniques/{model}/runs/{id}", NULL, NULL},
        },
    .poll_checks_model = true,
    .key = {.name = MHD_HTTP_HEADER_AUTHORIZATION, .bearer = true},
    .idempotency_field = "idempotency_key",
    .webhook_url_field = "callback_url", /* pushed unsigned here: the client takes it as news */
    .phase_words = {"pending", "running", "completed", "failed", "failed"},
    .errors =
        {
            ERROR_WORDS(errors),
            .client = {0, "bad_request", NULL},
            .server = {0, "server_error", NULL},
        },
    .no_key = {MHD_HTTP_UNAUTHORIZED, "unauthorized"},
    .bad_key = {MHD_HTTP_UNAUTHORIZED, "invalid_api_key"},
    .not_json = {MHD_HTTP_BAD_REQUEST, "invalid_json"},
    .not_object = {MHD_HTTP_BAD_REQUEST, INPUT_VALIDATION_ERROR, "Request body must be a JSON object."},
    .no_task = {MHD_HTTP_NOT_FOUND, "not_found"},
    .reused_key = {HTTP_UNPROCESSABLE, "idempotency_conflict"},
    .retry_after_header = true,
    .request_id_header = "request-id",
    .faults = {.id_fields = {"runId", "run_id"}, .state_field = "status"},
    .new_id = new_id,
    .read_scenario = read_scenario,
    .invalid = invalid,
    .render_created = render_created,
    .render_task = render_task,
    .error_body = error_body,
};
