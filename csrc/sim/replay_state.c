/* The replay files loaded at start and the flows their requests move on (replays.h): which
 * exchange of a flow answered how often, each task's id and scenario, and the counters the specs
 * read to prove that no request went unmatched. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "ids.h"
#include "replay_builtin.h"
#include "replays.h"

#define UNMATCHED_LOGGED 16
#define UNMATCHED_TEXT 200
#define FILE_SIZE_MAX (4u << 20)

struct flow {
    const struct replay_file *file;
    char key[REPLAY_ID_MAX + REPLAY_WORD_MAX + 24]; /* "task " ID, or "body " SCENARIO HASH */
    const struct replay_scenario *scenario;
    unsigned *counts; /* file->exchanges_max: the requests each exchange answered */
};

struct replays {
    struct replay_file **files;
    size_t file_count;
    pthread_mutex_t lock;
    struct flow *flows; /* a test's few hundred tasks: looked up in order */
    size_t flow_count, flow_capacity;
    uint64_t requests, matched, unmatched, auth_refused, tasks;
    uint64_t by_status[600]; /* the documented answers served, by status (checked 100..599 at load) */
    char unmatched_log[UNMATCHED_LOGGED][UNMATCHED_TEXT];
    size_t unmatched_logged;
};

/* ---- loading ---- */

static char *read_whole(const char *path, size_t *length, char *why, size_t why_size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        snprintf(why, why_size, "cannot open it: %s", strerror(errno));
        return NULL;
    }
    char *text = malloc(FILE_SIZE_MAX + 1);
    size_t got = text ? fread(text, 1, FILE_SIZE_MAX + 1, file) : 0;
    bool failed = text == NULL || ferror(file) || got > FILE_SIZE_MAX;
    fclose(file);
    if (failed) {
        snprintf(why, why_size, "%s", text == NULL ? "out of memory" : "cannot read it, or it is larger than 4 MiB");
        free(text);
        return NULL;
    }
    *length = got;
    return text;
}

/* Adds file, replacing a built-in one of the same name; false when an extra one already has it. */
static bool add_file(struct replays *replays, struct replay_file *file, bool builtin, size_t builtin_count)
{
    for (size_t i = 0; i < replays->file_count; i++) {
        if (strcmp(replays->files[i]->name, file->name) != 0) continue;
        if (builtin || i >= builtin_count) {
            fprintf(stderr, "gentask-sim: replay file %s: \"name\" \"%s\" is also %s's\n", file->origin, file->name,
                    replays->files[i]->origin);
            replay_file_free(file);
            return false;
        }
        replay_file_free(replays->files[i]);
        replays->files[i] = file;
        return true;
    }
    replays->files[replays->file_count++] = file;
    return true;
}

static bool load_one(struct replays *replays, const char *text, size_t length, const char *origin,
                     const char *const *reserved, bool builtin, size_t builtin_count)
{
    char why[512];
    struct replay_file *file = replay_file_parse(text, length, origin, reserved, why, sizeof why);
    if (file == NULL) {
        fprintf(stderr, "gentask-sim: replay file %s: %s\n", origin, why);
        return false;
    }
    return add_file(replays, file, builtin, builtin_count);
}

static bool load_extra(struct replays *replays, const char *path, const char *const *reserved, size_t builtin_count)
{
    char why[256];
    size_t length = 0;
    char *text = read_whole(path, &length, why, sizeof why);
    if (text == NULL) {
        fprintf(stderr, "gentask-sim: replay file %s: %s\n", path, why);
        return false;
    }
    bool loaded = load_one(replays, text, length, path, reserved, false, builtin_count);
    free(text);
    return loaded;
}

struct replays *replays_load(const char *const *extra_paths, size_t extra_count, const char *const *reserved)
{
    struct replays *replays = calloc(1, sizeof *replays);
    if (replays == NULL) return NULL;
    pthread_mutex_init(&replays->lock, NULL);
    replays->files = calloc(replay_builtin_count + extra_count + 1, sizeof *replays->files);
    bool loaded = replays->files != NULL;
    for (size_t i = 0; loaded && i < replay_builtin_count; i++) {
        char origin[256];
        snprintf(origin, sizeof origin, "built-in %s", replay_builtins[i].path);
        loaded = load_one(replays, replay_builtins[i].text, strlen(replay_builtins[i].text), origin, reserved, true, 0);
    }
    for (size_t i = 0; loaded && i < extra_count; i++)
        loaded = load_extra(replays, extra_paths[i], reserved, replay_builtin_count);
    if (!loaded) {
        replays_free(replays);
        return NULL;
    }
    return replays;
}

static void flows_clear(struct replays *replays)
{
    for (size_t i = 0; i < replays->flow_count; i++) free(replays->flows[i].counts);
    free(replays->flows);
    replays->flows = NULL;
    replays->flow_count = replays->flow_capacity = 0;
}

