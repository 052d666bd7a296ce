/* classify.c — one HTTP response, read through a provider profile, becomes a gt_reply: the task's
 * id, state, progress and result URLs, or an error of one kind from the shared vocabulary.
 *
 * The engine calls this for every response and gentask.classify exposes it to scripts, so there
 * is exactly one reading of every provider's dialect. It never fails: whatever cannot be read
 * becomes a protocol error that keeps the raw status, code and a bounded body excerpt. */
#include "core.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BODY_EXCERPT_BYTES 512
#define MAX_RESULT_URLS    256   /* a hostile list of a million URLs must not stall the engine */
#define MAX_EXACT_INTEGER  9007199254740992.0   /* 2^53: beyond it a JSON number loses digits */

static gt_kind kind_from_status(long status)
{
    switch (status) {
    case 400: return GT_INVALID_REQUEST;
    case 401: return GT_AUTHENTICATION;
    case 402: return GT_PAYMENT_REQUIRED;
    case 403: return GT_PERMISSION_DENIED;
    case 404: return GT_NOT_FOUND;
    case 408: return GT_TIMEOUT;
    case 409: return GT_CONFLICT;
    case 429: return GT_RATE_LIMITED;
    case 503: return GT_UNAVAILABLE;
    case 504: return GT_TIMEOUT;
    default:
        if (status >= 400 && status < 500) return GT_INVALID_REQUEST;
        if (status >= 500 && status < 600) return GT_SERVER_ERROR;
        return GT_PROTOCOL;
    }
}

static double parse_retry_after(const char *value)
{
    if (!value) return -1;
    char *end;
    double seconds = strtod(value, &end);
    if (end == value || !isfinite(seconds) || seconds < 0) return -1;
    return seconds;
}

/* Attaches what every error keeps: the raw status, request id, task id and body excerpt. */
static gt_error *make_error(gt_kind kind, gt_phase phase, const gt_response *res, const char *message,
                            const char *task_id)
{
    gt_error *err = gt_error_new(kind, phase, message);
    if (!err) return NULL;
    err->status = res->status;
    err->request_id = gt_strdup(res->request_id);
    err->task_id = gt_strdup(task_id);
    err->retry_after = parse_retry_after(res->retry_after);
    if (res->body && res->body_len > 0)
        err->body = gt_strndup(res->body, res->body_len < BODY_EXCERPT_BYTES ? res->body_len : BODY_EXCERPT_BYTES);
    return err;
}

/* A code the profile knows decides the kind (and moderation stage); otherwise fallback does. */
static void apply_code(const gt_profile *p, gt_error *err, const char *code, gt_kind fallback)
{
    const gt_code_entry *entry = gt_profile_code(p, code);
    err->kind = entry ? entry->kind : fallback;
    err->retryable = gt_kind_retryable(err->kind);
    err->code = gt_strdup(code);
    if (entry && entry->stage) err->stage = gt_strdup(entry->stage);
}

static char *field_string(const cJSON *json, const char *path)
{
    return gt_json_scalar_string(gt_json_path_first(json, path));
}

static gt_error *http_error(const gt_profile *p, gt_phase phase, const gt_response *res, const cJSON *json)
{
    char *code = field_string(json, p->error_code_path);
    char *message = field_string(json, p->error_message_path);
    char *fallback = NULL;
    if (!message)
        message = fallback = gt_printf("HTTP %ld from %s%s", res->status, p->name,
                                       json ? "" : " (the body is not JSON)");
    gt_error *err = make_error(kind_from_status(res->status), phase, res, message, NULL);
    if (err) apply_code(p, err, code, err->kind);
    free(code);
    free(message);
    return err;
}

static gt_error *task_failure(const gt_profile *p, gt_phase phase, const gt_response *res, const cJSON *json,
                              const char *task_id, gt_remote_state state)
{
    char *code = field_string(json, p->error_code_path);
    char *message = field_string(json, p->error_message_path);
    gt_kind fallback = state == GT_REMOTE_CANCELLED ? GT_CANCELLED : GT_GENERATION_FAILED;
    const char *default_message = state == GT_REMOTE_CANCELLED ? "the provider cancelled the task"
                                                               : "the provider reported that the task failed";
    gt_error *err = make_error(fallback, phase, res, message ? message : default_message, task_id);
    if (err) apply_code(p, err, code, fallback);
    free(code);
    free(message);
    return err;
}

static void add_url(const cJSON *item, void *ctx)
{
    gt_reply *out = ctx;
    if (out->n_urls == MAX_RESULT_URLS || !cJSON_IsString(item) || item->valuestring[0] == '\0') return;
    for (size_t i = 0; i < out->n_urls; i++)   /* output.url and output.urls[] often repeat one URL */
        if (strcmp(out->urls[i], item->valuestring) == 0) return;
    if (out->n_urls == 0 || (out->n_urls & (out->n_urls - 1)) == 0) {   /* grow at powers of two */
        char **grown = realloc(out->urls, (out->n_urls ? 2 * out->n_urls : 1) * sizeof *grown);
        if (!grown) return;
        out->urls = grown;
    }
    out->urls[out->n_urls++] = gt_strdup(item->valuestring);
}

