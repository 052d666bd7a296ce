/* What the dialects share, so that each dialect file holds only what is its own (paths,
 * field names, status words, error bodies): the exchange (one request being answered), the order
 * in which scenario faults apply at submit and at poll, task creation, error replies in the
 * dialect's shape with the headers that go with them, and the broken bodies of fault injection.
 *
 * A submit, in every dialect:   exchange_submit_arrived() (counted, filed as an attempt of its
 *   logical submit), dialect checks (auth, JSON), then exchange_submit_refused() (submit-reset,
 *   submit-http, http=, body=html, echo-key), then the dialect's own validation, then
 *   exchange_new_task() + exchange_store_task() (--max-active: 429), then
 *   exchange_reply_created() (reset, submit-reset-after, submit-slow, body=KIND, or the dialect's
 *   JSON); a FLORA replay answers through exchange_reply_replayed() instead.
 * A poll:   auth, lookup (store_record_poll), exchange_poll_refused() (poll-reset, poll-slow,
 *   poll-http), then the dialect's JSON for task_progress_now(), through exchange_reply_task()
 *   (poll-body). */
#ifndef GENTASK_SIM_DIALECT_H
#define GENTASK_SIM_DIALECT_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "lifecycle.h"
#include "reply.h"
#include "router.h"
#include "scenario.h"
#include "store.h"

/* MHD renamed its constant for 422 (…_ENTITY is deprecated, …_CONTENT is new): the number
 * builds against both. */
#define HTTP_UNPROCESSABLE 422

struct exchange;

struct dialect {
    const char *name;                 /* the route prefix without '/', and "dialect" in stats */
    unsigned scenario_dialect;        /* its scenario_dialect bit */
    bool retry_after_header;          /* a 429 carries Retry-After (else only on
                                         retry-after-header) */
    const char *request_id_header;    /* non-NULL: a fresh id in this header on every response */
    const char *echo_header;          /* the header echo-key also quotes the key in */
    unsigned created_status;          /* the HTTP status of a healthy submit answer (0: 200;
                                         ACME: 202); body= faults keep their own */
    /* A new error body for an HTTP status. variant: "" or the VARIANT of http=STATUS:VARIANT, or a
     * documented code the dialect picked itself; message: NULL for the documented one. */
    cJSON *(*error_body)(const struct exchange *exchange, unsigned status, const char *variant,
                         const char *message);
};

/* One request being answered in one dialect. */
struct exchange {
    struct request *request;
    const struct dialect *dialect;
    struct scenario scenario;         /* the request's words at submit, the task's at poll */
    unsigned envelope_code;           /* APIXO: the envelope's code when it must disagree (0:
                                         it mirrors the HTTP status) */
    unsigned attempt;                 /* a submit: which attempt of its logical submit, from 1 */
    const char *api_key;              /* a submit: the key as received, without "Bearer "; set
                                         by exchange_submit_refused (NULL before) */
};

void exchange_begin(struct exchange *exchange, struct request *request,
                    const struct dialect *dialect);

/* The X-Sim-Scenario header, read after the prompt so that it wins. */
void exchange_read_scenario_header(struct exchange *exchange);

/* Replies in the dialect: its extra headers added (FLORA's request-id). */
enum MHD_Result exchange_reply_json(struct exchange *exchange, unsigned status, const cJSON *body,
                                    const struct reply_header *headers, size_t header_count);
enum MHD_Result exchange_reply_error(struct exchange *exchange, unsigned status,
                                     const char *variant, const char *message);
enum MHD_Result exchange_reply_no_endpoint(struct exchange *exchange);
enum MHD_Result exchange_reply_wrong_method(struct exchange *exchange, const char *allowed);

/* Counts a submit request ("submissions") and files it as an attempt of its
 * logical submit: (dialect, path, Idempotency-Key header, body bytes). */
void exchange_submit_arrived(struct exchange *exchange);

