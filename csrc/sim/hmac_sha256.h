/* HMAC-SHA256 (RFC 2104 over FIPS 180-4), written out here rather than linked: the simulator signs
 * webhooks as a provider does, and stays an independent oracle of the client, which verifies them
 * with OpenSSL. */
#ifndef GENTASK_SIM_HMAC_SHA256_H
#define GENTASK_SIM_HMAC_SHA256_H

#include <stddef.h>

#define SHA256_SIZE 32

void hmac_sha256(const void *key, size_t key_length, const void *data, size_t length, unsigned char mac[SHA256_SIZE]);

/* The MAC as lower-case hex into hex (2 * SHA256_SIZE + 1 bytes). */
void hmac_sha256_hex(const char *key, const void *data, size_t length, char hex[2 * SHA256_SIZE + 1]);

#endif
