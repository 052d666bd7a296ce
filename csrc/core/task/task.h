/* task.h — the task layer's one face: clients and tasks, what a generation is, above the
 * domain-free loop. A task's life from queued to its end, the client that holds its tasks (the key,
 * the gates, the 429 pause, the learned cap), where requests go and which poll URLs are trusted.
 * The features above (features/) hear a task through the hook table below; the task never names
 * one. */
#ifndef GENTASK_TASK_H
#define GENTASK_TASK_H

#include "../loop/loop.h"
#include "../reading/reading.h"
#include "../store/store.h"

/* ---- clients and tasks (client.c, task*.c) ------------------------------------------------------ */

/* A client holds two gates: tasks between first submit and end (max_in_flight) and requests on
 * the wire (max_requests). A holder waits its turn in a gate's queue with a gt_slot; the client
 * starts it through start(ctx): at once when the gate has room, otherwise from the client's own
 * timer once a place is freed, never from inside the call that freed it. */
typedef enum gt_gate_id { GT_GATE_TASKS, GT_GATE_WIRE, GT_GATE_COUNT } gt_gate_id;

typedef struct gt_slot {
    gt_qnode node; /* in the gate's queue while waiting */
    bool held;
    void (*start)(void *ctx);
    void *ctx;
} gt_slot;

typedef struct gt_gate {
    gt_queue queue; /* slots waited for, in order */
    int held, max;  /* max 0: no cap */
} gt_gate;

/* What a task's life tells the features above it (the journal, downloads, webhooks, the wire log),
 * and the questions it asks them: the task's files call these alone, never a feature by name, as
 * the engine calls a timer's or a transfer's callback. client_features.c fills one table for every
 * client at its creation; a feature calls down into the task's functions, never the reverse.
 * Each entry is always set: a feature the client does not use does nothing there. */
typedef struct gt_task_hooks {
    /* the submit body as the caller built it, t->submit_url made: a feature may add to either
     * (webhooks: the callback URL, in the body or the URL's query) */
    void (*submit_built)(gt_task *t, char **body);
    /* a submit past both gates: true when it must wait (the journal's "sending" first; the journal
     * then sends it through gt_task_send_submit) */
    bool (*before_send)(gt_task *t);
    /* a request went out, or its answer came (the wire log): ev as the task saw it, url unscrubbed */
    void (*wire_event)(const gt_client *c, gt_log_event *ev, const char *url);
    bool (*wire_watched)(const gt_client *c); /* false: nobody hears wire events (skip building one) */
    /* a request of the task (submit, poll, result fetch, cancel) ended, answered or not: the
     * metrics count it; phase as the task saw it */
    void (*request_ended)(gt_task *t, gt_phase phase, const gt_transfer_result *result);
    /* the task's record is to move to stage (queued again, accepted) */
    void (*stage_changed)(gt_task *t, gt_record_stage stage);
    /* the task ended (its state and error set): its record ends, its files start */
    void (*ended)(gt_task *t);
    /* the caller's wait ended at the deadline while the provider still has the task */
    void (*left_open)(gt_task *t);
    /* the owner let go: true when a feature keeps the task alive until its own work is done
     * (files to write, a write to make); it releases the task again then */
    bool (*hold)(gt_task *t);
    /* true: a feature holds the released task stopped (the journal, for a write still to make),
     * so that nobody may take it back unless it ended: nothing would poll it */
    bool (*held_stopped)(const gt_task *t);
    /* an owner took a released, held task back */
    void (*retained)(gt_task *t);
    /* the owner let go and nothing holds the task: its record is left for recover() */
    void (*released)(gt_task *t);
    /* the wait before the next poll, as a feature stretches it (webhooks: the provider pushes the
     * end, the polls are only the fallback) */
    long (*poll_delay)(const gt_task *t, long delay_ms);
    /* the task is being freed: every feature lets go of it and frees its own state for it */
    void (*freed)(gt_task *t);
    /* every download of the ended task ended (the downloads tell it, for the journal: its files) */
    void (*files_written)(gt_task *t);
    /* scrubs the features' secrets (the webhook secret) from *s, as gt_client_scrub does the key */
    void (*scrub)(const gt_client *c, char **s);
    /* the client was closed (no new submits), and is being freed */
    void (*client_closed)(gt_client *c);
    void (*client_freed)(gt_client *c);
    /* the bytes of the features' state for one task (gt_task_features), allocated with each task */
    size_t features_size;
} gt_task_hooks;

