/* fuzz_redact.c — redaction: after gt_redact, no spelling of the secret survives — as is, once
 * its JSON escapes are decoded, once its percent escapes are, or both (JSON first, as a body's
 * string holding a URL is read). Input: secret NUL text. A secret found in the mask itself
 * ("[REDACTED]") cannot be told from it and is skipped. */
#include "../csrc/core/base/base.h"
#include "fuzz.h"

static int hex(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Decodes \uXXXX (below 0x80) and the one-letter escapes left to right; anything else is kept. */
static char *json_decoded(const char *s)
{
    char *out = malloc(strlen(s) + 1), *w = out;
    static const char simple[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
    while (*s) {
        const char *e = s[0] == '\\' && s[1] ? strchr(simple, s[1]) : NULL;
        if (e && (e - simple) % 2 == 0) {
            *w++ = e[1];
            s += 2;
        } else if (s[0] == '\\' && s[1] == 'u' && hex(s[2]) >= 0 && hex(s[3]) >= 0 && hex(s[4]) >= 0 &&
                   hex(s[5]) >= 0 && hex(s[2]) == 0 && hex(s[3]) == 0 && hex(s[4]) < 8 &&
                   (hex(s[4]) << 4 | hex(s[5])) != 0) {
            *w++ = (char)(hex(s[4]) << 4 | hex(s[5]));
            s += 6;
        } else {
            *w++ = *s++;
        }
    }
    *w = '\0';
    return out;
}

static char *percent_decoded(const char *s)
{
    char *out = malloc(strlen(s) + 1), *w = out;
    while (*s) {
        if (s[0] == '%' && hex(s[1]) >= 0 && hex(s[2]) >= 0 && (hex(s[1]) << 4 | hex(s[2])) != 0) {
            *w++ = (char)(hex(s[1]) << 4 | hex(s[2]));
            s += 3;
        } else {
            *w++ = *s++;
        }
    }
    *w = '\0';
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char **in = fuzz_split(data, size, 2);
    const char *secret = in[0];
    char *text = gt_strdup(in[1]);
    gt_redact(&text, secret);
    if (text && strlen(secret) >= 4 && !strstr("[REDACTED]", secret)) {
        char *json = json_decoded(text), *percent = percent_decoded(text), *both = percent_decoded(json);
        const char *views[] = {text, json, percent, both};
        for (size_t i = 0; i < 4; i++)
            if (strstr(views[i], secret)) abort(); /* a spelling of the secret survived */
        free(json);
        free(percent);
        free(both);
    }
    free(text);
    fuzz_free(in, 2);
    return 0;
}
