/* gentask.h — the C core's public API.
 *
 * The core knows HTTP (libcurl), time, JSON (cJSON) and providers' field layouts; it knows
 * nothing of Lua. A binding (csrc/lua/) converts between this API and Lua values.
 *
 * Ownership: an engine owns one CURLM. Clients hold a reference on their engine, tasks on their
 * client, so the three can be released in any order (a garbage collector's order, say).
 * Nothing here calls back into the binding: state changes are queued and drained with
 * gt_task_next_changed() / gt_engine_next_fired(). */
#ifndef GENTASK_H
#define GENTASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gt_engine gt_engine;
typedef struct gt_client gt_client;
typedef struct gt_task gt_task;
typedef struct gt_alarm gt_alarm;
typedef struct gt_profile gt_profile;

/* ---- error kinds: the one vocabulary over every provider ----------------------------------- */

typedef enum gt_kind {
    GT_KIND_NONE = 0,
    GT_INVALID_REQUEST,
    GT_AUTHENTICATION,
    GT_PAYMENT_REQUIRED,
    GT_PERMISSION_DENIED,
    GT_NOT_FOUND,
    GT_CONFLICT,
    GT_RATE_LIMITED,
    GT_MODERATED,
    GT_INPUT_UNREACHABLE,
    GT_GENERATION_FAILED,
    GT_TIMEOUT,
    GT_UNAVAILABLE,
    GT_SERVER_ERROR,
    GT_NETWORK,
    GT_PROTOCOL,
    GT_CANCELLED,
    GT_DEADLINE_EXCEEDED,
    GT_USAGE,
    GT_BUDGET_EXCEEDED,
    GT_KIND_COUNT
} gt_kind;

const char *gt_kind_name(gt_kind kind);
gt_kind gt_kind_from_name(const char *name); /* GT_KIND_NONE when unknown */
bool gt_kind_retryable(gt_kind kind);        /* the default: can trying again help? */
const char *gt_kind_meaning(gt_kind kind);   /* one line for documentation and help */

/* webhook: a delivery refused by client:webhook (a missing or forged signature) */
typedef enum gt_phase { GT_PHASE_SUBMIT, GT_PHASE_POLL, GT_PHASE_CANCEL, GT_PHASE_DOWNLOAD, GT_PHASE_WEBHOOK } gt_phase;
const char *gt_phase_name(gt_phase phase);

/* Whether a failed submit reached the provider: the difference between "safe to resubmit" and
 * "resubmitting may pay for the same image twice". */
typedef enum gt_submitted { GT_SUBMITTED_NA, GT_SUBMITTED_NO, GT_SUBMITTED_YES, GT_SUBMITTED_UNKNOWN } gt_submitted;
const char *gt_submitted_name(gt_submitted s); /* NULL for NA */

typedef struct gt_error {
    gt_kind kind;
    bool retryable;
    gt_phase phase;
    gt_submitted submitted;
    long status; /* HTTP status, 0 when none came back */
    char *code;  /* the provider's own code, verbatim */
    char *message;
    char *stage; /* moderation: "input" | "output" */
    char *request_id;
    char *task_id;      /* the provider's task id, when known */
    char *body;         /* a bounded excerpt of the response body */
    double retry_after; /* seconds; < 0 when the provider gave none */
    int attempts;
    char *idempotency_key;  /* the key the submits carried, where the provider honours one: a
                               resend with it cannot pay twice */
    struct gt_error *cause; /* deadline_exceeded after answers that were no answer (a 503, a 429,
                               a refused connection): the last of them */
} gt_error;

gt_error *gt_error_new(gt_kind kind, gt_phase phase, const char *message);
gt_error *gt_error_copy(const gt_error *err); /* its cause is not copied; NULL for NULL */
void gt_error_free(gt_error *err);

/* The error table's fields, once: the binding's Lua table, the journal's outcome JSON and the
 * command's records carry these names, in this order (core.error_fields lists them). */
typedef enum gt_error_field {
    GT_ERROR_KIND,
    GT_ERROR_RETRYABLE,
    GT_ERROR_MESSAGE,
    GT_ERROR_PROVIDER, /* not on gt_error: its client's profile name, given beside it */
    GT_ERROR_PHASE,
    GT_ERROR_SUBMITTED,
    GT_ERROR_STATUS,
    GT_ERROR_CODE,
    GT_ERROR_STAGE,
    GT_ERROR_REQUEST_ID,
    GT_ERROR_TASK_ID,
    GT_ERROR_BODY,
    GT_ERROR_RETRY_AFTER,
    GT_ERROR_ATTEMPTS,
    GT_ERROR_IDEMPOTENCY_KEY,
    GT_ERROR_CAUSE,
    GT_ERROR_FIELD_COUNT
} gt_error_field;

/* One field's value on an error, as each form writes it; NONE: the field is left out. */
typedef struct gt_error_value {
    enum { GT_VALUE_NONE, GT_VALUE_TEXT, GT_VALUE_INTEGER, GT_VALUE_NUMBER, GT_VALUE_FLAG, GT_VALUE_ERROR } type;
    const char *text;
    long integer;
    double number;
    bool flag;
    const gt_error *error; /* the cause */
} gt_error_value;

const char *gt_error_field_name(gt_error_field field);
/* field's value on err; provider (GT_ERROR_PROVIDER's) may be NULL */
gt_error_value gt_error_field_value(const gt_error *err, const char *provider, gt_error_field field);

/* ---- provider profiles: where a provider keeps what, as data --------------------------------- */

/* The five states every provider's own state strings map onto. */
typedef enum gt_remote_state {
    GT_REMOTE_UNKNOWN = 0,
    GT_REMOTE_PENDING,
    GT_REMOTE_RUNNING,
    GT_REMOTE_SUCCEEDED,
    GT_REMOTE_FAILED,
    GT_REMOTE_CANCELLED
} gt_remote_state;

gt_remote_state gt_remote_state_from_name(const char *name);
const char *gt_remote_state_name(gt_remote_state state);

gt_profile *gt_profile_new(const char *name);
void gt_profile_free(gt_profile *p);
const char *gt_profile_name(const gt_profile *p);

