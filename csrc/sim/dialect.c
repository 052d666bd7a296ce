#include "dialect.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "faults.h"
#include "inputs.h"
#include "jwt.h"
#include "render.h"
#include "store.h"
#include "webhooks.h"

#define IDEMPOTENCY_KEY_HEADER "Idempotency-Key"

/* --- the steps both a submit and a poll take --- */

/* One of the dialect's fixed refusals; `status` where its words leave the status 0. */
static enum MHD_Result refuse_with(struct exchange *exchange, const struct refusal *words, unsigned status)
{
    struct refusal refusal = *words;
    if (refusal.status == 0) refusal.status = status;
    return exchange_refuse(exchange, &refusal);
}

/* The key as it arrived: the whole header ("Bearer KEY"), or the body's member. */
static const char *raw_key(const struct exchange *exchange, const cJSON *body)
{
    const struct key_words *key = &exchange->dialect->key;
    return key->in_body ? json_string_at(body, key->name) : request_header(exchange->request, key->name);
}

/* An accepted key is what the request stands for in exchange->api_key (--max-active counts by it). */
static bool key_accepted(struct exchange *exchange, const char *raw)
{
    bool bearer = exchange->dialect->key.bearer;
    if (raw != NULL && bearer) {
        if (strncasecmp(raw, "Bearer ", 7) != 0) return false;
        for (raw += 7; *raw == ' '; raw++)
            ;
    }
    /* a dialect's Bearer header carries a signed token instead, where the simulator was told to want
     * one; a token taken stands for its issuer: a client's renewed tokens are one key's */
    const struct sim *sim = exchange->request->sim;
    bool signed_key = raw != NULL && bearer && sim->jwt != NULL;
    bool accepted = signed_key ? sim_jwt_accepted(sim->jwt, raw) : sim_api_key_accepted(sim, raw);
    if (accepted) exchange->api_key = signed_key ? sim_jwt_issuer(sim->jwt) : raw;
    return accepted;
}

/* 401 unless the request carries an accepted key (body: NULL where the key is in a header). */
static bool refuse_key(struct exchange *exchange, const cJSON *body, enum MHD_Result *result)
{
    const char *raw = raw_key(exchange, body);
    if (key_accepted(exchange, raw)) return false;
    const struct dialect *dialect = exchange->dialect;
    *result = refuse_with(exchange, raw ? &dialect->bad_key : &dialect->no_key, MHD_HTTP_UNAUTHORIZED);
    return true;
}

/* The request's body as a JSON object, or NULL with the dialect's refusal answered. */
static cJSON *object_body(struct exchange *exchange, enum MHD_Result *result)
{
    struct request *request = exchange->request;
    cJSON *body = request->body ? cJSON_ParseWithLength(request->body, request->body_length) : NULL;
    if (cJSON_IsObject(body)) return body;
    const struct dialect *dialect = exchange->dialect;
    bool not_object = body != NULL && dialect->not_object.status != 0;
    *result = refuse_with(exchange, not_object ? &dialect->not_object : &dialect->not_json, MHD_HTTP_BAD_REQUEST);
    cJSON_Delete(body);
    return NULL;
}

/* ModelsLab's error200= and APIXO's envelope=: an error body under a healthy HTTP 200, and no
 * task. error_200: the error200= text (NULL at a poll, where only the envelope applies). */
static bool refuse_under_ok(struct exchange *exchange, const char *error_200, enum MHD_Result *result)
{
    char message[SCENARIO_FAIL_CODE_MAX];
    if (error_200 != NULL && error_200[0] != '\0') respell_with_spaces(error_200, NULL, message, sizeof message);
    else if (exchange->envelope_code == 0 || exchange->envelope_code == MHD_HTTP_OK) return false;
    cJSON *body = exchange_error_body(exchange, MHD_HTTP_OK, "", error_200 && error_200[0] ? message : NULL);
    *result = body ? exchange_reply_json(exchange, MHD_HTTP_OK, body) : MHD_NO;
    cJSON_Delete(body);
    return true;
}

/* --- submit --- */

static void read_scenario(struct exchange *exchange, const cJSON *body)
{
    const struct dialect *dialect = exchange->dialect;
    if (dialect->read_scenario != NULL) dialect->read_scenario(&exchange->scenario, body);
    else scenario_read_prompt(&exchange->scenario, json_string_at(body, dialect->prompt_field));
    /* the header after the prompt, so that it wins */
    scenario_read_words(&exchange->scenario, request_header(exchange->request, SCENARIO_HEADER));
    exchange->envelope_code = exchange->scenario.envelope_code;
}

