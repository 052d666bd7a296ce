/* retry.c — how long to wait before trying again: exponential backoff with jitter, and the
 * provider's own word on it (Retry-After as seconds or an HTTP date, retry-after-ms). */
#include "base.h"

#include <curl/curl.h> /* curl_getdate: an HTTP date in Retry-After */

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static uint64_t random_state;

/* xorshift64*: jitter and idempotency keys need spread and uniqueness, not secrecy */
uint64_t gt_random(void)
{
    if (random_state == 0) {
        int fd = open("/dev/urandom", O_RDONLY);
        if (fd >= 0) {
            if (read(fd, &random_state, sizeof random_state) != sizeof random_state) random_state = 0;
            close(fd);
        }
        random_state ^= (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid() ^ (uint64_t)gt_now_ms();
        if (random_state == 0) random_state = 0x9e3779b97f4a7c15ULL;
    }
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 0x2545f4914f6cdd1dULL;
}

char *gt_random_key(const char *prefix)
{
    return gt_printf("%s%016llx%016llx", prefix, (unsigned long long)gt_random(), (unsigned long long)gt_random());
}

/* The n-th retry (from 1) waits initial × 2^(n-1), capped, then jittered into its upper half so
 * that a batch that failed together does not come back together. */
long gt_backoff_ms(const gt_client_options *o, int retry)
{
    double delay = (double)o->backoff_initial_ms;
    for (int i = 1; i < retry && delay < o->backoff_max_ms; i++) delay *= 2;
    if (delay > o->backoff_max_ms) delay = (double)o->backoff_max_ms;
    double jitter = (double)(gt_random() >> 11) / 9007199254740992.0; /* [0, 1) */
    return (long)(delay / 2 + delay / 2 * jitter);
}

/* Seconds the provider asks us to wait, from its headers; -1 when it said nothing usable.
 * retry-after-ms is the finer of the two when both are there. */
double gt_retry_after_seconds(const char *retry_after, const char *retry_after_ms)
{
    if (retry_after_ms) {
        char *end;
        double ms = strtod(retry_after_ms, &end);
        if (end != retry_after_ms && isfinite(ms) && ms >= 0) return ms / 1000;
    }
    if (!retry_after) return -1;
    char *end;
    double seconds = strtod(retry_after, &end);
    if (end != retry_after) return isfinite(seconds) && seconds >= 0 ? seconds : -1;
    time_t when = curl_getdate(retry_after, NULL); /* "Wed, 21 Oct 2026 07:28:00 GMT" */
    if (when < 0) return -1;
    double left = difftime(when, time(NULL));
    return left > 0 ? left : 0;
}