/* Scalar settings: auth_header, auth_prefix, key_field (the body field that carries the key, for
 * providers that take it there), poll_method, poll_path ("/v1/tasks/{id}"), poll_key_field,
 * idempotency_field (the body field of an idempotency key the provider honours: the core puts a
 * fresh one there per logical submit and resends it unchanged, which makes resending safe),
 * cancel_method and cancel_path (the provider's documented cancel endpoint, "{id}" in it; none:
 * cancel() stops only the local work), cancel_from_poll_url (or a relative reference resolved
 * against the task's poll URL: fal's "cancel" beside ".../requests/ID/status"), webhook_url_field,
 * webhook_secret_field (where a submit asks for a webhook), webhook_url_query (or a query
 * parameter of the submit URL that carries the webhook URL, escaped: fal's fal_webhook),
 * webhook_switch_field and webhook_switch_value (a body field the request must also set, APIXO's
 * request_type = "callback"), webhook_signature_header and
 * webhook_signature_prefix (where a delivery carries its HMAC-SHA256 hex, "sha256=" before it),
 * idempotency_header (a header the provider reads an idempotency key from, Higgsfield's
 * Idempotency-Key: the same guarantee as idempotency_field), deadline_header and deadline_suffix
 * (every submit carries the task's time left in whole seconds, the suffix after them: fal's
 * X-Fal-Request-Timeout: 290, Replicate's Cancel-After: 290s), result_method and result_path (the
 * result fetch: a success whose answer holds no results is followed by this request, "{id}" and
 * "{result_id}" replaced as "{id}" in poll_path, whose answer holds them; see also the fields
 * result_url and result_id); jwt_issuer_claim (the header carries an HS256 JWT whose claim of
 * that name holds the key, signed with a secret the core reads itself: gt_client_new) and
 * jwt_secret_env (the environment variable that holds that secret unless the client's secret_env
 * or secret_file option says otherwise), webhook_scheme ("hmac_hex", the default: that hex HMAC
 * of the body; "standard": Standard Webhooks; "ed25519": a hex Ed25519 signature checked with the
 * provider's published keys; "t_v1": OpenRouter's "t=<seconds>,v1=<hex HMAC of t "," body>"), webhook_id_header and
 * webhook_timestamp_header (where a delivery carries its id and its time; "standard" defaults to webhook-id,
 * webhook-timestamp), webhook_keys_url (ed25519: the provider's JWKS document, https) and webhook_key_id_header
 * (ed25519: the header naming the signing key's kid, where the provider sends one). Returns false
 * for an unknown key or an unknown scheme (the caller reports it). */
bool gt_profile_set(gt_profile *p, const char *key, const char *value);
/* progress_scale (a provider's progress × this = percent); max_in_flight (its documented cap on
 * active tasks, the default for its clients); deadline_min (the least deadline_header value the
 * provider takes); jwt_ttl, jwt_not_before, jwt_renew_before (whole seconds up to a day: a JWT's
 * exp is now + ttl, its nbf now - not_before, and a new one is made when less than renew_before
 * is left of the last; defaults 1800, 5, 300); webhook_tolerance (seconds a signed delivery's
 * timestamp may be from now, 1..86400; default 300) */
bool gt_profile_set_number(gt_profile *p, const char *key, double value);
/* A model the provider caps lower than the profile's max_in_flight (BFL's flux-kontext-max: 6):
 * its tasks wait for one of that many places before they take one of the client's. Returns false
 * for an empty model or a max that is not a whole number from 1 up (the caller reports it). */
bool gt_profile_add_model_cap(gt_profile *p, const char *model, double max);

/* ---- cost: what a task cost (price.c, task/cost.c) ----------------------------------------------
 * A provider that reports a task's cost has a "cost" field path (below): that number × cost_scale
 * is the amount, in cost_currency. Where nothing is reported, the profile's price table says what
 * a task costs: its model's amount per unit, times how many units the submit body asks for
 * (images: the count path's number, or 1; seconds: the seconds path's; megapixels: width × height
 * / 10^6 from their paths; request: 1). */
typedef enum gt_price_unit { GT_PRICE_IMAGE, GT_PRICE_SECOND, GT_PRICE_MEGAPIXEL, GT_PRICE_REQUEST } gt_price_unit;
typedef enum gt_price_path {
    GT_PRICE_COUNT,
    GT_PRICE_SECONDS,
    GT_PRICE_WIDTH,
    GT_PRICE_HEIGHT,
    GT_PRICE_PATH_COUNT
} gt_price_path;
bool gt_price_unit_named(const char *name, gt_price_unit *out); /* "image", "second", "megapixel", "request" */
bool gt_price_path_named(const char *name, gt_price_path *out); /* "count", "seconds", "width", "height" */
/* false for an empty model, an amount that is not a finite number >= 0, or a bad path */
bool gt_profile_add_price(gt_profile *p, const char *model, double amount, gt_price_unit unit);
bool gt_profile_add_price_path(gt_profile *p, gt_price_path which, const char *path);
/* currency: 3 to 8 letters ("USD"); scale: > 0 */
bool gt_profile_set_cost(gt_profile *p, const char *currency, double scale);
/* A response header that says how many units of the model's price a task was billed (fal's
 * x-fal-billable-units on the result fetch): units × the price table's amount for the model is
 * what it cost, as reported. false for a name that is not an HTTP header token. */
bool gt_profile_set_cost_header(gt_profile *p, const char *name);
const char *gt_profile_cost_header(const gt_profile *p);   /* NULL: none */
const char *gt_profile_cost_currency(const gt_profile *p); /* NULL: the profile says nothing of cost */
/* What billed units of this model cost by the price table: units × its amount; < 0: no price. */
double gt_price_of_units(const gt_profile *p, const char *model, double units);
/* Forgets the price table, to be replaced by another (a client's own prices). */
void gt_profile_clear_prices(gt_profile *p);
/* The provider's documents say a failed task of this kind costs nothing, whatever an answer
 * quoted before it failed (BFL's moderated requests); GT_KIND_NONE: a failed task of any kind. */
void gt_profile_add_free_failure(gt_profile *p, gt_kind kind);
/* What the price table says a task of this model and submit body costs; < 0: it cannot say. */
double gt_price_estimate(const gt_profile *p, const char *model, const char *body);

