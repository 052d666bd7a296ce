/* Matching a request against a replay file's exchanges. Pure: it reads the request through the
 * callbacks it is given and the file, keeps no state and takes no lock, so that the fuzz target
 * (fuzz/fuzz_replay_match.c) runs it alone. Every pattern is matched in time linear in the
 * pattern and text lengths times the number of stars at worst (no recursion): a hostile path can
 * cost no more than a long one. */
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "replay.h"

/* text[0..length) against pattern[0..pattern_length), where * matches any run of characters: the
 * classic two-pointer match, backtracking only to the last star. */
static bool glob_match(const char *pattern, size_t pattern_length, const char *text, size_t length)
{
    size_t p = 0, t = 0, star = (size_t)-1, resume = 0;
    while (t < length) {
        if (p < pattern_length && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (p < pattern_length && pattern[p] == text[t]) {
            p++;
            t++;
        } else if (star != (size_t)-1) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern_length && pattern[p] == '*') p++;
    return p == pattern_length;
}

static size_t segment_length(const char *text)
{
    const char *slash = strchr(text, '/');
    return slash ? (size_t)(slash - text) : strlen(text);
}

/* One segment holding {id}: the literal text before and after it must frame a non-empty id. */
static bool id_segment_match(const char *pattern, size_t pattern_length, const char *text, size_t length, char *id,
                             size_t id_size)
{
    const char *mark = strstr(pattern, "{id}");
    size_t before = (size_t)(mark - pattern), after = pattern_length - before - 4;
    if (length <= before + after || memcmp(pattern, text, before) != 0 ||
        memcmp(pattern + before + 4, text + length - after, after) != 0)
        return false;
    size_t id_length = length - before - after;
    if (id_length >= id_size) return false;
    memcpy(id, text + before, id_length);
    id[id_length] = '\0';
    return true;
}

bool replay_path_match(const char *pattern, const char *path, char *id, size_t id_size)
{
    if (id_size > 0) id[0] = '\0';
    for (;;) {
        size_t pattern_length = segment_length(pattern), length = segment_length(path);
        const char *mark = strstr(pattern, "{id}");
        bool has_id = mark != NULL && (size_t)(mark - pattern) < pattern_length;
        if (has_id ? !id_segment_match(pattern, pattern_length, path, length, id, id_size)
                   : !glob_match(pattern, pattern_length, path, length))
            return false;
        pattern += pattern_length;
        path += length;
        if (*pattern == '\0' || *path == '\0') return *pattern == *path;
        pattern++; /* both at a '/' */
        path++;
    }
}

bool replay_value_match(const char *pattern, const char *value, const char *const *keys, size_t key_count)
{
    if (value == NULL) return false;
    const char *mark = strstr(pattern, "{key}");
    if (mark == NULL) return glob_match(pattern, strlen(pattern), value, strlen(value));
    /* the pattern with the key in place of {key}, for each key: a key is never a pattern itself */
    size_t before = (size_t)(mark - pattern), after = strlen(mark + 5), length = strlen(value);
    for (size_t i = 0; i < key_count; i++) {
        size_t key_length = strlen(keys[i]);
        if (length < key_length) continue;
        for (size_t at = 0; at + key_length <= length; at++) {
            if (memcmp(value + at, keys[i], key_length) != 0) continue;
            if (glob_match(pattern, before, value, at) &&
                glob_match(mark + 5, after, value + at + key_length, length - at - key_length))
                return true;
        }
    }
    return false;
}

static bool method_matches(const struct replay_exchange *exchange, const char *method)
{
    if (exchange->method == NULL) return true;
    /* HEAD asks what GET would answer */
    return strcmp(exchange->method, method) == 0 ||
           (strcmp(method, "HEAD") == 0 && strcmp(exchange->method, "GET") == 0);
}

/* The query pattern "{id}" captures the parameter's value; others match as values. */
static bool query_matches(const struct replay_exchange *exchange, const struct replay_request *request, char *id,
                          size_t id_size)
{
    const cJSON *member;
    cJSON_ArrayForEach(member, exchange->query)
    {
        const char *value = request->query ? request->query(request->context, member->string) : NULL;
        if (value == NULL) return false;
        if (strcmp(member->valuestring, "{id}") == 0) {
            if (value[0] == '\0' || strlen(value) >= id_size) return false;
            snprintf(id, id_size, "%s", value);
        } else if (!replay_value_match(member->valuestring, value, request->keys, request->key_count)) {
            return false;
        }
    }
    return true;
}

static bool headers_match(const struct replay_exchange *exchange, const struct replay_request *request)
{
    const cJSON *member;
    cJSON_ArrayForEach(member, exchange->headers)
    {
        const char *value = request->header ? request->header(request->context, member->string) : NULL;
        if (!replay_value_match(member->valuestring, value, request->keys, request->key_count)) return false;
    }
    return true;
}

static bool body_fields_match(const struct replay_exchange *exchange, const struct replay_request *request)
{
    const cJSON *member;
    cJSON_ArrayForEach(member, exchange->body_fields)
    {
        const char *value = json_string_at(request->body_json, member->string);
        if (!replay_value_match(member->valuestring, value, request->keys, request->key_count)) return false;
    }
    return true;
}

/* The method, path and query alone: what says which exchange (and which task) a request is for. */
static bool address_matches(const struct replay_exchange *exchange, const struct replay_request *request, char *id,
                            size_t id_size)
{
    return method_matches(exchange, request->method) && replay_path_match(exchange->path, request->path, id, id_size) &&
           query_matches(exchange, request, id, id_size);
}

static bool exchange_matches(const struct replay_exchange *exchange, const struct replay_request *request)
{
    char id[REPLAY_ID_MAX];
    if (!address_matches(exchange, request, id, sizeof id) || !headers_match(exchange, request) ||
        !body_fields_match(exchange, request))
        return false;
    return exchange->body_contains == NULL || (request->body != NULL && strstr(request->body, exchange->body_contains));
}

static bool scenario_captures(const struct replay_scenario *scenario, const struct replay_request *request, char *id,
                              size_t id_size)
{
    for (size_t i = 0; i < scenario->count; i++)
        if (address_matches(&scenario->exchanges[i], request, id, id_size) && id[0] != '\0') return true;
    return false;
}

bool replay_capture_id(const struct replay_file *file, const struct replay_request *request, char *id, size_t id_size)
{
    for (size_t s = 0; s < file->scenario_count; s++)
        if (scenario_captures(&file->scenarios[s], request, id, id_size)) return true;
    if (scenario_captures(&file->common, request, id, id_size)) return true;
    if (id_size > 0) id[0] = '\0';
    return false;
}

/* replay:WORD in text: the word's a-z 0-9 _ - run; false when there is none. */
static bool word_in(const char *text, char *word, size_t word_size)
{
    const char *mark = text ? strstr(text, REPLAY_WORD_PREFIX) : NULL;
    if (mark == NULL) return false;
    mark += strlen(REPLAY_WORD_PREFIX);
    size_t length = strspn(mark, REPLAY_NAME_CHARS);
    if (length == 0 || length >= word_size) return false;
    memcpy(word, mark, length);
    word[length] = '\0';
    return true;
}

bool replay_scenario_word(const struct replay_request *request, char *word, size_t word_size)
{
    if (word_in(request->body, word, word_size)) return true;
    const char *header = request->header ? request->header(request->context, REPLAY_SCENARIO_HEADER) : NULL;
    return word_in(header, word, word_size);
}

static const struct replay_exchange *exchange_at(const struct replay_scenario *scenario, const struct replay_file *file,
                                                 size_t index)
{
    return index < scenario->count ? &scenario->exchanges[index] : &file->common.exchanges[index - scenario->count];
}

const struct replay_exchange *replay_select(const struct replay_file *file, const struct replay_scenario *scenario,
                                            const struct replay_request *request, const unsigned *counts, size_t *index)
{
    const struct replay_exchange *last = NULL;
    size_t total = scenario->count + file->common.count, last_index = 0;
    for (size_t i = 0; i < total; i++) {
        const struct replay_exchange *exchange = exchange_at(scenario, file, i);
        if (!exchange_matches(exchange, request)) continue;
        if (exchange->times == 0 || counts[i] < exchange->times) {
            *index = i;
            return exchange;
        }
        last = exchange;
        last_index = i;
    }
    *index = last_index;
    return last;
}

/* "Bearer {jwt}": the value's last word is the token (base64url and dots: never a space), checked
 * as --jwt-issuer checks a dialect's; the text before it matches the pattern's before {jwt}. */
static bool token_value_match(const char *pattern, size_t before, const char *value,
                              const struct replay_request *request)
{
    if (value == NULL || request->token_accepted == NULL) return false;
    const char *space = strrchr(value, ' ');
    const char *token = space ? space + 1 : value;
    return *token != '\0' && glob_match(pattern, before, value, (size_t)(token - value)) &&
           request->token_accepted(request->context, token);
}

bool replay_auth_accepted(const struct replay_file *file, const struct replay_request *request)
{
    if (file->auth_header == NULL) return true;
    const char *value = request->header ? request->header(request->context, file->auth_header) : NULL;
    const char *jwt = strstr(file->auth_value, REPLAY_JWT_WORD);
    if (jwt != NULL) return token_value_match(file->auth_value, (size_t)(jwt - file->auth_value), value, request);
    return replay_value_match(file->auth_value, value, request->keys, request->key_count);
}