/* submit-reset, submit-http, http=STATUS[:VARIANT], body=html and echo-key, which answer a submit
 * before any task exists.
 * key_label names where the key came from ("Authorization", "x-key", "key"), key is its value
 * as received (may be NULL). Returns true when it answered, with *result set. */
bool exchange_submit_refused(struct exchange *exchange, const char *key_label, const char *key,
                             enum MHD_Result *result);

/* Where the bodies' ids and states are, for the faults that damage them. */
struct fault_shape {
    const char *id_field;           /* dotted path dropped by noid: "id", "data.taskId" */
    const char *state_field;        /* dotted path replaced by unknownstate */
    const char *unknown_state;      /* what it is replaced with */
    const char *malformed;          /* a body cut off mid-token */
    const char *wrong_types;        /* the fields with the wrong JSON types */
};

/* Fills in what every task has (dialect, times, duration, the scenario); the caller has set the
 * id and its own fields, and stores it. */
void exchange_new_task(const struct exchange *exchange, struct task *task);

/* Stores a new task: under --max-active only while the key has fewer tasks generating, counted
 * for its logical submit. False when it did not, with *result the answer (429, or 500). */
bool exchange_store_task(struct exchange *exchange, const struct task *task,
                         enum MHD_Result *result);

/* What store_add_task_once needs to do the same (FLORA), and the answers for its outcomes. */
void exchange_admission(const struct exchange *exchange, struct store_admission *admission);
/* 429 in the dialect's shape, Retry-After: 1 (ModelsLab: "retry_after": 1), in every dialect. */
enum MHD_Result exchange_reply_busy(struct exchange *exchange);

/* After the task was stored: reset and submit-reset-after drop the connection, submit-slow
 * delays the answer, body=KIND breaks the body, otherwise `json` goes out with the dialect's
 * created_status (200 unless it says otherwise). */
enum MHD_Result exchange_reply_created(struct exchange *exchange, const cJSON *json,
                                       const struct fault_shape *shape);

/* A submit answered with the task an earlier one created (FLORA idempotency): `json` with 200,
 * only submit-reset-after and submit-slow applying (they count attempts, and a replay is one). */
enum MHD_Result exchange_reply_replayed(struct exchange *exchange, const cJSON *json);

/* Starts a poll of a found task: takes its scenario, then applies poll-reset, poll-slow (which
 * delays whatever the poll answers) and poll-http.
 * Returns true when it answered, with *result set. */
bool exchange_poll_refused(struct exchange *exchange, const struct task *task,
                           enum MHD_Result *result);

/* The poll's reply: `json` with 200, or the poll-body fault that covers this poll. */
enum MHD_Result exchange_reply_task(struct exchange *exchange, const struct task *task,
                                    const cJSON *json, const struct fault_shape *shape);

/* The same for a body fault chosen by the caller (BODY_FAULT_NONE: the JSON itself). */
enum MHD_Result exchange_reply_with_fault(struct exchange *exchange, const cJSON *json,
                                          enum body_fault fault, const struct fault_shape *shape);

struct task_progress task_progress_now(const struct task *task, int64_t now_ms);

/* http://127.0.0.1:PORT/files/ID-I.png */
void result_url(char *out, size_t size, unsigned port, const char *task_id, unsigned index);

/* A code or status word as the dialect spells it: underscores stand for spaces (scenario words
 * cannot hold spaces) unless the word, as written, is one of `keep` (NULL-terminated; may be
 * NULL). */
void respell_with_spaces(const char *code, const char *const *keep, char *out, size_t size);

/* The text for a code in a table of {code, text} pairs; NULL when absent. */
struct code_text {
    const char *code;
    const char *text;
};
const char *code_text_find(const struct code_text *table, size_t count, const char *code);
#define CODE_TEXT_FIND(table, code) code_text_find((table), sizeof (table) / sizeof (table)[0], (code))

/* "Authorization: Bearer KEY" with KEY one of the accepted keys (FoxAPI, FLORA, APIXO). */
bool bearer_key_accepted(const struct request *request);

/* A string member of an object, or NULL. */
const char *json_string_member(const cJSON *object, const char *name);

#endif