/* Where a response keeps a field, as dot paths tried in order ("runId", then "run_id").
 * Fields: id, state, progress, error_code, error_message, results, poll_url, retry_after,
 * envelope_status, eta (seconds until the result is expected: the first poll waits that long),
 * failure (an error object beside a done state: found non-null, a succeeded state means failed),
 * result_url (where the result fetch goes, trusted as a poll URL), result_id (what its path's
 * "{result_id}" stands for), refusal (why a success holds no results: moderated, output), envelope_code
 * (a code beside every answer, 0 when all is well: another, in a submit's answer naming no state, is
 * a refusal under HTTP 200, its kind the code's in http_codes or codes), cost (what the task cost,
 * a number in the profile's cost unit, in any answer: the latest one read counts). Path syntax: "a.b"
 * objects, "a[].b" every element, "a{}.b" a string holding JSON (APIXO's resultJson). Returns false for an unknown
 * field or a path gt_json_path_problem refuses. */
bool gt_profile_add_path(gt_profile *p, const char *field, const char *path);
/* Why a field path cannot be walked (NULL: it can): empty, over 256 bytes or 32 steps, an empty
 * name, a '[' or '{' not closed at once ("items[0"). gt_profile_add_path refuses such a path. */
const char *gt_json_path_problem(const char *path);
void gt_profile_add_request_id_header(gt_profile *p, const char *header);
/* One more header of an "ed25519" delivery whose value is signed, in order: the signed message is
 * their values and then the lowercase hex SHA-256 of the body, joined with "\n" (fal: request id,
 * user id, timestamp). */
void gt_profile_add_webhook_signed_header(gt_profile *p, const char *header);
const char *gt_profile_request_id_header(const gt_profile *p, size_t i); /* NULL past the last */
/* A host the provider documents for the poll URLs it hands back ("api.eu1.bfl.ai"), or "*.bfl.ai"
 * for every host below a domain the provider owns: such URLs are followed over https. Returns
 * false for anything but a lower-case host name of two labels or more (the caller reports it). */
bool gt_profile_add_poll_host(gt_profile *p, const char *host);
/* Keyed downloads (Veo, OpenRouter: results served by the provider's own API need the key): a
 * result URL on the base URL's origin, or over https on a host added here (the same forms as poll
 * hosts), is fetched with the auth header and the profile's headers; redirects are then followed
 * one hop at a time, each hop keyed only where it passes the same rule. Any other result URL is
 * fetched without them, as for every provider. */
void gt_profile_set_keyed_downloads(gt_profile *p, bool keyed);
bool gt_profile_add_download_host(gt_profile *p, const char *host);
/* A header every request to the provider carries (Runway's X-Runway-Version). false, with
 * gt_profile_header_problem saying why, for a name that is not an HTTP token, a value with a
 * control character (a CR or LF would add a header of its own), or the auth header's name. */
bool gt_profile_add_header(gt_profile *p, const char *name, const char *value);
const char *gt_profile_header_problem(const gt_profile *p, const char *name, const char *value);
/* The state of a poll answer that carries none (Veo's operations leave "done" out until it is
 * true: running). Unset, such an answer is a protocol error. false for GT_REMOTE_UNKNOWN. */
bool gt_profile_set_missing_state(gt_profile *p, gt_remote_state state);

/* A provider state string and what it means. For a failing state, kind (GT_KIND_NONE: decided by
 * the error code) and stage apply; grace_ms > 0 says the state may be transient for that long
 * after submit (BFL's "Task not found") and is then read as pending. */
void gt_profile_add_state(gt_profile *p, const char *provider_state, gt_remote_state state, gt_kind kind,
                          const char *stage, long grace_ms);

/* Code tables, matched case-insensitively: task failure codes, codes of HTTP error bodies, and
 * substrings of messages (for providers whose errors carry no code). stage may be NULL.
 * retryable: GT_RETRYABLE_KIND keeps the kind's default; the others say what the provider says of
 * this code (EvoLink's input faults: a generation that failed, and will fail again). */
typedef enum gt_code_table { GT_CODES_TASK, GT_CODES_HTTP, GT_CODES_MESSAGE } gt_code_table;
typedef enum gt_retryable { GT_RETRYABLE_KIND, GT_RETRYABLE_NO, GT_RETRYABLE_YES } gt_retryable;
void gt_profile_add_code(gt_profile *p, gt_code_table table, const char *code, gt_kind kind, const char *stage,
                         gt_retryable retryable);
/* An HTTP status a provider uses for something else (APIXO's 403: content policy). */
void gt_profile_add_status(gt_profile *p, long status, gt_kind kind, const char *stage);

/* ---- classification: one response → what it says --------------------------------------------- */

typedef struct gt_reply {
    gt_error *error; /* set when the request or the task failed; then the rest may be empty */
    gt_remote_state state;
    char *raw_state; /* the provider's own state string */
    char *task_id;
    int progress; /* 0..100, or -1 when the response said nothing usable */
    char **urls;
    size_t n_urls;
    char **texts; /* results that are text, not URLs (FLORA's outputs of type "text") */
    size_t n_texts;
    char *poll_url; /* where the provider says to poll, when it says */
    double eta;     /* seconds until the result is expected; < 0 when not said */
    long grace_ms;  /* > 0: the failing state may be transient this long after submit */
    /* A success whose results a second request fetches (the profile's result fetch): */
    bool fetch_result;
    char *result_url;  /* where the answer says they are (fal's response_url), or NULL */
    char *result_id;   /* what the profile's result path names (MiniMax's file_id), or NULL */
    double cost;       /* what the answer says the task cost, × the profile's cost_scale; < 0: nothing */
    double cost_units; /* what the profile's cost header says was billed, in the model's priced unit; < 0: nothing */
} gt_reply;

/* The response headers the core reads besides a profile's request-id headers: one list, read by
 * the engine off the wire and by a binding's classify out of a table of headers. */
