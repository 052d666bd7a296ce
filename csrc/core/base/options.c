/* options.c — the client options, once: name, unit, bounds, default and meaning of each.
 *
 * The Lua layer validates what a script passes against this table (core.options), the binding
 * sets each option through it, and docs/options.md is generated from it (reference_spec): no
 * second list exists to drift. Times are seconds at the boundary and milliseconds inside. */
#include "base.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

typedef enum storage { AS_MS, AS_INT, AS_SIZE, AS_TEXT, AS_BOOL, AS_DOUBLE } storage;

/* About 31 years: long enough to mean "never", short enough that now + it fits a 64-bit ms clock. */
#define FOREVER_S 1e9
/* A time of 0 would mean "no limit" to libcurl and "a tight loop" to a poll: the least is 1 ms. */
#define MIN_S 0.001

static const struct {
    gt_option spec;
    storage as;
    size_t offset;
} options[] = {
#define OPT(name, unit, lo, hi, dflt, scope, as, field, meaning)                           \
    {                                                                                      \
        {name, unit, lo, hi, dflt, scope, meaning}, as, offsetof(gt_client_options, field) \
    }
    OPT("timeout", GT_UNIT_SECONDS, MIN_S, FOREVER_S, 30, GT_SCOPE_TASK, AS_MS, request_timeout_ms,
        "one HTTP request, connect included"),
    OPT("connect_timeout", GT_UNIT_SECONDS, MIN_S, FOREVER_S, 10, GT_SCOPE_TASK, AS_MS, connect_timeout_ms,
        "connecting to the provider"),
    OPT("poll_interval", GT_UNIT_SECONDS, MIN_S, FOREVER_S, 1, GT_SCOPE_TASK, AS_MS, poll_interval_ms,
        "the first wait between polls (a provider's eta replaces it)"),
    OPT("poll_max_interval", GT_UNIT_SECONDS, MIN_S, FOREVER_S, 5, GT_SCOPE_TASK, AS_MS, poll_max_interval_ms,
        "the wait grows by half each poll, up to this"),
    OPT("max_retries", GT_UNIT_COUNT, 0, 100, 3, GT_SCOPE_TASK, AS_INT, max_retries,
        "retryable failures tried again in a row, per phase"),
    OPT("backoff_initial", GT_UNIT_SECONDS, 0, FOREVER_S, 0.5, GT_SCOPE_TASK, AS_MS, backoff_initial_ms,
        "the first retry's wait, doubling, jittered"),
    OPT("backoff_max", GT_UNIT_SECONDS, 0, FOREVER_S, 8, GT_SCOPE_TASK, AS_MS, backoff_max_ms,
        "the longest retry wait"),
    OPT("task_timeout", GT_UNIT_SECONDS, MIN_S, FOREVER_S, 3600, GT_SCOPE_TASK, AS_MS, task_timeout_ms,
        "from submit to the end of the caller's wait; a paid task is polled once more, then left to recover()"),
    /* a submit let out of the queue with too little time left would be paid for and then given up */
    OPT("min_submit_time", GT_UNIT_SECONDS, 0, FOREVER_S, 5, GT_SCOPE_TASK, AS_MS, min_submit_time_ms,
        "a queued task is submitted only with this much of its task_timeout left (or the provider's eta for "
        "its model, if longer; at most half the task_timeout); else it ends deadline_exceeded, unsent"),
    OPT("max_body_bytes", GT_UNIT_BYTES, 1024, 1 << 30, 4 << 20, GT_SCOPE_TASK, AS_SIZE, max_body_bytes,
        "a larger response is refused (kind protocol)"),
    /* files are streamed to disk, so their cap is the disk's concern, not memory's */
    OPT("max_download_bytes", GT_UNIT_BYTES, 1, 1e12, 512 << 20, GT_SCOPE_TASK, AS_SIZE, max_download_bytes,
        "a larger result file is not kept (a download error; the task still succeeds)"),
    /* the default, NAN, stands for the provider's documented cap (its profile's max_in_flight) */
    OPT("max_in_flight", GT_UNIT_COUNT, 1, 1e6, NAN, GT_SCOPE_CLIENT, AS_INT, max_in_flight,
        "tasks between submit and end at once; default: the provider's documented cap, else none"),
    /* waiting tasks hold no socket: only this many requests of a client are on the wire at once */
    OPT("max_requests", GT_UNIT_COUNT, 0, 1e6, 256, GT_SCOPE_CLIENT, AS_INT, max_requests,
        "requests on the wire at once (0: no cap); the rest wait their turn, holding no socket"),
    /* a budget of paid generations: a task past it fails before anything is sent */
    OPT("max_submits", GT_UNIT_COUNT, 0, 1e9, 0, GT_SCOPE_CLIENT, AS_INT, max_submits,
        "tasks this client may submit in its life (0: no budget); the rest fail budget_exceeded unsent"),
    /* a budget in money: each submit holds the most it may cost until its cost is known */
    OPT("max_cost", GT_UNIT_MONEY, 0, 1e12, 0, GT_SCOPE_CLIENT, AS_DOUBLE, max_cost,
        "money this client may spend, in its profile's cost currency (0: no budget): a submit that could take "
        "the spend past it waits for tasks in flight to end, or fails budget_exceeded unsent"),
    /* a client's own: the CA store is built once per file, and a proxy serves the whole client */
    OPT("ca_file", GT_UNIT_TEXT, 1, 4096, NAN, GT_SCOPE_CLIENT, AS_TEXT, ca_file,
        "a PEM bundle of the CAs to trust instead of the system's (verification stays on)"),
    OPT("proxy", GT_UNIT_TEXT, 1, 4096, NAN, GT_SCOPE_CLIENT, AS_TEXT, proxy,
        "a proxy URL for every request (http://, https://, socks5h://)"),
    /* one file per client: it is opened, and checked against the client's key, once */
    OPT("journal", GT_UNIT_TEXT, 1, 4096, NAN, GT_SCOPE_CLIENT, AS_TEXT, journal,
        "an SQLite file that keeps every task, for client:recover() after a crash (mode 0600); or "
        "redis://IP[:PORT][/PREFIX], redis:///PATH.sock[/PREFIX]: the key's shared state in Redis"),
    /* hiredis 0.14 times nothing out: the engine does, and a hung Redis must not hold submits long */
    OPT("redis_timeout", GT_UNIT_SECONDS, 0.01, 60, 1, GT_SCOPE_CLIENT, AS_MS, redis_timeout_ms,
        "a call to Redis (journal = \"redis://...\") unanswered this long: the link is dropped and made again"),
    /* a Redis that forgets the journal on a restart makes keyed re-runs pay again: said, not assumed */
    OPT("redis_volatile_ok", GT_UNIT_FLAG, 0, 1, 0, GT_SCOPE_CLIENT, AS_BOOL, redis_volatile_ok,
        "accept a Redis journal that may lose its records (nothing on disk, allkeys-* eviction), or will not say"),
    /* a prefix marked lost refuses every client until one says it knows: the records are gone */
    /* the caller's choice: a deadline ends the wait and keeps the paid task for recover(), unless
     * stopping the bill matters more than the result */
    OPT("cancel_at_deadline", GT_UNIT_FLAG, 0, 1, 0, GT_SCOPE_TASK, AS_BOOL, cancel_at_deadline,
        "a paid task still running at its deadline is cancelled at the provider, where its profile documents "
        "a cancel, instead of being left to recover()"),
    OPT("journal_fresh", GT_UNIT_FLAG, 0, 1, 0, GT_SCOPE_CLIENT, AS_BOOL, journal_fresh,
        "start afresh on a Redis journal a client found emptied (FLUSHALL, restart without persistence)"),
    /* a client's own: the URL the provider pushes to and the secret it signs with (never shown) */
    OPT("webhook_url", GT_UNIT_TEXT, 1, 2048, NAN, GT_SCOPE_CLIENT, AS_TEXT, webhook_url,
        "ask the provider to push each task's end here, where it offers webhooks (client:webhook reads them)"),
    OPT("webhook_secret", GT_UNIT_TEXT, 1, 4096, NAN, GT_SCOPE_CLIENT, AS_TEXT, webhook_secret,
        "the secret the provider signs its webhooks with, where it signs (BFL; whsec_... for Standard Webhooks); "
        "never shown"),
    /* the profile names where the provider publishes its keys; a test points a client at a simulator */
    OPT("webhook_keys_url", GT_UNIT_TEXT, 1, 2048, NAN, GT_SCOPE_CLIENT, AS_TEXT, webhook_keys_url,
        "where the provider's webhook public keys are fetched from, instead of the profile's (ed25519)"),
    /* the webhook is the news; polls are only the fallback for one that never comes */
    OPT("webhook_poll_factor", GT_UNIT_COUNT, 1, 1000, 10, GT_SCOPE_TASK, AS_INT, webhook_poll_factor,
        "a task that asked for a webhook polls this many times slower, as a fallback"),
    /* a JWT provider's secret is read by the core, so a script never holds it (not even its name's value) */
    OPT("secret_env", GT_UNIT_TEXT, 1, 256, NAN, GT_SCOPE_CLIENT, AS_TEXT, secret_env,
        "a provider that signs JWTs (Kling): the environment variable that holds the secret key, instead of the "
        "profile's"),
    OPT("secret_file", GT_UNIT_TEXT, 1, 4096, NAN, GT_SCOPE_CLIENT, AS_TEXT, secret_file,
        "a provider that signs JWTs: a file of yours alone (mode 0600) that holds the secret key, instead of a "
        "variable"),
#undef OPT
};