struct gt_client {
    const gt_task_hooks *hooks; /* the features above its tasks (client_features.c) */
    gt_timer timer;             /* starts waiting slots: after a freed place, or a 429 pause's end */
    gt_gate gates[GT_GATE_COUNT];
    gt_gate *model_gates; /* one per profile->model_caps, same order: a task of such a model
                           * waits there first, then at the tasks gate */
    /* The key's state shared with its other clients (shared.h): a place per task in flight, the
     * 429 pause, the learned cap. In-process without a journal; in the journal file with one. */
    gt_shared *shared;
    /* What the provider really allows, learned from its 429s: the tasks gate's max follows cap,
     * cut on a 429 and grown by 1/cap per accepted submit, never above cap_limit. cap is this
     * client's copy of the shared one, followed before each use. */
    double cap;                    /* INFINITY: no cap learned, none configured */
    int cap_limit;                 /* max_in_flight as configured (or the provider's); 0: none */
    int64_t cap_cut_ms;            /* the last cut: a 429 for a submit sent before it is the same news */
    int refusals;                  /* submits refused in a row: the pause without a Retry-After grows */
    int accepted;                  /* tasks in flight whose submit the provider took */
    long submits_sent;             /* submit requests sent, every attempt */
    long submits_refused;          /* of them, refused in a way that proves nothing was taken */
    long pauses;                   /* pauses of its submits it began (a refusal while none held them) */
    gt_error *last_refusal;        /* the latest such refusal: why a task queued behind the pause waited */
    struct gt_model_state *models; /* per model: the last eta, a pause (client.c) */
    long tasks_submitted;          /* tasks whose first submit went out (max_submits counts them) */
    double spent, spent_estimated; /* cost.c: ended tasks' costs, and the part the price table gave */
    /* max_cost without a journal (cost.c; with one, the journal keeps the same two): what ended
     * tasks spent, the bound of one of unknown cost included, and what tasks in flight may cost */
    double budget_settled, budget_held;
    bool sent_unknown;   /* the journal has not said yet how many it holds as sent (Redis) */
    int submits_on_wire; /* submit requests not yet answered */
    bool closed;         /* close(): no new submits */
    gt_engine *engine;
    gt_profile *profile;
    char *base_url;
    char *ca_file, *proxy; /* owned here: the client options' text, copied */
    char *api_key;         /* secret */
    char *auth_value;      /* secret: auth_prefix .. api_key, or .. jwt_token (gt_client_auth_value) */
    char *jwt_secret;      /* secret: what a JWT profile's tokens are signed with; NULL: no JWT */
    char *jwt_token;       /* secret: the token auth_value carries */
    char *jwt_previous;    /* secret: the one before it, still scrubbed from what answers to it */
    int64_t jwt_issued_s;  /* when jwt_token was made, wall clock */
    gt_client_options opts;
    int refs;
    /* the journal (task_journal.c): NULL when the client keeps none */
    gt_journal *journal;
    gt_queue to_journal;                 /* tasks whose record has a stage to write, in order */
    gt_queue journaled;                  /* live tasks with a record (or one on its way): a key finds them */
    gt_queue lookups;                    /* keyed submits asking a store that answers later (recover.c) */
    struct gt_recovery *recovery;        /* a recover() asked of such a store, until it answered */
    gt_timer journal_timer;              /* writes to_journal in one transaction, on the next engine round */
    struct gt_journal_round *committing; /* a round a store over the network has not answered yet */
    int journal_failures;                /* rounds failed in a row: the next try waits longer */
    int64_t journal_failing_since_ms;    /* the first of them; 0: the last round was written */
    char *journal_error;                 /* why they fail (names the file, never the key) */
    const char *journal_fault;           /* the journal could not be opened through the store's fault: its code */
    /* webhooks (webhook.c): the client's own copies of the options (the secret wiped when freed),
     * and its live tasks that asked for one, where a delivery finds its task by id */
    char *webhook_url, *webhook_secret;
    /* a fingerprint of the secret (never the secret), which tags the deliveries it verified for
     * the key's other clients: each takes only those its own secret would have; NULL: no secret */
    char *webhook_verifier;
    /* a "standard" scheme's HMAC key: the secret's base64 decoded (webhook_standard.c), wiped when freed */
    unsigned char *webhook_key;
    size_t webhook_key_len;
    struct gt_webhook_seen *webhook_seen; /* ids accepted within the tolerance: a replay is refused */
    struct gt_webhook_keys *webhook_keys; /* an "ed25519" scheme's published keys (webhook_keys.c) */
    gt_queue hooked;
    gt_log_fn log_fn; /* debug events (wirelog.c); NULL: none */
    void *log_ctx;
    struct gt_client_registry *registry; /* its engine's clients, which count their live tasks */
    gt_qnode registry_node;              /* in the registry's list: gt_engine_clients */
    struct gt_metrics *metrics;          /* its counters and histograms (metrics.c) */
};

