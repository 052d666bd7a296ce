/* FNV-1a, 64 bits: the one hash of the simulator, for task ids, idempotency keys and logical
 * submits. Not a defence against crafted collisions: the simulator serves tests on loopback. */
#ifndef GENTASK_SIM_HASH_H
#define GENTASK_SIM_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HASH_SEED 0xcbf29ce484222325ULL

static inline uint64_t hash_bytes(uint64_t hash, const void *data, size_t length)
{
    const unsigned char *bytes = data;
    for (size_t i = 0; i < length; i++) hash = (hash ^ bytes[i]) * 0x100000001b3ULL;
    return hash;
}

/* A string with its NUL, so that strings hashed one after another cannot run into one another. */
static inline uint64_t hash_string(uint64_t hash, const char *text)
{
    return hash_bytes(hash, text, strlen(text) + 1);
}

#endif
