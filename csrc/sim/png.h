/* Small real PNG images for result URLs: a colour of the prompt's own over a texture that keeps
 * zlib from shrinking the file to nothing, so that a download has bytes to cut mid-stream. */
#ifndef GENTASK_SIM_PNG_H
#define GENTASK_SIM_PNG_H

#include <stddef.h>
#include <stdint.h>

#define PNG_SIDE 64

/* A PNG_SIDE x PNG_SIDE RGB image whose pixels follow from seed; malloc'd, NULL when memory ran
 * out. The same seed always gives the same bytes. */
unsigned char *png_render(uint64_t seed, size_t *length);

/* The SHA-256 of data as 64 hex digits and a NUL, for the record the specs compare with. */
void png_sha256_hex(const unsigned char *data, size_t length, char out[65]);

#endif
