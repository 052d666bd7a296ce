/* features.h — the features layer's one face: what a client adds to its tasks, each through the
 * task's hook table (task.h's gt_task_hooks), which client_features.c fills: durability (the journal's
 * side of a task: task_journal.c writes, recover.c reads back and answers caller keys), results as
 * files (download*.c, file_sink.c, file_on_disk.c, recorded_file.c, media.c), webhooks (webhook.c)
 * and the wire log (wirelog.c). Nothing in the core calls up into this folder; the public API
 * (gentask.h) reaches it through the client made in client_features.c. */
#ifndef GENTASK_FEATURES_H
#define GENTASK_FEATURES_H

#include "../task/task.h"

#include <stdint.h>

/* One file being written: a temporary file in the target directory, hashed as it grows, renamed
 * to its final name only once complete, so that no reader (and no crash) ever sees half a file
 * under that name. */
typedef struct gt_file_sink {
    int fd; /* -1: not open */
    char *temp_path;
    void *sha256; /* EVP_MD_CTX */
    uint64_t bytes, max_bytes;
    bool too_large;
    unsigned char head[16]; /* the first bytes, for media sniffing */
    size_t head_len;
    int error_number; /* errno of the failure, 0: none */
} gt_file_sink;

/* Makes dir (and its parents) and a temporary file in it; false with error_number set. */
bool gt_file_sink_open(gt_file_sink *s, const char *dir, uint64_t max_bytes);
bool gt_file_sink_write(gt_file_sink *s, const void *data, size_t n); /* false: too large or I/O */
bool gt_file_sink_rewind(gt_file_sink *s);                            /* empty again, for a retry */
/* Flushes to disk and renames to path; sha256 gets the hex digest (65 bytes). */
bool gt_file_sink_commit(gt_file_sink *s, const char *path, char *sha256);
void gt_file_sink_discard(gt_file_sink *s); /* the temporary file removed */

/* What a journal record says an earlier download wrote for one result (download_journal.c reads
 * it from the record's files). */
typedef struct gt_recorded_file {
    char *path, *sha256, *content_type;
    uint64_t bytes;
} gt_recorded_file;
void gt_recorded_file_clear(gt_recorded_file *f);

/* The media type to name a file by: content_type, unless it is vague (none, octet-stream) and the
 * first bytes say better. */
const char *gt_media_type_of(const char *content_type, const void *head, size_t n);
unsigned char *gt_base64_decode(const char *text, size_t len, size_t *out_len); /* NULL: not base64 */

/* ---- each feature's own state for one task ------------------------------------------------------ */

/* Each feature's state for one task is its own struct, read by that feature alone; together they
 * are the task's gt_task_features, which the task allocates with itself (task.h) and never reads. */
typedef struct gt_task_record {       /* the journal (task_journal.c, recover.c) */
    int64_t record_id;                /* 0: not written yet */
    gt_record_stage written;          /* the stage the journal holds */
    gt_record_stage wanted;           /* the stage to write, while in the client's to_journal */
    gt_qnode node;                    /* in the client's to_journal */
    gt_qnode journaled_node;          /* in the client's journaled */
    bool send_when_journaled;         /* the submit waits for its "sending" to be committed */
    bool off;                         /* released: the journal is left as it is, for recover() */
    bool record_open;                 /* the wait ended at the deadline: the record is never ended here */
    bool held;                        /* released with a write of what happened still to make */
    gt_timer release;                 /* frees a held task once its write is made */
    struct gt_key_lookup *key_lookup; /* its key asked of a store that answers later (recover.c) */
} gt_task_record;

typedef struct gt_task_webhook { /* webhook.c */
    bool asked;                  /* the submit asked for a webhook; polls are then the slower fallback */
    gt_qnode node;               /* in the client's hooked */
    /* the last early poll news made it take (monotonic ms): one per poll_interval */
    bool nudged;
    int64_t nudged_ms;
} gt_task_webhook;

typedef struct gt_downloads gt_downloads;

typedef struct gt_task_metrics { /* metrics.c */
    int submits;                 /* its submit requests that ended */
    int generation;              /* the task's resubmits at the last of them: a resend is within one */
} gt_task_metrics;

