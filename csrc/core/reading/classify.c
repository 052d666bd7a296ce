/* classify.c — one HTTP response, read through a provider profile, becomes a gt_reply: the task's
 * id, state, progress and result URLs, or an error of one kind from the shared vocabulary.
 *
 * The engine calls this for every response and gentask.classify exposes it to scripts, so there
 * is exactly one reading of every provider's dialect. It never fails: whatever cannot be read
 * becomes a protocol error that keeps the raw status, code and a bounded body excerpt. */
#define _GNU_SOURCE /* memmem */
#include "reading.h"

#include <cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define BODY_EXCERPT_BYTES 512
#define MAX_RESULT_URLS 256                  /* a hostile list of a million URLs must not stall the engine */
#define MAX_EXACT_INTEGER 9007199254740992.0 /* 2^53: beyond it a JSON number loses digits */

/* Cloudflare's own 5xx pages, which stand in front of the provider's server
 * (https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/):
 * what each says happened, and whether the request provably never reached that server. 520 (the
 * server's answer was empty or unreadable) and 524 (the server took the connection and did not
 * answer in 100 s) may come after the server got the request; 521 (connection refused), 522
 * (connection timed out), 523 (origin unreachable), 525 (TLS handshake failed) and 526 (the
 * server's certificate invalid) all fail before a request is sent to it. */
static const struct {
    long status;
    bool never_reached;
    const char *what;
} cdn_pages[] = {
    {520, false, "the provider's server gave its CDN an empty or unknown answer"},
    {521, true, "the provider's server refused its CDN's connection"},
    {522, true, "its CDN's connection to the provider's server timed out"},
    {523, true, "its CDN could not reach the provider's server"},
    {524, false, "the provider's server took the request but did not answer its CDN in time"},
    {525, true, "the TLS handshake between its CDN and the provider's server failed"},
    {526, true, "its CDN found the provider's server certificate invalid"},
};

static const char *cdn_page_meaning(long status, bool *never_reached)
{
    for (size_t i = 0; i < sizeof cdn_pages / sizeof cdn_pages[0]; i++) {
        if (cdn_pages[i].status != status) continue;
        if (never_reached) *never_reached = cdn_pages[i].never_reached;
        return cdn_pages[i].what;
    }
    return NULL;
}

bool gt_status_never_reached_provider(long status)
{
    bool never_reached = false;
    return cdn_page_meaning(status, &never_reached) && never_reached;
}

gt_kind gt_kind_from_status(long status)
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
    /* a gateway or CDN in front of the provider could not get an answer from its server: the
     * service is down for now, which is not the provider failing a request it took */
    case 502:
    case 521:
    case 522:
    case 523:
    case 503: return GT_UNAVAILABLE;
    case 504: return GT_TIMEOUT;
    default:
        if (status >= 400 && status < 500) return GT_INVALID_REQUEST;
        if (status >= 500 && status < 600) return GT_SERVER_ERROR;
        return GT_PROTOCOL;
    }
}

static bool is_success(long status)
{
    return status >= 200 && status <= 299;
}

static double parse_seconds(const char *value) /* a number of seconds in a body field */
{
    if (!value) return -1;
    char *end;
    double seconds = strtod(value, &end);
    if (end == value || !isfinite(seconds) || seconds < 0) return -1;
    return seconds;
}

/* What the answer says the task cost, in money: the cost field's number × the profile's scale. */
static double read_cost(const gt_profile *p, const cJSON *json)
{
    if (!p->cost_currency || p->fields[GT_FIELD_COST].n == 0) return -1;
    gt_json_value v = gt_json_paths_first(json, &p->fields[GT_FIELD_COST]);
    double cost = -1;
    if (v.string) {
        char *end;
        double n = strtod(v.string, &end);
        if (end != v.string && *end == '\0' && isfinite(n) && n >= 0) cost = n * p->cost_scale;
    }
    gt_json_value_clear(&v);
    return cost;
}

/* What the profile's cost header says was billed: a number of the model's priced units. */
static double read_cost_units(const gt_profile *p, const gt_response *res)
{
    if (!p->cost_currency || !p->cost_header || !res->cost_header) return -1;
    char *end;
    double units = strtod(res->cost_header, &end);
    return end != res->cost_header && *end == '\0' && isfinite(units) && units >= 0 ? units : -1;
}

