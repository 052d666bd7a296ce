/* fuzz.h — what the libFuzzer targets share: splitting one input into NUL-separated strings. */
#ifndef GENTASK_FUZZ_H
#define GENTASK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Copies data into n strings split at NUL bytes (missing ones are ""); free with fuzz_free. */
static inline char **fuzz_split(const uint8_t *data, size_t size, size_t n)
{
    char **parts = calloc(n, sizeof *parts);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        while (at + len < size && data[at + len] != 0) len++;
        parts[i] = calloc(1, len + 1);
        if (len) memcpy(parts[i], data + at, len);
        at += len + (at + len < size);
    }
    return parts;
}

static inline void fuzz_free(char **parts, size_t n)
{
    for (size_t i = 0; i < n; i++) free(parts[i]);
    free(parts);
}

#endif
