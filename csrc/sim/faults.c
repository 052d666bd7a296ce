#include "faults.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "render.h"

#define UNKNOWN_STATE "sleeping"
#define ECHO_HEADER "X-Request-Id" /* where the dialect sends no request id of its own */

/* The key as a careless server writes it into JSON text: as is, with '/' as "\/" (PHP), every
 * character as a \u escape, or percent-encoded (a URL echoed back). Clients must see through
 * each spelling. */
static char *spell_key(enum echo_key_form form, const char *key)
{
    char *out = malloc(6 * strlen(key) + 1), *w = out;
    if (out == NULL) return NULL;
    for (const unsigned char *r = (const unsigned char *)key; *r; r++) {
        if (form == ECHO_KEY_UNICODE) w += sprintf(w, "\\u%04x", *r);
        else if (form == ECHO_KEY_PERCENT && !isalnum(*r)) w += sprintf(w, "%%%02X", *r);
        else if (form == ECHO_KEY_ESCAPED && *r == '/') w += sprintf(w, "\\/");
        else *w++ = (char)*r;
    }
    *w = '\0';
    return out;
}

#define KEY_SLOT "@@gentask-sim-key@@"

/* json printed, with the string KEY_SLOT in it replaced by the key in that form. */
static char *print_with_key(const cJSON *json, enum echo_key_form form, const char *key)
{
    char *printed = cJSON_PrintUnformatted(json), *spelled = spell_key(form, key), *out = NULL;
    char *slot = printed ? strstr(printed, KEY_SLOT) : NULL;
    if (slot != NULL && spelled != NULL && (out = malloc(strlen(printed) + strlen(spelled) + 1)) != NULL)
        sprintf(out, "%.*s%s%s", (int)(slot - printed), printed, spelled, slot + strlen(KEY_SLOT));
    cJSON_free(printed);
    free(spelled);
    return out;
}

/* Quotes the received key back, as careless servers do in their error messages and request ids:
 * a test can then prove that the client redacts the secret from everything it reports, however
 * the echo is spelled or wherever in the body it falls. */
static enum MHD_Result reply_echoing_key(struct exchange *exchange, const char *key)
{
    static const char lead[] = "Invalid request; received ";
    const char *key_label = exchange->dialect->key.name;
    enum echo_key_form form = exchange->scenario.echo_key;
    key = key ? key : "";
    size_t padding = form == ECHO_KEY_DEEP ? 500 : 0;
    size_t size = sizeof lead + strlen(key_label) + 2 + padding + sizeof KEY_SLOT;
    char *message = malloc(size), *header_key = spell_key(form == ECHO_KEY_PERCENT ? form : ECHO_KEY_PLAIN, key);
    char *request_id = header_key ? malloc(strlen(header_key) + 4) : NULL;
    cJSON *body = NULL;
    char *printed = NULL;
    enum MHD_Result result = MHD_NO;
    if (message == NULL || request_id == NULL) goto done;
    snprintf(message, size, "%s%s: %*s%s", lead, key_label, (int)padding, "", KEY_SLOT);
    snprintf(request_id, strlen(header_key) + 4, "rq-%s", header_key);
    body = exchange_error_body(exchange, MHD_HTTP_BAD_REQUEST, "", message);
    printed = body ? print_with_key(body, form, key) : NULL;
    if (printed == NULL) goto done;
    const char *id_header = exchange->dialect->request_id_header;
    const struct reply_header header = {id_header ? id_header : ECHO_HEADER, request_id};
    result = exchange_reply_text(exchange, MHD_HTTP_BAD_REQUEST, printed, &header);
done:
    cJSON_Delete(body);
    free(printed);
    free(message);
    free(header_key);
    free(request_id);
    return result;
}

static enum MHD_Result reply_http_fault(struct exchange *exchange, const struct http_fault *fault)
{
    return exchange_reply_error(exchange, fault->status, fault->variant, NULL);
}

