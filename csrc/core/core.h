/* core.h — the structures the core's files share. Not part of the public API (gentask.h). */
#ifndef GENTASK_CORE_H
#define GENTASK_CORE_H

#include <curl/curl.h>
#include <stdbool.h>

#include "gentask.h"
#include "timerheap.h"

/* ---- small helpers (util.c) ------------------------------------------------------------------ */

int64_t gt_now_ms(void);                       /* monotonic */
char *gt_strdup(const char *s);                /* NULL for NULL */
char *gt_strndup(const char *s, size_t n);
char *gt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- retry.c ------------------------------------------------------------------------------------ */

uint64_t gt_random(void);
char *gt_random_key(const char *prefix);
long gt_backoff_ms(const gt_client_options *o, int retry);
double gt_retry_after_seconds(const char *retry_after, const char *retry_after_ms);
/* Replaces every occurrence of secret in *s with "[REDACTED]" (secrets shorter than 4 bytes are
 * too likely to match ordinary text and are left alone). */
void gt_redact(char **s, const char *secret);

/* ---- intrusive queue of changed objects (O(1) unlink when an object is freed) ----------------- */

typedef struct gt_qnode {
    struct gt_qnode *prev, *next;
} gt_qnode;

void gt_queue_init(gt_qnode *head);
bool gt_queue_linked(const gt_qnode *n);
void gt_queue_push(gt_qnode *head, gt_qnode *n);   /* no-op when already queued */
void gt_queue_unlink(gt_qnode *n);
gt_qnode *gt_queue_pop(gt_qnode *head);

#define GT_CONTAINER(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

/* ---- one HTTP exchange (transfer.c) ------------------------------------------------------------ */

typedef struct gt_transfer {
    CURL              *easy;
    struct curl_slist *headers;
    char              *body;          /* response body, NUL-terminated */
    size_t             body_len, body_cap, body_limit;
    bool               body_overflow;
    char              *request_id;
    char              *retry_after;
    char              *retry_after_ms;
    const char *const *request_id_headers;
    size_t             n_request_id_headers;
    long               status;
    bool               sent;          /* the request went out completely: a failure after it is ambiguous */
    char               errbuf[CURL_ERROR_SIZE];
} gt_transfer;

typedef struct gt_request {
    const char  *method;
    const char  *url;
    const char  *body;               /* NULL: no body */
    const char  *auth_header;        /* "Authorization" */
    const char  *auth_value;         /* "Bearer <key>": secret */
    long         timeout_ms, connect_timeout_ms;
    gt_engine   *engine;             /* closes its sockets through the engine (host loops defer them) */
    size_t       body_limit;
    const char *const *request_id_headers;
    size_t       n_request_id_headers;
    bool         fresh_connection;   /* never reuse a kept-alive connection for this one */
} gt_request;

/* Prepares t for req (reusing its easy handle); owner is stored as CURLOPT_PRIVATE. */
CURLcode gt_transfer_prepare(gt_transfer *t, const gt_request *req, void *owner);
void gt_transfer_cleanup(gt_transfer *t);      /* frees everything, the easy handle too */
void gt_transfer_response(const gt_transfer *t, gt_response *out);

/* ---- the engine (engine.c) --------------------------------------------------------------------- */

typedef struct gt_watch {
    curl_socket_t fd;
    int           events;   /* CURL_POLL_IN | CURL_POLL_OUT */
} gt_watch;

/* wakefd.c: one fd readable when the engine wants to run (epoll over the watches + a timerfd) */
typedef struct gt_wakefd {
    int epoll, timer;   /* -1 when closed */
} gt_wakefd;
bool gt_wakefd_open(gt_wakefd *w, const gt_watch *watches, size_t n);
void gt_wakefd_watch(gt_wakefd *w, int fd, int what);
void gt_wakefd_arm(gt_wakefd *w, long timeout_ms);
void gt_wakefd_close(gt_wakefd *w);

