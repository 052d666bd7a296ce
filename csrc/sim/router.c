#include "router.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "delays.h"
#include "outage.h"
#include "replay_serve.h"
#include "replays.h"
#include "reply.h"
#include "routes.h"
#include "store.h"

/* A prefix and what owns it: a dialect, or a handler of the simulator's own. */
static const struct mount {
    const char *prefix;
    route_handler_fn *handle;
    const struct dialect *dialect;
} mounts[] = {
    {ADMIN_PREFIX, admin_handle, NULL}, {"/files", files_handle, NULL},   {"/foxapi", NULL, &foxapi_dialect},
    {"/bfl", NULL, &bfl_dialect},       {"/flora", NULL, &flora_dialect}, {"/modelslab", NULL, &modelslab_dialect},
    {"/apixo", NULL, &apixo_dialect},   {"/acme", NULL, &acme_dialect},
};

const char *const *router_mount_names(void)
{
    static const char *names[sizeof mounts / sizeof mounts[0] + 1];
    for (size_t i = 0; i < sizeof mounts / sizeof mounts[0]; i++) names[i] = mounts[i].prefix + 1;
    return names;
}

static enum MHD_Result reply_too_large(struct request *request)
{
    return reply_error(request->connection, MHD_HTTP_CONTENT_TOO_LARGE, "invalid_request_error", "request_too_large",
                       "Request body is larger than 1 MiB (1048576 bytes)", NULL, 0);
}

/* Answering from the first call, before MHD reads the body, spares us reading a body we would
 * throw away; MHD then closes the connection instead of draining it. */
static bool declared_too_large(struct MHD_Connection *connection)
{
    const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length == NULL) return false;
    char *end;
    uintmax_t value = strtoumax(length, &end, 10);
    return end != length && value > REQUEST_BODY_MAX;
}

/* Past the cap the rest is read and dropped (chunked uploads carry no length to refuse early). */
static void append_body(struct request *request, const char *data, size_t length)
{
    if (request->body_too_large) return;
    if (length > REQUEST_BODY_MAX - request->body_length) {
        request->body_too_large = true;
        free(request->body);
        request->body = NULL;
        request->body_length = request->body_capacity = 0;
        return;
    }
    size_t needed = request->body_length + length + 1;
    if (needed > request->body_capacity) {
        size_t capacity = request->body_capacity ? request->body_capacity : 1024;
        while (capacity < needed) capacity *= 2;
        char *body = realloc(request->body, capacity);
        if (body == NULL) {
            request->body_too_large = true;
            return;
        }
        request->body = body;
        request->body_capacity = capacity;
    }
    memcpy(request->body + request->body_length, data, length);
    request->body_length += length;
    request->body[request->body_length] = '\0';
}

static bool has_prefix(const char *path, const char *prefix)
{
    size_t length = strlen(prefix);
    return strncmp(path, prefix, length) == 0 && (path[length] == '\0' || path[length] == '/');
}

static enum MHD_Result route(struct request *request)
{
    for (size_t i = 0; i < sizeof mounts / sizeof mounts[0]; i++) {
        if (!has_prefix(request->path, mounts[i].prefix)) continue;
        const char *subpath = request->path + strlen(mounts[i].prefix);
        return mounts[i].dialect ? dialect_handle(request, mounts[i].dialect, subpath)
                                 : mounts[i].handle(request, subpath);
    }
    const char *subpath;
    const struct replay_file *file = replays_find(request->sim->replays, request->path, &subpath);
    if (file != NULL) return replay_handle(request, file, subpath);
    return reply_not_found(request);
}

/* Routes the request, watching its reply: a submit's attempt learns its status (0: dropped),
 * and a reply held back for later waits on a suspended connection. */
static enum MHD_Result dispatch(struct request *request)
{
    request->watch = (struct reply_watch){.connection = request->connection};
    reply_watch_begin(&request->watch);
    enum MHD_Result result = route(request);
    reply_watch_end();
    if (result == MHD_NO) reply_watch_discard(&request->watch);
    if (request->submit.tracked)
        store_submit_answered(request->sim->store, &request->submit, result == MHD_YES ? request->watch.status : 0);
    if (request->watch.held != NULL &&
        !delays_suspend_until(request->sim->delays, request->connection, sim_clock_ms() + request->delay_ms))
        return reply_watch_release(&request->watch);
    return result;
}

enum MHD_Result router_access(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size,
                              void **request_context)
{
    (void)version;
    struct request *request = *request_context;
    if (request == NULL) {
        struct sim *sim = cls;
        /* During an outage a request on a connection opened before it goes unanswered and its
         * connection is closed, as by a server that went away; the simulator never sees it (no
         * submit is counted). The admin endpoints still answer, so that tests can watch it. */
        if (!has_prefix(url, ADMIN_PREFIX) && outage_refuse(sim->outage, sim_clock_ms())) return MHD_NO;
        request = calloc(1, sizeof *request);
        if (request == NULL) return MHD_NO;
        request->sim = sim;
        request->connection = connection;
        request->method = method;
        request->path = url;
        *request_context = request;
        if (declared_too_large(connection)) {
            request->answered = true;
            return reply_too_large(request);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        append_body(request, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (request->watch.held != NULL) return reply_watch_release(&request->watch); /* resumed: the slow answer's time */
    if (request->answered) return MHD_YES;
    request->answered = true;
    if (request->body_too_large) return reply_too_large(request);
    return dispatch(request);
}

void router_request_completed(void *cls, struct MHD_Connection *connection, void **request_context,
                              enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)connection;
    (void)code;
    struct request *request = *request_context;
    if (request == NULL) return;
    reply_watch_discard(&request->watch);
    free(request->body);
    free(request);
    *request_context = NULL;
}