typedef enum gt_header {
    GT_HEADER_RETRY_AFTER,    /* "retry-after": seconds, or an HTTP date */
    GT_HEADER_RETRY_AFTER_MS, /* "retry-after-ms": milliseconds (OpenAI-style APIs) */
    GT_HEADER_COUNT
} gt_header;
const char *gt_header_name(gt_header h); /* lower case; NULL past the last */

typedef struct gt_response {
    long status;
    const char *body;
    size_t body_len;
    const char *request_id;              /* from a header the profile names, or NULL */
    const char *header[GT_HEADER_COUNT]; /* each NULL when absent */
    const char *cost_header;             /* the profile's cost header's value, or NULL */
} gt_response;

/* Fills *out from one HTTP response, following the profile. Never fails: anything unreadable
 * becomes an error of kind protocol that keeps the raw status and body excerpt. */
void gt_classify(const gt_profile *p, gt_phase phase, const gt_response *res, gt_reply *out);
/* Reads the answer of a result fetch: the result itself, succeeded unless it says otherwise. */
void gt_classify_result(const gt_profile *p, const gt_response *res, gt_reply *out);
void gt_reply_clear(gt_reply *r);

/* ---- the engine -------------------------------------------------------------------------------- */

gt_engine *gt_engine_new(void);
void gt_engine_release(gt_engine *e); /* the owner lets go; freed with its last client */
/* The owner is letting go for good (its Lua state closes: the script ended without close()): the
 * journal writes its clients still have to make — the end of a task delivered a moment ago, a
 * round another process kept waiting — are made now, the engine run for them alone for at most
 * a few seconds. A process that ends leaves its journal as true as close() would. */
void gt_engine_finish_writes(gt_engine *e);
/* Waits at most timeout_ms (never for 0) for sockets or timers, handles what is ready, returns
 * the number of tasks and alarms that changed. */
int gt_engine_step(gt_engine *e, long timeout_ms);
/* ms until the engine next wants to run; -1 when it has nothing to do at all. */
long gt_engine_timeout(gt_engine *e);
gt_task *gt_task_next_changed(gt_engine *e); /* tasks whose state or progress changed */
gt_alarm *gt_engine_next_fired(gt_engine *e);
size_t gt_task_live_count(const gt_engine *e); /* tasks not yet released */

/* Host loops (libuv, nginx, a game's frame): instead of step() polling the sockets itself, the
 * host watches them. It drains the changes (events: GT_WATCH_IN/OUT, both, or GT_WATCH_REMOVE
 * to stop watching), reports readiness with socket_action (GT_READY_* bits), calls step(0)
 * when timeout() runs out, and calls release_sockets once it has stopped watching removed fds:
 * only then does the engine close them, so that no fd is reused while still watched. */
enum { GT_WATCH_IN = 1, GT_WATCH_OUT = 2, GT_WATCH_REMOVE = 4 }; /* curl's CURL_POLL_* values */
enum { GT_READY_IN = 1, GT_READY_OUT = 2, GT_READY_ERR = 4 };    /* curl's CURL_CSELECT_* values */
void gt_engine_set_host_loop(gt_engine *e, bool on);
size_t gt_engine_socket_changes(gt_engine *e, int *fds, int *events, size_t max);
int gt_engine_socket_action(gt_engine *e, int fd, int events);
void gt_engine_release_sockets(gt_engine *e);
/* Hosts that watch one fd (LuaSocket's select, cqueues): an fd that is readable when the engine
 * wants step(0), its timer re-armed by each call. -1 where the system has no such thing. */
int gt_engine_wake_fd(gt_engine *e);

/* Alarms: the engine's timers offered to the binding (wait deadlines, sleeps). */
gt_alarm *gt_alarm_new(gt_engine *e, long after_ms);
void gt_alarm_free(gt_alarm *a);

/* ---- clients and tasks ------------------------------------------------------------------------- */

typedef struct gt_client_options {
    long request_timeout_ms; /* one HTTP request, connect included */
    long connect_timeout_ms;
    long poll_interval_ms;     /* the first wait between polls (a provider's eta may set it) */
    long poll_max_interval_ms; /* the wait grows by half each poll, up to this */
    int max_retries;           /* consecutive retryable failures tried again, per phase */
    long backoff_initial_ms;   /* the first retry's wait; doubles per retry, jittered */
    long backoff_max_ms;
    long task_timeout_ms;         /* from submit to the end of the caller's wait (deadline_exceeded) */
    long min_submit_time_ms;      /* a queued task needs this much time left to be submitted */
    size_t max_body_bytes;        /* responses larger than this are refused as protocol errors */
    size_t max_download_bytes;    /* a result file larger than this is not kept (a download error) */
    uint32_t resubmit_kinds;      /* bit (1 << kind): a provider failure of that kind is submitted */
    int resubmit_max;             /*   again, at most this often — each is a new paid generation */
    int max_in_flight;            /* tasks between first submit and end at once; 0: no cap; -1: the
                                     provider's documented cap (its profile's max_in_flight) */
    int max_requests;             /* a client's requests on the wire at once; 0: no cap */
    int max_submits;              /* tasks this client may submit in its life; 0: no budget */
    double max_cost;              /* money it may spend, in the profile's cost currency; 0: no budget */
    const char *ca_file;          /* the CA bundle to trust instead of the system's; NULL: the system's */
    const char *proxy;            /* a proxy URL; NULL: none (libcurl still honours *_proxy variables) */
    const char *journal;          /* an SQLite file that keeps every task of the client, or a
                                     redis:// URL where the key's shared state lives; NULL: none */
    long redis_timeout_ms;        /* a call to Redis unanswered this long: Redis counts as down */
    const char *webhook_url;      /* where the provider is asked to push each task's end; NULL: none */
    const char *webhook_secret;   /* what it signs deliveries with, where it signs (BFL); secret */
    const char *webhook_keys_url; /* replaces the profile's webhook keys URL (ed25519): tests, mirrors */
    int webhook_poll_factor;      /* a task that asked for a webhook polls this many times slower */
    bool redis_volatile_ok;       /* accept a Redis journal that may lose its records (no persistence, eviction) */
    bool journal_fresh;           /* start afresh on a Redis journal whose records were found gone */
    bool cancel_at_deadline;      /* a paid task still running at its deadline is cancelled at the
                                     provider (where its profile has a cancel), not left to recover() */
    const char *secret_env;       /* a JWT profile: the variable that holds the secret; NULL: the profile's */
    const char *secret_file;      /* a JWT profile: a private file (mode 0600) that holds it instead */
} gt_client_options;

