/* redact.c — finding a secret however a provider spelled it back, and wiping our own copies.
 *
 * A provider that echoes the key may escape it: JSON lets any character be written "\u0073" and
 * '/' be written "\/" (PHP does by default), and a URL or a form body percent-encodes it ("%2F").
 * Lua decodes the JSON it is handed (result.raw), so a key that survives as escapes in a body
 * would reach a script in plain text. The matcher reads the text one character at a time the way
 * a decoder would — as itself, as a JSON escape, or as a percent escape (whose parts may be JSON
 * escapes too) — and compares that with the secret; a match at any byte is replaced whole. */
#include "base.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define MASK "[REDACTED]"
/* Secrets shorter than this are too likely to match ordinary text: left alone. */
#define MIN_SECRET 4
/* Match attempts from one position: a secret full of '%' against "%25%25…" branches; past this
 * budget the position counts as a match (redacting too much is the safe side). */
#define MATCH_BUDGET 4096

static int hex_value(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* One character as JSON would decode it: *ch is its value (-1: no single ASCII character);
 * returns the bytes it takes, 0 at the end of the text. */
static size_t json_char(const char *p, int *ch)
{
    if (*p == '\0') return 0;
    if (*p != '\\') {
        *ch = (unsigned char)*p;
        return 1;
    }
    static const char simple[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
    for (const char *s = simple; *s; s += 2)
        if (p[1] == s[0]) {
            *ch = (unsigned char)s[1];
            return 2;
        }
    if (p[1] == 'u') {
        int value = 0, i = 2;
        for (; i < 6 && hex_value(p[i]) >= 0; i++) value = value * 16 + hex_value(p[i]);
        if (i == 6) {
            *ch = value < 0x80 ? value : -1; /* keys are ASCII: a wider code point is another character */
            return 6;
        }
    }
    *ch = -1; /* a lone backslash: itself, which the caller also tries */
    return 1;
}

/* Whether secret[0..] is spelled at text; *end gets where the spelling ends. */
static bool spelled_at(const char *text, const char *secret, const char **end, int *budget)
{
    if (*secret == '\0') {
        *end = text;
        return true;
    }
    if (--*budget <= 0) {
        *end = text + (*text != '\0');
        return true;
    }
    int want = (unsigned char)*secret;
    int ch;
    size_t n = json_char(text, &ch);
    if (n == 0) return false;
    /* a lone backslash may be literal text: read as itself */
    if (*text == '\\' && want == '\\' && spelled_at(text + 1, secret + 1, end, budget)) return true;
    if (ch == want && spelled_at(text + n, secret + 1, end, budget)) return true;
    if (ch == '%') { /* %XX, each hex digit itself or a JSON escape */
        int high, low;
        size_t n1 = json_char(text + n, &high), n2 = n1 ? json_char(text + n + n1, &low) : 0;
        if (n2 && hex_value(high) >= 0 && hex_value(low) >= 0 && hex_value(high) * 16 + hex_value(low) == want)
            return spelled_at(text + n + n1 + n2, secret + 1, end, budget);
    }
    return false;
}

/* Where the secret is spelled first at or after text: its start, and *end; NULL when nowhere. */
static const char *find_spelled(const char *text, const char *secret, const char **end)
{
    /* a spelling starts with the secret's first character or an escape; every answer is searched,
     * so the bytes between are skipped by a table lookup, not three comparisons */
    bool starts[256] = {false};
    starts[(unsigned char)secret[0]] = starts['\\'] = starts['%'] = starts['\0'] = true;
    for (const char *p = text;; p++) {
        while (!starts[(unsigned char)*p]) p++;
        if (*p == '\0') return NULL;
        int budget = MATCH_BUDGET;
        if (spelled_at(p, secret, end, &budget)) return p;
    }
}

bool gt_mentions(const char *text, const char *secret)
{
    const char *end;
    return text && secret && strlen(secret) >= MIN_SECRET && find_spelled(text, secret, &end);
}

/* One pass: every spelling of secret in *s found left to right becomes the mask. */
static void redact_once(char **s, const char *secret)
{
    size_t len = strlen(*s), cap = len + sizeof MASK, used = 0;
    char *out = malloc(cap); /* a spelling is at least MIN_SECRET bytes: the mask may be longer */
    const char *r = *s, *hit, *end;
    while (out && (hit = find_spelled(r, secret, &end))) {
        size_t keep = (size_t)(hit - r), need = used + keep + sizeof MASK + strlen(end) + 1;
        if (need > cap) {
            char *grown = realloc(out, need);
            if (!grown) {
                gt_wipe_free(out);
                out = NULL;
                break;
            }
            out = grown;
            cap = need;
        }
        memcpy(out + used, r, keep);
        memcpy(out + used + keep, MASK, sizeof MASK - 1);
        used += keep + sizeof MASK - 1;
        r = end > hit ? end : hit + 1;
    }
    if (out) {
        size_t rest = strlen(r);
        if (used + rest + 1 > cap) {
            char *grown = realloc(out, used + rest + 1);
            if (!grown) gt_wipe_free(out);
            out = grown;
        }
        if (out) memcpy(out + used, r, rest + 1);
    }
    gt_wipe_free(*s); /* it held the secret */
    *s = out;         /* NULL when memory ran out: the text is dropped rather than leaked */
}

/* A secret that holds a bracket can be spelled again across a mask's edge: "aaaa[" found in
 * "aaaaaaaa[" leaves "aaaa[REDACTED]". The text is masked again until no spelling is left, and a
 * text that still has one after a few passes (a secret spelled by masks side by side) is dropped
 * for the mask alone. */
void gt_redact(char **s, const char *secret)
{
    for (int pass = 0; *s && gt_mentions(*s, secret); pass++) {
        if (pass == 4) {
            gt_wipe_free(*s);
            *s = gt_strdup(MASK);
            return;
        }
        redact_once(s, secret);
    }
}

void gt_wipe(void *p, size_t n)
{
    if (p && n) OPENSSL_cleanse(p, n);
}

void gt_wipe_free(char *s)
{
    if (s) gt_wipe(s, strlen(s));
    free(s);
}
