/* A provider's dialect, as data and hooks. dialect.c owns the order of the steps of a submit and
 * of a poll, once for all six; a dialect file supplies only what is its own: its paths, where its
 * key and prompt travel, its words (status words, error codes and messages, field names) and the
 * hooks that validate a request, make an id and write its bodies.
 *
 * A submit:  method (405), counted and filed as an attempt of its logical submit; the key (401;
 *   ModelsLab: after the body, which holds it); the body (a JSON object, else not_json /
 *   not_object); the scenario words (prompt, then the X-Sim-Scenario header); faults that refuse
 *   before any task (faults_refuse_submit); errors under HTTP 200 (ModelsLab error200=, APIXO
 *   envelope=); the dialect's validation; a new task stored (--max-active: 429; FLORA: an
 *   idempotency replay or conflict); the answer, spoiled as the words say (faults_reply_created).
 * A poll:  method (405); the body where the key or id travels in it; the key (401); the id
 *   (no_poll_id); lookup (no_task; BFL answers an unknown id itself); faults that refuse the poll
 *   (faults_refuse_poll); APIXO's poll-envelope=; the task's state, spoiled as the words say
 *   (faults_reply_task). Every refused poll is still counted. */
#ifndef GENTASK_SIM_DIALECT_H
#define GENTASK_SIM_DIALECT_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "error_words.h"
#include "exchange.h"
#include "lifecycle.h"
#include "task.h"

enum route_action { ROUTE_SUBMIT, ROUTE_POLL, ROUTE_CANCEL };

/* One endpoint: a path under the dialect's prefix in which "{model}" and "{id}" each stand for
 * one non-empty path segment shorter than TASK_ID_MAX. */
struct route_pattern {
    enum route_action action;
    const char *path;     /* "/v1/tasks/{id}" */
    const char *id_query; /* a poll whose id is a query parameter ("id", "taskId") */
    const char *kind;     /* handed on: FoxAPI's task object, BFL's region */
};

/* What a matched pattern captured from one request. */
struct route {
    const struct route_pattern *pattern;
    char model[TASK_ID_MAX]; /* "" when the path names none */
    char path_id[TASK_ID_MAX];
    const char *id; /* a poll's id from the path or the query; NULL: none */
};

/* Where the API key travels. */
struct key_words {
    const char *name; /* the header, or the body member (in_body); echo-key
                         quotes it under this name */
    bool in_body;     /* ModelsLab: a member of the JSON body */
    bool bearer;      /* "Authorization: Bearer KEY" */
};

/* What the broken bodies of fault injection damage in an answer. */
struct fault_words {
    const char *id_fields[2];  /* dotted paths noid drops ("id", "data.taskId") */
    const char *state_field;   /* the dotted path unknownstate replaces */
    const char *unknown_state; /* what it puts there (NULL: "sleeping") */
};

/* An error answer, resolved against the dialect's error words, for its error_body hook. */
struct error_answer {
    unsigned status;
    const char *code;     /* asked for, or the status's documented one ("" none) */
    const char *message;  /* asked for, or the documented one */
    bool documented;      /* no message was asked for: the documented error, which
                             may carry more (BFL's list, FLORA's fields) */
    const char *location; /* BFL: where FastAPI says the problem is */
};

#define ROUTES_MAX 4

struct dialect {
    const char *name;                        /* the route prefix without '/', and "dialect" in stats */
    unsigned scenario_dialect;               /* its scenario_dialect bit */
    struct route_pattern routes[ROUTES_MAX]; /* tried in order; unused ones have no path */
    const char *poll_method;                 /* NULL: GET (and HEAD) */
    struct key_words key;

    /* Where the request says what (dotted paths in the JSON body). */
    const char *prompt_field;      /* the prompt: scenario words, and the echoed prompt */
    const char *model_field;       /* the model; NULL: the path's {model} */
    const char *idempotency_field; /* FLORA: the idempotency key (else the Idempotency-Key
                                      header); NULL: no idempotency */
    const char *poll_id_field;     /* ModelsLab's older fetch: the id (a string or number),
                                      where the path has none */
    bool poll_checks_model;        /* FLORA: a run polled under another technique is unknown */
    /* Webhooks: where a submit names the URL (and the secret) the task's end is pushed to, and
     * the header its HMAC-SHA256 goes in ("<prefix><hex>"); NULL: the dialect has none. */
    const char *webhook_url_field;
    const char *webhook_secret_field;
    const char *webhook_signature_header;
    const char *webhook_signature_prefix;
    bool empty_id_is_missing; /* APIXO: ?taskId= is no id */

    /* Its words. */
    const char *phase_words[TASK_PHASE_COUNT]; /* the status word of each phase */
    struct error_words errors;
    /* A refusal whose status is left 0 has the usual one, with the dialect's documented body
     * for it: 401 (no_key, bad_key), 404 (no_task), 400 (not_json, no_poll_id, too_late), 422
     * (reused_key). */
    struct refusal no_key;     /* 401 without a key */
    struct refusal bad_key;    /* 401 with a key that is not accepted */
    struct refusal not_json;   /* a body that does not parse */
    struct refusal not_object; /* a body that parses to something else than an object
                                  (status 0: as not_json) */
    struct refusal no_poll_id; /* a poll without an id */
    struct refusal no_task;    /* a poll of an id the store does not know */
    struct refusal reused_key; /* FLORA: an idempotency key again with another request */
    struct refusal too_late;   /* a cancel of a task that has already ended */
    struct {
        const char *code;   /* "": the 404's documented code */
        const char *format; /* of the method and path; NULL: "No endpoint %s %.200s" */
    } no_endpoint;
    const char *wrong_method_code; /* the 405's code; "": the documented one */
    bool retry_after_header;       /* a 429 carries Retry-After (else only on
                                      retry-after-header) */
    const char *request_id_header; /* non-NULL: a fresh id in this header on every response
                                      (echo-key quotes the key in it; X-Request-Id without) */
    unsigned created_status;       /* of a healthy submit answer (0: 200; ACME: 202) */
    struct fault_words faults;

    /* Its hooks. */
    void (*new_id)(char *id, size_t size);
    /* What the request says that is the dialect's own (BFL's seed; ModelsLab's sizes, samples);
     * called after the common fields are set. NULL: nothing. */
    void (*read_task)(const cJSON *body, struct task *task);
    /* Scenario words from elsewhere than prompt_field (FLORA: every text input). */
    void (*read_scenario)(struct scenario *scenario, const cJSON *body);
    /* The provider's validation: true, with *refusal, when it refuses the request. */
    bool (*invalid)(const cJSON *body, struct refusal *refusal);
    /* The submit's answer. NULL: render_task of a task that has just started. */
    cJSON *(*render_created)(const struct exchange *exchange, const struct task *task);
    cJSON *(*render_task)(const struct exchange *exchange, const struct task *task,
                          const struct task_progress *progress);
    /* BFL: an unknown id is a 200 answer of its own. NULL: the no_task refusal. */
    cJSON *(*render_unknown)(const char *id);
    cJSON *(*error_body)(const struct exchange *exchange, const struct error_answer *error);
};

/* Answers a request under the dialect's prefix (subpath: "" or "/…"). */
enum MHD_Result dialect_handle(struct request *request, const struct dialect *dialect, const char *subpath);

#endif
