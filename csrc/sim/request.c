#include "request.h"

#include <stdio.h>
#include <string.h>

bool request_method_is(const struct request *request, const char *method)
{
    if (strcmp(request->method, method) == 0) return true;
    return strcmp(method, MHD_HTTP_METHOD_GET) == 0 && strcmp(request->method, MHD_HTTP_METHOD_HEAD) == 0;
}

const char *request_header(const struct request *request, const char *name)
{
    return MHD_lookup_connection_value(request->connection, MHD_HEADER_KIND, name);
}

const char *request_query(const struct request *request, const char *name)
{
    return MHD_lookup_connection_value(request->connection, MHD_GET_ARGUMENT_KIND, name);
}

void request_answer_later(struct request *request, int64_t delay_ms)
{
    request->watch.hold = true;
    request->delay_ms = delay_ms;
}

enum MHD_Result reply_not_found(struct request *request)
{
    char message[256];
    snprintf(message, sizeof message, "No endpoint %s %.200s", request->method, request->path);
    return reply_error(request->connection, MHD_HTTP_NOT_FOUND, "not_found_error", "not_found", message, NULL, 0);
}

enum MHD_Result reply_method_not_allowed(struct request *request, const char *allowed)
{
    char message[256];
    snprintf(message, sizeof message, "Method %.20s is not allowed here; use %s", request->method, allowed);
    const struct reply_header allow = {MHD_HTTP_HEADER_ALLOW, allowed};
    return reply_error(request->connection, MHD_HTTP_METHOD_NOT_ALLOWED, "invalid_request_error", "method_not_allowed",
                       message, &allow, 1);
}