/* Files sent inline (inputs.h) must decode to images: a 400 in the dialect's shape otherwise. */
static bool refuse_bad_input(struct exchange *exchange, const cJSON *body, enum MHD_Result *result)
{
    char problem[INPUT_PROBLEM_MAX] = "";
    cJSON *found = cJSON_CreateArray();
    bool ok = inputs_read(body, found, problem);
    if (ok) store_log_inputs(exchange->request->sim->store, found);
    else cJSON_Delete(found);
    if (ok) return false;
    struct refusal refusal = {.status = MHD_HTTP_BAD_REQUEST, .message = problem};
    *result = exchange_refuse(exchange, &refusal);
    return true;
}

static bool refuse_invalid(struct exchange *exchange, const cJSON *body, enum MHD_Result *result)
{
    struct refusal refusal = {0};
    if (!exchange->dialect->invalid(body, &refusal)) return false;
    *result = exchange_refuse(exchange, &refusal);
    return true;
}

/* A new task from the request: what every dialect has, then the dialect's own fields. The
 * strings point into the body and the route, and are copied when the task is stored. */
static void new_task(const struct exchange *exchange, const cJSON *body, struct task *task)
{
    const struct dialect *dialect = exchange->dialect;
    const struct route *route = exchange->route;
    *task = (struct task){
        .dialect = dialect->name,
        .object_type = route->pattern->kind,
        .model = (char *)(dialect->model_field ? json_string_at(body, dialect->model_field) : route->model),
        .prompt = (char *)json_string_at(body, dialect->prompt_field),
        .created_unix_ms = sim_clock_unix_ms(),
        .submitted_ms = sim_clock_ms(),
        .duration_ms = exchange->scenario.duration_ms >= 0 ? exchange->scenario.duration_ms
                                                           : exchange->request->sim->default_duration_ms,
        .scenario = exchange->scenario,
    };
    task->created_unix_s = task->created_unix_ms / 1000;
    if (dialect->idempotency_field != NULL) {
        const char *key = json_string_at(body, dialect->idempotency_field);
        task->idempotency_key = (char *)(key ? key : request_header(exchange->request, IDEMPOTENCY_KEY_HEADER));
    }
    if (dialect->webhook_url_field != NULL) {
        task->webhook_url = (char *)json_string_at(body, dialect->webhook_url_field);
        if (dialect->webhook_secret_field != NULL)
            task->webhook_secret = (char *)json_string_at(body, dialect->webhook_secret_field);
    }
    dialect->new_id(task->id, sizeof task->id);
    if (dialect->read_task != NULL) dialect->read_task(body, task);
}

static enum MHD_Result reply_created(struct exchange *exchange, const struct task *task, bool replayed)
{
    const struct dialect *dialect = exchange->dialect;
    /* a new task is pending whatever its duration; its estimate is the one a poll would give now */
    struct task_progress started = task_progress_now(task, task->submitted_ms);
    started = (struct task_progress){TASK_PENDING, 0, task->duration_ms, started.eta_ms};
    cJSON *json = dialect->render_created ? dialect->render_created(exchange, task)
                                          : dialect->render_task(exchange, task, &started);
    enum MHD_Result result = replayed ? faults_reply_replayed(exchange, json) : faults_reply_created(exchange, json);
    cJSON_Delete(json);
    return result;
}

/* The first poll route: how a webhook payload (a poll answer pushed) is rendered. */
static const struct route_pattern *poll_pattern(const struct dialect *dialect)
{
    for (size_t i = 0; i < ROUTES_MAX && dialect->routes[i].path != NULL; i++)
        if (dialect->routes[i].action == ROUTE_POLL) return &dialect->routes[i];
    return &dialect->routes[0];
}

/* Stores the task and answers. With an idempotency key the store decides, atomically, whether
 * this request creates the task or replays the one the key made; a replay answers as the first
 * submit did, without its reset and body= faults. */
static enum MHD_Result create(struct exchange *exchange, const cJSON *body)
{
    struct task task, existing;
    new_task(exchange, body, &task);
    const struct store_admission admission = {
        .dialect = exchange->dialect->name,
        .api_key = exchange->api_key,
        .max_active = exchange->request->sim->max_active,
        .attempt = &exchange->request->submit,
    };
    cJSON *fingerprint = NULL;
    if (task.idempotency_key != NULL) {
        /* the same request again: the same model and a JSON-equal body */
        fingerprint = cJSON_CreateObject();
        cJSON_AddStringToObject(fingerprint, "model", task.model ? task.model : "");
        cJSON_AddItemToObject(fingerprint, "body", cJSON_Duplicate(body, true));
    }
    enum store_outcome outcome = store_add_task(exchange->request->sim->store, &task, fingerprint, &admission,
                                                &existing);
    cJSON_Delete(fingerprint);
    switch (outcome) {
    case STORE_CREATED:
        if (task.webhook_url != NULL)
            webhooks_schedule(exchange->request->sim->webhooks, exchange->dialect, poll_pattern(exchange->dialect),
                              task.id, task.submitted_ms + task.duration_ms);
        return reply_created(exchange, &task, false);
    case STORE_REPLAYED: {
        enum MHD_Result result = reply_created(exchange, &existing, true);
        task_release(&existing);
        return result;
    }
    case STORE_CONFLICT: return refuse_with(exchange, &exchange->dialect->reused_key, HTTP_UNPROCESSABLE);
    case STORE_BUSY: return exchange_reply_busy(exchange);
    case STORE_NO_MEMORY: break;
    }
    return exchange_reply_error(exchange, MHD_HTTP_INTERNAL_SERVER_ERROR, "", NULL);
}

