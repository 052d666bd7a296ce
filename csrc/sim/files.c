/* The result URLs every dialect hands out point here, so that a client can download what it was
 * given without leaving the machine: /files/ID-I.png is a real PNG whose colour follows from the
 * task's prompt and I, so different prompts give different files. The task's scenario words
 * download-cut=, download-http= and download-slow= misbehave for the first requests of each
 * file; every request is recorded with the checksum served and whether a key came with it (a
 * download must never carry one). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "hash.h"
#include "png.h"
#include "reply.h"
#include "request.h"
#include "routes.h"
#include "store.h"

static bool ends_with(const char *text, const char *suffix)
{
    size_t text_length = strlen(text), suffix_length = strlen(suffix);
    return text_length >= suffix_length && strcmp(text + text_length - suffix_length, suffix) == 0;
}

/* "/ID-I.png" → ID and I; false for any other name (served all the same, as no task's). */
static bool parse_name(const char *subpath, char *id, size_t id_size, unsigned *index)
{
    const char *name = subpath + 1, *dash = strrchr(name, '-');
    if (dash == NULL || (size_t)(dash - name) >= id_size) return false;
    char *end;
    unsigned long i = strtoul(dash + 1, &end, 10);
    if (end == dash + 1 || strcmp(end, ".png") != 0 || i > 16) return false;
    memcpy(id, name, (size_t)(dash - name));
    id[dash - name] = '\0';
    *index = (unsigned)i;
    return true;
}

struct key_search {
    const struct sim *sim;
    bool found;
};

static enum MHD_Result look_for_key(void *cls, enum MHD_ValueKind kind, const char *name, const char *value)
{
    struct key_search *search = cls;
    (void)kind, (void)name;
    for (size_t i = 0; value != NULL && i < search->sim->api_key_count; i++)
        if (strstr(value, search->sim->api_keys[i]) != NULL) search->found = true;
    return MHD_YES;
}

/* An auth header of any dialect, or one of the simulator's keys anywhere in the headers or the
 * query string. */
static bool key_seen(const struct request *request)
{
    if (request_header(request, "Authorization") != NULL || request_header(request, "x-key") != NULL) return true;
    struct key_search search = {.sim = request->sim};
    MHD_get_connection_values(request->connection, MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND, look_for_key, &search);
    return search.found;
}

enum MHD_Result files_handle(struct request *request, const char *subpath)
{
    if (strlen(subpath) <= strlen("/.png") || !ends_with(subpath, ".png")) return reply_not_found(request);
    if (!request_method_is(request, MHD_HTTP_METHOD_GET)) return reply_method_not_allowed(request, "GET, HEAD");

    char id[TASK_ID_MAX];
    unsigned index = 0;
    struct task task = {0};
    bool known = parse_name(subpath, id, sizeof id, &index) &&
                 store_record_download(request->sim->store, id, index, &task);
    if (!known) store_count_download(request->sim->store);
    uint64_t seed = hash_string(HASH_SEED, known && task.prompt ? task.prompt : subpath);
    seed = hash_bytes(seed, &index, sizeof index);

    struct download_record record = {
        .number = known ? task.download_number : 0, .at_ms = sim_clock_ms(), .key_seen = key_seen(request)};
    snprintf(record.path, sizeof record.path, "/files%s", subpath);
    size_t length = 0;
    unsigned char *png = png_render(seed, &length);
    if (png == NULL) {
        if (known) task_release(&task);
        return MHD_NO;
    }
    record.bytes = length;
    png_sha256_hex(png, length, record.sha256);

    const struct scenario *s = &task.scenario;
    unsigned n = record.number;
    enum MHD_Result result;
    if (known && s->download_slow.active && scenario_window_covers(&s->download_slow, n))
        request_answer_later(request, s->download_slow_ms);
    if (known && s->download_http.status && scenario_window_covers(&s->download_http.window, n)) {
        record.status = s->download_http.status;
        result = reply_error(request->connection, s->download_http.status, "server_error", "download_fault",
                             "the simulator's download-http fault", NULL, 0);
    } else {
        bool cut = known && s->download_cut.active && scenario_window_covers(&s->download_cut, n) &&
                   s->download_cut_bytes < length;
        record.status = cut ? 0 : MHD_HTTP_OK;
        struct reply_header checksum = {"X-Sim-Sha256", record.sha256};
        result = reply_bytes(request->connection, MHD_HTTP_OK, "image/png", png, length, length,
                             cut ? s->download_cut_bytes : length, &checksum, 1);
    }
    store_log_download(request->sim->store, &record);
    free(png);
    if (known) task_release(&task);
    return result;
}
