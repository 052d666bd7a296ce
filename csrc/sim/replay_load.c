/* Reading a replay file: cJSON parses it, and every member is checked here once, at start, so that
 * the request threads read a file known to be whole (no member of the wrong type, no goto to a
 * scenario that does not exist, no unknown member: a misspelt one would silently do nothing). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

#define NAME_MAX_LENGTH 63
#define TIMES_MAX 1000000
#define ID_TEMPLATE_MAX 64

struct loader {
    char *why;
    size_t why_size;
};

static bool refuse(struct loader *loader, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(loader->why, loader->why_size, format, args);
    va_end(args);
    return false;
}

/* Only the members named (and "note", a comment) may appear. */
static bool members_known(struct loader *loader, const cJSON *object, const char *where, const char *const *known)
{
    const cJSON *member;
    cJSON_ArrayForEach(member, object)
    {
        bool found = strcmp(member->string, "note") == 0;
        for (size_t i = 0; known[i] != NULL && !found; i++) found = strcmp(member->string, known[i]) == 0;
        if (!found) return refuse(loader, "%s: unknown member \"%.64s\"", where, member->string);
    }
    return true;
}

/* A member that must be a string when present: false (refused) when it is something else. */
static bool optional_string(struct loader *loader, const cJSON *object, const char *name, const char *where,
                            const char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    *out = NULL;
    if (item == NULL) return true;
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0' || strlen(item->valuestring) >= REPLAY_PATTERN_MAX)
        return refuse(loader, "%s: \"%s\" must be a non-empty string shorter than %d bytes", where, name,
                      REPLAY_PATTERN_MAX);
    *out = item->valuestring;
    return true;
}

static bool optional_bool(struct loader *loader, const cJSON *object, const char *name, const char *where,
                          bool fallback, bool *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    *out = fallback;
    if (item == NULL) return true;
    if (!cJSON_IsBool(item)) return refuse(loader, "%s: \"%s\" must be true or false", where, name);
    *out = cJSON_IsTrue(item);
    return true;
}

/* {"name": "string", ...}: what headers and query patterns are. */
static bool string_map(struct loader *loader, const cJSON *object, const char *name, const char *where,
                       const cJSON **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    *out = NULL;
    if (item == NULL) return true;
    if (!cJSON_IsObject(item)) return refuse(loader, "%s: \"%s\" must be an object of strings", where, name);
    const cJSON *member;
    cJSON_ArrayForEach(member, item)
    {
        if (member->string[0] == '\0' || !cJSON_IsString(member) || strlen(member->valuestring) >= REPLAY_PATTERN_MAX)
            return refuse(loader, "%s: \"%s\".\"%.64s\" must be a string shorter than %d bytes", where, name,
                          member->string, REPLAY_PATTERN_MAX);
    }
    *out = item;
    return true;
}

/* A path pattern: absolute; {id} at most once, alone in its segment or between literal text
 * (never beside a *, which would make the capture ambiguous); no other {…}. */
static bool path_pattern_valid(struct loader *loader, const char *path, const char *where)
{
    if (path[0] != '/') return refuse(loader, "%s: \"path\" must start with '/'", where);
    const char *id = strstr(path, "{id}");
    if (id != NULL && strstr(id + 1, "{id}") != NULL) return refuse(loader, "%s: \"path\" has {id} twice", where);
    const char *id_end = id ? id + 3 : NULL; /* the brace that closes {id} (no arithmetic on NULL) */
    for (const char *c = path; *c; c++)
        if ((*c == '{' && c != id) || (*c == '}' && c != id_end))
            return refuse(loader, "%s: \"path\": only {id} may stand in braces", where);
    if (id != NULL) {
        const char *start = id, *end = id + 4;
        while (start > path && start[-1] != '/') start--;
        while (*end && *end != '/') end++;
        if (memchr(start, '*', (size_t)(end - start)) != NULL)
            return refuse(loader, "%s: \"path\": {id} and * in one segment", where);
    }
    return true;
}

/* A number that is a whole one in low..high. The range first: converting a double out of int's range
 * is undefined (found by fuzz_replay_match). */
static bool whole_number_in(const cJSON *item, int low, int high)
{
    return cJSON_IsNumber(item) && item->valuedouble >= low && item->valuedouble <= high &&
           item->valuedouble == (double)(int)item->valuedouble;
}