/* A client without its features (client_features.c adds them: gt_client_new): hooks is the table
 * its tasks tell; *journal is the journal option, lent by opts, which the client does not keep. */
gt_client *gt_client_make(gt_engine *e, gt_profile *profile, const char *base_url, const char *api_key,
                          const gt_client_options *opts, const gt_task_hooks *hooks, const char **journal);
/* The key's shared state answered: a place granted, or a pause or cap learned, may change what waits. */
void gt_client_wake_queued(void *client);
void gt_client_retain(gt_client *c);
/* A task made, and a task freed: counted for gt_task_live_count over the engine's clients. */
void gt_client_task_born(gt_client *c);
void gt_client_task_gone(gt_client *c);
/* Gates and the 429 pause live here alone; the task's files ask and tell. The tasks gate also
 * waits out a 429 pause: it admits the submits. */
void gt_client_wait(gt_client *c, gt_gate_id gate, gt_slot *s);
void gt_client_leave(gt_client *c, gt_gate_id gate, gt_slot *s);      /* held or waiting: both let go */
void gt_client_wait_front(gt_client *c, gt_gate_id gate, gt_slot *s); /* first in line: a refused submit */
void gt_client_take(gt_client *c, gt_gate_id gate, gt_slot *s);       /* at once, over the cap: already there */
/* The gate of a model the profile caps lower (NULL: none), and waiting at it / leaving it. */
gt_gate *gt_client_model_gate(const gt_client *c, const char *model);
void gt_client_wait_model(gt_client *c, gt_gate *g, gt_slot *s);
void gt_client_leave_model(gt_client *c, gt_gate *g, gt_slot *s);
/* The key is not paused, nor model's submits (NULL: the account's pause alone); else *wait_until_ms. */
bool gt_client_may_submit(const gt_client *c, const char *model, int64_t *wait_until_ms);
void gt_client_pause(gt_client *c, int64_t until_ms);
/* A submit the provider provably did not take (429, 503, connection refused): the client's
 * submits wait — retry_after_s where the provider said (< 0: it did not), else a backoff that
 * grows with refusals in a row — and a 429 cuts the cap (sent_ms: when that submit went out).
 * A refusal that is model's (a model the profile caps, or one the refusal names) holds that
 * model's submits alone, and cuts nothing. */