struct gt_task_features {
    gt_task_record journal;  /* the journal's (task_journal.c, recover.c); untouched when the client keeps none */
    gt_task_webhook webhook; /* webhook.c's */
    gt_downloads *downloads; /* its results as files (download.c); NULL: none asked */
    gt_task_metrics metrics; /* metrics.c's */
};

/* A feature's queue node back to its task: member names the node's place in gt_task_features. */
#define GT_TASK_OF(node, member) gt_task_of_features(GT_CONTAINER(node, gt_task_features, member))

/* ---- metrics (metrics.c): the client's counters and histograms (read through gentask.h) ----------- */

/* What a request was for: the task's phases, with the result fetch apart, and the requests a
 * feature makes itself. */
typedef enum gt_metrics_phase {
    GT_METRICS_SUBMIT,
    GT_METRICS_POLL,
    GT_METRICS_RESULT,
    GT_METRICS_CANCEL,
    GT_METRICS_DOWNLOAD,
    GT_METRICS_WEBHOOK_KEYS
} gt_metrics_phase;

bool gt_client_metrics_open(gt_client *c); /* false: out of memory */
void gt_client_metrics_free(gt_client *c);
/* A request of the client ended, answered or not (r: what the engine handed back). */
void gt_metrics_request(gt_client *c, gt_metrics_phase phase, const gt_transfer_result *r);
/* The task's hooks: one of its requests ended; it ended. */
void gt_task_metrics_request(gt_task *t, gt_phase phase, const gt_transfer_result *r);
void gt_task_metrics_ended(gt_task *t);

/* ---- webhooks (webhook.c) ------------------------------------------------------------------------ */

/* The client's copies of webhook_url and webhook_secret (the options only lent them). false with
 * *why (a message to free(), never naming the secret) when the secret cannot be the profile's
 * scheme's key (a "standard" secret that is not base64). */
bool gt_client_webhook_open(gt_client *c, char **why);
void gt_client_webhook_close(gt_client *c);
/* Hands the key's shared state where the deliveries posted by its other clients go: this client's
 * tasks waiting for a webhook. */
void gt_client_webhook_watch(gt_client *c);
/* Asks for a webhook in *body (a JSON object), where the client has a webhook_url and the
 * provider takes one: t then counts as hooked. */
void gt_task_webhook_request(gt_task *t, char **body);
void gt_task_webhook_forget(gt_task *t);
/* The wait before t's next poll: webhook_poll_factor times delay_ms where t asked for a webhook. */
long gt_task_webhook_poll_delay(const gt_task *t, long delay_ms);
/* Scrubs the webhook secret from *s (a provider may echo the submit body). */
void gt_client_webhook_scrub(const gt_client *c, char **s);

/* ---- webhook schemes: each checks a delivery's signature on its raw body (webhook_*.c) ------------ */

typedef struct gt_webhook_delivery {
    const gt_webhook_header *headers;
    size_t n_headers;
    const char *body;
    size_t len;
} gt_webhook_delivery;

/* The value of the delivery's header name (case-insensitive), NULL when absent (webhook_delivery.c). */
const char *gt_webhook_header_value(const gt_webhook_delivery *d, const char *name);
/* A refusal of kind, phase webhook, with code: the task is left untouched. */
gt_error *gt_webhook_refusal(gt_kind kind, const char *code, const char *message);
/* The HMAC-SHA256 keyed with key of the n texts joined by sep (the body last, with its length
 * lengths[n - 1]; the others are strings) into mac (32 bytes): what Standard Webhooks signs
 * (id "." timestamp "." body) and OpenRouter's t_v1 (timestamp "," body). False when OpenSSL
 * fails. */
bool gt_webhook_hmac_joined(const unsigned char *key, size_t key_len, const char *const texts[], size_t n,
                            size_t body_len, char sep, unsigned char mac[32]);

/* "hmac_hex" (webhook_hmac_hex.c): "<prefix><hex HMAC-SHA256(secret, body)>" in the profile's
 * signature header (BFL). NULL when valid. */
gt_error *gt_webhook_check_hmac_hex(const gt_client *c, const gt_webhook_delivery *d);

/* "standard" (webhook_standard.c): Standard Webhooks. The HMAC key a secret stands for: "whsec_"
 * dropped, the rest base64-decoded, as the specification's libraries read it (malloc'd, into *key;
 * false when it is not base64). */