bool faults_refuse_submit(struct exchange *exchange, const char *raw_key, enum MHD_Result *result)
{
    const struct scenario *scenario = &exchange->scenario;
    if (scenario_window_covers(&scenario->first_reset, exchange->attempt))
        *result = MHD_NO; /* dropped before anything was done: no task */
    else if (scenario_window_covers(&scenario->first_http.window, exchange->attempt))
        *result = reply_http_fault(exchange, &scenario->first_http);
    else if (scenario->submit_http.status != 0) *result = reply_http_fault(exchange, &scenario->submit_http);
    else if (scenario_window_covers(&scenario->cdn, exchange->attempt))
        *result = reply_cdn_page(exchange->request->connection, scenario->cdn_status);
    else if (scenario->submit_body == BODY_FAULT_HTML)
        *result = exchange_reply_fault(exchange, BODY_FAULT_HTML, &(struct fault_bodies){.normal = ""});
    else if (scenario->echo_key != ECHO_KEY_NONE) *result = reply_echoing_key(exchange, raw_key);
    else return false;
    return true;
}

/* The same members, each holding a value of another JSON type: a string, number, boolean or null
 * wrapped in an array (an id in an array is no id in any dialect, where a number might pass for
 * one), an array replaced by a string, an object kept with its members changed likewise. A
 * client must refuse the answer, not crash on it. */
static cJSON *with_wrong_types(const cJSON *json)
{
    if (cJSON_IsObject(json)) {
        cJSON *copy = cJSON_CreateObject();
        const cJSON *member;
        cJSON_ArrayForEach(member, json) cJSON_AddItemToObject(copy, member->string, with_wrong_types(member));
        return copy;
    }
    if (cJSON_IsArray(json)) return cJSON_CreateString("nope");
    cJSON *wrapped = cJSON_CreateArray();
    cJSON_AddItemToArray(wrapped, cJSON_Duplicate(json, false));
    return wrapped;
}

/* The answer with its task id dropped (every id field the dialect names), or its state replaced
 * by one the documentation does not list. An answer without a state (BFL's and APIXO's submit
 * answers) goes out unchanged. */
static char *print_damaged(const cJSON *json, const struct fault_words *words, bool drop_id)
{
    cJSON *copy = cJSON_Duplicate(json, true);
    const char *leaf;
    cJSON *parent;
    for (size_t i = 0; drop_id && i < sizeof words->id_fields / sizeof words->id_fields[0]; i++)
        if (words->id_fields[i] != NULL && (parent = json_parent_at(copy, words->id_fields[i], &leaf)) != NULL)
            cJSON_DeleteItemFromObjectCaseSensitive(parent, leaf);
    if (!drop_id && (parent = json_parent_at(copy, words->state_field, &leaf)) != NULL &&
        cJSON_GetObjectItemCaseSensitive(parent, leaf) != NULL)
        cJSON_ReplaceItemInObjectCaseSensitive(
            parent, leaf, cJSON_CreateString(words->unknown_state ? words->unknown_state : UNKNOWN_STATE));
    char *text = copy ? cJSON_PrintUnformatted(copy) : NULL;
    cJSON_Delete(copy);
    return text;
}

static char *print_wrong_types(const cJSON *json)
{
    cJSON *wrong = with_wrong_types(json);
    char *text = wrong ? cJSON_PrintUnformatted(wrong) : NULL;
    cJSON_Delete(wrong);
    return text;
}

/* `json`, or the body fault in its place: each broken body made from `json` itself. */
static enum MHD_Result reply_with_fault(struct exchange *exchange, unsigned status, const cJSON *json,
                                        enum body_fault fault)
{
    if (fault == BODY_FAULT_NONE) return exchange_reply_json(exchange, status, json);
    const struct fault_words *words = &exchange->dialect->faults;
    char *normal = cJSON_PrintUnformatted(json);
    char *broken = NULL;
    if (fault == BODY_FAULT_MALFORMED && normal != NULL && (broken = strdup(normal)) != NULL)
        broken[strlen(broken) / 2] = '\0'; /* an object never closed: JSON cut off */
    else if (fault == BODY_FAULT_WRONG_TYPES) broken = print_wrong_types(json);
    else if (fault == BODY_FAULT_NO_ID || fault == BODY_FAULT_UNKNOWN_STATE)
        broken = print_damaged(json, words, fault == BODY_FAULT_NO_ID);
    const struct fault_bodies bodies = {.normal = normal ? normal : "{}", .broken = broken};
    enum MHD_Result result = exchange_reply_fault(exchange, fault, &bodies);
    cJSON_free(normal);
    free(broken);
    return result;
}

