#include "png.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static unsigned char *put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return p + 4;
}

/* length, type, data, and the CRC of type and data (zlib's crc32 is PNG's) */
static unsigned char *chunk(unsigned char *p, const char *type, const unsigned char *data, size_t length)
{
    p = put32(p, (uint32_t)length);
    memcpy(p, type, 4);
    if (length) memcpy(p + 4, data, length);
    uLong crc = crc32(0L, p, (uInt)(4 + length));
    return put32(p + 4 + length, (uint32_t)crc);
}

static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13, *state ^= *state >> 7, *state ^= *state << 17; /* xorshift64 */
    return *state;
}

unsigned char *png_render(uint64_t seed, size_t *length)
{
    enum { ROW = 1 + 3 * PNG_SIDE, RAW = ROW * PNG_SIDE };
    unsigned char raw[RAW];
    uint64_t state = seed | 1;
    unsigned char base[3] = {(unsigned char)(seed >> 16), (unsigned char)(seed >> 8), (unsigned char)seed};
    for (size_t y = 0; y < PNG_SIDE; y++) {
        raw[y * ROW] = 0; /* filter: none */
        for (size_t x = 0; x < 3 * PNG_SIDE; x++)
            raw[y * ROW + 1 + x] = (unsigned char)(base[x % 3] ^ (next_random(&state) & 0x3f));
    }
    uLongf packed_length = compressBound(RAW);
    unsigned char *packed = malloc(packed_length);
    unsigned char *png = malloc(8 + 25 + 12 + packed_length + 12);
    if (!packed || !png || compress2(packed, &packed_length, raw, RAW, 9) != Z_OK) {
        free(packed);
        free(png);
        return NULL;
    }
    unsigned char header[13], *h = header;
    h = put32(h, PNG_SIDE);
    h = put32(h, PNG_SIDE);
    memcpy(h, "\x08\x02\x00\x00\x00", 5); /* 8 bits, RGB, deflate, adaptive filters, no interlace */
    unsigned char *p = png;
    memcpy(p, "\x89PNG\r\n\x1a\n", 8);
    p = chunk(p + 8, "IHDR", header, sizeof header);
    p = chunk(p, "IDAT", packed, packed_length);
    p = chunk(p, "IEND", NULL, 0);
    free(packed);
    *length = (size_t)(p - png);
    return png;
}

void png_sha256_hex(const unsigned char *data, size_t length, char out[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    out[0] = '\0';
    if (!EVP_Digest(data, length, digest, &digest_length, EVP_sha256(), NULL)) return;
    for (unsigned i = 0; i < digest_length; i++) snprintf(out + 2 * i, 3, "%02x", digest[i]);
}