bool gt_webhook_standard_key(const char *secret, unsigned char **key, size_t *len);
/* The delivery's id, timestamp and signatures checked: NULL when one "v1,<base64>" signature is
 * HMAC-SHA256(key, id.timestamp.body), the timestamp within the tolerance and the id not accepted
 * before; the id is then remembered. */
gt_error *gt_webhook_check_standard(gt_client *c, const gt_webhook_delivery *d);

/* "ed25519" (webhook_ed25519.c): a hex Ed25519 signature of the signed headers' values and the
 * body's SHA-256 hex, checked with the provider's published keys; then the timestamp and the id as
 * for "standard". Before the keys are here: unavailable (retryable), webhook_keys_unavailable. */
gt_error *gt_webhook_check_ed25519(gt_client *c, const gt_webhook_delivery *d);

/* "t_v1" (webhook_t_v1.c): OpenRouter's "t=<seconds>,v1=<hex HMAC-SHA256(secret, t "," body)>" in
 * the profile's signature header. The header read: false when it has no whole-number t (or two),
 * or no v1 of 64 hex digits (at most GT_T_V1_MAX are kept, lower-cased; other entries skipped). */
#define GT_T_V1_MAX 8
#define GT_T_V1_HEX 64
typedef struct gt_t_v1 {
    char timestamp[24];
    char v1[GT_T_V1_MAX][GT_T_V1_HEX + 1];
    size_t n;
} gt_t_v1;
bool gt_webhook_t_v1_parse(const char *value, gt_t_v1 *out);
/* NULL when one v1 is the delivery's HMAC, the timestamp within the tolerance and the delivery
 * (its signature, and its id_header's value where the profile names one) not accepted before. */
gt_error *gt_webhook_check_t_v1(gt_client *c, const gt_webhook_delivery *d);

/* A JWKS document's Ed25519 keys (webhook_jwks.c): NULL when it holds none (or is not JSON). */
typedef struct gt_jwk {
    char *kid; /* NULL: the key has none */
    struct evp_pkey_st *key;
} gt_jwk;
typedef struct gt_jwks {
    gt_jwk *items;
    size_t n;
} gt_jwks;
gt_jwks *gt_jwks_parse(const char *json, size_t len);
void gt_jwks_free(gt_jwks *keys);

/* The published keys, cached per client and fetched by the engine (webhook_keys.c). open: for an
 * "ed25519" profile, the URL (the client's webhook_keys_url, else the profile's) kept, and the
 * fetch started where the client asked for webhooks (false: out of memory). */
#define GT_WEBHOOK_KEYS_REFETCH_MS 60000
bool gt_webhook_keys_open(gt_client *c);
void gt_webhook_keys_close(gt_client *c);
#define GT_WEBHOOK_KEYS_MAX_AGE_MS (24 * 3600 * 1000L)
const gt_jwks *gt_webhook_keys(gt_client *c);        /* NULL until fetched, and once 24 h old */
const char *gt_webhook_keys_url(const gt_client *c); /* where they are fetched from; NULL: no such scheme */
/* Fetches them again, unless a fetch is on the wire or the last started under
 * GT_WEBHOOK_KEYS_REFETCH_MS ago (5 s while there are none): whether one is on the wire now. */
bool gt_webhook_keys_refresh(gt_client *c);

/* Replays (webhook_replay.c): the ids a client accepted, each kept until its signed timestamp is
 * older than the tolerance (when a replay of it would be refused as stale anyway), at most
 * GT_WEBHOOK_SEEN_MAX of them (past that, the one expiring soonest is forgotten first). */
#define GT_WEBHOOK_SEEN_MAX 4096
/* NULL when a verified delivery is fresh: its signed timestamp (decimal seconds since 1970; NULL:
 * the scheme signs none) within the tolerance of now, and its id (NULL: none) not accepted before,
 * which is then remembered; else a refusal (webhook_timestamp_invalid, webhook_stale,
 * webhook_replayed). */
gt_error *gt_webhook_check_replay(gt_client *c, const char *timestamp, const char *id);
void gt_webhook_seen_free(gt_client *c);

/* ---- results as files (download.c) -------------------------------------------------------------- */

/* The task's files tell: the task ended (succeeded: a download asked for before starts now), it is
 * released (true: files are on their way, and it is freed once they are written), it is freed. */
