/* ModelsLab: the key travels in the JSON body, answers are told apart by the body's "status"
 * (success, processing, error, failed), often under HTTP 200, a 429 says retry_after in its body,
 * and legacy endpoints spell "message" as "messege" (docs/providers.md, ModelsLab). Mounted under
 * /modelslab. */
#include <math.h> /* isfinite: a macro, no libm needed */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "ids.h"
#include "render.h"
#include "routes.h"

#define PROCESSING_MESSAGE "Your request is being processed"
#define FIRST_ID 80000000ULL

/* The documentation's example message for each status it lists; http=400:VARIANT picks one of
 * its other 400 messages (its validation table and examples). */
static const struct error_word errors[] = {
    {400, "prompt", "prompt is required"},
    {400, "prompt-type", "prompt must be a string"},
    {400, "width", "width must be between 256 and 1024"},
    {400, "height", "height must be divisible by 8"},
    {400, "samples", "samples must be between 1 and 4"},
    {400, "guidance_scale", "guidance_scale must be between 1 and 20"},
    {400, "model", "Model not found: invalid_model_name"},
    {400, "image", "Unable to fetch image from provided URL"},
    {400, "json", "Malformed JSON in request body"},
    /* Laravel's validation errors: "message" is an object of field → list of messages */
    {400, "field.init_image", "The init image field is required."},
    {401, "", "Invalid API key"},
    {402, "", "Insufficient credits. Please add more credits to continue."},
    {403, "", "This feature requires a premium subscription"},
    {404, "", "Request not found"},
    {429, "", "Rate limit exceeded. Maximum 5 queued requests allowed."},
    {500, "", "Internal server error. Please try again."},
    {503, "", "Service temporarily unavailable. Please try again later."},
};

/* "message", or "messege" as legacy endpoints spell it. */
static const char *message_field(const struct scenario *scenario)
{
    return scenario->messege ? "messege" : "message";
}

/* {"status": "error", "message"}; a 429 adds "retry_after" (seconds) to the body. */
static cJSON *error_body(const struct exchange *exchange, const struct error_answer *error)
{
    const struct scenario *scenario = &exchange->scenario;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "status", "error");
    static const char field_prefix[] = "field.";
    if (strncmp(error->code, field_prefix, sizeof field_prefix - 1) == 0) {
        cJSON *fields = cJSON_AddObjectToObject(body, message_field(scenario));
        cJSON *messages = cJSON_AddArrayToObject(fields, error->code + sizeof field_prefix - 1);
        cJSON_AddItemToArray(messages, cJSON_CreateString(error->message));
    } else {
        cJSON_AddStringToObject(body, message_field(scenario), error->message);
    }
    if (error->status == MHD_HTTP_TOO_MANY_REQUESTS && scenario_sends_retry_after(scenario))
        cJSON_AddNumberToObject(body, "retry_after", scenario->retry_after_s);
    return body;
}

/* A number, or a string holding one, as ModelsLab's own examples send ("width": "512"). */
static bool number_value(const cJSON *item, double *out)
{
    if (cJSON_IsNumber(item)) {
        *out = item->valuedouble;
        return true;
    }
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0') return false;
    char *end;
    *out = strtod(item->valuestring, &end);
    return *end == '\0' && isfinite(*out);
}

static bool is_whole(double value)
{
    return value > -9e15 && value < 9e15 && value == (double)(long long)value;
}

/* The documentation's validation table: the first rule broken, answered with the 400 of that
 * field's variant above (its documented message). */
static bool invalid(const cJSON *body, struct refusal *refusal)
{
    static const struct {
        const char *field; /* also the variant of its 400 */
        double min, max;
        long long divisor; /* 0: any number in range; else a whole multiple of it */
    } rules[] = {
        {"width", 256, 1024, 0},
        {"height", 8, 1e9, 8},
        {"samples", 1, 4, 1},
        {"guidance_scale", 1, 20, 0},
    };
    const cJSON *prompt = cJSON_GetObjectItemCaseSensitive(body, "prompt");
    refusal->status = MHD_HTTP_BAD_REQUEST;
    if (prompt == NULL || cJSON_IsNull(prompt)) refusal->code = "prompt";
    else if (!cJSON_IsString(prompt)) refusal->code = "prompt-type";
    for (size_t i = 0; refusal->code == NULL && i < sizeof rules / sizeof rules[0]; i++) {
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(body, rules[i].field);
        double value;
        if (item == NULL || cJSON_IsNull(item)) continue;
        if (!number_value(item, &value) || value < rules[i].min || value > rules[i].max ||
            (rules[i].divisor > 0 && (!is_whole(value) || (long long)value % rules[i].divisor != 0)))
            refusal->code = rules[i].field;
    }
    return refusal->code != NULL;
}

/* ModelsLab's ids are numbers that grow. Each simulator process starts them at a random point
 * past FIRST_ID: one restarted on the same port must not hand a client that polls an old task's
 * id somebody else's new task (a real service never reuses an id). */
