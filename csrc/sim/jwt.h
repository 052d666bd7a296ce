/* --jwt-issuer: the simulator checks the HS256 JWTs (RFC 7519) a provider like Kling wants in
 * "Authorization: Bearer <token>", instead of comparing keys: its signature with the secret from
 * GENTASK_SIM_JWT_SECRET (never the command line, which every user of the machine can read), its
 * alg, its iss, exp and nbf against the wall clock. Its stats count the tokens it took (a client
 * that renews them shows more than one) and why it refused the others. */
#ifndef GENTASK_SIM_JWT_H
#define GENTASK_SIM_JWT_H

#include <cJSON.h>
#include <stdbool.h>

#define SIM_JWT_SECRET_ENV "GENTASK_SIM_JWT_SECRET"

struct sim_jwt;

/* NULL with *why (a static text) when the secret's variable is unset or memory ran out. */
struct sim_jwt *sim_jwt_new(const char *issuer, const char **why);
void sim_jwt_free(struct sim_jwt *jwt);
/* Whether token (the header's value after "Bearer ") is one the issuer's secret signed and that
 * is valid now. */
bool sim_jwt_accepted(struct sim_jwt *jwt, const char *token);
/* stats.jwt = { tokens = n, refused = { malformed =, signature =, issuer =, expired =, early = } } */
void sim_jwt_stats_json(struct sim_jwt *jwt, cJSON *stats);
void sim_jwt_reset(struct sim_jwt *jwt);
/* The access key its tokens must name (what the stats' per-key counts use for a token taken). */
const char *sim_jwt_issuer(const struct sim_jwt *jwt);

#endif