static bool response_valid(struct loader *loader, const cJSON *response, const char *where)
{
    static const char *const known[] = {"status", "headers", "body", "png", NULL};
    if (!cJSON_IsObject(response)) return refuse(loader, "%s: must be an object", where);
    if (!members_known(loader, response, where, known)) return false;
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(response, "status");
    if (!whole_number_in(status, 100, 599))
        return refuse(loader, "%s: \"status\" must be an HTTP status 100..599", where);
    const cJSON *headers;
    bool png;
    if (!string_map(loader, response, "headers", where, &headers) ||
        !optional_bool(loader, response, "png", where, false, &png))
        return false;
    if (png && cJSON_GetObjectItemCaseSensitive(response, "body") != NULL)
        return refuse(loader, "%s: \"png\" and \"body\" together", where);
    return true;
}

/* The signature schemes a delivery may be signed in (signing.c signs them, replay_webhook.c makes
 * their headers), each with the members its "sign" object may have. */
static const struct {
    const char *name;
    const char *const *known;
    bool signature_header; /* it must name the header its signature goes in */
    bool signed_headers;   /* it must list the headers whose values it signs */
} sign_schemes[] = {
    {"standard", (const char *const[]){"scheme", "age_s", NULL}, false, false},
    {"t_v1", (const char *const[]){"scheme", "age_s", "signature_header", NULL}, true, false},
    {"ed25519", (const char *const[]){"scheme", "age_s", "signature_header", "signed_headers", NULL}, true, true},
};

#define AGE_MAX_S (366 * 86400)

/* "signed_headers": a non-empty list of names, each one of the delivery's own headers (the values
 * signed are the ones sent). */
static bool signed_headers_valid(struct loader *loader, const cJSON *names, const cJSON *headers, const char *at)
{
    if (!cJSON_IsArray(names) || cJSON_GetArraySize(names) == 0)
        return refuse(loader, "%s: \"signed_headers\" must list the header names whose values are signed", at);
    const cJSON *name;
    cJSON_ArrayForEach(name, names)
    {
        if (!cJSON_IsString(name)) return refuse(loader, "%s: \"signed_headers\" must be strings", at);
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(headers, name->valuestring)))
            return refuse(loader, "%s: signed header \"%.64s\" is not among the webhook's \"headers\"", at,
                          name->valuestring);
    }
    return true;
}

/* {"scheme", "age_s"?, "signature_header"?, "signed_headers"?}: the members its scheme takes. */
static bool sign_valid(struct loader *loader, const cJSON *sign, const cJSON *headers, const char *where)
{
    char at[192];
    snprintf(at, sizeof at, "%s.sign", where);
    if (!cJSON_IsObject(sign)) return refuse(loader, "%s: must be an object {\"scheme\", …}", at);
    const cJSON *scheme = cJSON_GetObjectItemCaseSensitive(sign, "scheme");
    size_t i = 0, count = sizeof sign_schemes / sizeof sign_schemes[0];
    while (cJSON_IsString(scheme) && i < count && strcmp(scheme->valuestring, sign_schemes[i].name) != 0) i++;
    if (!cJSON_IsString(scheme) || i == count)
        return refuse(loader, "%s: \"scheme\" must be \"standard\", \"t_v1\" or \"ed25519\"", at);
    const char *signature_header;
    if (!members_known(loader, sign, at, sign_schemes[i].known) ||
        !optional_string(loader, sign, "signature_header", at, &signature_header))
        return false;
    if (sign_schemes[i].signature_header && signature_header == NULL)
        return refuse(loader, "%s: scheme \"%s\" needs \"signature_header\"", at, sign_schemes[i].name);
    if (sign_schemes[i].signed_headers &&
        !signed_headers_valid(loader, cJSON_GetObjectItemCaseSensitive(sign, "signed_headers"), headers, at))
        return false;
    const cJSON *age = cJSON_GetObjectItemCaseSensitive(sign, "age_s");
    if (age != NULL && !whole_number_in(age, 0, AGE_MAX_S))
        return refuse(loader, "%s: \"age_s\" must be a whole number of seconds 0..%d", at, AGE_MAX_S);
    return true;
}

