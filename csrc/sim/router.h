/* The HTTP front door: gathers each request's body (capped), then hands the request to whatever
 * owns its path prefix: a provider dialect, the admin endpoints, or the file server. */
#ifndef GENTASK_SIM_ROUTER_H
#define GENTASK_SIM_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "reply.h"
#include "sim.h"
#include "store.h"

#define REQUEST_BODY_MAX (1024 * 1024)

struct request {
    struct sim *sim;
    struct MHD_Connection *connection;
    const char *method;
    const char *path;           /* without the query string; owned by MHD for the request's life */
    char *body;                 /* NUL-terminated for convenience; may also contain NULs */
    size_t body_length;
    size_t body_capacity;
    bool body_too_large;        /* the excess was read and dropped; the answer is 413 */
    bool answered;              /* a response went out before the body was read */
    struct reply_watch watch;   /* the status answered; a response held back for later */
    int64_t delay_ms;           /* how much later (request_answer_later) */
    struct submit_attempt submit;   /* a submit: its attempt, told the status when answered */
};

/* A handler gets the path with its route prefix removed ("" or "/…"). It queues one response and
 * returns MHD_YES, or returns MHD_NO to drop the connection without answering. */
typedef enum MHD_Result route_handler_fn(struct request *request, const char *subpath);

/* MHD_AccessHandlerCallback; cls is the struct sim. */
enum MHD_Result router_access(void *cls, struct MHD_Connection *connection, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **request_context);

/* MHD_RequestCompletedCallback: frees what router_access allocated. */
void router_request_completed(void *cls, struct MHD_Connection *connection,
                              void **request_context, enum MHD_RequestTerminationCode code);

/* GET also matches HEAD: MHD then sends the headers alone. */
bool request_method_is(const struct request *request, const char *method);

const char *request_header(const struct request *request, const char *name);

/* The response the handler queues next goes out delay_ms later instead: the connection is
 * suspended meanwhile, no thread waits. */
void request_answer_later(struct request *request, int64_t delay_ms);
const char *request_query(const struct request *request, const char *name);

enum MHD_Result reply_not_found(struct request *request);
enum MHD_Result reply_method_not_allowed(struct request *request, const char *allowed);

#endif