void gt_client_refused(gt_client *c, const gt_error *refusal, int64_t sent_ms, const char *model);
void gt_client_accepted(gt_client *c); /* a submit taken: the refusals end, the cap grows */
/* The eta the provider last gave for a task of model (NULL: any model), learned from accepted
 * submits: what a queued task of that model needs of its time; -1: none given yet. */
void gt_client_learn_eta(gt_client *c, const char *model, long eta_ms);
long gt_client_eta_ms(const gt_client *c, const char *model);
/* The auth header's value for a request about to go out (auth.c): a JWT profile's token is made
 * anew here once it nears its end. */
const char *gt_client_auth_value(gt_client *c);
/* Reads a JWT profile's secret and makes its first token (gt_client_new calls it); false with
 * *why (the caller's mistake: a variable unset, a file unfit) or without (out of memory). The
 * options' secret_env and secret_file are dropped here: they were lent. */
bool gt_client_auth_open(gt_client *c, char **why);
void gt_client_auth_free(gt_client *c);
/* Scrubs every spelling of the client's key (and a JWT profile's secret and tokens) from *s (anything a provider sent
 * may echo it): plain, JSON-escaped or percent-encoded (redact.c). */
void gt_client_scrub(const gt_client *c, char **s);
/* Whether text holds the client's key (or secret, or token) in any spelling. */
bool gt_client_mentions_key(const gt_client *c, const char *text);
/* Hands ev to the client's log hook, if it has one, with url cleaned of user info and the key
 * (wirelog.c). */
void gt_client_log(const gt_client *c, gt_log_event *ev, const char *url);
bool gt_client_logs(const gt_client *c); /* it has a log hook */

/* How long a provider's "no such task" for a task it accepted is taken for replication lag. */
#define GT_NOT_FOUND_GRACE_MS 10000

/* What the client's features keep of one task: features.h lays it out, and the task's files never
 * look inside. It is allocated with the task, in the same block (hooks->features_size bytes,
 * zeroed), and goes with it: one allocation per task, whatever the features keep. */
typedef struct gt_task_features gt_task_features;

