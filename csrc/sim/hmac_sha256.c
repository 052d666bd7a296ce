#include "hmac_sha256.h"

#include <stdint.h>
#include <string.h>

struct sha256 {
    uint32_t state[8];
    uint64_t length; /* bytes hashed so far */
    unsigned char block[64];
    size_t used;
};

static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotate_right(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static void compress(struct sha256 *h, const unsigned char block[64])
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 | (uint32_t)block[4 * i + 2] << 8 |
               (uint32_t)block[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotate_right(w[i - 15], 7) ^ rotate_right(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotate_right(w[i - 2], 17) ^ rotate_right(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h->state[0], b = h->state[1], c = h->state[2], d = h->state[3];
    uint32_t e = h->state[4], f = h->state[5], g = h->state[6], k = h->state[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = k + (rotate_right(e, 6) ^ rotate_right(e, 11) ^ rotate_right(e, 25)) + ((e & f) ^ (~e & g)) +
                      round_constants[i] + w[i];
        uint32_t t2 = (rotate_right(a, 2) ^ rotate_right(a, 13) ^ rotate_right(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h->state[0] += a;
    h->state[1] += b;
    h->state[2] += c;
    h->state[3] += d;
    h->state[4] += e;
    h->state[5] += f;
    h->state[6] += g;
    h->state[7] += k;
}

static void sha256_start(struct sha256 *h)
{
    static const uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(h->state, initial, sizeof initial);
    h->length = 0;
    h->used = 0;
}

static void sha256_add(struct sha256 *h, const void *data, size_t length)
{
    const unsigned char *bytes = data;
    h->length += length;
    while (length > 0) {
        size_t take = 64 - h->used < length ? 64 - h->used : length;
        memcpy(h->block + h->used, bytes, take);
        h->used += take;
        bytes += take;
        length -= take;
        if (h->used == 64) {
            compress(h, h->block);
            h->used = 0;
        }
    }
}

static void sha256_end(struct sha256 *h, unsigned char digest[SHA256_SIZE])
{
    uint64_t bits = h->length * 8;
    unsigned char pad = 0x80;
    sha256_add(h, &pad, 1);
    pad = 0;
    while (h->used != 56) sha256_add(h, &pad, 1);
    unsigned char length[8];
    for (int i = 0; i < 8; i++) length[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha256_add(h, length, 8);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++) digest[4 * i + j] = (unsigned char)(h->state[i] >> (24 - 8 * j));
}

void hmac_sha256(const void *key, size_t key_length, const void *data, size_t length, unsigned char mac[SHA256_SIZE])
{
    unsigned char block_key[64] = {0};
    struct sha256 h;
    if (key_length > 64) { /* a long key is hashed first, as RFC 2104 says */
        sha256_start(&h);
        sha256_add(&h, key, key_length);
        sha256_end(&h, block_key);
    } else {
        memcpy(block_key, key, key_length);
    }
    unsigned char pad[64];
    unsigned char inner[SHA256_SIZE];
    for (int i = 0; i < 64; i++) pad[i] = block_key[i] ^ 0x36;
    sha256_start(&h);
    sha256_add(&h, pad, 64);
    sha256_add(&h, data, length);
    sha256_end(&h, inner);
    for (int i = 0; i < 64; i++) pad[i] = block_key[i] ^ 0x5c;
    sha256_start(&h);
    sha256_add(&h, pad, 64);
    sha256_add(&h, inner, SHA256_SIZE);
    sha256_end(&h, mac);
}

void hmac_sha256_hex(const char *key, const void *data, size_t length, char hex[2 * SHA256_SIZE + 1])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char mac[SHA256_SIZE];
    hmac_sha256(key, strlen(key), data, length, mac);
    for (int i = 0; i < SHA256_SIZE; i++) {
        hex[2 * i] = digits[mac[i] >> 4];
        hex[2 * i + 1] = digits[mac[i] & 15];
    }
    hex[2 * SHA256_SIZE] = '\0';
}