struct gt_engine {
    CURLM        *multi;
    int           refs;
    gt_timerheap  timers;
    int64_t       curl_due_ms;       /* when curl wants a timeout action; -1: never */
    gt_watch     *watches;
    size_t        n_watches, cap_watches;
    gt_qnode      changed_tasks;
    gt_qnode      fired_alarms;
    size_t        live_tasks;
    bool          host_loop;         /* a host loop watches the sockets: log changes, defer closes */
    gt_watch     *changes;           /* watch changes since the host last drained them */
    size_t        n_changes, cap_changes;
    curl_socket_t *closing;          /* closes waiting until the host has stopped watching */
    size_t        n_closing, cap_closing;
    gt_wakefd     wake;              /* opened on first request (wakefd.c) */
};

/* curl's CURLOPT_CLOSESOCKETFUNCTION, set on every transfer (clientp: the engine). */
int gt_engine_close_socket(void *engine, curl_socket_t fd);

void gt_engine_retain(gt_engine *e);
bool gt_engine_start(gt_engine *e, CURL *easy);   /* add to the multi handle */
void gt_engine_stop(gt_engine *e, CURL *easy);
bool gt_engine_arm(gt_engine *e, gt_timer *t, int64_t due_ms);   /* false: out of memory */
void gt_engine_disarm(gt_engine *e, gt_timer *t);

struct gt_alarm {
    gt_timer   timer;
    gt_qnode   fired_node;
    gt_engine *engine;
};

/* ---- profiles (profile.c) ---------------------------------------------------------------------- */

typedef struct gt_paths {
    char  **items;
    size_t  n;
} gt_paths;

typedef enum gt_field {
    GT_FIELD_ID, GT_FIELD_STATE, GT_FIELD_PROGRESS, GT_FIELD_ERROR_CODE, GT_FIELD_ERROR_MESSAGE,
    GT_FIELD_RESULTS, GT_FIELD_POLL_URL, GT_FIELD_RETRY_AFTER, GT_FIELD_ENVELOPE_STATUS, GT_FIELD_ETA,
    GT_FIELD_COUNT
} gt_field;

typedef struct gt_state_entry {
    char           *name;
    gt_remote_state state;
    gt_kind         kind;
    char           *stage;
    long            grace_ms;
} gt_state_entry;

typedef struct gt_code_entry {
    char   *code;
    gt_kind kind;
    char   *stage;
} gt_code_entry;

typedef struct gt_code_list {
    gt_code_entry *items;
    size_t         n;
} gt_code_list;

typedef struct gt_status_entry {
    long    status;
    gt_kind kind;
    char   *stage;
} gt_status_entry;

struct gt_profile {
    char *name;
    char *auth_header, *auth_prefix, *key_field;
    char *poll_method, *poll_path, *poll_key_field, *idempotency_field;
    double progress_scale;                       /* a provider's progress × this = percent */
    int max_in_flight;                           /* its documented cap on active tasks; 0: none */
    gt_paths fields[GT_FIELD_COUNT];
    gt_paths request_id_headers;
    gt_state_entry  *states;   size_t n_states;
    gt_code_list     codes[3];                   /* by gt_code_table */
    gt_status_entry *statuses; size_t n_statuses;
};

const gt_state_entry *gt_profile_state(const gt_profile *p, const char *provider_state);
const gt_code_entry *gt_profile_code(const gt_profile *p, gt_code_table table, const char *code);
/* The first message_code contained (case-insensitively) in message. */
const gt_code_entry *gt_profile_message_code(const gt_profile *p, const char *message);
const gt_status_entry *gt_profile_status(const gt_profile *p, long status);

/* ---- JSON paths over cJSON (jsonpath.c) ---------------------------------------------------------
 * "a.b" walks objects; "a[].b" walks every element of array a; "a[]" yields every element;
 * "a{}.b" parses the string a as JSON and walks on inside it. Items handed to a visitor may live
 * in a temporary tree: a visitor copies what it keeps. */