struct gt_task {
    gt_timer timer;        /* next poll, or the next attempt at the submit */
    gt_qnode changed_node; /* in the engine's queue of changes for the binding */
    gt_slot slot;          /* in the client's tasks gate */
    gt_slot wire;          /* in its gate of requests on the wire */
    gt_slot model_slot;    /* in its model's gate, for a model the profile caps lower */
    gt_gate *model_gate;   /* that gate; NULL: none */
    gt_phase wire_phase;   /* what the request waiting at the wire gate is */
    /* the client's own (no copy: a waiting task is small), or a copy of its own with this
     * submit's overrides, freed with the task */
    const gt_client_options *opts;
    gt_client *client;
    /* who holds it (the binding's boxes: a second one while the first is being collected);
     * 0: let go, it only finishes its writes and fetches */
    int owners;
    gt_task_state state;
    gt_transfer *xfer;      /* the request on the wire, if any (the engine owns it) */
    bool submit_sent;       /* the last submit went out whole: its fate is unknown */
    bool accepted;          /* the provider took the submit (counted in the client's accepted) */
    bool attached;          /* made by attach: polls only, never submits */
    bool deadline_clipped;  /* the request's timeout is the task's time left */
    bool budgeted;          /* counted against the client's max_submits */
    bool last_look;         /* its next poll was moved before the deadline once already */
    bool final_poll;        /* the deadline came for a paid task: one more poll, then the wait ends */
    bool sent_before;       /* a resend of a submit an earlier process sent (recover): already counted */
    gt_submitted submitted; /* the worst over every attempt so far (unknown beats no) */
    char *idempotency_key;  /* the key in the submit body, where the provider honours one */
    int64_t sent_ms;        /* when the last request went out */
    int64_t accepted_ms;    /* when the provider took it (attached: when attached) */
    char *submit_url, *submit_body;
    char *poll_path;  /* this task's poll path template, when its request named one */
    char *poll_url;   /* where the provider said to poll */
    char *result_url; /* after a success that needs a result fetch: where it goes (it is polled) */
    int64_t submitted_ms;
    int64_t created_ms; /* when it was made: a resubmit does not move it (the metrics' task duration) */
    char *remote_id;
    char *request_id;
    int progress;
    int retries;         /* consecutive retryable failures in the current phase */
    int resubmits;       /* opted-in resubmits after a provider failure */
    long poll_delay_ms;  /* the wait before the next poll; grows */
    int64_t deadline_ms; /* the task fails deadline_exceeded past this */
    int attempts;
    int polls; /* polls sent: a debug event's attempt number */
    gt_error *error;
    gt_error *last_failure; /* the last answer that was tried again: the deadline's cause */
    char **urls;
    size_t n_urls;
    char **texts;
    size_t n_texts;
    char *last_body;
    char *model, *path, *params; /* the request as the journal keeps it (no key) */
    char *caller_key, *request_hash;
    /* cancel.c: the caller's cancel sent to the provider */
    gt_cancel_outcome cancel_outcome;
    gt_error *cancel_error;     /* phase cancel: why the provider did not confirm */
    gt_phase cancelled_in;      /* the phase the task was in when the caller cancelled */
    gt_error *deadline_error;   /* cancel_at_deadline: the task's end once the provider answers */
    gt_task_features *features; /* the features' own state for it (features.h), allocated with it */
    double cost_reported;       /* what an answer said it cost (× the profile's scale); < 0: nothing */
    gt_cost cost;               /* cost.c: fixed when the task ends */
    double reserved;            /* the most it may cost, by the price table; < 0: no price known */
    bool cost_held;             /* its reserved counts in the client's budget_held (no journal) */
    bool cost_recorded;         /* its cost is its journal record's: the process that paid counted it */
};

/* The features' state sits right after the task, in the same block, aligned for anything it holds:
 * a feature's queue node leads back to its task through it (GT_TASK_OF in features.h). */
#define GT_TASK_HEAD ((sizeof(gt_task) + _Alignof(max_align_t) - 1) / _Alignof(max_align_t) * _Alignof(max_align_t))
static inline gt_task *gt_task_of_features(gt_task_features *f)
{
    return (gt_task *)((char *)f - GT_TASK_HEAD);
}

/* What the task's files offer the features (the journal, webhooks, cancel): a task made, a
 * submit started (through the gates) or sent (the gates passed and the journal written), a task
 * attached, polled or ended. */
gt_task *gt_task_new(gt_client *c, const char *poll_path, const gt_client_options *opts);
/* t's submit of body as the caller built it (resend_key: the idempotency key a submit that went
 * out before a crash carried); false when the task failed at once. */
bool gt_task_set_submit(gt_task *t, const char *path, const char *body, const char *resend_key);
void gt_task_start_submit(gt_task *t);
/* t (new) is the task the provider has under id: it polls, and never submits (client:attach). */
void gt_task_attach(gt_task *t, const char *id, const char *poll_url);
/* t (new) waits, queued, for the journal to say what its key stands for; its deadline still
 * ends it. */
void gt_task_wait_for_journal(gt_task *t);
/* A task submitting body, unjournaled; model (may be NULL) picks its model's gate, if any. */
gt_task *gt_task_submit(gt_client *c, const char *model, const char *path, const char *body, const char *poll_path,
                        const gt_client_options *opts);
void gt_task_send_submit(gt_task *t);
void gt_task_finish(gt_task *t, gt_task_state state, gt_error *err);
/* The request on the wire (or waiting for the wire) is let go and the task's timer disarmed: the
 * task does nothing more until told. */
