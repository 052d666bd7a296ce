/* The state every part of the simulator shares: what was configured at start, the store, and the
 * parts that run beside the HTTP daemon. It is written once before the daemon starts and only read
 * afterwards, so the request threads need no lock for it (what it points to keeps its own). */
#ifndef GENTASK_SIM_SIM_H
#define GENTASK_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct store;
struct delays;
struct outage;
struct listener;
struct webhooks;
struct sim_jwt;
struct replays;
struct signing;

struct sim {
    unsigned port;               /* the bound port, known only after the daemon started */
    const char *const *api_keys; /* points into argv or at the built-in default */
    size_t api_key_count;
    int64_t default_duration_ms;
    unsigned max_active; /* --max-active: generating tasks per key (0: no limit) */
    struct store *store;
    struct delays *delays;     /* resumes the connections of slow answers */
    struct outage *outage;     /* POST /_sim/outage: when the simulator plays dead */
    struct listener *listener; /* accepts connections; closes the port during an outage */
    struct webhooks *webhooks; /* pushes the ends of the tasks that asked for it */
    struct sim_jwt *jwt;       /* --jwt-issuer: Bearer headers carry JWTs, checked (jwt.h); NULL: keys */
    struct replays *replays;   /* replay mode: the documented exchanges served (replays.h) */
    struct signing *signing;   /* signs deliveries in the other schemes; its Ed25519 key never leaves */
};

static inline bool sim_api_key_accepted(const struct sim *sim, const char *key)
{
    if (key == NULL) return false;
    for (size_t i = 0; i < sim->api_key_count; i++)
        if (strcmp(sim->api_keys[i], key) == 0) return true;
    return false;
}

#endif
