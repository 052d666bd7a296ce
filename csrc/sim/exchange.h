/* One request being answered in one dialect: its scenario, its attempt, and replies in the
 * dialect's voice (its extra headers, its error bodies with Retry-After where it sends one). The
 * step order lives in dialect.c and the fault injection in faults.c; both answer through here. */
#ifndef GENTASK_SIM_EXCHANGE_H
#define GENTASK_SIM_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "reply.h"
#include "request.h"
#include "scenario.h"

/* MHD renamed its constant for 422 (…_ENTITY is deprecated, …_CONTENT is new): the number
 * builds against both. */
#define HTTP_UNPROCESSABLE 422

struct dialect;
struct route;

struct exchange {
    struct request *request;
    const struct dialect *dialect;
    const struct route *route; /* the endpoint the path matched, and what it captured */
    struct scenario scenario;  /* the request's words at submit, the task's at poll */
    unsigned envelope_code;    /* APIXO: the envelope's code when it must disagree (0:
                                  it mirrors the HTTP status) */
    unsigned attempt;          /* a submit: which attempt of its logical submit, from 1 */
    const char *api_key;       /* the key accepted, without "Bearer " (a token's issuer under
                                  --jwt-issuer); NULL before the key was read */
};

/* Why a request is refused: an error in the dialect's shape, or a body the dialect built itself.
 * Dialects keep their fixed refusals as words (struct dialect) and write the others on the fly. */
struct refusal {
    unsigned status;
    const char *code;     /* NULL or "": the status's documented code */
    const char *message;  /* NULL: the documented one */
    const char *location; /* BFL: where FastAPI says the problem is ("body",
                             "query.id"); NULL elsewhere */
    cJSON *body;          /* non-NULL: sent as is, and freed (BFL's list of every
                             problem, FLORA's fields) */
};

void exchange_begin(struct exchange *exchange, struct request *request, const struct dialect *dialect,
                    const struct route *route);

/* Counts a submit request ("submissions") and files it as an attempt of its logical submit:
 * (dialect, path, Idempotency-Key header, body bytes). */
void exchange_submit_arrived(struct exchange *exchange);

/* Replies with the dialect's own headers added (FLORA's request-id on every response). */
enum MHD_Result exchange_reply_json(struct exchange *exchange, unsigned status, const cJSON *body);
enum MHD_Result exchange_reply_text(struct exchange *exchange, unsigned status, const char *text,
                                    const struct reply_header *header);
enum MHD_Result exchange_reply_fault(struct exchange *exchange, enum body_fault fault,
                                     const struct fault_bodies *bodies);

/* The error body for a status in the dialect's shape (code, message: NULL for the documented). */
cJSON *exchange_error_body(const struct exchange *exchange, unsigned status, const char *code, const char *message);

/* Answers a refusal: its body, or the dialect's error body, with Retry-After on a 429 where the
 * dialect sends one (or the words ask). Frees refusal->body. */
enum MHD_Result exchange_refuse(struct exchange *exchange, struct refusal *refusal);
enum MHD_Result exchange_reply_error(struct exchange *exchange, unsigned status, const char *code, const char *message);

/* 404 for a path under the dialect's prefix that names no endpoint; 405 with Allow. */
enum MHD_Result exchange_reply_no_endpoint(struct exchange *exchange);
enum MHD_Result exchange_reply_wrong_method(struct exchange *exchange, const char *allowed);

/* 429 in the dialect's shape with Retry-After: 1 (ModelsLab: "retry_after": 1) in every dialect,
 * whatever the words asked: --max-active's answer. */
enum MHD_Result exchange_reply_busy(struct exchange *exchange);

#endif
