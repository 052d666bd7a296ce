/* base.h — what every layer of the core may use: the clock, strings, randomness and backoff,
 * secrets, and the intrusive queue. Depends on nothing but the public header. */
#ifndef GENTASK_BASE_H
#define GENTASK_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gentask.h"

/* ---- clock and strings (util.c) ----------------------------------------------------------------- */

int64_t gt_now_ms(void);        /* monotonic */
int64_t gt_wall_ms(void);       /* the wall clock: for times another process reads */
char *gt_strdup(const char *s); /* NULL for NULL */
char *gt_strndup(const char *s, size_t n);
char *gt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* n bytes as lowercase hex (a digest, a MAC, a salt): into out, which holds 2 * n + 1 chars, or a
 * new string (NULL: out of memory). */
void gt_hex_encode(char *out, const unsigned char *bytes, size_t n);
char *gt_hex(const unsigned char *bytes, size_t n);

/* ---- secrets (redact.c) ------------------------------------------------------------------------- */

/* Replaces every spelling of secret in *s — plain, JSON-escaped ("\u0073", "\/"), percent-encoded
 * ("%2F") or a mix — with "[REDACTED]", wiping the old text (secrets shorter than 4 bytes are too
 * likely to match ordinary text and are left alone). *s becomes NULL if memory runs out. */
void gt_redact(char **s, const char *secret);
bool gt_mentions(const char *text, const char *secret); /* whether text spells secret so */
void gt_wipe(void *p, size_t n);                        /* zeroes memory the compiler may not skip */
void gt_wipe_free(char *s);                             /* wipes a string that held a secret, frees it */

/* ---- JSON Web Tokens (jwt.c) ------------------------------------------------------------------- */

typedef struct gt_jwt_claims {
    const char *issuer_claim; /* the claim that names the key: "iss" */
    const char *issuer;       /* the key (an access key: not secret, but scrubbed as the key is) */
    int64_t now_s;            /* the wall clock, Unix seconds */
    long ttl_s;               /* exp = now + ttl */
    long not_before_s;        /* nbf = now - not_before */
} gt_jwt_claims;

/* bytes as base64url without padding (RFC 4648 §5); NULL: out of memory */
char *gt_base64url(const void *bytes, size_t n);
/* A claim that names the key: not empty, and neither of the two the maker writes itself. */
bool gt_jwt_issuer_claim_fits(const char *claim);
/* header.claims.signature, signed HMAC-SHA256 with secret (to gt_wipe_free: it opens the API);
 * NULL: out of memory */
char *gt_jwt_hs256(const gt_jwt_claims *claims, const void *secret, size_t secret_len);

/* ---- retry.c ------------------------------------------------------------------------------------ */

uint64_t gt_random(void);
char *gt_random_key(const char *prefix);
long gt_backoff_ms(const gt_client_options *o, int retry);
double gt_retry_after_seconds(const char *retry_after, const char *retry_after_ms);

/* ---- intrusive queue (O(1) removal when an object is freed, O(1) count; util.c) ----------------- */

typedef struct gt_qnode {
    struct gt_qnode *prev, *next;
} gt_qnode;

typedef struct gt_queue {
    gt_qnode head;
    size_t count;
} gt_queue;

void gt_queue_init(gt_queue *q);
bool gt_queue_linked(const gt_qnode *n);
bool gt_queue_empty(const gt_queue *q);
void gt_queue_push(gt_queue *q, gt_qnode *n);       /* no-op when already queued */
void gt_queue_push_front(gt_queue *q, gt_qnode *n); /* the same, at the head: first served */
void gt_queue_remove(gt_queue *q, gt_qnode *n);     /* no-op when not queued; n must be in q if queued */
gt_qnode *gt_queue_pop(gt_queue *q);

#define GT_CONTAINER(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