/* submit-reset-after drops the answer (true, *result MHD_NO); submit-slow holds it back. */
static bool first_attempt_faults(struct exchange *exchange, enum MHD_Result *result)
{
    const struct scenario *scenario = &exchange->scenario;
    if (scenario_window_covers(&scenario->first_reset_after, exchange->attempt)) {
        *result = MHD_NO;
        return true;
    }
    if (scenario_window_covers(&scenario->submit_slow, exchange->attempt))
        request_answer_later(exchange->request, scenario->submit_slow_ms);
    return false;
}

enum MHD_Result faults_reply_created(struct exchange *exchange, const cJSON *json)
{
    /* The task exists before any of these faults: a reset or a broken body after the provider
     * accepted the work is exactly the ambiguity a client must not paper over by resubmitting. */
    enum MHD_Result result;
    if (exchange->scenario.submit_reset) return MHD_NO;
    if (first_attempt_faults(exchange, &result)) return result;
    enum body_fault fault = exchange->scenario.submit_body;
    unsigned created = exchange->dialect->created_status;
    /* body= faults keep the status they document */
    return reply_with_fault(exchange, fault == BODY_FAULT_NONE && created ? created : MHD_HTTP_OK, json, fault);
}

enum MHD_Result faults_reply_replayed(struct exchange *exchange, const cJSON *json)
{
    enum MHD_Result result;
    if (first_attempt_faults(exchange, &result)) return result;
    return exchange_reply_json(exchange, MHD_HTTP_OK, json);
}

bool faults_refuse_poll(struct exchange *exchange, const struct task *task, enum MHD_Result *result)
{
    exchange->scenario = task->scenario;
    const struct scenario *scenario = &exchange->scenario;
    if (scenario_window_covers(&scenario->poll_reset, task->poll_number)) {
        *result = MHD_NO;
        return true;
    }
    /* whatever this poll answers, from here on, goes out late */
    if (scenario_window_covers(&scenario->poll_slow, task->poll_number))
        request_answer_later(exchange->request, scenario->poll_slow_ms);
    if (scenario_window_covers(&scenario->poll_cdn, task->poll_number)) {
        *result = reply_cdn_page(exchange->request->connection, scenario->poll_cdn_status);
        return true;
    }
    if (!scenario_window_covers(&scenario->poll_http.window, task->poll_number)) return false;
    *result = reply_http_fault(exchange, &scenario->poll_http);
    return true;
}

/* result-echo-key: the poll answer with an "echo" member quoting the simulator's first key (the
 * one a test's client uses), so that a client's decoded view of the answer meets the key too. */
static enum MHD_Result reply_task_echoing_key(struct exchange *exchange, const struct task *task, const cJSON *json)
{
    const struct sim *sim = exchange->request->sim;
    cJSON *copy = cJSON_Duplicate(json, true);
    if (copy != NULL) cJSON_AddStringToObject(copy, "echo", KEY_SLOT);
    char *text = copy ? print_with_key(copy, task->scenario.result_echo_key, sim->api_keys[0]) : NULL;
    enum MHD_Result result = text ? exchange_reply_text(exchange, MHD_HTTP_OK, text, NULL) : MHD_NO;
    cJSON_Delete(copy);
    free(text);
    return result;
}

enum MHD_Result faults_reply_task(struct exchange *exchange, const struct task *task, const cJSON *json)
{
    if (task->scenario.result_echo_key != ECHO_KEY_NONE && cJSON_IsObject(json))
        return reply_task_echoing_key(exchange, task, json);
    enum body_fault fault = BODY_FAULT_NONE;
    if (scenario_window_covers(&task->scenario.poll_body_window, task->poll_number)) fault = task->scenario.poll_body;
    return reply_with_fault(exchange, MHD_HTTP_OK, json, fault);
}