/* Attaches what every error keeps: the raw status, request id, task id and body excerpt. */
static gt_error *make_error(gt_kind kind, gt_phase phase, const gt_response *res, long status, const char *message,
                            const char *task_id)
{
    gt_error *err = gt_error_new(kind, phase, message);
    if (!err) return NULL;
    err->status = status;
    err->request_id = gt_strdup(res->request_id);
    err->task_id = gt_strdup(task_id);
    err->retry_after = gt_retry_after_seconds(res->header[GT_HEADER_RETRY_AFTER],
                                              res->header[GT_HEADER_RETRY_AFTER_MS]);
    if (res->body && res->body_len > 0)
        err->body = gt_strndup(res->body, res->body_len < BODY_EXCERPT_BYTES ? res->body_len : BODY_EXCERPT_BYTES);
    return err;
}

static void set_kind(gt_error *err, gt_kind kind, const char *stage)
{
    err->kind = kind;
    err->retryable = gt_kind_retryable(kind);
    free(err->stage);
    err->stage = gt_strdup(stage);
}

/* A code's kind, and what the provider says of trying it again where that differs from the kind's
 * default (EvoLink's "fixable by user" codes: the same input fails the same way). */
static void set_code_kind(gt_error *err, const gt_code_entry *entry)
{
    set_kind(err, entry->kind, entry->stage);
    if (entry->retryable != GT_RETRYABLE_KIND) err->retryable = entry->retryable == GT_RETRYABLE_YES;
}

static char *field_string(const gt_profile *p, const cJSON *json, gt_field field)
{
    return gt_json_paths_string(json, &p->fields[field]);
}

/* The provider's own code and message, kept verbatim on the error. */
static void take_code_and_message(const gt_profile *p, const cJSON *json, gt_error *err)
{
    char *code = field_string(p, json, GT_FIELD_ERROR_CODE);
    char *message = gt_json_paths_message(json, &p->fields[GT_FIELD_ERROR_MESSAGE]);
    if (code) err->code = code;
    if (message) {
        free(err->message);
        err->message = message;
    }
}

/* APIXO's envelope carries a code that may disagree with the HTTP status: the worse one wins. */
static long effective_status(const gt_profile *p, long http_status, const cJSON *json)
{
    gt_json_value envelope = gt_json_paths_first(json, &p->fields[GT_FIELD_ENVELOPE_STATUS]);
    long status = http_status;
    if ((envelope.type & cJSON_Number) && envelope.number >= 100 && envelope.number < 600) {
        long claimed = (long)envelope.number;
        if (!is_success(claimed) && (is_success(http_status) || claimed > http_status)) status = claimed;
    }
    gt_json_value_clear(&envelope);
    return status;
}

/* A code beside every answer that is 0 when all is well (MiniMax's base_resp.status_code): another
 * value in a submit's answer that names no task state is the submit refused under HTTP 200
 * (MiniMax's {"task_id": "", "base_resp": {"status_code": 1002, "status_msg": "rate limit"}}). The
 * code is the error's, its kind the code's (http_codes, then codes). Without a task id nothing was
 * taken, so a refusal worth waiting out (1002) is sent again. An answer with a state is the task's,
 * its code read with the state (a "Fail" beside 1026); a poll's or result fetch's answer with
 * neither state nor result stays a broken answer, retried until the deadline like any other. */
static gt_error *envelope_refusal(const gt_profile *p, gt_phase phase, const gt_response *res, const cJSON *json)
{
    if (phase != GT_PHASE_SUBMIT || p->fields[GT_FIELD_ENVELOPE_CODE].n == 0) return NULL;
    char *code = field_string(p, json, GT_FIELD_ENVELOPE_CODE);
    gt_json_value state = gt_json_paths_first(json, &p->fields[GT_FIELD_STATE]);
    bool refused = code && strcmp(code, "0") != 0 && !state.found;
    gt_json_value_clear(&state);
    if (!refused) {
        free(code);
        return NULL;
    }
    char *fallback = gt_printf("%s refused the request under HTTP %ld with code %s", p->name, res->status, code);
    gt_error *err = make_error(GT_PROTOCOL, phase, res, res->status, fallback ? fallback : code, NULL);
    free(fallback);
    if (!err) {
        free(code);
        return NULL;
    }
    take_code_and_message(p, json, err);
    free(err->code);
    err->code = code;
    const gt_code_entry *entry = gt_profile_code(p, GT_CODES_HTTP, code);
    if (!entry) entry = gt_profile_code(p, GT_CODES_TASK, code);
    if (entry) set_code_kind(err, entry);
    char *id = field_string(p, json, GT_FIELD_ID);
    if (!id || !*id) err->submitted = GT_SUBMITTED_NO;
    free(id);
    return err;
}