void gt_client_options_default(gt_client_options *o);

/* Seconds (the boundary's unit) to the core's milliseconds: any positive time is at least 1 ms
 * (0 means "none" to curl), NaN and negatives are 0, and "practically never" is clamped so that
 * now + it cannot overflow. */
long gt_seconds_to_ms(double seconds);

/* The options' schema (options.c): each option's name as a script spells it, its unit at the
 * boundary (seconds for times), its bounds and default in that unit, and whether it belongs to
 * the client alone or may be overridden per submit. resubmit, a structured option, is not here. */
/* GT_UNIT_FLAG: true or false at the boundary, 1 or 0 here */
typedef enum gt_option_unit {
    GT_UNIT_SECONDS,
    GT_UNIT_COUNT,
    GT_UNIT_BYTES,
    GT_UNIT_TEXT,
    GT_UNIT_FLAG,
    GT_UNIT_MONEY /* an amount in the profile's cost currency */
} gt_option_unit;
typedef enum gt_option_scope { GT_SCOPE_TASK, GT_SCOPE_CLIENT } gt_option_scope;

typedef struct gt_option {
    const char *name;
    gt_option_unit unit;
    double min, max;      /* text: its length */
    double default_value; /* NaN: decided elsewhere (max_in_flight: the provider's cap; text: none) */
    gt_option_scope scope;
    const char *meaning;
} gt_option;

const gt_option *gt_option_at(size_t i); /* NULL past the last */
const char *gt_option_unit_name(gt_option_unit unit);
bool gt_option_valid(const gt_option *spec, double value); /* in bounds, whole where it must be */
/* Sets option i of o from a value in its unit; false (o unchanged) when the value is not valid. */
bool gt_option_set(gt_client_options *o, size_t i, double value);
/* The same for a text option: o then borrows value (gt_client_new keeps its own copy). */
bool gt_option_set_text(gt_client_options *o, size_t i, const char *value);

/* Takes ownership of profile. api_key is copied and never leaves the core. A profile that signs
 * JWTs (jwt_issuer_claim) has the core read the secret from opts->secret_file, else from the
 * variable opts->secret_env or the profile's jwt_secret_env: none found is kind usage, its message
 * naming the variable or file, never a value. With opts->journal the
 * journal is opened here and checked to belong to api_key: NULL then, with *error (to
 * gt_error_free; its message names the file or address, never the key or a password), when it
 * cannot be used: kind usage for the caller's mistake (a bad address, another key's journal), kind
 * unavailable with a code for the store's fault ("redis": Redis refused the password or keeps
 * nothing on disk; "journal_lost": its records were found gone). NULL without *error: out of
 * memory. */
gt_client *gt_client_new(gt_engine *e, gt_profile *profile, const char *base_url, const char *api_key,
                         const gt_client_options *opts, gt_error **error);
void gt_client_release(gt_client *c);
const gt_profile *gt_client_profile(const gt_client *c);
const gt_client_options *gt_client_options_of(const gt_client *c);

/* What a task cost, once it ended (cost.c): amount < 0 when unknown. */
typedef enum gt_cost_source { GT_COST_UNKNOWN, GT_COST_REPORTED, GT_COST_PRICE_TABLE, GT_COST_NOT_SENT } gt_cost_source;
typedef struct gt_cost {
    double amount;
    gt_cost_source source;
    const char *currency; /* the profile's; NULL: it says nothing of cost */
} gt_cost;
gt_cost gt_task_cost(const gt_task *t);
const char *gt_cost_source_name(gt_cost_source s);                /* "reported", "price table", "not sent", "unknown" */
bool gt_cost_source_named(const char *name, gt_cost_source *out); /* a known source's name (not "unknown") */

/* What a client is doing, for client:stats(). */
typedef struct gt_client_stats {
    int in_flight;       /* tasks holding a place: submitting or polling */
    int queued;          /* tasks waiting for a place */
    int accepted;        /* of those in flight, the ones the provider took */
    int max_in_flight;   /* the cap as configured (or the provider's); 0: none */
    int cap;             /* the cap in force, learned from 429s (at most max_in_flight); 0: none */
    int requests;        /* requests on the wire */
    int requests_queued; /* requests waiting for max_requests */
    double paused_for;   /* seconds before submits may go again (after 429s or refusals); 0: none */
    long submits;        /* submit requests sent, every attempt */
    long submitted;      /* tasks whose submit went out: what max_submits counts */
    int submits_on_wire; /* submit requests being answered now */
    int journal_pending; /* tasks whose next stage the journal has not written yet */
    /* the journal's writes have failed this long in a row (0: they succeed), and why: the
     * records wait and are written again on the engine's timer */
    double journal_failing_for;
    const char *journal_error; /* borrowed; NULL while writes succeed */
    long refused;              /* of them, refused in a way that proves nothing was taken (429, 503, ...) */
    double spent;              /* ended tasks' known costs, in the profile's currency */
    double spent_estimated;    /* the part of spent that the price table gave (nothing reported) */
    const char *currency;      /* borrowed: the profile's; NULL: it says nothing of cost */
} gt_client_stats;
void gt_client_stats_of(const gt_client *c, gt_client_stats *out);

/* ---- metrics (metrics.c): what a client counted since it was made, for client:metrics() ------ */

/* Histograms' upper bounds in seconds, ascending; one more bucket holds what is above the last.
 * Requests: OpenTelemetry's default buckets for http.client.request.duration; tasks: generation
 * times, seconds to half an hour. */
#define GT_METRICS_REQUEST_BOUNDS 14
#define GT_METRICS_TASK_BOUNDS 11
extern const double gt_metrics_request_bounds[GT_METRICS_REQUEST_BOUNDS];
extern const double gt_metrics_task_bounds[GT_METRICS_TASK_BOUNDS];

typedef struct gt_histogram {
    uint64_t count;
    double sum;              /* seconds */
    const uint64_t *buckets; /* bounds + 1 entries: the observations in each bucket (not cumulative) */
} gt_histogram;

