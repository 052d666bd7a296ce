/* webhook_replay.c — a signed delivery is fresh once: its timestamp within the profile's
 * tolerance of now, and its id not accepted before by this client.
 *
 * A valid delivery captured on the way (a proxy's log, a shared network) passes any signature
 * check again. The timestamp bounds how long it stays usable, and the ids accepted within that
 * window close it: an id is kept only until its timestamp leaves the window, since past then a
 * replay of it is refused as stale. Only verified deliveries are remembered, so a forger cannot
 * fill the memory; GT_WEBHOOK_SEEN_MAX bounds what a flood of genuine ones can take. Ids are kept
 * as their SHA-256: a provider's id can be any length. */
#include "features.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#define DEFAULT_TOLERANCE_S 300

typedef struct seen_id {
    unsigned char digest[32];
    int64_t until_s; /* its signed timestamp + the tolerance: past this a replay is stale anyway */
} seen_id;

struct gt_webhook_seen {
    seen_id *ids;
    size_t n, cap;
};

/* The profile's tolerance, seconds. */
static int64_t tolerance_of(const gt_client *c)
{
    double tolerance = c->profile->webhook_tolerance;
    return tolerance > 0 ? (int64_t)tolerance : DEFAULT_TOLERANCE_S;
}

/* NULL when the signed timestamp (decimal seconds since 1970) is within the tolerance of now, else
 * a refusal (webhook_timestamp_invalid, webhook_stale). */
static gt_error *check_fresh(const gt_client *c, const char *timestamp, int64_t now_s, int64_t *signed_s)
{
    char *end = NULL;
    errno = 0;
    long long seconds = strtoll(timestamp, &end, 10);
    if (!*timestamp || *end != '\0' || errno != 0 || seconds <= 0)
        return gt_webhook_refusal(GT_AUTHENTICATION, "webhook_timestamp_invalid",
                                  "the webhook's timestamp is not a whole number of seconds: refused, nothing changed");
    int64_t tolerance = tolerance_of(c);
    if (seconds < now_s - tolerance || seconds > now_s + tolerance)
        return gt_webhook_refusal(GT_AUTHENTICATION, "webhook_stale",
                                  "the webhook's timestamp is outside the profile's webhook.tolerance of now (an old "
                                  "delivery replayed, or a clock far off): refused, nothing changed");
    *signed_s = (int64_t)seconds;
    return NULL;
}

/* Drops the ids whose window has passed. */
static void forget_expired(struct gt_webhook_seen *seen, int64_t now_s)
{
    size_t kept = 0;
    for (size_t i = 0; i < seen->n; i++)
        if (seen->ids[i].until_s >= now_s) seen->ids[kept++] = seen->ids[i];
    seen->n = kept;
}

/* A place for one more id: a new one, or, at GT_WEBHOOK_SEEN_MAX, the one expiring soonest. */
static seen_id *place_for_one(struct gt_webhook_seen *seen)
{
    if (seen->n < seen->cap) return &seen->ids[seen->n++];
    if (seen->cap < GT_WEBHOOK_SEEN_MAX) {
        size_t cap = seen->cap ? seen->cap * 2 : 16;
        if (cap > GT_WEBHOOK_SEEN_MAX) cap = GT_WEBHOOK_SEEN_MAX;
        seen_id *grown = realloc(seen->ids, cap * sizeof *grown);
        if (grown) {
            seen->ids = grown;
            seen->cap = cap;
            return &seen->ids[seen->n++];
        }
    }
    if (seen->n == 0) return NULL;
    size_t soonest = 0;
    for (size_t i = 1; i < seen->n; i++)
        if (seen->ids[i].until_s < seen->ids[soonest].until_s) soonest = i;
    return &seen->ids[soonest];
}

/* Whether id was accepted within the tolerance; if not, it is remembered from now until
 * signed_s + tolerance (as far as memory allows). */
static bool seen_before(gt_client *c, const char *id, int64_t signed_s, int64_t now_s)
{
    unsigned char digest[32];
    unsigned digest_len = 0;
    if (!EVP_Digest(id, strlen(id), digest, &digest_len, EVP_sha256(), NULL) || digest_len != sizeof digest)
        return false;
    if (!c->webhook_seen) c->webhook_seen = calloc(1, sizeof *c->webhook_seen);
    struct gt_webhook_seen *seen = c->webhook_seen;
    if (!seen) return false;
    forget_expired(seen, now_s);
    for (size_t i = 0; i < seen->n; i++)
        if (memcmp(seen->ids[i].digest, digest, sizeof digest) == 0) return true;
    seen_id *slot = place_for_one(seen);
    if (slot) {
        memcpy(slot->digest, digest, sizeof digest);
        slot->until_s = signed_s + tolerance_of(c);
    }
    return false;
}

gt_error *gt_webhook_check_replay(gt_client *c, const char *timestamp, const char *id)
{
    int64_t now_s = (int64_t)time(NULL), signed_s = now_s;
    if (timestamp) {
        gt_error *stale = check_fresh(c, timestamp, now_s, &signed_s);
        if (stale) return stale;
    }
    if (id && seen_before(c, id, signed_s, now_s))
        return gt_webhook_refusal(GT_AUTHENTICATION, "webhook_replayed",
                                  "this client already accepted a webhook with this id (a replay): refused, nothing "
                                  "changed");
    return NULL;
}

void gt_webhook_seen_free(gt_client *c)
{
    if (!c->webhook_seen) return;
    free(c->webhook_seen->ids);
    free(c->webhook_seen);
    c->webhook_seen = NULL;
}