/* An HTTP error's code: the profile's http_codes, else a content-policy code of its task codes —
 * a prompt refused at submit is refused for the same reason as a task refused later (FoxAPI's
 * content_policy_violation, APIXO's Sensitive* failCodes, FLORA's safety_blocked under 400). */
static const gt_code_entry *http_code(const gt_profile *p, const char *code)
{
    const gt_code_entry *entry = gt_profile_code(p, GT_CODES_HTTP, code);
    if (entry) return entry;
    entry = gt_profile_code(p, GT_CODES_TASK, code);
    return entry && entry->kind == GT_MODERATED ? entry : NULL;
}

/* An HTTP error whose body says the task's state, and that state is a moderated one (BFL's
 * "Request Moderated": "the request was rejected at submission time"): the state is its code. */
static const gt_state_entry *moderated_state(const gt_profile *p, const cJSON *json, gt_error *err)
{
    char *state = field_string(p, json, GT_FIELD_STATE);
    const gt_state_entry *entry = gt_profile_state(p, state);
    if (!entry || entry->kind != GT_MODERATED) {
        free(state);
        return NULL;
    }
    if (!err->code) err->code = state;
    else free(state);
    return entry;
}

static gt_error *http_error(const gt_profile *p, gt_phase phase, const gt_response *res, long status, const cJSON *json)
{
    const char *cdn = cdn_page_meaning(status, NULL);
    char *fallback = gt_printf("HTTP %ld from %s%s%s%s", status, p->name, json ? "" : " (the body is not JSON)",
                               cdn ? ": " : "", cdn ? cdn : "");
    gt_error *err = make_error(gt_kind_from_status(status), phase, res, status, fallback, NULL);
    free(fallback);
    if (!err) return NULL;
    take_code_and_message(p, json, err);
    const gt_status_entry *by_status = gt_profile_status(p, status);
    const gt_code_entry *by_code = http_code(p, err->code);
    const gt_state_entry *by_state = by_status || by_code ? NULL : moderated_state(p, json, err);
    const gt_code_entry *by_message = by_code || by_state ? NULL : gt_profile_message_code(p, err->message);
    if (by_status) set_kind(err, by_status->kind, by_status->stage);
    else if (by_code) set_code_kind(err, by_code);
    else if (by_state) set_kind(err, by_state->kind, by_state->stage);
    else if (by_message) set_code_kind(err, by_message);
    if (err->retry_after < 0) { /* ModelsLab puts it in the body */
        gt_json_value body_hint = gt_json_paths_first(json, &p->fields[GT_FIELD_RETRY_AFTER]);
        if (body_hint.string) err->retry_after = parse_seconds(body_hint.string);
        gt_json_value_clear(&body_hint);
    }
    return err;
}

/* A task the provider ended: its code decides the kind, else its message, else its state. */
static gt_error *task_failure(const gt_profile *p, gt_phase phase, const gt_response *res, const cJSON *json,
                              const gt_reply *reply, const gt_state_entry *entry)
{
    bool cancelled = reply->state == GT_REMOTE_CANCELLED;
    char *message = gt_printf("%s reported the task %s", p->name, reply->raw_state ? reply->raw_state : "failed");
    gt_error *err = make_error(cancelled ? GT_CANCELLED : GT_GENERATION_FAILED, phase, res, res->status, message,
                               reply->task_id);
    free(message);
    if (!err) return NULL;
    take_code_and_message(p, json, err);
    const gt_code_entry *by_code = gt_profile_code(p, GT_CODES_TASK, err->code);
    const gt_code_entry *by_message = by_code ? NULL : gt_profile_message_code(p, err->message);
    if (by_code) set_code_kind(err, by_code);
    else if (by_message) set_code_kind(err, by_message);
    else if (entry && entry->kind != GT_KIND_NONE) set_kind(err, entry->kind, entry->stage);
    if (!err->code) err->code = gt_strdup(reply->raw_state); /* BFL's state is its only code */
    return err;
}