/* Requests ended with one phase ("submit", "poll", "result", "cancel", "download",
 * "webhook_keys") and one HTTP status; status 0: no answer came, error says why in a word
 * ("timeout", "connect", "resolve", "tls", "send", "receive", "too_large", "other"). */
typedef struct gt_request_metric {
    const char *phase;
    long status;
    const char *error; /* NULL when answered */
    gt_histogram duration;
} gt_request_metric;

/* Tasks of one model that ended one way: outcome "succeeded", or the error's kind ("cancelled",
 * "deadline_exceeded", …); their durations from submit() (or attach) to their end. */
typedef struct gt_task_metric {
    const char *model; /* "" for a task without one (attach); "other" past the models tracked */
    const char *outcome;
    gt_histogram duration;
} gt_task_metric;

/* The counters only metrics keep; the gauges, refused submits and spend are the client's stats
 * (gt_client_stats_of), which a snapshot reads beside these. */
typedef struct gt_client_metrics {
    long resends;           /* submits sent again for the same generation (a refusal, a retry, recover) */
    long rate_limited;      /* answers with HTTP status 429, any phase */
    long pauses;            /* pauses of the client's submits it began after a 429 or a refusal */
    long budget_refusals;   /* tasks ended budget_exceeded: never sent */
    size_t requests, tasks; /* how many series gt_client_request_metric / gt_client_task_metric hold */
} gt_client_metrics;

void gt_client_metrics_of(const gt_client *c, gt_client_metrics *out);
/* Series i (from 0) as it stands; false past the last. What it points to lives until the client
 * next runs (an engine step) or is freed. */
bool gt_client_request_metric(const gt_client *c, size_t i, gt_request_metric *out);
bool gt_client_task_metric(const gt_client *c, size_t i, gt_task_metric *out);
/* The engine's clients not yet freed (those a script let go of while their tasks go on among
 * them): up to max of them in out; returns how many there are. */
size_t gt_engine_clients(const gt_engine *e, gt_client **out, size_t max);
/* One more owner of c, who lets go with gt_client_release: a binding that reads clients its
 * script does not hold, while its garbage collector may free them. */
void gt_client_retain(gt_client *c);
/* Stops taking submits: a task not yet submitted ends cancelled (submitted = "no"), a submit on
 * the wire is let finish (stats' submits_on_wire says when none is left), accepted tasks poll on. */
void gt_client_close(gt_client *c);
bool gt_client_closed(const gt_client *c);

typedef enum gt_task_state {
    GT_TASK_QUEUED,     /* waiting for a slot under the client's max_in_flight, or its 429 pause */
    GT_TASK_SUBMITTING, /* the submit is in flight, or waits to be sent again */
    GT_TASK_WAITING,    /* between polls */
    GT_TASK_POLLING,
    GT_TASK_SUCCEEDED,
    GT_TASK_FAILED,
    GT_TASK_CANCELLED,
    GT_TASK_CANCELLING, /* cancel() sent the provider's cancel: the task ends (cancelled) at its answer */
    GT_TASK_STATE_COUNT /* not a state: how many there are (the binding's core.states) */
} gt_task_state;

const char *gt_task_state_name(gt_task_state s);

/* A submit with what the journal keeps of it. path is appended to the client's base_url; body is
 * the JSON request body (may be NULL), as the caller built it, before the core puts the key in
 * (the journal stores it as it is: the key never enters the file); poll_path, when not NULL,
 * replaces the profile's poll path template for this task (FLORA polls under the technique it
 * submitted to). */
typedef struct gt_submit_request {
    const char *path, *body, *poll_path;
    const char *model;      /* for the journal's record */
    const char *caller_key; /* the caller's own idempotency key ("row-17"); needs a journal */
} gt_submit_request;

/* Submits r: the task starts at once (a failure to start is a failed task). A journaled client
 * records the task before its submit goes out. With caller_key, a request the journal already has
 * under that key is not paid again: the task returned is the recorded one (ended with its stored
 * outcome, or recovered), and *existing is true when it is a live task of this process the caller
 * already holds. NULL with
 * *refusal (a message to free()) for a usage error (a key without a journal, a key used for
 * another request); NULL without: out of memory. */
gt_task *gt_client_submit_request(gt_client *c, const gt_submit_request *r, const gt_client_options *opts,
                                  bool *existing, char **refusal);

/* Every record of the client's journal that has not ended, as a task: accepted ones attached and
 * polling, queued ones submitted, sending ones resent where an idempotency key makes that safe
 * and failed (submitted "unknown") where not. A record is data: the files it asks for are written
 * only when its directory lies inside download_root, the directory the caller names now (NULL:
 * none); else each of its results fails to download (permission_denied, code "download_dir") and
 * nothing is written. *tasks is a malloc'd array of *n; existing[i] (also malloc'd) is true for a
 * live task of this process the caller already holds. false with *error (gt_error_free) when there
 * is no journal (usage) or it cannot be read (unavailable, code "journal" or "redis"). A journal in
 * Redis is asked on the engine's loop: the first call asks it and answers false with *pending
 * true, and so do the calls after it until Redis has answered (run the engine between them). */
bool gt_client_recover(gt_client *c, const gt_client_options *opts, const char *download_root, gt_task ***tasks,
                       bool **existing, size_t *n, gt_error **error, bool *pending);

/* A task that polls what the provider already has under id, and never submits: a task submitted
 * by another process. poll_url, when not NULL, is where the provider said to poll (it must pass
 * the same trust rule as a poll URL in a submit's answer); poll_path replaces the profile's poll
 * path template as in gt_submit_request. Never NULL. */
gt_task *gt_client_attach(gt_client *c, const char *id, const char *poll_url, const char *poll_path,
                          const gt_client_options *opts /* NULL: the client's */);

/* Debug events: one when a request goes on the wire and one when its answer (or its failure)
 * comes back, for hosts that print a line per request. Never libcurl's CURLOPT_VERBOSE, which
 * prints the request headers, the key among them: an event holds only what a line needs. */