void gt_task_stop_request(gt_task *t);
void gt_task_mark_changed(gt_task *t);
/* What kept the task from going on, kept as the cause its deadline will name (err taken). */
void gt_task_keep_failure(gt_task *t, gt_error *err);
/* A final answer the provider pushed (a verified webhook), read as a poll's; earlier news only
 * updates progress. body: what the reply was read from (the caller's raw view of a result). false
 * when the reply is no end (a state still running, or one the profile does not know): the caller
 * then takes it as news. */
bool gt_task_take_pushed(gt_task *t, gt_reply *reply, const char *body, size_t len);
/* Polls at once a task that is waiting between polls (news that something changed). */
void gt_task_poll_now(gt_task *t);

/* ---- the task's own files: what each offers the others ------------------------------------------ */

static inline gt_engine *gt_task_engine(const gt_task *t)
{
    return t->client->engine;
}

/* Each file calls only the files listed above it here: task.c, task_poll.c, task_submit.c,
 * task_retry.c, task_request.c, then task_new.c on top (the timer's and the gates' callbacks). */

/* task.c, the state machine: its end, its time, its life, its request let go or waiting for the wire. */
gt_submitted gt_submitted_worse(gt_submitted a, gt_submitted b); /* what to assume of all attempts */
void gt_task_count_accepted(gt_task *t, bool accepted);          /* in the client's accepted, or no longer */
void gt_task_note_progress(gt_task *t, int progress);            /* < 0: none said */
void gt_task_note_cost(gt_task *t, double reported);             /* < 0: none said */
void gt_task_count_cost(gt_task *t);                             /* at its end (cost.c) */
double gt_task_price(const gt_task *t);                          /* the price table's word on its request; < 0: none */
/* max_cost, where the client keeps it (no journal): true when the task may go; false when it
 * failed budget_exceeded or waits for tasks in flight to end (cost.c) */
bool gt_task_within_cost(gt_task *t);
void gt_task_fail_over_budget(gt_task *t); /* budget_exceeded, unsent, saying by how much */
void gt_task_wait_for_budget(gt_task *t);  /* tasks in flight hold the room: ask again later */
void gt_task_fail(gt_task *t, gt_kind kind, gt_phase phase, const char *message);
void gt_task_succeed(gt_task *t, gt_reply *reply); /* takes the reply's results */
/* Sets state and arms the timer for due (at most the deadline); false: the task failed. */
bool gt_task_wait_then(gt_task *t, gt_task_state state, int64_t due);
gt_error *gt_task_deadline_error(gt_task *t, gt_phase phase, const char *why);
/* The request waits at the client's wire gate; its slot's start (gt_task_wire_granted) sends it. */
void gt_task_start_request(gt_task *t, gt_phase phase);
void gt_task_stop_transfer(gt_task *t); /* the request on the wire (or waiting for it) let go */

/* task_poll.c, the poll path, and the deadline (a paid task is polled a last time). */
const char *gt_task_poll_template(const gt_task *t); /* NULL: the profile builds no poll URL */
char *gt_task_poll_url(const gt_task *t);
const char *gt_task_poll_method(const gt_task *t); /* the poll's, or the result fetch's */
gt_error *gt_task_no_poll_url(const gt_task *t, gt_phase phase, const char *refused);
/* A protocol error for a task the provider took: submitted "yes", its id. */
gt_error *gt_task_paid_protocol_error(const gt_task *t, gt_phase phase, const char *message);
void gt_task_poll_a_last_time(gt_task *t);
void gt_task_schedule_poll(gt_task *t, long delay_ms);
/* After an answer that the task is still going (eta: the provider's, in seconds; < 0: none). */
void gt_task_poll_later(gt_task *t, gt_phase phase, double eta);
long gt_eta_ms(double eta); /* a provider's eta in ms, bounded */
void gt_task_end_at_deadline(gt_task *t);
bool gt_task_past_deadline(gt_task *t); /* true: it was, and the task was dealt with */