static unsigned long long first_id;
static pthread_once_t first_id_once = PTHREAD_ONCE_INIT;

static void choose_first_id(void)
{
    first_id = FIRST_ID + (unsigned long long)(ids_random_seed() % 1000000) * 1000ULL;
}

static void new_id(char *id, size_t size)
{
    pthread_once(&first_id_once, choose_first_id);
    snprintf(id, size, "%llu", first_id + (unsigned long long)ids_next_sequence());
}

static double optional_number(const cJSON *body, const char *name, double fallback)
{
    double value;
    return number_value(cJSON_GetObjectItemCaseSensitive(body, name), &value) ? value : fallback;
}

/* Sizes, seed and samples; an instant task (or one of duration 0) is done when it is answered. */
static void read_task(const cJSON *body, struct task *task)
{
    double seed;
    task->width = (unsigned)optional_number(body, "width", 512);
    task->height = (unsigned)optional_number(body, "height", 512);
    if (number_value(cJSON_GetObjectItemCaseSensitive(body, "seed"), &seed) && seed >= 0 && seed < 9e15)
        task->seed = (int64_t)seed;
    else task->seed = ids_random_seed();
    if (!task->scenario.result_count_given) task->scenario.result_count = (unsigned)optional_number(body, "samples", 1);
    if (task->scenario.instant) task->duration_ms = 0;
}

static void add_id(cJSON *json, const struct task *task)
{
    if (task->scenario.string_id) cJSON_AddStringToObject(json, "id", task->id);
    else cJSON_AddNumberToObject(json, "id", strtod(task->id, NULL));
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

/* Where a task stands: processing (with eta), success or failed. At submit, processing also says
 * where to fetch the result. */
static cJSON *task_json(const struct exchange *exchange, const struct task *task, const struct task_progress *progress,
                        bool at_submit)
{
    unsigned port = exchange->request->sim->port;
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "status", exchange->dialect->phase_words[progress->phase]);
    add_id(json, task);
    if (progress->phase == TASK_COMPLETED) {
        add_result_urls(json, "output", NULL, task, port);
        cJSON_AddNumberToObject(json, "generationTime", task->duration_ms / 1000.0);
        cJSON_AddItemToObject(json, "meta", meta_json(task));
    } else if (task_phase_is_final(progress->phase)) {
        /* ModelsLab has no failure codes: the fail= word is the message */
        char message[SCENARIO_FAIL_CODE_MAX];
        respell_with_spaces(task->scenario.fail_code, NULL, message, sizeof message);
        cJSON_AddStringToObject(json, message_field(&task->scenario), message);
    } else {
        cJSON_AddNumberToObject(json, "eta", progress->eta_ms / 1000.0);
        cJSON_AddStringToObject(json, "message", PROCESSING_MESSAGE);
        if (at_submit) {
            char url[160];
            snprintf(url, sizeof url, "http://127.0.0.1:%u/modelslab/images/fetch/%s", port, task->id);
            cJSON_AddStringToObject(json, "fetch_result", url);
        }
        add_result_urls(json, "future_links", NULL, task, port);
    }
    return json;
}

/* The submit answers where the task stands already: an instant one is done. */
static cJSON *render_created(const struct exchange *exchange, const struct task *task)
{
    struct task_progress progress = task_progress_now(task, task->submitted_ms);
    return task_json(exchange, task, &progress, true);
}

static cJSON *render_task(const struct exchange *exchange, const struct task *task,
                          const struct task_progress *progress)
{
    return task_json(exchange, task, progress, false);
}

const struct dialect modelslab_dialect = {
    .name = "modelslab",
    .scenario_dialect = SCENARIO_MODELSLAB,
    .routes =
        {
            {ROUTE_SUBMIT, "/images/text2img", NULL, NULL},
            {ROUTE_POLL, "/images/fetch", NULL, NULL},
            {ROUTE_POLL, "/images/fetch/{id}", NULL, NULL},
        },
    .poll_method = MHD_HTTP_METHOD_POST,
    .key = {.name = "key", .in_body = true},
    .prompt_field = "prompt",
    .webhook_url_field = "webhook",
    .model_field = "model_id",
    .poll_id_field = "request_id",
    .phase_words = {"processing", "processing", "success", "failed", "failed"},
    .errors = {ERROR_WORDS(errors)},
    .not_json = {MHD_HTTP_BAD_REQUEST, "json"},
    .no_poll_id = {MHD_HTTP_BAD_REQUEST, "", "request_id is required"},
    .retry_after_header = false, /* only with retry-after-header */
    .faults = {.id_fields = {"id"}, .state_field = "status"},
    .new_id = new_id,
    .read_task = read_task,
    .invalid = invalid,
    .render_created = render_created,
    .render_task = render_task,
    .error_body = error_body,
};