typedef struct cJSON cJSON;
typedef void (*gt_json_visit)(const cJSON *item, void *ctx);
void gt_json_paths_each(const cJSON *root, const gt_paths *paths, gt_json_visit visit, void *ctx);

/* The first item any of the paths finds, copied out. */
typedef struct gt_json_value {
    bool   found;
    int    type;       /* cJSON type bits */
    char  *string;     /* a string's text, or a number written out; NULL otherwise */
    double number;
} gt_json_value;

gt_json_value gt_json_paths_first(const cJSON *root, const gt_paths *paths);
void gt_json_value_clear(gt_json_value *v);
char *gt_json_paths_string(const cJSON *root, const gt_paths *paths);   /* the first string or number found */

/* ---- clients and tasks (client.c, task.c) ------------------------------------------------------- */

struct gt_client {
    gt_timer          timer;        /* the end of a 429 pause: queued submits start again */
    gt_qnode          queue;        /* tasks waiting for a slot, in submit order */
    int               in_flight, max_in_flight;
    int64_t           paused_until_ms;
    gt_engine        *engine;
    gt_profile       *profile;
    char             *base_url;
    char             *api_key;      /* secret */
    char             *api_key_json; /* secret: the key as a JSON string may spell it ('/' as "\/") */
    char             *auth_value;   /* secret: auth_prefix .. api_key */
    gt_client_options opts;
    int               refs;
};

void gt_client_retain(gt_client *c);
/* Slots and the 429 pause (client.c drives them, task.c asks and tells). */
bool gt_client_may_submit(gt_client *c, int64_t *wait_until_ms);
void gt_client_pause(gt_client *c, int64_t until_ms);
void gt_client_enqueue(gt_client *c, gt_task *t);
void gt_client_slot_freed(gt_client *c);
void gt_client_timer_due(gt_client *c);
/* Scrubs every spelling of the client's key from *s (anything a provider sent may echo it). */
void gt_client_scrub(const gt_client *c, char **s);

struct gt_task {
    gt_timer       timer;          /* next poll, or the next attempt at the submit */
    gt_qnode       changed_node;
    gt_qnode       queue_node;     /* in the client's queue while GT_TASK_QUEUED */
    gt_client_options opts;        /* the client's, with this submit's overrides */
    bool           holds_slot;
    gt_client     *client;
    gt_task_state  state;
    gt_transfer    xfer;
    bool           in_flight;      /* xfer is added to the engine */
    char          *submit_url, *submit_body;
    char          *poll_path;      /* this task's poll path template, when its request named one */
    char          *poll_url;       /* where the provider said to poll */
    int64_t        submitted_ms;
    char          *remote_id;
    char          *request_id;
    int            progress;
    int            retries;        /* consecutive retryable failures in the current phase */
    int            garbled_polls;  /* consecutive unreadable poll answers */
    int            resubmits;      /* opted-in resubmits after a provider failure */
    long           poll_delay_ms;  /* the wait before the next poll; grows */
    int64_t        deadline_ms;    /* the task fails deadline_exceeded past this */
    int            attempts;
    gt_error      *error;
    char         **urls;
    size_t         n_urls;
    char          *last_body;
};

/* ---- where requests go (endpoint.c) --------------------------------------------------------------- */

char *gt_endpoint_submit_body(const gt_client *c, const char *body, bool fresh_key);   /* NULL: not a JSON object */
char *gt_endpoint_poll_body(const gt_client *c);                       /* NULL: polls carry no body */
char *gt_endpoint_poll_url(const gt_client *c, const char *path_template, const char *task_id);
char *gt_endpoint_trusted_url(const gt_client *c, const char *url);    /* NULL: not to be followed */

/* The engine calls these. */
void gt_task_transfer_done(gt_task *t, CURLcode result);
void gt_task_timer_due(gt_task *t);
void gt_task_start(gt_task *t);   /* a queued task got its slot */

#endif