void replays_free(struct replays *replays)
{
    if (replays == NULL) return;
    flows_clear(replays);
    for (size_t i = 0; replays->files && i < replays->file_count; i++) replay_file_free(replays->files[i]);
    free(replays->files);
    pthread_mutex_destroy(&replays->lock);
    free(replays);
}

const struct replay_file *replays_find(const struct replays *replays, const char *path, const char **subpath)
{
    if (replays == NULL || path[0] != '/') return NULL;
    for (size_t i = 0; i < replays->file_count; i++) {
        size_t length = strlen(replays->files[i]->name);
        if (strncmp(path + 1, replays->files[i]->name, length) != 0) continue;
        if (path[1 + length] != '\0' && path[1 + length] != '/') continue;
        *subpath = path + 1 + length;
        return replays->files[i];
    }
    return NULL;
}

/* ---- flows ---- */

static struct flow *flow_find(struct replays *replays, const struct replay_file *file, const char *key)
{
    for (size_t i = 0; i < replays->flow_count; i++)
        if (replays->flows[i].file == file && strcmp(replays->flows[i].key, key) == 0) return &replays->flows[i];
    return NULL;
}

static struct flow *flow_add(struct replays *replays, const struct replay_file *file, const char *key,
                             const struct replay_scenario *scenario)
{
    if (replays->flow_count == replays->flow_capacity) {
        size_t capacity = replays->flow_capacity ? replays->flow_capacity * 2 : 64;
        struct flow *flows = realloc(replays->flows, capacity * sizeof *flows);
        if (flows == NULL) return NULL;
        replays->flows = flows;
        replays->flow_capacity = capacity;
    }
    unsigned *counts = calloc(file->exchanges_max + 1, sizeof *counts);
    if (counts == NULL) return NULL;
    struct flow *flow = &replays->flows[replays->flow_count++];
    *flow = (struct flow){.file = file, .scenario = scenario, .counts = counts};
    snprintf(flow->key, sizeof flow->key, "%s", key);
    return flow;
}

static void flow_drop_last(struct replays *replays)
{
    free(replays->flows[--replays->flow_count].counts);
}

/* The file's id template with {seq}, {hex} (16 digits) and {uuid} filled in. */
static void make_id(const char *template, char *id, size_t size)
{
    size_t used = 0;
    id[0] = '\0';
    for (const char *c = template; *c && used + 1 < size;) {
        char piece[40];
        size_t skip = 1;
        if (strncmp(c, "{seq}", 5) == 0) {
            snprintf(piece, sizeof piece, "%llu", (unsigned long long)ids_next_sequence());
            skip = 5;
        } else if (strncmp(c, "{hex}", 5) == 0) {
            ids_random_hex(piece, 16);
            skip = 5;
        } else if (strncmp(c, "{uuid}", 6) == 0) {
            char hex[33];
            ids_random_hex(hex, 32);
            snprintf(piece, sizeof piece, "%.8s-%.4s-4%.3s-a%.3s-%.12s", hex, hex + 8, hex + 12, hex + 15, hex + 18);
            skip = 6;
        } else {
            piece[0] = *c;
            piece[1] = '\0';
        }
        used += (size_t)snprintf(id + used, size - used, "%s", piece);
        if (used >= size) used = size - 1;
        c += skip;
    }
}

/* The flow a request belongs to: its task's, by the id it names; else the flow of its scenario
 * and body, made now (*fresh) when it is the first request of it. NULL with answer->kind saying why
 * when there is none. */
static struct flow *flow_of(struct replays *replays, const struct replay_file *file,
                            const struct replay_request *request, struct replay_answer *answer, bool *fresh)
{
    char key[sizeof((struct flow *)0)->key];
    if (replay_capture_id(file, request, answer->id, sizeof answer->id)) {
        snprintf(key, sizeof key, "task %s", answer->id);
        struct flow *flow = flow_find(replays, file, key);
        if (flow == NULL) answer->kind = file->unknown_task ? REPLAY_UNKNOWN_TASK : REPLAY_UNMATCHED;
        if (flow != NULL) snprintf(answer->scenario, sizeof answer->scenario, "%s", flow->scenario->name);
        return flow;
    }
    if (!replay_scenario_word(request, answer->scenario, sizeof answer->scenario))
        snprintf(answer->scenario, sizeof answer->scenario, "%s", file->default_scenario);
    const struct replay_scenario *scenario = replay_file_scenario(file, answer->scenario);
    if (scenario == NULL) {
        answer->kind = REPLAY_UNKNOWN_SCENARIO;
        return NULL;
    }
    uint64_t hash = hash_string(HASH_SEED, request->body ? request->body : "");
    snprintf(key, sizeof key, "body %s %016llx", scenario->name, (unsigned long long)hash);
    struct flow *flow = flow_find(replays, file, key);
    if (flow == NULL) {
        flow = flow_add(replays, file, key, scenario);
        *fresh = flow != NULL;
    }
    if (flow == NULL) answer->kind = REPLAY_UNMATCHED;
    answer->tried = scenario;
    return flow;
}