enum { OPTION_COUNT = sizeof options / sizeof options[0] };

const gt_option *gt_option_at(size_t i)
{
    return i < OPTION_COUNT ? &options[i].spec : NULL;
}

const char *gt_option_unit_name(gt_option_unit unit)
{
    static const char *const names[] = {"seconds", "count", "bytes", "text", "flag", "money"};
    return names[unit];
}

bool gt_option_valid(const gt_option *spec, double value)
{
    if (!(value >= spec->min && value <= spec->max)) return false; /* NaN fails here too */
    return spec->unit == GT_UNIT_SECONDS || spec->unit == GT_UNIT_MONEY || value == floor(value);
}

bool gt_option_set_text(gt_client_options *o, size_t i, const char *value)
{
    if (i >= OPTION_COUNT || options[i].as != AS_TEXT) return false;
    if (value && !gt_option_valid(&options[i].spec, (double)strlen(value))) return false;
    *(const char **)((char *)o + options[i].offset) = value;
    return true;
}

bool gt_option_set(gt_client_options *o, size_t i, double value)
{
    if (i >= OPTION_COUNT) return false;
    char *field = (char *)o + options[i].offset;
    if (options[i].as == AS_TEXT) return isnan(value) && gt_option_set_text(o, i, NULL);
    if (isnan(value) && isnan(options[i].spec.default_value)) { /* "the provider's": -1 inside */
        *(int *)field = -1;
        return true;
    }
    if (!gt_option_valid(&options[i].spec, value)) return false;
    switch (options[i].as) {
    case AS_MS: *(long *)field = gt_seconds_to_ms(value); break;
    case AS_INT: *(int *)field = (int)value; break;
    case AS_SIZE: *(size_t *)field = (size_t)value; break;
    case AS_BOOL: *(bool *)field = value != 0; break;
    case AS_DOUBLE: *(double *)field = value; break;
    case AS_TEXT: break;
    }
    return true;
}

void gt_client_options_default(gt_client_options *o)
{
    *o = (gt_client_options){0};
    for (size_t i = 0; i < OPTION_COUNT; i++) gt_option_set(o, i, options[i].spec.default_value);
}