/* task_submit.c, the submit path. */
void gt_task_slot_granted(void *task);  /* the tasks gate let it in */
void gt_task_model_granted(void *task); /* its model's gate let it in */
void gt_task_submit_attempt(gt_task *t);
void gt_task_requeue(gt_task *t); /* refused outright: back to the head of the line */
/* Whether an opted-in resubmit is still possible (its kinds asked for, its count not spent). */
bool gt_task_may_resubmit(const gt_task *t);
bool gt_task_resubmit(gt_task *t, const gt_error *err); /* false: not opted in, or none left */
/* The provider ended the task (err taken): an opted-in resubmit, or the task's end. */
void gt_task_ended_at_provider(gt_task *t, gt_error *err);

/* task_retry.c, a failed request (err taken): tried again, or the end. */
void gt_task_request_failed(gt_task *t, gt_phase phase, CURLcode result, gt_error *err);
void gt_task_transport_failed(gt_task *t, gt_phase phase, const gt_transfer_result *result);

/* task_request.c, a request on the wire and its answer read (and an answer pushed: gt_task_take_pushed). */
void gt_task_wire_granted(void *task); /* the wire gate let its request in */

/* cancel.c: with cancel_at_deadline, a cancel endpoint and the provider's id, a paid task at its
 * deadline sends the provider's cancel and ends with err (taken) at its answer. */
bool gt_task_cancels_at_deadline(const gt_task *t);
void gt_task_cancel_at_deadline(gt_task *t, gt_error *err);

/* ---- where requests go (endpoint.c) --------------------------------------------------------------- */

/* Whether the provider reads an idempotency key (a body field or a header): a resend is safe. */
bool gt_endpoint_idempotent(const gt_client *c);
/* The body as sent, and the idempotency key its submits carry (resend_key: the key of a first send
 * before a crash; fresh_key: a new one, for a resubmit). NULL: not a JSON object. */
char *gt_endpoint_submit_body(const gt_client *c, const char *body, const char *resend_key, bool fresh_key,
                              char **idempotency_key);
/* The "Name: value" lines a request of the task carries besides the key: the profile's headers,
 * and on a submit its time left (deadline_header) and its idempotency key (idempotency_header).
 * *n lines, freed with gt_endpoint_headers_free; NULL with *n 0 when there are none. */
char **gt_endpoint_headers(const gt_task *t, gt_phase phase, size_t *n);
void gt_endpoint_headers_free(char **lines, size_t n);
char *gt_endpoint_poll_body(const gt_client *c); /* NULL: polls carry no body */
char *gt_endpoint_poll_url(const gt_client *c, const char *path_template, const char *task_id);
char *gt_endpoint_trusted_url(const gt_client *c, const char *url); /* NULL: not to be followed */
/* Where the result fetch goes after a success: the answer's result_url if the trust rule lets the
 * key go there, else the profile's result path for this task; NULL: nowhere. */
/* Where the task's cancel goes (NULL: nowhere the profile documents, or a URL not to follow). */
char *gt_endpoint_cancel_url(const gt_task *t);
bool gt_endpoint_cancels(const gt_task *t);
char *gt_endpoint_result_url(const gt_task *t, const char *result_url, const char *result_id);

/* ---- the poll-URL trust rule (trust.c) -------------------------------------------------------------- */

/* url (absolute, or relative to base_url) as libcurl will send it, when it may carry the key: on
 * base_url's own origin, or https on port 443 to one of the profile's poll_hosts; NULL otherwise. */
char *gt_trusted_poll_url(const gt_profile *p, const char *base_url, const char *url);
/* Whether a result URL is fetched with the key: the profile keys its downloads and url passes the
 * rule above over its download hosts. */
bool gt_download_carries_key(const gt_client *c, const char *url);
/* The host libcurl reads in url (relative to base_url), for messages; NULL when it reads none. */
char *gt_poll_url_host(const char *base_url, const char *url);

#endif