/* A task id as a string; a numeric id only while it is an exact integer (polling a rounded id
 * would lose the task). */
static bool read_task_id(const cJSON *json, const char *path, char **id)
{
    const cJSON *item = gt_json_path_first(json, path);
    *id = NULL;
    if (cJSON_IsNumber(item)) {
        double v = item->valuedouble;
        if (!(v == floor(v) && fabs(v) <= MAX_EXACT_INTEGER)) return false;
    }
    *id = gt_json_scalar_string(item);
    return true;
}

static int read_progress(const cJSON *json, const char *path)
{
    const cJSON *item = gt_json_path_first(json, path);
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble)) return -1;
    double v = item->valuedouble;
    return v < 0 ? 0 : v > 100 ? 100 : (int)v;
}

static void read_state(const gt_profile *p, gt_phase phase, const gt_response *res, const cJSON *json,
                       gt_reply *out)
{
    const cJSON *item = gt_json_path_first(json, p->state_path);
    if (!item && phase == GT_PHASE_SUBMIT) {   /* a submit answer may carry only the id */
        out->state = GT_REMOTE_PENDING;
        return;
    }
    if (cJSON_IsString(item)) {   /* a state this profile does not know stays GT_REMOTE_UNKNOWN */
        out->state = gt_profile_state(p, item->valuestring);
        return;
    }
    /* a missing state, or a number or object where the state belongs, is a broken answer */
    char *raw = gt_json_scalar_string(item);
    char *message = raw ? gt_printf("the task state from %s is not a string: %s", p->name, raw)
                        : gt_printf("no task state in the response from %s", p->name);
    out->state = GT_REMOTE_UNKNOWN;
    out->error = make_error(GT_PROTOCOL, phase, res, message, out->task_id);
    if (out->error) out->error->code = raw;
    else free(raw);
    free(message);
}

void gt_classify(const gt_profile *p, gt_phase phase, const gt_response *res, gt_reply *out)
{
    memset(out, 0, sizeof *out);
    out->progress = -1;
    cJSON *json = res->body_len ? cJSON_ParseWithLength(res->body, res->body_len) : NULL;

    if (res->status < 200 || res->status > 299) {
        out->error = http_error(p, phase, res, json);
        goto done;
    }
    if (!cJSON_IsObject(json)) {
        const char *why = res->body_len == 0 ? "an empty body"
                        : json               ? "JSON that is not an object"
                                             : "a body that is not valid JSON";
        char *message = gt_printf("%s answered HTTP %ld with %s", p->name, res->status, why);
        out->error = make_error(GT_PROTOCOL, phase, res, message, NULL);
        free(message);
        goto done;
    }

    bool exact_id = read_task_id(json, p->id_path, &out->task_id);
    out->progress = read_progress(json, p->progress_path);
    if (phase == GT_PHASE_SUBMIT && !out->task_id) {
        /* keep whatever code and message the provider put beside the missing id */
        char *code = field_string(json, p->error_code_path);
        char *provider_message = field_string(json, p->error_message_path);
        char *message = gt_printf("%s in the submit response from %s%s%s",
                                  exact_id ? "no task id" : "a numeric task id too large to be exact", p->name,
                                  provider_message ? ": " : "", provider_message ? provider_message : "");
        out->error = make_error(GT_PROTOCOL, phase, res, message, NULL);
        if (out->error) out->error->code = code;
        else free(code);
        free(provider_message);
        free(message);
        goto done;
    }
    read_state(p, phase, res, json, out);
    if (out->error) goto done;

    switch (out->state) {
    case GT_REMOTE_SUCCEEDED:
        out->progress = 100;
        for (size_t i = 0; i < p->n_result_paths; i++) gt_json_path_each(json, p->result_paths[i], add_url, out);
        if (out->n_urls == 0) {
            char *message = gt_printf("%s reported success without a result URL", p->name);
            out->error = make_error(GT_PROTOCOL, phase, res, message, out->task_id);
            free(message);
        }
        break;
    case GT_REMOTE_FAILED:
    case GT_REMOTE_CANCELLED:
        out->error = task_failure(p, phase, res, json, out->task_id, out->state);
        break;
    default:
        break;
    }
done:
    cJSON_Delete(json);
}

void gt_reply_clear(gt_reply *r)
{
    gt_error_free(r->error);
    free(r->task_id);
    for (size_t i = 0; i < r->n_urls; i++) free(r->urls[i]);
    free(r->urls);
    memset(r, 0, sizeof *r);
}