static enum MHD_Result submit(struct exchange *exchange)
{
    const struct dialect *dialect = exchange->dialect;
    if (!request_method_is(exchange->request, MHD_HTTP_METHOD_POST))
        return exchange_reply_wrong_method(exchange, "POST");
    exchange_submit_arrived(exchange);
    enum MHD_Result result;
    if (!dialect->key.in_body && refuse_key(exchange, NULL, &result)) return result;
    cJSON *body = object_body(exchange, &result);
    if (body == NULL) return result;
    /* read before a key in the body is checked, so that ModelsLab's messege spells the 401 too */
    read_scenario(exchange, body);
    if ((dialect->key.in_body && refuse_key(exchange, body, &result)) ||
        faults_refuse_submit(exchange, raw_key(exchange, body), &result) ||
        refuse_under_ok(exchange, exchange->scenario.error_200, &result) || refuse_invalid(exchange, body, &result) ||
        refuse_bad_input(exchange, body, &result)) {
        /* answered */
    } else {
        result = create(exchange, body);
    }
    cJSON_Delete(body);
    return result;
}

/* --- poll --- */

/* The id from the path or query, else (ModelsLab's older fetch) from the body: a string, or a
 * number written as digits. NULL when there is none. */
static const char *poll_id(const struct exchange *exchange, const cJSON *body, char *buffer, size_t size)
{
    const struct dialect *dialect = exchange->dialect;
    const char *id = exchange->route->id;
    if (id != NULL && id[0] == '\0' && dialect->empty_id_is_missing) id = NULL;
    if (id != NULL || dialect->poll_id_field == NULL) return id;
    const cJSON *item = json_at(body, dialect->poll_id_field);
    if (cJSON_IsString(item) && item->valuestring[0] != '\0') snprintf(buffer, size, "%s", item->valuestring);
    else if (cJSON_IsNumber(item) && item->valuedouble >= 0 && item->valuedouble < 9e15)
        snprintf(buffer, size, "%.0f", item->valuedouble);
    else return NULL;
    return buffer;
}

/* The body (where the key or the id may travel in it), the key and the id: NULL when one of them
 * refused the poll, with *result set. */
static const char *admit_poll(struct exchange *exchange, char *buffer, size_t size, enum MHD_Result *result)
{
    const struct dialect *dialect = exchange->dialect;
    cJSON *body = NULL;
    if (dialect->key.in_body || dialect->poll_id_field != NULL) {
        if ((body = object_body(exchange, result)) == NULL) return NULL;
    }
    const char *id = NULL;
    if (!refuse_key(exchange, body, result) && (id = poll_id(exchange, body, buffer, size)) == NULL)
        *result = refuse_with(exchange, &dialect->no_poll_id, MHD_HTTP_BAD_REQUEST);
    cJSON_Delete(body);
    return id;
}

static enum MHD_Result reply_unknown(struct exchange *exchange, const char *id)
{
    const struct dialect *dialect = exchange->dialect;
    if (dialect->render_unknown == NULL) return refuse_with(exchange, &dialect->no_task, MHD_HTTP_NOT_FOUND);
    cJSON *json = dialect->render_unknown(id);
    enum MHD_Result result = exchange_reply_json(exchange, MHD_HTTP_OK, json);
    cJSON_Delete(json);
    return result;
}

static enum MHD_Result reply_state(struct exchange *exchange, const struct task *task, int64_t now_ms)
{
    const struct dialect *dialect = exchange->dialect;
    enum MHD_Result result;
    if (dialect->poll_checks_model && strcmp(task->model, exchange->route->model) != 0)
        return refuse_with(exchange, &dialect->no_task, MHD_HTTP_NOT_FOUND);
    if (scenario_window_covers(&task->scenario.poll_envelope, task->poll_number))
        exchange->envelope_code = task->scenario.poll_envelope_code;
    if (faults_refuse_poll(exchange, task, &result) || refuse_under_ok(exchange, NULL, &result)) return result;
    struct task_progress progress = task_progress_now(task, now_ms);
    cJSON *json = dialect->render_task(exchange, task, &progress);
    result = faults_reply_task(exchange, task, json);
    cJSON_Delete(json);
    return result;
}