/* {"url_field" | "url_query", "delay_ms"?, "headers"?, "body", "sign"?} */
static bool webhook_valid(struct loader *loader, const cJSON *webhook, const char *where)
{
    static const char *const known[] = {"url_field", "url_query", "delay_ms", "headers", "body", "sign", NULL};
    char at[160];
    snprintf(at, sizeof at, "%s.webhook", where);
    if (!cJSON_IsObject(webhook)) return refuse(loader, "%s: must be an object", at);
    const char *url_field, *url_query;
    const cJSON *headers;
    if (!members_known(loader, webhook, at, known) || !optional_string(loader, webhook, "url_field", at, &url_field) ||
        !optional_string(loader, webhook, "url_query", at, &url_query) ||
        !string_map(loader, webhook, "headers", at, &headers))
        return false;
    if ((url_field == NULL) == (url_query == NULL))
        return refuse(loader,
                      "%s: one of \"url_field\" (the body's field) or \"url_query\" (the query parameter) says where "
                      "the request names the URL",
                      at);
    if (cJSON_GetObjectItemCaseSensitive(webhook, "body") == NULL) return refuse(loader, "%s: \"body\" is missing", at);
    const cJSON *delay = cJSON_GetObjectItemCaseSensitive(webhook, "delay_ms");
    if (delay != NULL && !(cJSON_IsNumber(delay) && delay->valuedouble >= 0 && delay->valuedouble <= 600000))
        return refuse(loader, "%s: \"delay_ms\" must be 0..600000", at);
    const cJSON *sign = cJSON_GetObjectItemCaseSensitive(webhook, "sign");
    return sign == NULL || sign_valid(loader, sign, headers, at);
}

static bool request_valid(struct loader *loader, const cJSON *request, struct replay_exchange *exchange,
                          const char *where)
{
    static const char *const known[] = {"method", "path", "query", "headers", "body_contains", "body_fields", NULL};
    if (!cJSON_IsObject(request)) return refuse(loader, "%s: \"request\" must be an object", where);
    if (!members_known(loader, request, where, known) ||
        !optional_string(loader, request, "method", where, &exchange->method) ||
        !optional_string(loader, request, "path", where, &exchange->path) ||
        !string_map(loader, request, "query", where, &exchange->query) ||
        !string_map(loader, request, "headers", where, &exchange->headers) ||
        !optional_string(loader, request, "body_contains", where, &exchange->body_contains) ||
        !string_map(loader, request, "body_fields", where, &exchange->body_fields))
        return false;
    if (exchange->path == NULL) return refuse(loader, "%s: the request has no \"path\"", where);
    return path_pattern_valid(loader, exchange->path, where);
}

static bool times_valid(struct loader *loader, const cJSON *exchange_json, struct replay_exchange *exchange,
                        const char *where)
{
    const cJSON *times = cJSON_GetObjectItemCaseSensitive(exchange_json, "times");
    if (times == NULL) return true;
    if (!whole_number_in(times, 1, TIMES_MAX))
        return refuse(loader, "%s: \"times\" must be a whole number 1..%d", where, TIMES_MAX);
    exchange->times = (unsigned)times->valueint;
    return true;
}

static bool exchange_read(struct loader *loader, const cJSON *json, struct replay_exchange *exchange, const char *where)
{
    static const char *const known[] = {"request", "response", "times", "new_task", "auth", "goto", "webhook", NULL};
    if (!cJSON_IsObject(json)) return refuse(loader, "%s: an exchange must be an object", where);
    char response_where[160];
    snprintf(response_where, sizeof response_where, "%s.response", where);
    exchange->response = cJSON_GetObjectItemCaseSensitive(json, "response");
    exchange->webhook = cJSON_GetObjectItemCaseSensitive(json, "webhook");
    if (exchange->webhook != NULL && !webhook_valid(loader, exchange->webhook, where)) return false;
    return members_known(loader, json, where, known) &&
           request_valid(loader, cJSON_GetObjectItemCaseSensitive(json, "request"), exchange, where) &&
           response_valid(loader, exchange->response, response_where) && times_valid(loader, json, exchange, where) &&
           optional_bool(loader, json, "new_task", where, false, &exchange->new_task) &&
           optional_bool(loader, json, "auth", where, true, &exchange->auth) &&
           optional_string(loader, json, "goto", where, &exchange->next_scenario);
}

