/* The simulator signs webhook deliveries in the schemes a client verifies beyond BFL's hex HMAC,
 * as the providers do, so that specs hand the client real signed deliveries rather than
 * signatures computed beside the code under test:
 * - Standard Webhooks (Replicate, OpenRouter): "v1,<base64 HMAC-SHA256 of id.timestamp.body>",
 *   keyed with a "whsec_<base64>" secret's bytes;
 * - Ed25519 as fal signs: over request_id "\n" user_id "\n" timestamp "\n" hex(SHA-256(body)),
 *   hex, with a key made at start whose public half the simulator publishes as a JWKS document.
 *   The private key never leaves the process. */
#ifndef GENTASK_SIM_SIGNING_H
#define GENTASK_SIM_SIGNING_H

#include <stdbool.h>
#include <stddef.h>

struct signing;

/* A fresh Ed25519 key pair; NULL when OpenSSL cannot make one. */
struct signing *signing_start(void);
void signing_free(struct signing *signing);

/* bytes in RFC 4648 base64url without padding (JWTs' and JWKS documents' spelling) into out, which
 * holds 4 * ((length + 2) / 3) + 1 bytes. */
void signing_base64url(const unsigned char *bytes, size_t length, char *out);

/* {"keys":[{"kty":"OKP","crv":"Ed25519","kid":…,"x":<base64url>, …}]} (malloc'd), or NULL. */
char *signing_jwks_json(const struct signing *signing);

/* The base64 HMAC-SHA256 of id "." timestamp "." body keyed with the secret's bytes ("whsec_"
 * dropped, the rest base64) into out (45 bytes); false when the secret is not base64. */
bool signing_standard(const char *secret, const char *id, const char *timestamp, const char *body, size_t length,
                      char out[45]);

/* fal's message over body, signed with the key, as hex into out (129 bytes); false on failure. */
bool signing_ed25519_fal(const struct signing *signing, const char *request_id, const char *user_id,
                         const char *timestamp, const char *body, size_t length, char out[129]);

#endif
