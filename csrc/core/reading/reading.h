/* reading.h — how the core reads a provider's answers: profiles as data, JSON paths over cJSON.
 * Classification needs no sockets: nothing here knows the engine. */
#ifndef GENTASK_READING_H
#define GENTASK_READING_H

#include "../base/base.h"

/* ---- profiles (profile.c) ---------------------------------------------------------------------- */

typedef struct gt_paths {
    char **items;
    size_t n;
} gt_paths;

typedef enum gt_field {
    GT_FIELD_ID,
    GT_FIELD_STATE,
    GT_FIELD_PROGRESS,
    GT_FIELD_ERROR_CODE,
    GT_FIELD_ERROR_MESSAGE,
    GT_FIELD_RESULTS,
    GT_FIELD_POLL_URL,
    GT_FIELD_RETRY_AFTER,
    GT_FIELD_ENVELOPE_STATUS,
    GT_FIELD_ETA,
    GT_FIELD_FAILURE,       /* an error object beside a done flag (Veo's "error"): found, the task failed */
    GT_FIELD_RESULT_URL,    /* where the result is fetched after success (fal's response_url) */
    GT_FIELD_RESULT_ID,     /* what the result fetch's path names (MiniMax's file_id) */
    GT_FIELD_REFUSAL,       /* why a success holds no results (Veo's raiMediaFilteredReasons): moderated */
    GT_FIELD_ENVELOPE_CODE, /* a code beside every answer, 0 when all is well (MiniMax's base_resp) */
    GT_FIELD_COST,          /* what the answer says the task cost, in the profile's cost unit (BFL's credits) */
    GT_FIELD_COUNT
} gt_field;

typedef struct gt_state_entry {
    char *name;
    gt_remote_state state;
    gt_kind kind;
    char *stage;
    long grace_ms;
} gt_state_entry;

typedef struct gt_code_entry {
    char *code;
    gt_kind kind;
    char *stage;
    gt_retryable retryable;
} gt_code_entry;

typedef struct gt_code_list {
    gt_code_entry *items;
    size_t n;
} gt_code_list;

/* One model's price in the profile's table: amount (in cost_currency) per unit. */
typedef struct gt_price {
    char *model; /* "*": every model the table does not name */
    double amount;
    gt_price_unit unit;
} gt_price;

/* A model the provider allows fewer active tasks than its max_in_flight ("due to capacity"). */
typedef struct gt_model_cap {
    char *model;
    int max;
} gt_model_cap;

typedef struct gt_status_entry {
    long status;
    gt_kind kind;
    char *stage;
} gt_status_entry;

/* How a provider signs its webhook deliveries (webhook_*.c), named by the profile's webhook.scheme. */
typedef enum gt_webhook_scheme {
    GT_WEBHOOK_HMAC_HEX, /* "hmac_hex": hex HMAC-SHA256 of the raw body in one header (BFL); the default */
    GT_WEBHOOK_STANDARD, /* "standard": Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature) */
    GT_WEBHOOK_ED25519,  /* "ed25519": a hex Ed25519 signature checked with the provider's published keys (fal) */
    GT_WEBHOOK_T_V1,     /* "t_v1": "t=<seconds>,v1=<hex HMAC of t,body>" in one header (OpenRouter) */
} gt_webhook_scheme;