/* An absolute URL starts with a scheme ("https:", "data:"): letters, digits, "+", "-" or "." after
 * a letter, then ':'. */
static bool is_absolute_url(const char *value)
{
    if (!isalpha((unsigned char)value[0])) return false;
    size_t i = 1;
    while (isalnum((unsigned char)value[i]) || value[i] == '+' || value[i] == '-' || value[i] == '.') i++;
    return value[i] == ':';
}

/* Appends a copy of value unless the list holds it already (output.url and output.urls[] often
 * repeat one URL); nothing once the list is full or memory ran out. */
static void add_unique(char ***list, size_t *n, const char *value)
{
    if (*n == MAX_RESULT_URLS) return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i], value) == 0) return;
    if (*n == 0 || (*n & (*n - 1)) == 0) { /* grow at powers of two */
        char **grown = realloc(*list, (*n ? 2 * *n : 1) * sizeof *grown);
        if (!grown) return;
        *list = grown;
    }
    (*list)[(*n)++] = gt_strdup(value);
}

/* A result is a URL, or text where the provider puts text in the same place (FLORA's outputs of
 * type "text" carry their content in "url"): kept apart, so that no caller downloads a caption. */
static void add_result(const cJSON *item, void *ctx)
{
    gt_reply *out = ctx;
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0') return;
    if (is_absolute_url(item->valuestring)) add_unique(&out->urls, &out->n_urls, item->valuestring);
    else add_unique(&out->texts, &out->n_texts, item->valuestring);
}

/* A task id as a string; a numeric id only while it is an exact integer (polling a rounded id
 * would lose the task). */
/* cJSON decodes "\u0000" into a NUL that ends the C string: "ab\u0000cd" would come out as the
 * id "ab", another task's. The body is read again with each such escape turned into \u0001 (the
 * same length, so nothing else moves; "\\u0000", an escaped backslash and text, is left alone),
 * where the id then shows a control character. */
static char *id_seeing_nul(const gt_profile *p, const gt_response *res)
{
    if (!memmem(res->body, res->body_len, "\\u0000", 6)) return NULL;
    char *copy = gt_strndup(res->body, res->body_len);
    if (!copy) return NULL;
    for (char *hit = copy; (hit = memmem(hit, res->body_len - (size_t)(hit - copy), "\\u0000", 6)); hit += 6) {
        size_t backslashes = 0; /* an odd run before it makes its backslash an escaped one: text */
        while (hit - backslashes > copy && hit[-1 - (ptrdiff_t)backslashes] == '\\') backslashes++;
        if (backslashes % 2 == 0) hit[5] = '1';
    }
    cJSON *json = cJSON_ParseWithLength(copy, res->body_len);
    gt_json_value v = gt_json_paths_first(json, &p->fields[GT_FIELD_ID]);
    cJSON_Delete(json);
    free(copy);
    return v.string;
}

/* An id is sent back in every poll URL: one holding a control character (a NUL among them) was
 * not meant as an id, and a truncated one would poll another task. */
static bool id_is_clean(const gt_profile *p, const gt_response *res, const char *id)
{
    for (const unsigned char *c = (const unsigned char *)id; *c; c++)
        if (*c < 0x20 || *c == 0x7f) return false;
    char *seen = id_seeing_nul(p, res);
    bool clean = !seen || strcmp(seen, id) == 0;
    free(seen);
    return clean;
}

static bool read_task_id(const gt_profile *p, const cJSON *json, char **id)
{
    gt_json_value v = gt_json_paths_first(json, &p->fields[GT_FIELD_ID]);
    bool exact = !(v.type & cJSON_Number) || (v.number == floor(v.number) && fabs(v.number) <= MAX_EXACT_INTEGER);
    *id = exact ? v.string : NULL;
    if (!exact) free(v.string);
    return exact;
}

static int read_progress(const gt_profile *p, const cJSON *json)
{
    gt_json_value v = gt_json_paths_first(json, &p->fields[GT_FIELD_PROGRESS]);
    free(v.string); /* only the number is needed */
    if (!(v.type & cJSON_Number) || !isfinite(v.number)) return -1;
    double pct = v.number * p->progress_scale;
    return pct < 0 ? 0 : pct > 100 ? 100 : (int)pct;
}

