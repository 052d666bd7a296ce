/* The simulator signs webhook deliveries in the schemes a client verifies beyond BFL's hex HMAC,
 * as the providers do, so that specs hand the client real signed deliveries rather than
 * signatures computed beside the code under test:
 * - Standard Webhooks (Replicate, OpenRouter): "v1,<base64 HMAC-SHA256 of id.timestamp.body>",
 *   keyed with a "whsec_<base64>" secret's bytes;
 * - "t_v1" (OpenRouter): "t=<unix>,v1=<hex HMAC-SHA256 of timestamp "," body>", keyed with the
 *   secret's bytes as they are;
 * - Ed25519 as fal and Ideogram sign: over the signed headers' values, each followed by "\n",
 *   then hex(SHA-256(body)), hex, with a key made at start whose public half the simulator
 *   publishes as a JWKS document. The private key never leaves the process.
 * Replay mode's deliveries (replay_webhook.c) are keyed with the secret in SIGNING_SECRET_ENV,
 * given in the environment (never on a command line) and kept here; POST /_sim/sign takes the
 * caller's in a header. */
#ifndef GENTASK_SIM_SIGNING_H
#define GENTASK_SIM_SIGNING_H

#include <stdbool.h>
#include <stddef.h>

#define SIGNING_SECRET_ENV "GENTASK_SIM_WEBHOOK_SECRET"

struct signing;

/* A fresh Ed25519 key pair, and SIGNING_SECRET_ENV's secret when it is set; NULL when OpenSSL
 * cannot make one. */
struct signing *signing_start(void);
void signing_free(struct signing *signing);

/* The secret replay deliveries are keyed with (SIGNING_SECRET_ENV's), NULL when none was given. */
const char *signing_webhook_secret(const struct signing *signing);

/* bytes in RFC 4648 base64url without padding (JWTs' and JWKS documents' spelling) into out, which
 * holds 4 * ((length + 2) / 3) + 1 bytes. */
void signing_base64url(const unsigned char *bytes, size_t length, char *out);

/* {"keys":[{"kty":"OKP","crv":"Ed25519","kid":…,"x":<base64url>, …}]} (malloc'd), or NULL. */
char *signing_jwks_json(const struct signing *signing);

/* The base64 HMAC-SHA256 of id "." timestamp "." body keyed with the secret's bytes ("whsec_"
 * dropped, the rest base64) into out (45 bytes); false when the secret is not base64. */
bool signing_standard(const char *secret, const char *id, const char *timestamp, const char *body, size_t length,
                      char out[45]);

/* The hex HMAC-SHA256 of timestamp "," body keyed with the secret's bytes into out (65 bytes). */
bool signing_t_v1(const char *secret, const char *timestamp, const char *body, size_t length, char out[65]);

/* values[0] "\n" … values[count-1] "\n" hex(SHA-256(body)), signed with the key, as hex into out
 * (129 bytes); false on failure. */
bool signing_ed25519(const struct signing *signing, const char *const values[], size_t count, const char *body,
                     size_t length, char out[129]);

#endif
