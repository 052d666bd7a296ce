/* One HTTP request being answered: what it asked (method, path, headers, query, body), and the
 * replies any handler may give outside a provider's dialect (404, 405, in FoxAPI's shape). The
 * router fills it in; handlers and dialects only read it. */
#ifndef GENTASK_SIM_REQUEST_H
#define GENTASK_SIM_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "reply.h"
#include "sim.h"
#include "submit_log.h"

struct request {
    struct sim *sim;
    struct MHD_Connection *connection;
    const char *method;
    const char *path; /* without the query string; owned by MHD for the request's life */
    char *body;       /* NUL-terminated for convenience; may also contain NULs */
    size_t body_length;
    size_t body_capacity;
    bool body_too_large;          /* the excess was read and dropped; the answer is 413 */
    bool answered;                /* a response went out before the body was read */
    struct reply_watch watch;     /* the status answered; a response held back for later */
    int64_t delay_ms;             /* how much later (request_answer_later) */
    struct submit_attempt submit; /* a submit: its attempt, told the status when answered */
};

/* A handler gets the path with its route prefix removed ("" or "/…"). It queues one response and
 * returns MHD_YES, or returns MHD_NO to drop the connection without answering. */
typedef enum MHD_Result route_handler_fn(struct request *request, const char *subpath);

/* GET also matches HEAD: MHD then sends the headers alone. */
bool request_method_is(const struct request *request, const char *method);

const char *request_header(const struct request *request, const char *name);
const char *request_query(const struct request *request, const char *name);

/* The response the handler queues next goes out delay_ms later instead: the connection is
 * suspended meanwhile, no thread waits. */
void request_answer_later(struct request *request, int64_t delay_ms);

enum MHD_Result reply_not_found(struct request *request);
enum MHD_Result reply_method_not_allowed(struct request *request, const char *allowed);

#endif