void gt_task_downloads_ended(gt_task *t);
bool gt_task_downloads_hold(gt_task *t);
/* An owner took the released task back (gt_task_retain): its files are its own again. */
void gt_task_downloads_keep(gt_task *t);
void gt_task_downloads_free(gt_task *t);
/* The spec a download was asked with (borrowed strings); false: none asked. */
bool gt_task_download_spec(const gt_task *t, gt_download_spec *out);
/* A download that may not be done (a recorded one outside recover()'s directory): each result
 * fails with why (taken), nothing is written. false: the task cannot download at all. */
bool gt_task_download_refused(gt_task *t, const gt_download_spec *spec, gt_error *why);
/* dir resolved (download_root.c), when it lies inside root once the symbolic links of both are
 * resolved and it holds no ".."; NULL with *refusal (to free()) when not. */
char *gt_download_dir_inside(const char *root, const char *dir, char **refusal);
/* The journal's view (download_journal.c): the spec as JSON (NULL: none), the files as JSON once
 * every download ended (NULL before), and a recovered task's recorded download: started when its
 * directory lies inside root (what recover()'s caller named), refused (each result fails,
 * permission_denied, code download_dir) when it does not or root is NULL. */
char *gt_task_download_json(const gt_task *t);
char *gt_task_files_json(const gt_task *t);
void gt_task_download_recorded(gt_task *t, const char *spec_json, const char *root);
/* The files a journal record of the task says an earlier download wrote (its files JSON): a
 * download of the task checks each on disk first, where it would write it itself, and takes a
 * file found whole and unchanged rather than fetching it (download.c). */
void gt_task_keep_recorded_files(gt_task *t, const char *files_json);
/* Result index's file in files_json (recorded_file.c), when the record has one written (path,
 * sha256, bytes) for url; false (out untouched) when not. out's strings are to clear with gt_recorded_file_clear. */
struct gt_recorded_file;
bool gt_recorded_file_at(const char *files_json, size_t index, const char *url, struct gt_recorded_file *out);

/* ---- the journal of a client's tasks (task_journal.c: writing; recover.c: reading) ---------------- */

bool gt_client_journal_open(gt_client *c, const char *path, char **error);
void gt_client_journal_close(gt_client *c);
/* Records with a stage still to write: waiting for a round, or in one not answered yet. */
size_t gt_client_journal_pending(const gt_client *c);
/* A closed client with every record written makes its journal file hold them alone (a
 * checkpoint): a copy of the file taken after close() is complete, whether or not the process
 * ever closes the connection. Called by close() and by each round written after it. */
void gt_client_journal_settle(gt_client *c);
/* The task's record is to move to stage; written on the next round with every other. */
void gt_task_journal(gt_task *t, gt_record_stage stage);
/* Before a submit goes out: true when it must first wait for its "sending" to be committed (the
 * journal then sends it). */
bool gt_task_journal_before_send(gt_task *t);
/* A task let go by its owner: the record is left for recover() — a released task has not ended. */
void gt_task_journal_forget(gt_task *t);
/* A task released with a write of what really happened (accepted, ended) still to make: true
 * when the journal keeps it (doing nothing else) until the write is made, then releases it. */
bool gt_task_journal_hold(gt_task *t);
bool gt_task_journal_held(const gt_task *t); /* held so, and not taken back yet */
/* An owner took the ended task back before its held write was made: the write goes on, the task
 * is not released when it is made. */
void gt_task_journal_keep(gt_task *t);
void gt_task_journal_free(gt_task *t); /* the task is being freed: its held release is let go */
/* The caller's wait ended at the deadline while the provider still has the task: its record is
 * never ended by this task, and is let go once what it holds is written. */
void gt_task_journal_leave_open(gt_task *t);
/* A task let go while its key is being looked up: the answer is dropped when it comes. */
void gt_task_forget_lookup(gt_task *t);
/* The journal closed: the lookups it will never answer are freed, and a recover() it did not answer. */
void gt_client_lookups_free(gt_client *c);
void gt_client_recovery_free(gt_client *c);
/* Every download of the task ended: the journal records its files. */
void gt_task_journal_files(gt_task *t);
/* The outcome the journal keeps for an ended task (JSON), and a task ended from one. */
char *gt_task_outcome_json(const gt_task *t);
void gt_task_end_from_outcome(gt_task *t, const char *outcome);

#endif
