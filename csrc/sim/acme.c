/* ACME: a made-up service, no real provider's, for testing provider profiles written in Lua. Its
 * field names differ from all five real dialects' (a job under "job", its "ref", "phase" and
 * "percent", "assets" of "href", a "problem" of "kind" and "detail"), so that a client that
 * handles it can only have learnt it from its profile table. Mounted under /acme. */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "dialect.h"
#include "ids.h"
#include "routes.h"

#define DIALECT "acme"
#define TOKEN_HEADER "X-Api-Token"

/* The failure code that ends a job in its own phase, "refused", without a problem object. */
#define REFUSED_CODE "refused"

/* error.code and error.message for each HTTP status. */
static const struct http_error {
    unsigned status;
    const char *code;
    const char *message;
} http_errors[] = {
    { 400, "bad_request", "bad request" },
    { 401, "bad_token", "invalid token" },
    { 402, "payment", "payment required" },
    { 403, "forbidden", "forbidden" },
    { 404, "no_such_job", "no such job" },
    { 405, "wrong_method", "method not allowed" },
    { 409, "conflict", "conflict" },
    { 413, "too_large", "request too large" },
    { 422, "invalid", "invalid request" },
    { 429, "slow_down", "too many requests, slow down" },
    { 500, "oops", "internal error" },
    { 502, "bad_gateway", "bad gateway" },
    { 503, "unavailable", "service unavailable" },
    { 504, "timeout", "gateway timeout" },
};

static struct http_error http_error_for(unsigned status)
{
    for (size_t i = 0; i < sizeof http_errors / sizeof http_errors[0]; i++)
        if (http_errors[i].status == status)
            return http_errors[i];
    if (status >= 500)
        return (struct http_error){ status, "server_error", "server error" };
    return (struct http_error){ status, "client_error", "client error" };
}

/* {"error": {"code", "message"}}; a variant (http=STATUS:VARIANT) replaces the code. */
static cJSON *error_body(const struct exchange *exchange, unsigned status, const char *variant,
                         const char *message)
{
    (void)exchange;
    struct http_error error = http_error_for(status);
    cJSON *body = cJSON_CreateObject();
    cJSON *fields = cJSON_AddObjectToObject(body, "error");
    cJSON_AddStringToObject(fields, "code", variant[0] ? variant : error.code);
    cJSON_AddStringToObject(fields, "message", message ? message : error.message);
    return body;
}

static const struct dialect acme = {
    .name = DIALECT,
    .scenario_dialect = SCENARIO_ACME,
    .retry_after_header = true,
    .echo_header = "X-Request-Id",
    .created_status = MHD_HTTP_ACCEPTED,
    .error_body = error_body,
};

static const char *token(const struct request *request)
{
    return request_header(request, TOKEN_HEADER);
}

static bool authorized(const struct request *request)
{
    return sim_api_key_accepted(request->sim, token(request));
}

static const char *phase_word(const struct task *task, enum task_phase phase)
{
    switch (phase) {
    case TASK_PENDING: return "queued";
    case TASK_PROCESSING: return "working";
    case TASK_COMPLETED: return "done";
    case TASK_FAILED:
    case TASK_CANCELLED: break;
    }
    return strcmp(task->scenario.fail_code, REFUSED_CODE) == 0 ? "refused" : "broken";
}

static cJSON *job_json(const struct task *task, const struct task_progress *progress,
                       unsigned port)
{
    cJSON *json = cJSON_CreateObject();
    cJSON *job = cJSON_AddObjectToObject(json, "job");
    const char *phase = phase_word(task, progress->phase);
    cJSON_AddStringToObject(job, "ref", task->id);
    cJSON_AddStringToObject(job, "phase", phase);
    cJSON_AddNumberToObject(job, "percent", progress->percent);
    if (progress->phase == TASK_COMPLETED) {
        cJSON *assets = cJSON_AddArrayToObject(job, "assets");
        for (unsigned i = 0; i < task->scenario.result_count; i++) {
            char url[160];
            result_url(url, sizeof url, port, task->id, i);
            cJSON *asset = cJSON_CreateObject();
            cJSON_AddStringToObject(asset, "href", url);
            cJSON_AddItemToArray(assets, asset);
        }
    } else if (strcmp(phase, "broken") == 0) {
        char detail[SCENARIO_FAIL_CODE_MAX + 32];
        snprintf(detail, sizeof detail, "the job broke: %s", task->scenario.fail_code);
        cJSON *problem = cJSON_AddObjectToObject(job, "problem");
        cJSON_AddStringToObject(problem, "kind", task->scenario.fail_code);
        cJSON_AddStringToObject(problem, "detail", detail);
    }
    return json;
}

static const struct fault_shape submit_faults = {
    .id_field = "job.ref",
    .state_field = "job.phase",
    .unknown_state = "sleeping",
    .malformed = "{\"job\": {\"ref\": \"job-",
    .wrong_types = "{\"job\": {\"ref\": 7, \"phase\": [\"queued\"], \"percent\": \"none\"}}",
};