static bool scenario_read(struct loader *loader, const cJSON *list, const char *name, struct replay_scenario *scenario)
{
    scenario->name = name;
    if (!cJSON_IsArray(list)) return refuse(loader, "scenario \"%.64s\" must be an array of exchanges", name);
    int count = cJSON_GetArraySize(list);
    scenario->exchanges = calloc(count > 0 ? (size_t)count : 1, sizeof *scenario->exchanges);
    if (scenario->exchanges == NULL) return refuse(loader, "out of memory");
    const cJSON *item;
    cJSON_ArrayForEach(item, list)
    {
        char where[128];
        snprintf(where, sizeof where, "scenario \"%.64s\" exchange %zu", name, scenario->count + 1);
        if (!exchange_read(loader, item, &scenario->exchanges[scenario->count], where)) return false;
        scenario->count++;
    }
    return true;
}

static bool name_valid(struct loader *loader, const char *name, const char *const *reserved)
{
    size_t length = strlen(name);
    if (length == 0 || length > NAME_MAX_LENGTH || strspn(name, REPLAY_NAME_CHARS) != length)
        return refuse(loader, "\"name\" must be 1..%d of a-z 0-9 _ - (it is the mount /NAME)", NAME_MAX_LENGTH);
    for (size_t i = 0; reserved != NULL && reserved[i] != NULL; i++)
        if (strcmp(reserved[i], name) == 0) return refuse(loader, "\"name\" \"%s\" is taken by the simulator", name);
    return true;
}

static bool sources_valid(struct loader *loader, const cJSON *sources)
{
    if (!cJSON_IsArray(sources) || cJSON_GetArraySize(sources) == 0)
        return refuse(loader, "\"source\" must list the pages the exchanges come from");
    const cJSON *source;
    cJSON_ArrayForEach(source, sources)
    {
        if (!cJSON_IsString(source) || strncmp(source->valuestring, "http", 4) != 0)
            return refuse(loader, "\"source\": every item must be a page's address (http…)");
    }
    return true;
}

static bool auth_read(struct loader *loader, const cJSON *auth, struct replay_file *file)
{
    static const char *const known[] = {"header", "value", "refusal", NULL};
    if (auth == NULL) return true;
    if (!cJSON_IsObject(auth)) return refuse(loader, "\"auth\" must be an object");
    file->auth_refusal = cJSON_GetObjectItemCaseSensitive(auth, "refusal");
    if (!members_known(loader, auth, "auth", known) ||
        !optional_string(loader, auth, "header", "auth", &file->auth_header) ||
        !optional_string(loader, auth, "value", "auth", &file->auth_value))
        return false;
    if (file->auth_header == NULL || file->auth_value == NULL)
        return refuse(loader, "auth: \"header\" and \"value\" are both needed");
    /* the token is the value's last word: {jwt} ends the value, once */
    const char *jwt = strstr(file->auth_value, REPLAY_JWT_WORD);
    if (jwt != NULL && strcmp(jwt, REPLAY_JWT_WORD) != 0)
        return refuse(loader, "auth.value: {jwt} must end the value (\"Bearer {jwt}\")");
    return response_valid(loader, file->auth_refusal, "auth.refusal");
}

/* Every goto, and the default, name a scenario of the file. */
static bool scenario_names_valid(struct loader *loader, const struct replay_file *file)
{
    if (replay_file_scenario(file, file->default_scenario) == NULL)
        return refuse(loader, "\"default_scenario\" \"%.64s\" is not among \"scenarios\"", file->default_scenario);
    for (size_t s = 0; s <= file->scenario_count; s++) {
        const struct replay_scenario *scenario = s < file->scenario_count ? &file->scenarios[s] : &file->common;
        for (size_t i = 0; i < scenario->count; i++) {
            const char *next = scenario->exchanges[i].next_scenario;
            if (next != NULL && replay_file_scenario(file, next) == NULL)
                return refuse(loader, "scenario \"%.64s\" exchange %zu: \"goto\" \"%.64s\" is not among \"scenarios\"",
                              scenario->name, i + 1, next);
        }
    }
    return true;
}

