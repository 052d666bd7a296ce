/* fuzz_replay_match.c — the simulator's replay files and matcher (csrc/sim/replay_load.c,
 * replay_match.c): any file text is read or refused without a crash, and any request — method,
 * path, body, header and query values — is matched against what was read (or, when the text is
 * refused, against a small valid file), five times over as a flow would be, the steps counted as
 * replay_state.c counts them. The path is also matched as a pattern against itself, and the body
 * filled in as a response's template (replay_fill.c).
 * Input: file NUL method NUL path NUL body NUL header NUL query. */
#include <stdio.h>

#include "../csrc/sim/replay.h"
#include "../csrc/sim/replay_fill.h"
#include "fuzz.h"

static const char fallback[] =
    "{\"name\": \"f\", \"source\": [\"https://example.com\"],"
    " \"auth\": {\"header\": \"Authorization\", \"value\": \"Bearer {key}\", \"refusal\": {\"status\": 401}},"
    " \"scenarios\": {\"success\": ["
    "  {\"request\": {\"method\": \"POST\", \"path\": \"/v1/*/jobs\", \"body_contains\": \"p\","
    "   \"body_fields\": {\"input.prompt\": \"*a*\", \"a..b.\": \"{key}\"}}, \"new_task\": true,"
    "   \"response\": {\"status\": 200, \"body\": {\"id\": \"{id}\"}}},"
    "  {\"request\": {\"path\": \"/v1/jobs/x{id}.png\", \"query\": {\"q\": \"*a*b*\"}}, \"times\": 2,"
    "   \"response\": {\"status\": 200}},"
    "  {\"request\": {\"path\": \"/v1/jobs\", \"query\": {\"id\": \"{id}\"}, \"headers\": {\"X-H\": \"*{key}*\"}},"
    "   \"goto\": \"other\", \"response\": {\"status\": 200}}],"
    " \"other\": [{\"request\": {\"method\": \"GET\", \"path\": \"/{id}\"}, \"response\": {\"status\": 204}}]},"
    " \"common\": [{\"request\": {\"path\": \"/**/*\"}, \"auth\": false, \"response\": {\"status\": 404}}]}";

static const char *const reserved[] = {"_sim", "files", "foxapi", NULL};
static const char *const keys[] = {"sk-test-gentask", "k"};

struct values {
    const char *header, *query;
};

static const char *header_of(void *context, const char *name)
{
    (void)name;
    return ((struct values *)context)->header;
}

static const char *query_of(void *context, const char *name)
{
    (void)name;
    return ((struct values *)context)->query;
}

static void match_flow(const struct replay_file *file, const struct replay_request *request)
{
    char id[REPLAY_ID_MAX], word[REPLAY_WORD_MAX];
    replay_capture_id(file, request, id, sizeof id);
    if (replay_scenario_word(request, word, sizeof word)) replay_file_scenario(file, word);
    replay_auth_accepted(file, request);
    unsigned counts[4096] = {0};
    if (file->exchanges_max >= sizeof counts / sizeof counts[0]) return;
    for (size_t s = 0; s < file->scenario_count; s++) {
        for (int step = 0; step < 5; step++) {
            size_t index = 0;
            const struct replay_exchange *exchange = replay_select(file, &file->scenarios[s], request, counts, &index);
            if (exchange == NULL) break;
            if (index >= file->exchanges_max) abort(); /* counts[] must hold every index */
            counts[index]++;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char **parts = fuzz_split(data, size, 6);
    char why[256];
    struct replay_file *file = replay_file_parse(parts[0], strlen(parts[0]), "fuzz", reserved, why, sizeof why);
    if (file == NULL && why[0] == '\0') abort(); /* a refusal always says why */
    if (file == NULL) file = replay_file_parse(fallback, sizeof fallback - 1, "fallback", reserved, why, sizeof why);
    if (file == NULL) abort();
    struct values values = {parts[4], parts[5]};
    cJSON *body_json = cJSON_Parse(parts[3]);
    struct replay_request request = {
        .method = parts[1],
        .path = parts[2],
        .body = parts[3],
        .body_json = body_json,
        .header = header_of,
        .query = query_of,
        .context = &values,
        .keys = keys,
        .key_count = 2,
    };
    match_flow(file, &request);
    char id[REPLAY_ID_MAX];
    replay_path_match(parts[2], parts[2], id, sizeof id);
    replay_path_match(parts[4], parts[2], id, sizeof id);
    replay_value_match(parts[4], parts[5], keys, 2);
    struct replay_fill fill = {.id = parts[5], .base = "http://127.0.0.1:1/f", .now = "0"};
    free(replay_fill_in(parts[3], &fill)); /* the body as a response template */
    cJSON_Delete(body_json);
    replay_file_free(file);
    fuzz_free(parts, 6);
    return 0;
}