static void flow_goto(struct flow *flow, const struct replay_file *file, const char *scenario_name)
{
    flow->scenario = replay_file_scenario(file, scenario_name); /* checked at load */
    memset(flow->counts, 0, (file->exchanges_max + 1) * sizeof *flow->counts);
}

/* The exchange answers: counted, a task made, a goto followed. */
static void flow_advance(struct replays *replays, const struct replay_file *file, struct flow *flow, size_t index,
                         struct replay_answer *answer)
{
    const struct replay_exchange *exchange = answer->exchange;
    flow->counts[index]++;
    if (exchange->new_task) {
        char key[sizeof flow->key];
        make_id(file->id_template, answer->id, sizeof answer->id);
        snprintf(key, sizeof key, "task %s", answer->id);
        flow = flow_add(replays, file, key, flow->scenario);
        replays->tasks++;
    }
    if (flow != NULL && exchange->next_scenario != NULL) flow_goto(flow, file, exchange->next_scenario);
}

static void log_unmatched(struct replays *replays, const struct replay_file *file, const struct replay_request *request)
{
    replays->unmatched++;
    if (replays->unmatched_logged == UNMATCHED_LOGGED) return;
    snprintf(replays->unmatched_log[replays->unmatched_logged++], UNMATCHED_TEXT, "%.16s /%s%.150s", request->method,
             file->name, request->path);
}

void replays_answer(struct replays *replays, const struct replay_file *file, const struct replay_request *request,
                    struct replay_answer *answer)
{
    *answer = (struct replay_answer){.kind = REPLAY_EXCHANGE};
    pthread_mutex_lock(&replays->lock);
    replays->requests++;
    bool fresh = false;
    struct flow *flow = flow_of(replays, file, request, answer, &fresh);
    size_t index = 0;
    if (flow != NULL) {
        answer->tried = flow->scenario;
        answer->exchange = replay_select(file, flow->scenario, request, flow->counts, &index);
        if (answer->exchange == NULL) answer->kind = REPLAY_UNMATCHED;
    }
    if (fresh && answer->kind != REPLAY_EXCHANGE) flow_drop_last(replays); /* no flow for what nothing answers */
    if (answer->kind == REPLAY_EXCHANGE && answer->exchange->auth && !replay_auth_accepted(file, request)) {
        answer->kind = REPLAY_AUTH_REFUSED;
        answer->response = file->auth_refusal;
        replays->auth_refused++;
    } else if (answer->kind == REPLAY_EXCHANGE) {
        answer->response = answer->exchange->response;
        replays->matched++;
        flow_advance(replays, file, flow, index, answer);
    } else if (answer->kind == REPLAY_UNKNOWN_TASK) {
        answer->response = file->unknown_task;
        replays->matched++;
    } else {
        log_unmatched(replays, file, request);
    }
    if (answer->response != NULL)
        replays->by_status[cJSON_GetObjectItemCaseSensitive(answer->response, "status")->valueint]++;
    pthread_mutex_unlock(&replays->lock);
}

void replays_reset(struct replays *replays)
{
    pthread_mutex_lock(&replays->lock);
    flows_clear(replays);
    replays->requests = replays->matched = replays->unmatched = replays->auth_refused = replays->tasks = 0;
    replays->unmatched_logged = 0;
    memset(replays->by_status, 0, sizeof replays->by_status);
    pthread_mutex_unlock(&replays->lock);
}

void replays_stats_json(struct replays *replays, cJSON *stats)
{
    cJSON *json = cJSON_AddObjectToObject(stats, "replay");
    pthread_mutex_lock(&replays->lock);
    cJSON_AddNumberToObject(json, "requests", (double)replays->requests);
    cJSON_AddNumberToObject(json, "matched", (double)replays->matched);
    cJSON_AddNumberToObject(json, "unmatched", (double)replays->unmatched);
    cJSON_AddNumberToObject(json, "auth_refused", (double)replays->auth_refused);
    cJSON_AddNumberToObject(json, "tasks", (double)replays->tasks);
    cJSON *statuses = cJSON_AddObjectToObject(json, "by_status");
    for (unsigned status = 100; status < 600; status++) {
        char name[8];
        snprintf(name, sizeof name, "%u", status);
        if (replays->by_status[status] > 0) cJSON_AddNumberToObject(statuses, name, (double)replays->by_status[status]);
    }
    cJSON *log = cJSON_AddArrayToObject(json, "unmatched_requests");
    for (size_t i = 0; i < replays->unmatched_logged; i++)
        cJSON_AddItemToArray(log, cJSON_CreateString(replays->unmatched_log[i]));
    pthread_mutex_unlock(&replays->lock);
    cJSON *files = cJSON_AddArrayToObject(json, "files");
    for (size_t i = 0; i < replays->file_count; i++) {
        cJSON *file = cJSON_CreateObject();
        cJSON_AddStringToObject(file, "name", replays->files[i]->name);
        cJSON_AddStringToObject(file, "origin", replays->files[i]->origin);
        cJSON_AddItemToArray(files, file);
    }
}
