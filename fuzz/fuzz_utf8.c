/* fuzz_utf8.c — the UTF-8 check a request body passes before it is sent: what it calls
 * well-formed stays so when read again, every code point in it decodes to a scalar value (no
 * surrogate, nothing above U+10FFFF, no overlong form), and where it stops, no well-formed
 * sequence starts. Input: the bytes. */
#include "../csrc/include/gentask.h"
#include "fuzz.h"

/* The code point of the well-formed sequence at s (len bytes), decoded the long way. */
static unsigned long decode(const unsigned char *s, size_t len)
{
    if (len == 1) return s[0];
    unsigned long cp = s[0] & (0x7F >> len);
    for (size_t i = 1; i < len; i++) cp = (cp << 6) | (s[i] & 0x3F);
    return cp;
}

static size_t length_of(unsigned char b)
{
    return b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    size_t at = gt_utf8_invalid_at(text, size);
    if (at > size) abort();
    if (gt_utf8_invalid_at(text, at) != at) abort(); /* the well-formed prefix, read again */
    if (at < size && gt_utf8_invalid_at(text + at, size - at) != 0) abort();
    for (size_t i = 0; i < at;) {
        size_t len = length_of(data[i]);
        unsigned long cp = decode(data + i, len);
        static const unsigned long least[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < least[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) abort();
        i += len;
    }
    return 0;
}
