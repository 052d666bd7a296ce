/* ACME: a made-up service, no real provider's, for testing provider profiles written in Lua. Its
 * field names differ from all five real dialects' (a job under "job", its "ref", "phase" and
 * "percent", "assets" of "href", a "problem" of "kind" and "detail"), so that a client that
 * handles it can only have learnt it from its profile table. Mounted under /acme. */
#include <stdio.h>
#include <string.h>

#include "dialect.h"
#include "ids.h"
#include "render.h"
#include "routes.h"

/* The failure code that ends a job in its own phase, "refused", without a problem object. */
#define REFUSED_CODE "refused"

/* error.code and error.message for each HTTP status. */
static const struct error_word errors[] = {
    {400, "bad_request", "bad request"},
    {401, "bad_token", "invalid token"},
    {402, "payment", "payment required"},
    {403, "forbidden", "forbidden"},
    {404, "no_such_job", "no such job"},
    {405, "wrong_method", "method not allowed"},
    {409, "conflict", "conflict"},
    {413, "too_large", "request too large"},
    {422, "invalid", "invalid request"},
    {429, "slow_down", "too many requests, slow down"},
    {500, "oops", "internal error"},
    {502, "bad_gateway", "bad gateway"},
    {503, "unavailable", "service unavailable"},
    {504, "timeout", "gateway timeout"},
};

/* {"error": {"code", "message"}} */
static cJSON *error_body(const struct exchange *exchange, const struct error_answer *error)
{
    (void)exchange;
    cJSON *body = cJSON_CreateObject();
    cJSON *fields = cJSON_AddObjectToObject(body, "error");
    cJSON_AddStringToObject(fields, "code", error->code);
    cJSON_AddStringToObject(fields, "message", error->message);
    return body;
}

/* What the request's body gets wrong. params may be absent or null; an empty array passes for an
 * empty object, as Lua JSON encoders write an empty table. */
static bool invalid(const cJSON *body, struct refusal *refusal)
{
    const cJSON *recipe = cJSON_GetObjectItemCaseSensitive(body, "recipe");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(body, "params");
    refusal->status = MHD_HTTP_BAD_REQUEST;
    if (recipe == NULL || cJSON_IsNull(recipe)) refusal->message = "recipe is required";
    else if (!cJSON_IsString(recipe)) refusal->message = "recipe must be a string";
    else if (recipe->valuestring[0] == '\0') refusal->message = "recipe is required";
    else if (params != NULL && !cJSON_IsNull(params) && !cJSON_IsObject(params) &&
             !(cJSON_IsArray(params) && cJSON_GetArraySize(params) == 0))
        refusal->message = "params must be an object";
    return refusal->message != NULL;
}

static void new_id(char *id, size_t size)
{
    snprintf(id, size, "job-%llu", (unsigned long long)ids_next_sequence());
}

static cJSON *render_task(const struct exchange *exchange, const struct task *task,
                          const struct task_progress *progress)
{
    const char *fail_code = task->scenario.fail_code;
    bool refused = progress->phase == TASK_FAILED && strcmp(fail_code, REFUSED_CODE) == 0;
    const char *phase = refused ? REFUSED_CODE : exchange->dialect->phase_words[progress->phase];
    cJSON *json = cJSON_CreateObject();
    cJSON *job = cJSON_AddObjectToObject(json, "job");
    cJSON_AddStringToObject(job, "ref", task->id);
    cJSON_AddStringToObject(job, "phase", phase);
    cJSON_AddNumberToObject(job, "percent", progress->percent);
    if (progress->phase == TASK_COMPLETED) {
        add_result_urls(job, "assets", "href", task, exchange->request->sim->port);
    } else if (task_phase_is_final(progress->phase) && !refused) {
        char detail[SCENARIO_FAIL_CODE_MAX + 32];
        snprintf(detail, sizeof detail, "the job broke: %s", fail_code);
        cJSON *problem = cJSON_AddObjectToObject(job, "problem");
        cJSON_AddStringToObject(problem, "kind", fail_code);
        cJSON_AddStringToObject(problem, "detail", detail);
    }
    return json;
}

const struct dialect acme_dialect = {
    .name = "acme",
    .scenario_dialect = SCENARIO_ACME,
    .routes =
        {
            {ROUTE_SUBMIT, "/jobs", NULL, NULL},
            {ROUTE_POLL, "/jobs/{id}", NULL, NULL},
        },
    .key = {.name = "X-Api-Token"},
    .prompt_field = "params.prompt",
    .model_field = "recipe",
    .phase_words = {"queued", "working", "done", "broken", "broken"},
    .errors =
        {
            ERROR_WORDS(errors),
            .client = {0, "client_error", "client error"},
            .server = {0, "server_error", "server error"},
        },
    .not_json = {MHD_HTTP_BAD_REQUEST, "", "body must be a JSON object"},
    .no_endpoint = {.code = "no_such_endpoint", .format = "no endpoint %s %.200s"},
    .retry_after_header = true,
    .created_status = MHD_HTTP_ACCEPTED,
    .faults = {.id_fields = {"job.ref"}, .state_field = "job.phase"},
    .new_id = new_id,
    .invalid = invalid,
    .render_task = render_task,
    .error_body = error_body,
};
