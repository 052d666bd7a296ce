#include "ids.h"

#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint64_t sequence;

uint64_t ids_next_sequence(void)
{
    return __atomic_add_fetch(&sequence, 1, __ATOMIC_RELAXED);
}

/* Used only if getrandom() fails: ids must stay unique, not unpredictable. */
static uint64_t fallback_random(void)
{
    static uint64_t state;
    uint64_t z = __atomic_add_fetch(&state, 0x9e3779b97f4a7c15ULL, __ATOMIC_RELAXED) ^ ((uint64_t)time(NULL) << 20) ^
                 (uint64_t)getpid();
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void ids_random_hex(char *out, size_t hex_digits)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char bytes[64];
    size_t needed = (hex_digits + 1) / 2;
    if (needed > sizeof bytes) needed = sizeof bytes;
    if (getrandom(bytes, needed, GRND_NONBLOCK) != (ssize_t)needed) {
        for (size_t i = 0; i < needed; i += 8) {
            uint64_t r = fallback_random();
            for (size_t j = 0; j < 8 && i + j < needed; j++) bytes[i + j] = (unsigned char)(r >> (8 * j));
        }
    }
    size_t i = 0;
    for (; i < hex_digits && i / 2 < needed; i++) out[i] = digits[(bytes[i / 2] >> ((i % 2) ? 0 : 4)) & 0xf];
    out[i] = '\0';
}

int64_t ids_random_seed(void)
{
    char digits[9];
    ids_random_hex(digits, 8);
    return (int64_t)(strtoull(digits, NULL, 16) & 0x7fffffff);
}