/* Returns the profile's entry for the state (NULL when it has none); a missing or non-string
 * state is a broken answer, except at submit, where an answer may carry only the id. */
static const gt_state_entry *read_state(const gt_profile *p, gt_phase phase, const gt_response *res, const cJSON *json,
                                        bool result_answer, gt_reply *out)
{
    gt_json_value v = gt_json_paths_first(json, &p->fields[GT_FIELD_STATE]);
    if (!v.found && (phase == GT_PHASE_SUBMIT || result_answer || p->missing_state != GT_REMOTE_UNKNOWN)) {
        /* a result fetch's answer is the result itself; Veo leaves "done" out until it is true */
        out->state = phase == GT_PHASE_SUBMIT ? GT_REMOTE_PENDING
                     : result_answer          ? GT_REMOTE_SUCCEEDED
                                              : p->missing_state;
        return NULL;
    }
    if (v.type & (cJSON_True | cJSON_False)) { /* a done flag: its states are "true" and "false" */
        free(v.string);
        v.string = gt_strdup(v.type & cJSON_True ? "true" : "false");
        v.type = cJSON_String;
    }
    if (v.type & cJSON_String) {
        out->raw_state = v.string;
        const gt_state_entry *entry = gt_profile_state(p, v.string);
        out->state = entry ? entry->state : GT_REMOTE_UNKNOWN; /* unknown: the caller decides */
        return entry;
    }
    char *message = v.string ? gt_printf("the task state from %s is not a string: %s", p->name, v.string)
                             : gt_printf("no task state in the response from %s", p->name);
    out->state = GT_REMOTE_UNKNOWN;
    out->error = make_error(GT_PROTOCOL, phase, res, res->status, message, out->task_id);
    if (out->error) out->error->code = v.string;
    else free(v.string);
    free(message);
    return NULL;
}

/* Keeps whatever code and message the provider put beside what is missing. */
static gt_error *protocol_error(const gt_profile *p, gt_phase phase, const gt_response *res, const char *what,
                                const cJSON *json, const char *task_id)
{
    char *said = gt_json_paths_message(json, &p->fields[GT_FIELD_ERROR_MESSAGE]);
    char *message = gt_printf("%s answered HTTP %ld with %s%s%s", p->name, res->status, what, said ? ": " : "",
                              said ? said : "");
    gt_error *err = make_error(GT_PROTOCOL, phase, res, res->status, message, task_id);
    if (err) err->code = field_string(p, json, GT_FIELD_ERROR_CODE);
    free(said);
    free(message);
    return err;
}

/* An error object beside a done flag (Veo's operation: "done": true with "error" rather than
 * "response"): the task the state calls succeeded failed. */
static void read_failure(const gt_profile *p, const cJSON *json, gt_reply *out)
{
    if (out->state != GT_REMOTE_SUCCEEDED || p->fields[GT_FIELD_FAILURE].n == 0) return;
    gt_json_value failure = gt_json_paths_first(json, &p->fields[GT_FIELD_FAILURE]);
    if (failure.found) { /* "true" is no name for a failure: the error's own code and message say it */
        out->state = GT_REMOTE_FAILED;
        free(out->raw_state);
        out->raw_state = NULL;
    }
    gt_json_value_clear(&failure);
}

/* Whether a success is followed by a result fetch (a result_path or a result_url field). */
static bool fetches_result(const gt_profile *p)
{
    return p->result_path || p->fields[GT_FIELD_RESULT_URL].n > 0;
}

/* A success whose results come from a second request (fal's response_url, MiniMax's file_id):
 * where that request goes; the task makes it. */
static void read_result_fetch(const gt_profile *p, const cJSON *json, gt_reply *out)
{
    out->result_url = field_string(p, json, GT_FIELD_RESULT_URL);
    out->result_id = field_string(p, json, GT_FIELD_RESULT_ID);
    out->fetch_result = true;
}

/* A success that holds no results because the provider would not deliver them (Veo's
 * raiMediaFilteredReasons beside raiMediaFilteredCount): the output was moderated. */
static gt_error *refused_output(const gt_profile *p, gt_phase phase, const gt_response *res, const char *why,
                                gt_reply *out)
{
    char *message = gt_printf("%s withheld the result: %s", p->name, why);
    gt_error *err = make_error(GT_MODERATED, phase, res, res->status, message ? message : why, out->task_id);
    free(message);
    if (err) set_kind(err, GT_MODERATED, "output");
    out->state = GT_REMOTE_FAILED;
    return err;
}

