/* The simulator's webhooks: a task that asked for one (the dialect's webhook_url_field in its
 * submit) has its end pushed to that URL — a POST of its poll answer, signed where the dialect
 * signs (BFL: HMAC-SHA256 of the body with the task's webhook secret). One thread waits for the
 * tasks' ends on a timer heap; each delivery then goes out on a thread of its own over a plain
 * socket, so that a slow receiver holds up neither the request threads nor the other deliveries. */
#ifndef GENTASK_SIM_WEBHOOKS_H
#define GENTASK_SIM_WEBHOOKS_H

#include <stdint.h>

#include <cJSON.h>

/* The header lines a push may carry ("Name: value\r\n"…, NUL included). */
#define WEBHOOK_HEADER_LINES_MAX 1024

struct sim;
struct dialect;
struct route_pattern;
struct webhooks;

/* Starts the thread; NULL when it cannot. */
struct webhooks *webhooks_start(struct sim *sim);

/* The task with that id pushes its end once it has ended (due_ms: when it is expected to, on the
 * simulator's clock; a task cancelled before then is pushed at that time, cancelled), its payload
 * rendered by dialect as the answer of poll_pattern (the dialect's poll route: the caller names
 * it, so that this file calls nothing of dialect.c). */
void webhooks_schedule(struct webhooks *webhooks, const struct dialect *dialect,
                       const struct route_pattern *poll_pattern, const char *id, int64_t due_ms);

/* A push whose body and headers are ready (replay mode: a documented delivery), POSTed to url
 * (http:// only) at due_ms, counted with the others. header_lines: "Name: value\r\n"… or "" (the
 * signature headers among them). All copied. */
void webhooks_push(struct webhooks *webhooks, const char *url, const char *body, const char *header_lines,
                   int64_t due_ms);

/* POST /_sim/reset: the counters start again (deliveries already due still go out). */
void webhooks_reset(struct webhooks *webhooks);

/* {"scheduled", "sent", "delivered" (answered 2xx), "failed"} into stats as "webhooks". */
void webhooks_stats_json(struct webhooks *webhooks, cJSON *stats);

/* Stops scheduling, joins the thread and waits for the deliveries on their way (each bounded by
 * its socket timeouts). */
void webhooks_stop(struct webhooks *webhooks);
void webhooks_free(struct webhooks *webhooks);

#endif