static const struct fault_shape poll_faults = {
    .id_field = "job.ref",
    .state_field = "job.phase",
    .unknown_state = "sleeping",
    .malformed = "{\"job\": {\"ref\": \"job-",
    .wrong_types = "{\"job\": {\"ref\": 7, \"phase\": 42, \"percent\": \"lots\", "
                   "\"assets\": \"nope\", \"problem\": \"bad\"}}",
};

/* What the request's body gets wrong, or NULL. params may be absent or null; an empty array
 * passes for an empty object, as Lua JSON encoders write an empty table. */
static const char *validation_error(const cJSON *body)
{
    const cJSON *recipe = cJSON_GetObjectItemCaseSensitive(body, "recipe");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(body, "params");
    if (recipe == NULL || cJSON_IsNull(recipe))
        return "recipe is required";
    if (!cJSON_IsString(recipe))
        return "recipe must be a string";
    if (recipe->valuestring[0] == '\0')
        return "recipe is required";
    if (params != NULL && !cJSON_IsNull(params) && !cJSON_IsObject(params)
        && !(cJSON_IsArray(params) && cJSON_GetArraySize(params) == 0))
        return "params must be an object";
    return NULL;
}

static enum MHD_Result submit(struct exchange *exchange)
{
    struct request *request = exchange->request;
    if (!request_method_is(request, MHD_HTTP_METHOD_POST))
        return exchange_reply_wrong_method(exchange, "POST");
    exchange_submit_arrived(exchange);
    if (!authorized(request))
        return exchange_reply_error(exchange, MHD_HTTP_UNAUTHORIZED, "", NULL);

    cJSON *body = request->body ? cJSON_ParseWithLength(request->body, request->body_length)
                                : NULL;
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        return exchange_reply_error(exchange, MHD_HTTP_BAD_REQUEST, "",
                                    "body must be a JSON object");
    }
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(body, "params");
    scenario_read_prompt(&exchange->scenario, json_string_member(params, "prompt"));
    exchange_read_scenario_header(exchange);

    enum MHD_Result result;
    const char *invalid;
    if (exchange_submit_refused(exchange, TOKEN_HEADER, token(request), &result)) {
        /* answered */
    } else if ((invalid = validation_error(body)) != NULL) {
        result = exchange_reply_error(exchange, MHD_HTTP_BAD_REQUEST, "", invalid);
    } else {
        const char *recipe = json_string_member(body, "recipe");
        struct task task = { .model = (char *)recipe };
        snprintf(task.id, sizeof task.id, "job-%llu", (unsigned long long)ids_next_sequence());
        exchange_new_task(exchange, &task);
        if (!exchange_store_task(exchange, &task, &result)) {
            /* answered: --max-active, or out of memory */
        } else {
            const struct task_progress submitted = { TASK_PENDING, 0, task.duration_ms };
            cJSON *json = job_json(&task, &submitted, request->sim->port);
            result = exchange_reply_created(exchange, json, &submit_faults);
            cJSON_Delete(json);
        }
    }
    cJSON_Delete(body);
    return result;
}

static enum MHD_Result poll_job(struct exchange *exchange, const char *ref)
{
    struct request *request = exchange->request;
    if (!request_method_is(request, MHD_HTTP_METHOD_GET))
        return exchange_reply_wrong_method(exchange, "GET, HEAD");
    struct store *store = request->sim->store;
    int64_t now_ms = sim_clock_ms();
    if (!authorized(request)) {
        store_record_poll(store, NULL, now_ms, NULL);
        return exchange_reply_error(exchange, MHD_HTTP_UNAUTHORIZED, "", NULL);
    }
    struct task task;
    if (!store_record_poll(store, ref, now_ms, &task))
        return exchange_reply_error(exchange, MHD_HTTP_NOT_FOUND, "", NULL);

    enum MHD_Result result;
    if (!exchange_poll_refused(exchange, &task, &result)) {
        struct task_progress progress = task_progress_now(&task, now_ms);
        cJSON *json = job_json(&task, &progress, request->sim->port);
        result = exchange_reply_task(exchange, &task, json, &poll_faults);
        cJSON_Delete(json);
    }
    task_release(&task);
    return result;
}

static const char jobs_path[] = "/jobs";

enum MHD_Result acme_handle(struct request *request, const char *subpath)
{
    struct exchange exchange;
    exchange_begin(&exchange, request, &acme);
    if (strcmp(subpath, jobs_path) == 0)
        return submit(&exchange);
    if (strncmp(subpath, jobs_path, sizeof jobs_path - 1) == 0
        && subpath[sizeof jobs_path - 1] == '/') {
        const char *ref = subpath + sizeof jobs_path;
        if (ref[0] != '\0' && strchr(ref, '/') == NULL)
            return poll_job(&exchange, ref);
    }
    char message[256];
    snprintf(message, sizeof message, "no endpoint %s %.200s", request->method, request->path);
    return exchange_reply_error(&exchange, MHD_HTTP_NOT_FOUND, "no_such_endpoint", message);
}