typedef enum gt_log_kind { GT_LOG_REQUEST, GT_LOG_RESPONSE } gt_log_kind;
typedef struct gt_log_event {
    gt_log_kind kind;
    gt_phase phase;
    const char *provider;
    const char *method;
    const char *url;     /* without user info, every spelling of the key replaced by [REDACTED] */
    const char *task_id; /* the provider's id; NULL until known */
    int attempt;         /* the submit's attempt, or the poll's number (from 1) */
    long status;         /* a response: its HTTP status; 0 when none came */
    double seconds;      /* a response: since its request went out */
    const char *failure; /* a response that did not come: curl's words; NULL otherwise */
} gt_log_event;
/* Called inside the engine's step, from curl's callbacks among others: the hook records the event
 * and returns (it must not call back into the core); what the event points to lives for the call
 * alone. fn NULL: no events. */
typedef void (*gt_log_fn)(void *ctx, const gt_log_event *ev);
void gt_client_set_log(gt_client *c, gt_log_fn fn, void *ctx);
void *gt_client_log_ctx(const gt_client *c); /* the ctx given with the hook; NULL: none */

gt_task_state gt_task_state_of(const gt_task *t);
bool gt_task_done(const gt_task *t);
/* The phase a failure of the task would now belong to: submit while it is queued or submitting
 * (nothing is known at the provider yet), poll after. */
gt_phase gt_task_phase(const gt_task *t);
const char *gt_task_id(const gt_task *t); /* the provider's id; NULL until known */
const char *gt_task_request_id(const gt_task *t);
const char *gt_task_provider(const gt_task *t);
int gt_task_progress(const gt_task *t);          /* 0..100 */
const gt_error *gt_task_error(const gt_task *t); /* when failed or cancelled */
/* What keeps an unfinished task from going on now, the cause its deadline would name: its last
 * answer that was no answer (a 429, a 503, a poll that failed) in the phase it is in, or, for a
 * task not submitted yet, the refusal its client's pause waits out. NULL: nothing holds it. */
const gt_error *gt_task_held_by(const gt_task *t);
size_t gt_task_url_count(const gt_task *t);
const char *gt_task_url(const gt_task *t, size_t i);
size_t gt_task_text_count(const gt_task *t); /* results that are text rather than URLs */
const char *gt_task_text(const gt_task *t, size_t i);
/* The last response body the task saw (for the caller's raw view of a result), or NULL. */
const char *gt_task_body(const gt_task *t, size_t *len);
/* The caller's cancel. Polling stops at once. Where the profile has a cancel endpoint and the
 * provider has the task (its id is known), the cancel is sent, best effort, through the engine:
 * the task is "cancelling" until the answer and ends cancelled then, the answer recorded (below).
 * Elsewhere, and for a task whose submit has not been answered (a submit on the wire is cut), the
 * task ends cancelled at once and nothing is sent. */
void gt_task_cancel(gt_task *t);
/* Ends the task cancelled here and sends nothing: what __gc and a <close> scope do. */
void gt_task_cancel_local(gt_task *t);
typedef enum gt_cancel_outcome {
    GT_CANCEL_NONE,      /* nothing was sent to the provider */
    GT_CANCEL_SENT,      /* on its way */
    GT_CANCEL_CONFIRMED, /* the provider answered that the task is cancelled */
    GT_CANCEL_REFUSED    /* it refused, failed, or said the task had already ended: see the error */
} gt_cancel_outcome;
gt_cancel_outcome gt_task_cancel_outcome(const gt_task *t);
const gt_error *gt_task_cancel_error(const gt_task *t); /* phase cancel; when refused */

/* ---- results as files (download.c) ------------------------------------------------------------- */

/* Where a task's results go: dir/name.ext, or dir/name-1.ext, dir/name-2.ext … for several. name
 * NULL: the caller's key, else the provider's task id. extension NULL: from the content type
 * (".png", ".bin" when unknown); else used as given (a caller who named the file). dir is made
 * when missing. */
typedef struct gt_download_spec {
    const char *dir, *name, *extension;
} gt_download_spec;

/* Fetches every result of t through the engine, each to a temporary file renamed when complete:
 * at once when t has succeeded, else as soon as it does (nothing for a task that fails). Until
 * the files are written, t is not settled. false with *refusal (a message to free()) when t
 * ended without success, or its files are being fetched already. */
bool gt_task_download(gt_task *t, const gt_download_spec *spec, char **refusal);
bool gt_task_downloading(const gt_task *t); /* fetching, or waiting to once it succeeds */
bool gt_task_settled(const gt_task *t);     /* done, and no file on its way: what waiters wait for */

/* One result's file, or why there is none (error: phase download; the task still succeeded). */
typedef struct gt_file {
    const char *url;
    const char *path; /* NULL with error */
    const char *content_type;
    const char *sha256; /* hex */
    uint64_t bytes;
    const gt_error *error;
} gt_file;
size_t gt_task_file_count(const gt_task *t); /* 0 until a download of it has ended */
bool gt_task_file(const gt_task *t, size_t i, gt_file *out);
/* When the result URLs stop working (seconds since 1970), where the provider documents it (its
 * profile's result_ttl); < 0 when unknown. */
double gt_task_expires_at(const gt_task *t);

/* Inputs from files: what a file's first bytes say it is ("image/png"), or NULL; the extension a
 * content type is saved under (".bin" when unknown); and base64 (malloc'd, NUL-terminated). */
const char *gt_media_sniff(const void *head, size_t n);
const char *gt_media_extension(const char *content_type);
char *gt_base64_encode(const void *data, size_t n);
/* Whether path is, as it stands (file_on_disk.c), a regular file — not a symbolic link, whatever
 * it points to — of bytes bytes whose SHA-256 is sha256 (lowercase hex, as the journal keeps it). */
bool gt_file_on_disk_is(const char *path, uint64_t bytes, const char *sha256);
/* The SHA-256 of n bytes as lowercase hex (malloc'd), or NULL (fingerprint.c). */
char *gt_sha256_hex(const void *data, size_t n);
/* Where text (n bytes) stops being well-formed UTF-8: n when all of it is (utf8.c). */
size_t gt_utf8_invalid_at(const char *text, size_t n);
/* The contents of a file only its owner may read and write — one that holds a secret, or says
 * where one goes — (malloc'd; free with gt_secret_free, which wipes it first), or NULL and *why
 * (malloc'd) when it cannot be read, is not a regular file, holds max bytes or more, or another
 * user could read or write it or owns it: *why then says the chmod that fixes it (private_file.c). */