struct gt_profile {
    char *name;
    char *auth_header, *auth_prefix, *key_field;
    /* auth.jwt: the header carries an HS256 JWT made from the key and a secret, not the key */
    char *jwt_issuer_claim;  /* the claim that carries the key ("iss"); NULL: no JWT */
    char *jwt_secret_env;    /* the variable that holds the secret by default; NULL: an option names it */
    long jwt_ttl_s;          /* exp = now + this */
    long jwt_not_before_s;   /* nbf = now - this: room for the provider's clock running behind */
    long jwt_renew_before_s; /* a new token is made when less than this is left of the last */
    char *poll_method, *poll_path, *poll_key_field, *idempotency_field;
    char *cancel_method, *cancel_path; /* the documented cancel endpoint; NULL: none */
    char *cancel_from_poll_url;        /* or one beside the task's poll URL: a relative reference */
    char *webhook_url_field, *webhook_secret_field, *webhook_switch_field, *webhook_switch_value;
    char *webhook_url_query; /* the submit URL's query parameter for the webhook URL (fal_webhook) */
    char *webhook_signature_header, *webhook_signature_prefix;
    char *idempotency_header;          /* a header the provider reads an idempotency key from */
    char *deadline_header;             /* a header that carries the task's time left, in whole seconds */
    char *deadline_suffix;             /* written after the seconds ("s": "290s"); NULL: none */
    int deadline_min;                  /* the least value the provider takes (a task with less left sends this) */
    char *result_method, *result_path; /* the result fetch after success; NULL path: by result_url only */
    gt_remote_state missing_state;     /* a poll answer without a state (Veo leaves "done" out until
                                          it is true); UNKNOWN: a protocol error */
    gt_paths headers;                  /* "Name: value" lines every request to the provider carries */
    gt_paths download_hosts;           /* hosts whose result URLs get the key (keyed downloads) */
    bool keyed_downloads;              /* result URLs on the base URL's origin or download_hosts get it */
    char *webhook_id_header, *webhook_timestamp_header; /* standard: NULL means webhook-id, webhook-timestamp */
    char *webhook_keys_url;                             /* ed25519: the provider's JWKS document (https) */
    char *webhook_key_id_header;     /* ed25519: the header naming the key that signed; NULL: any key may have */
    gt_paths webhook_signed_headers; /* ed25519: the headers whose values, then hex(SHA-256(body)), are signed */
    gt_webhook_scheme webhook_scheme;
    double webhook_tolerance; /* seconds a signed timestamp may be from now (standard); 0: 300 */
    double progress_scale;    /* a provider's progress × this = percent */
    int max_in_flight;        /* its documented cap on active tasks; 0: none */
    double result_ttl;        /* seconds its result URLs live after success; 0: not documented */
    gt_model_cap *model_caps; /* lower caps of some models */
    size_t n_model_caps;
    gt_paths fields[GT_FIELD_COUNT];
    /* cost (price.c): a reported number × cost_scale is an amount in cost_currency; the price table
     * says what a task costs where nothing is reported, from its model and what its body asks for */
    char *cost_currency;
    double cost_scale;
    char *cost_header;                 /* a response header of billed units (fal's x-fal-billable-units), or NULL */
    bool free_failures[GT_KIND_COUNT]; /* failed tasks of these kinds cost nothing ([NONE]: of any) */
    gt_price *prices;
    size_t n_prices;
    gt_paths price_paths[GT_PRICE_PATH_COUNT];
    gt_paths request_id_headers;
    gt_paths poll_hosts; /* documented hosts of provider-given poll URLs: "api.bfl.ai", "*.bfl.ai" */
    gt_state_entry *states;
    size_t n_states;
    gt_code_list codes[3]; /* by gt_code_table */
    gt_status_entry *statuses;
    size_t n_statuses;
};

/* What an HTTP status says when nothing else does (classify.c): the downloads read it too. */
gt_kind gt_kind_from_status(long status);
/* A CDN's page that proves the request never reached the provider's server (Cloudflare's 521,
 * 522, 523, 525, 526): a submit so answered was not taken, whatever the profile. */
bool gt_status_never_reached_provider(long status);

const gt_state_entry *gt_profile_state(const gt_profile *p, const char *provider_state);
const gt_code_entry *gt_profile_code(const gt_profile *p, gt_code_table table, const char *code);
/* The first message_code contained (case-insensitively) in message. */
const gt_code_entry *gt_profile_message_code(const gt_profile *p, const char *message);
const gt_status_entry *gt_profile_status(const gt_profile *p, long status);

/* ---- JSON paths over cJSON (jsonpath.c) ---------------------------------------------------------
 * "a.b" walks objects; "a[].b" walks every element of array a; "a[]" yields every element;
 * "a{}.b" parses the string a as JSON and walks on inside it. Items handed to a visitor may live
 * in a temporary tree: a visitor copies what it keeps. */

#define GT_PATH_MAX_LENGTH 256
#define GT_PATH_MAX_DEPTH 32

typedef struct cJSON cJSON;
typedef void (*gt_json_visit)(const cJSON *item, void *ctx);
void gt_json_paths_each(const cJSON *root, const gt_paths *paths, gt_json_visit visit, void *ctx);

/* The first item any of the paths finds, copied out. */
typedef struct gt_json_value {
    bool found;
    int type;     /* cJSON type bits */
    char *string; /* a string's text, or a number written out; NULL otherwise */
    double number;
} gt_json_value;

gt_json_value gt_json_paths_first(const cJSON *root, const gt_paths *paths);
void gt_json_value_clear(gt_json_value *v);
char *gt_json_paths_string(const cJSON *root, const gt_paths *paths); /* the first string or number found */
/* The first message found: a string or number as gt_json_paths_string reads it, or an object of
 * field → message or list of messages (Laravel's validation errors, as ModelsLab sends them)
 * written "field: message; other: message". */
char *gt_json_paths_message(const cJSON *root, const gt_paths *paths);

#endif
