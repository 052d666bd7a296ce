/* utf8.c — whether text is well-formed UTF-8. A request body is JSON, and JSON is UTF-8 (RFC 8259
 * §8.1): bytes that are not would reach the provider as a body it may reject or mangle after it
 * counted the request, so they are refused before anything is sent. Well-formed means the
 * Unicode Standard's table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF. */
#include "gentask.h"

#include <stdbool.h>

/* How many bytes the sequence at s (n left) takes when well-formed, else 0. */
static size_t sequence_length(const unsigned char *s, size_t n)
{
    unsigned char b = s[0];
    if (b < 0x80) return 1;
    size_t len = b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
    if (len == 0 || len > n) return 0;
    /* the second byte's range depends on the first: it rules out overlongs, surrogates and > U+10FFFF */
    unsigned char lo = 0x80, hi = 0xBF;
    if (b == 0xE0) lo = 0xA0;
    else if (b == 0xED) hi = 0x9F;
    else if (b == 0xF0) lo = 0x90;
    else if (b == 0xF4) hi = 0x8F;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return len;
}

size_t gt_utf8_invalid_at(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < n) {
        size_t len = sequence_length(s + i, n - i);
        if (len == 0) return i;
        i += len;
    }
    return n;
}