static void classify(const gt_profile *p, gt_phase phase, const gt_response *res, bool result_answer, gt_reply *out)
{
    memset(out, 0, sizeof *out);
    out->progress = -1;
    out->eta = -1;
    out->cost = -1;
    out->cost_units = read_cost_units(p, res); /* a header: whatever the body says, even an error's */
    cJSON *json = res->body_len ? cJSON_ParseWithLength(res->body, res->body_len) : NULL;

    long status = effective_status(p, res->status, json);
    if (!is_success(status)) {
        out->error = http_error(p, phase, res, status, json);
        goto done;
    }
    if (!cJSON_IsObject(json)) {
        out->error = protocol_error(p, phase, res,
                                    res->body_len == 0 ? "an empty body"
                                    : json             ? "JSON that is not an object"
                                                       : "a body that is not valid JSON",
                                    NULL, NULL);
        goto done;
    }
    out->error = envelope_refusal(p, phase, res, json);
    if (out->error) goto done;
    out->cost = read_cost(p, json); /* a failed task's answer may say what it cost too */

    bool exact_id = read_task_id(p, json, &out->task_id);
    if (out->task_id && !id_is_clean(p, res, out->task_id)) {
        free(out->task_id);
        out->task_id = NULL;
        if (phase == GT_PHASE_SUBMIT) { /* at a poll the task keeps the id it has */
            out->error = protocol_error(p, phase, res, "a task id holding a NUL or control character", json, NULL);
            goto done;
        }
    }
    if (out->task_id && !*out->task_id) { /* MiniMax refuses a submit under HTTP 200 with "task_id": "": */
        free(out->task_id);               /* a task polled under "" would wait on nothing */
        out->task_id = NULL;
    }
    out->progress = read_progress(p, json);
    out->poll_url = field_string(p, json, GT_FIELD_POLL_URL);
    char *eta = field_string(p, json, GT_FIELD_ETA);
    out->eta = parse_seconds(eta);
    free(eta);
    const gt_state_entry *entry = read_state(p, phase, res, json, result_answer, out);
    if (out->error) goto done;
    if (entry) out->grace_ms = entry->grace_ms;
    read_failure(p, json, out);

    if (out->state == GT_REMOTE_FAILED || out->state == GT_REMOTE_CANCELLED) {
        out->error = task_failure(p, phase, res, json, out, entry); /* even without an id */
    } else if (phase == GT_PHASE_SUBMIT && !out->task_id) {
        out->error = protocol_error(p, phase, res, exact_id ? "no task id" : "a numeric task id too large to be exact",
                                    json, NULL);
    } else if (out->state == GT_REMOTE_SUCCEEDED) {
        out->progress = 100;
        gt_json_paths_each(json, &p->fields[GT_FIELD_RESULTS], add_result, out);
        bool none = out->n_urls == 0 && out->n_texts == 0;
        char *refusal = none ? gt_json_paths_message(json, &p->fields[GT_FIELD_REFUSAL]) : NULL;
        if (refusal) out->error = refused_output(p, phase, res, refusal, out);
        else if (none && !result_answer && fetches_result(p)) read_result_fetch(p, json, out);
        else if (none) out->error = protocol_error(p, phase, res, "success but no result", json, out->task_id);
        free(refusal);
    }
done:
    cJSON_Delete(json);
}

void gt_classify(const gt_profile *p, gt_phase phase, const gt_response *res, gt_reply *out)
{
    classify(p, phase, res, false, out);
}

void gt_classify_result(const gt_profile *p, const gt_response *res, gt_reply *out)
{
    classify(p, GT_PHASE_POLL, res, true, out);
}

void gt_reply_clear(gt_reply *r)
{
    gt_error_free(r->error);
    free(r->raw_state);
    free(r->task_id);
    free(r->poll_url);
    free(r->result_url);
    free(r->result_id);
    for (size_t i = 0; i < r->n_urls; i++) free(r->urls[i]);
    free(r->urls);
    for (size_t i = 0; i < r->n_texts; i++) free(r->texts[i]);
    free(r->texts);
    memset(r, 0, sizeof *r);
}