static bool scenarios_read(struct loader *loader, const cJSON *scenarios, struct replay_file *file)
{
    if (!cJSON_IsObject(scenarios) || cJSON_GetArraySize(scenarios) == 0)
        return refuse(loader, "\"scenarios\" must be an object of named exchange lists");
    file->scenarios = calloc((size_t)cJSON_GetArraySize(scenarios), sizeof *file->scenarios);
    if (file->scenarios == NULL) return refuse(loader, "out of memory");
    const cJSON *list;
    cJSON_ArrayForEach(list, scenarios)
    {
        size_t length = strlen(list->string);
        if (length == 0 || length >= REPLAY_WORD_MAX || strspn(list->string, REPLAY_NAME_CHARS) != length)
            return refuse(loader, "scenario names are 1..%d of a-z 0-9 _ -: \"%.64s\"", REPLAY_WORD_MAX - 1,
                          list->string);
        if (!scenario_read(loader, list, list->string, &file->scenarios[file->scenario_count++])) return false;
    }
    return true;
}

static bool file_read(struct loader *loader, struct replay_file *file, const char *const *reserved)
{
    static const char *const known[] = {"name",         "source", "id", "default_scenario", "auth", "scenarios",
                                        "unknown_task", "common", NULL};
    const cJSON *root = file->json;
    if (!cJSON_IsObject(root)) return refuse(loader, "a replay file is a JSON object");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (!cJSON_IsString(name)) return refuse(loader, "\"name\" (the mount, /NAME) is missing");
    file->name = name->valuestring;
    file->unknown_task = cJSON_GetObjectItemCaseSensitive(root, "unknown_task");
    const cJSON *common = cJSON_GetObjectItemCaseSensitive(root, "common");
    if (!members_known(loader, root, "the file", known) || !name_valid(loader, file->name, reserved) ||
        !sources_valid(loader, cJSON_GetObjectItemCaseSensitive(root, "source")) ||
        !optional_string(loader, root, "id", "the file", &file->id_template) ||
        !optional_string(loader, root, "default_scenario", "the file", &file->default_scenario) ||
        !auth_read(loader, cJSON_GetObjectItemCaseSensitive(root, "auth"), file) ||
        (file->unknown_task != NULL && !response_valid(loader, file->unknown_task, "unknown_task")) ||
        !scenarios_read(loader, cJSON_GetObjectItemCaseSensitive(root, "scenarios"), file) ||
        (common != NULL && !scenario_read(loader, common, "common", &file->common)))
        return false;
    if (file->id_template == NULL) file->id_template = "replay-{seq}-{hex}";
    if (strlen(file->id_template) > ID_TEMPLATE_MAX) return refuse(loader, "\"id\" is longer than %d", ID_TEMPLATE_MAX);
    if (file->default_scenario == NULL) file->default_scenario = "success";
    for (size_t s = 0; s < file->scenario_count; s++)
        if (file->scenarios[s].count + file->common.count > file->exchanges_max)
            file->exchanges_max = file->scenarios[s].count + file->common.count;
    return scenario_names_valid(loader, file);
}

struct replay_file *replay_file_parse(const char *text, size_t length, const char *origin, const char *const *reserved,
                                      char *why, size_t why_size)
{
    struct loader loader = {why, why_size};
    struct replay_file *file = calloc(1, sizeof *file);
    if (file == NULL || (file->origin = strdup(origin)) == NULL) {
        refuse(&loader, "out of memory");
        replay_file_free(file);
        return NULL;
    }
    const char *end = NULL;
    file->json = cJSON_ParseWithLengthOpts(text, length, &end, false);
    if (file->json == NULL) {
        refuse(&loader, "not JSON (near byte %zu)", end && end >= text ? (size_t)(end - text) : (size_t)0);
        replay_file_free(file);
        return NULL;
    }
    if (!file_read(&loader, file, reserved)) {
        replay_file_free(file);
        return NULL;
    }
    return file;
}

static void scenario_free(struct replay_scenario *scenario)
{
    free(scenario->exchanges);
}

void replay_file_free(struct replay_file *file)
{
    if (file == NULL) return;
    for (size_t s = 0; s < file->scenario_count; s++) scenario_free(&file->scenarios[s]);
    free(file->scenarios);
    scenario_free(&file->common);
    cJSON_Delete(file->json);
    free(file->origin);
    free(file);
}

const struct replay_scenario *replay_file_scenario(const struct replay_file *file, const char *name)
{
    for (size_t s = 0; s < file->scenario_count; s++)
        if (strcmp(file->scenarios[s].name, name) == 0) return &file->scenarios[s];
    return NULL;
}