static enum MHD_Result poll(struct exchange *exchange)
{
    const char *method = exchange->dialect->poll_method;
    if (method == NULL) method = MHD_HTTP_METHOD_GET;
    if (!request_method_is(exchange->request, method))
        return exchange_reply_wrong_method(exchange, strcmp(method, MHD_HTTP_METHOD_GET) == 0 ? "GET, HEAD" : method);
    struct store *store = exchange->request->sim->store;
    int64_t now_ms = sim_clock_ms();
    enum MHD_Result result;
    char buffer[TASK_ID_MAX];
    const char *id = admit_poll(exchange, buffer, sizeof buffer, &result);
    struct task task;
    if (id == NULL) {
        store_record_poll(store, NULL, now_ms, NULL); /* refused, but a poll all the same */
        return result;
    }
    if (!store_record_poll(store, id, now_ms, &task)) return reply_unknown(exchange, id);
    result = reply_state(exchange, &task, now_ms);
    task_release(&task);
    return result;
}

/* --- cancel --- */

/* A cancel: the key (401), the id, the task (404 as a poll's), then a task still generating stops
 * and the answer is its poll answer, now cancelled; one that had ended is refused (too_late). */
static enum MHD_Result cancel(struct exchange *exchange)
{
    if (!request_method_is(exchange->request, MHD_HTTP_METHOD_POST))
        return exchange_reply_wrong_method(exchange, "POST");
    enum MHD_Result result;
    char buffer[TASK_ID_MAX];
    const char *id = admit_poll(exchange, buffer, sizeof buffer, &result);
    if (id == NULL) return result;
    struct task task;
    int64_t now_ms = sim_clock_ms();
    switch (store_cancel_task(exchange->request->sim->store, id, now_ms, &task)) {
    case CANCEL_UNKNOWN: return refuse_with(exchange, &exchange->dialect->no_task, MHD_HTTP_NOT_FOUND);
    case CANCEL_TOO_LATE: result = refuse_with(exchange, &exchange->dialect->too_late, MHD_HTTP_BAD_REQUEST); break;
    case CANCEL_DONE: {
        struct task_progress progress = task_progress_now(&task, now_ms);
        cJSON *json = exchange->dialect->render_task(exchange, &task, &progress);
        result = json ? exchange_reply_json(exchange, MHD_HTTP_OK, json) : MHD_NO;
        cJSON_Delete(json);
        break;
    }
    }
    task_release(&task);
    return result;
}

/* --- routes --- */

/* Whether `path` is `pattern`, whose "{model}" and "{id}" each take one non-empty segment. */
static bool path_matches(const char *pattern, const char *path, struct route *route)
{
    while (*pattern != '\0') {
        if (*pattern != '{') {
            if (*pattern++ != *path++) return false;
            continue;
        }
        const char *close = strchr(pattern, '}');
        size_t length = strcspn(path, "/");
        if (close == NULL || length == 0 || length >= TASK_ID_MAX) return false;
        char *out = strncmp(pattern, "{model}", 7) == 0 ? route->model : route->path_id;
        memcpy(out, path, length);
        out[length] = '\0';
        path += length;
        pattern = close + 1;
    }
    return *path == '\0';
}

static bool find_route(const struct dialect *dialect, const struct request *request, const char *subpath,
                       struct route *route)
{
    for (size_t i = 0; i < ROUTES_MAX && dialect->routes[i].path != NULL; i++) {
        *route = (struct route){.pattern = &dialect->routes[i]};
        if (!path_matches(route->pattern->path, subpath, route)) continue;
        if (route->path_id[0] != '\0') route->id = route->path_id;
        else if (route->pattern->id_query != NULL) route->id = request_query(request, route->pattern->id_query);
        return true;
    }
    return false;
}

enum MHD_Result dialect_handle(struct request *request, const struct dialect *dialect, const char *subpath)
{
    struct route route;
    struct exchange exchange;
    bool found = find_route(dialect, request, subpath, &route);
    exchange_begin(&exchange, request, dialect, &route);
    if (!found) return exchange_reply_no_endpoint(&exchange);
    switch (route.pattern->action) {
    case ROUTE_SUBMIT: return submit(&exchange);
    case ROUTE_CANCEL: return cancel(&exchange);
    case ROUTE_POLL: break;
    }
    return poll(&exchange);
}