char *gt_read_private_file(const char *path, size_t max, char **why);
void gt_secret_free(char *secret);

/* A file of the caller's own written whole or not at all (write_file.c): a temporary file made by
 * mkstemp in path's directory (exclusive creation under a name nobody can guess: nothing planted
 * there is opened or followed), given mode (& 07777, whatever the umask), written, flushed to disk
 * and renamed over path. false with *why (a message to free(): what failed, where, and the errno
 * text), the temporary file removed. */
bool gt_write_file(const char *path, const void *bytes, size_t len, unsigned mode, char **why);

/* The owner lets go: an unfinished task is cancelled, then everything it holds is freed; a task
 * whose files are on their way is freed once they are written. With another owner (retain) it
 * goes on, theirs. */
void gt_task_release(gt_task *t);
/* One more owner, each releasing it once: a binding whose handle for t is being collected (and so
 * cannot be handed out again) makes a new one. A task every owner let go of is taken back, unless
 * it stopped working (unended, it only waits for its write to a failing store): false. */
bool gt_task_retain(gt_task *t);
bool gt_task_retainable(const gt_task *t);

/* ---- webhooks (webhook.c) -------------------------------------------------------------------- */

/* One header of a webhook delivery as the caller's HTTP server received it (names compare
 * case-insensitively; both strings only lent for the call). */
typedef struct gt_webhook_header {
    const char *name, *value;
} gt_webhook_header;

/* The largest webhook body gt_client_webhook reads (1 MiB): a provider's delivery is a poll
 * answer, a few kilobytes. A host reads at most one byte more than this from the request (nginx:
 * client_max_body_size), so that a 100 MB body is refused unread rather than held in memory. */
#define GT_WEBHOOK_MAX_BODY (1024 * 1024)

/* One webhook delivery the caller received: its headers (n_headers of them) and its raw body. The
 * profile's scheme (gt_profile_set: webhook_scheme) says which headers carry the signature and
 * what it signs. A body over GT_WEBHOOK_MAX_BODY is refused before anything reads it (an error of
 * kind invalid_request, phase webhook, code webhook_body_too_large). Where the provider signs and
 * the client can check it (a webhook_secret; for "ed25519", the provider's published keys), a
 * refusal is an error of phase webhook, returned, the task untouched: kind authentication, code
 * webhook_signature_missing, webhook_signature_invalid, webhook_timestamp_invalid, webhook_stale
 * (outside the profile's tolerance) or webhook_replayed (an id this client accepted within it);
 * or kind unavailable, retryable, code webhook_keys_unavailable (the keys are being fetched: the
 * provider sends it again). A valid one is read as a poll answer (*reading, as gt_classify fills
 * it) and ends the matching task of this client at once. Where nothing can be verified, the
 * delivery is only news: the matching task polls now (at most once per its poll_interval), and
 * the poll decides. *task: the task of this client with the delivery's id, NULL when there is
 * none. *verified: whether the signature was checked. *posted: the task is not this client's, and
 * the delivery was posted for the key's other clients (their shared journal), tagged with a
 * fingerprint of what checked it (the secret; the keys' URL): the one holding the task ends it
 * only if that is its own, and otherwise takes it as news. */
gt_error *gt_client_webhook(gt_client *c, const gt_webhook_header *headers, size_t n_headers, const char *body,
                            size_t len, gt_reply *reading, gt_task **task, bool *verified, bool *posted);

/* ---- the fleet: what every process sharing one journal is doing (fleet.c) ----------------------- */

/* One live owner: a client writing through the journal (its records name it), on any process. */
typedef struct gt_fleet_owner {
    char *id;              /* the owner's random id, shortened (enough to tell owners apart) */
    char *host;            /* NULL: the store keeps no host (Redis) */
    int64_t pid;           /* 0: the store keeps no pid (Redis) */
    int64_t lease_left_ms; /* until its lease runs out (<= 0: lapsed under a process still running) */
    int64_t places;        /* the key's places its tasks hold */
} gt_fleet_owner;

/* Records by stage (journal.h's: queued, sending, accepted, ended). */
typedef struct gt_fleet_tasks {
    char *provider; /* NULL in the fleet's total */
    int64_t queued, sending, accepted, ended;
} gt_fleet_tasks;

typedef struct gt_fleet {
    gt_fleet_owner *owners; /* the live ones alone, n_owners of them */
    size_t n_owners;
    gt_fleet_tasks tasks;      /* every record */
    gt_fleet_tasks *providers; /* the same per provider, sorted by name, n_providers of them */
    size_t n_providers;
    int64_t paused_until_ms; /* the key's 429 pause, wall clock ms; 0: none now */
    int64_t pause_left_ms;   /* the same, from now (the clocks of two machines may differ; a TTL does not) */
    bool has_cap;            /* a cap was learned from the key's 429s: cap */
    double cap;
    /* money, as the journal counts it for max_cost (journal.h's gt_journal_budget): records sent,
     * what ended tasks spent (settled) and what tasks in flight may cost (held), in currency (NULL:
     * no client with a cost currency wrote to it); max_cost, the budget the latest client with one
     * set (0: none) */
    int64_t sent;
    double spent_settled, spent_held, max_cost;
    char *currency;
} gt_fleet;

/* The fleet of the journal at where (a file path or a redis:// address, as the journal option
 * names it), read without writing anything: a file is neither created nor migrated, no record is
 * claimed, no Redis key is set. api_key names the account's keys in Redis (never kept, never in a
 * message; unused for a file). The call blocks: at most timeout_ms for each Redis call, or for a
 * file another process is recovering. NULL with *error: usage (no journal there, no key for
 * Redis, a file that is not a journal) or unavailable with code "journal" or "redis". */
gt_fleet *gt_fleet_read(const char *where, const char *api_key, long timeout_ms, gt_error **error);
void gt_fleet_free(gt_fleet *f);

#endif
