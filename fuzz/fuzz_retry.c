/* fuzz_retry.c — Retry-After (seconds or an HTTP date), retry-after-ms and the backoff schedule
 * under any option values. Input: retry-after NUL retry-after-ms NUL, then 4 bytes each for
 * backoff_initial_ms, backoff_max_ms and the retry number. */
#include <math.h>

#include "../csrc/core/base/base.h"
#include "fuzz.h"

static uint32_t word_at(const uint8_t *data, size_t size, size_t at)
{
    uint32_t w = 0;
    for (size_t i = 0; i < 4; i++) w = w << 8 | (at + i < size ? data[at + i] : 0);
    return w;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char **parts = fuzz_split(data, size, 2);
    double s = gt_retry_after_seconds(parts[0][0] ? parts[0] : NULL, parts[1][0] ? parts[1] : NULL);
    if (isnan(s)) abort(); /* a wait of NaN would arm a timer at nowhere */
    (void)gt_seconds_to_ms(s);
    size_t tail = strlen(parts[0]) + strlen(parts[1]) + 2;
    gt_client_options o;
    gt_client_options_default(&o);
    o.backoff_initial_ms = (long)(word_at(data, size, tail) % 86400000u) + 1;
    o.backoff_max_ms = (long)(word_at(data, size, tail + 4) % 86400000u) + 1;
    long delay = gt_backoff_ms(&o, (int)(word_at(data, size, tail + 8) % 1000));
    if (delay < 0) abort();
    fuzz_free(parts, 2);
    return 0;
}
