/* Sending responses: well-formed JSON, and the broken replies that fault injection needs. Each
 * function queues exactly one response and returns what the MHD access handler should return. */
#ifndef GENTASK_SIM_REPLY_H
#define GENTASK_SIM_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>
#include <microhttpd.h>

#include "scenario.h"

struct reply_header {
    const char *name;
    const char *value;
};

/* Every response goes out through one function, which a caller can watch for the length of one
 * handler call on its thread: it learns the status queued, and can have the response held back
 * instead of queued (a slow answer), to queue it itself later with reply_watch_release. */
struct reply_watch {
    struct MHD_Connection *connection;
    bool hold;                 /* set before the reply: keep it instead of queueing it */
    unsigned status;           /* of the response queued or held; 0: none */
    struct MHD_Response *held; /* the kept response (one reference) */
};

/* Watches replies on `watch->connection` from this thread until reply_watch_end. */
void reply_watch_begin(struct reply_watch *watch);
void reply_watch_end(void);

/* Queues the held response (MHD_NO if none), dropping the reference. */
enum MHD_Result reply_watch_release(struct reply_watch *watch);

/* Drops a held response without sending it. */
void reply_watch_discard(struct reply_watch *watch);

enum MHD_Result reply_json(struct MHD_Connection *connection, unsigned status, const cJSON *body);

/* `{"error": {"message", "type", "code"}}`: FoxAPI's error shape (OpenAI's), which the simulator
 * also uses for its own errors outside any dialect (unknown path, body too large). */
enum MHD_Result reply_error(struct MHD_Connection *connection, unsigned status, const char *type, const char *code,
                            const char *message, const struct reply_header *headers, size_t header_count);

/* Body copied; content_type NULL means no Content-Type header at all. */
enum MHD_Result reply_text(struct MHD_Connection *connection, unsigned status, const char *content_type,
                           const char *text);
enum MHD_Result reply_text_with_headers(struct MHD_Connection *connection, unsigned status, const char *content_type,
                                        const char *text, const struct reply_header *headers, size_t header_count);

/* data (copied) under a Content-Length of `declared`, of which only the first sent_limit bytes go
 * out before the connection drops when sent_limit < declared: a cut download. */
enum MHD_Result reply_bytes(struct MHD_Connection *connection, unsigned status, const char *content_type,
                            const void *data, size_t length, uint64_t declared, size_t sent_limit,
                            const struct reply_header *headers, size_t header_count);

/* Cloudflare's own error page for STATUS (520..526) in front of the provider's server: HTML, with
 * Cloudflare's Server and CF-RAY headers and none of the provider's. */
enum MHD_Result reply_cdn_page(struct MHD_Connection *connection, unsigned status);

/* The bodies of the faults whose content depends on the answer they replace (faults.c makes them
 * from it). */
struct fault_bodies {
    const char *normal; /* the body a healthy reply would carry; `truncated` sends half */
    const char *broken; /* malformed, wrongtypes, noid, unknownstate: sent with 200 (NULL:
                           `normal`) */
};

/* A broken reply, with headers on every kind of fault (FLORA's request-id). */
enum MHD_Result reply_body_fault(struct MHD_Connection *connection, enum body_fault fault,
                                 const struct fault_bodies *bodies, const struct reply_header *headers,
                                 size_t header_count);

#endif
