/* What tests ask the simulator about itself: counters to prove that nothing was lost or paid
 * twice, a reset so that each test starts from zero without restarting the process, and outages
 * to prove that clients ride one out. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "hmac_sha256.h"
#include "jwt.h"
#include "listener.h"
#include "outage.h"
#include "replays.h"
#include "reply.h"
#include "request.h"
#include "routes.h"
#include "signing.h"
#include "store.h"
#include "webhooks.h"

static enum MHD_Result stats(struct request *request)
{
    if (!request_method_is(request, MHD_HTTP_METHOD_GET)) return reply_method_not_allowed(request, "GET, HEAD");
    const char *tasks = request_query(request, "tasks");
    const char *bodies = request_query(request, "bodies");
    bool include_tasks = tasks == NULL || (strcmp(tasks, "0") != 0 && strcmp(tasks, "false") != 0);
    /* submits_by_body can be as large as tasks: it follows ?tasks= unless ?bodies= says */
    bool include_bodies = bodies == NULL ? include_tasks : strcmp(bodies, "0") != 0 && strcmp(bodies, "false") != 0;
    int64_t now_ms = sim_clock_ms();
    cJSON *body = store_stats_json(request->sim->store, now_ms, include_tasks, include_bodies);
    outage_stats_json(request->sim->outage, body, now_ms);
    webhooks_stats_json(request->sim->webhooks, body);
    sim_jwt_stats_json(request->sim->jwt, body);
    replays_stats_json(request->sim->replays, body);
    enum MHD_Result result = reply_json(request->connection, MHD_HTTP_OK, body);
    cJSON_Delete(body);
    return result;
}

static enum MHD_Result reset(struct request *request)
{
    if (!request_method_is(request, MHD_HTTP_METHOD_POST)) return reply_method_not_allowed(request, "POST");
    store_reset(request->sim->store);
    outage_reset(request->sim->outage);
    webhooks_reset(request->sim->webhooks);
    sim_jwt_reset(request->sim->jwt);
    replays_reset(request->sim->replays);
    listener_settle(request->sim->listener); /* the main port is open again when the client hears ok */
    return reply_text(request->connection, MHD_HTTP_OK, "application/json", "{\"ok\":true}");
}

/* ?ms=N, a whole number 0..OUTAGE_MS_MAX, or ?seconds=S, a decimal number of seconds rounded to the
 * millisecond, in the same range. False for anything else, both or neither. */
static bool outage_length(const char *ms_text, const char *seconds_text, int64_t *ms)
{
    char *end;
    if ((ms_text == NULL) == (seconds_text == NULL)) return false;
    if (ms_text != NULL) {
        if (!isdigit((unsigned char)ms_text[0]) || strlen(ms_text) > 7) return false;
        *ms = strtoll(ms_text, &end, 10);
        return *end == '\0' && *ms <= OUTAGE_MS_MAX;
    }
    /* digits and a point only: strtod would also take "1e3", "0x10" and "inf" */
    if (strspn(seconds_text, "0123456789.") != strlen(seconds_text) || strlen(seconds_text) > 16) return false;
    double seconds = strtod(seconds_text, &end);
    if (end == seconds_text || *end != '\0' || seconds > OUTAGE_MS_MAX / 1000.0) return false;
    *ms = (int64_t)(seconds * 1000 + 0.5);
    return *ms > 0 || seconds == 0; /* less than half a millisecond is a mistake, not an end */
}

static enum MHD_Result outage(struct request *request)
{
    if (!request_method_is(request, MHD_HTTP_METHOD_POST)) return reply_method_not_allowed(request, "POST");
    int64_t ms;
    if (!outage_length(request_query(request, "ms"), request_query(request, "seconds"), &ms))
        return reply_error(request->connection, MHD_HTTP_BAD_REQUEST, "invalid_request_error", "invalid_parameters",
                           "POST /_sim/outage wants ?ms=N, milliseconds 1..600000 (0 ends the outage), or "
                           "?seconds=S, 0.001..600",
                           NULL, 0);
    int64_t until_ms = ms == 0 ? 0 : sim_clock_ms() + ms;
    outage_set_until(request->sim->outage, until_ms);
    /* the main port is closed (or open again) by the time the client hears ok: a connect right
     * after the answer meets the outage */
    listener_settle(request->sim->listener);
    char answer[64];
    snprintf(answer, sizeof answer, "{\"ok\":true,\"until_ms\":%lld}", (long long)until_ms);
    return reply_text(request->connection, MHD_HTTP_OK, "application/json", answer);
}

static enum MHD_Result sign_refused(struct request *request, const char *message)
{
    return reply_error(request->connection, MHD_HTTP_BAD_REQUEST, "invalid_request_error", "invalid_parameters",
                       message, NULL, 0);
}

/* The headers object of a signed delivery, as JSON. */
static enum MHD_Result signed_headers(struct request *request, const char *const names[], const char *const values[],
                                      size_t n)
{
    cJSON *headers = cJSON_CreateObject();
    for (size_t i = 0; i < n && headers != NULL; i++) cJSON_AddStringToObject(headers, names[i], values[i]);
    enum MHD_Result result = reply_json(request->connection, MHD_HTTP_OK, headers);
    cJSON_Delete(headers);
    return result;
}

/* ?scheme=standard&id=&timestamp=: Standard Webhooks' three headers for the body, keyed with the
 * X-Sim-Secret header ("whsec_<base64>"), as Replicate signs. */
static enum MHD_Result sign_standard(struct request *request, const char *secret)
{
    const char *id = request_query(request, "id");
    const char *timestamp = request_query(request, "timestamp");
    if (id == NULL || timestamp == NULL) return sign_refused(request, "scheme=standard wants ?id= and ?timestamp=");
    char signature[3 + 45] = "v1,";
    if (!signing_standard(secret, id, timestamp, request->body ? request->body : "", request->body_length,
                          signature + 3))
        return sign_refused(request, "the X-Sim-Secret is not whsec_ and base64");
    const char *names[] = {"webhook-id", "webhook-timestamp", "webhook-signature"};
    const char *values[] = {id, timestamp, signature};
    return signed_headers(request, names, values, 3);
}

/* ?scheme=t_v1&timestamp=: OpenRouter's one header, "t=<timestamp>,v1=<hex HMAC-SHA256 of
 * timestamp "," body>" keyed with the X-Sim-Secret header's bytes. */
static enum MHD_Result sign_t_v1(struct request *request, const char *secret)
{
    const char *timestamp = request_query(request, "timestamp");
    if (timestamp == NULL || timestamp[0] == '\0' || strspn(timestamp, "0123456789") != strlen(timestamp))
        return sign_refused(request, "scheme=t_v1 wants ?timestamp= (Unix seconds)");
    char hex[65], value[128];
    signing_t_v1(secret, timestamp, request->body ? request->body : "", request->body_length, hex);
    snprintf(value, sizeof value, "t=%.24s,v1=%s", timestamp, hex);
    const char *names[] = {"x-openrouter-signature"};
    const char *values[] = {value};
    return signed_headers(request, names, values, 1);
}

/* ?scheme=ed25519&request_id=&user_id=&timestamp=: fal's four headers for the body, signed with the
 * simulator's own Ed25519 key (GET /_sim/jwks.json publishes its public half). */
static enum MHD_Result sign_ed25519(struct request *request)
{
    const char *request_id = request_query(request, "request_id");
    const char *user_id = request_query(request, "user_id");
    const char *timestamp = request_query(request, "timestamp");
    if (request_id == NULL || user_id == NULL || timestamp == NULL)
        return sign_refused(request, "scheme=ed25519 wants ?request_id=, ?user_id= and ?timestamp=");
    char signature[129];
    const char *const signed_values[] = {request_id, user_id, timestamp};
    if (!signing_ed25519(request->sim->signing, signed_values, 3, request->body ? request->body : "",
                         request->body_length, signature))
        return sign_refused(request, "the body could not be signed");
    const char *names[] = {"x-fal-webhook-request-id", "x-fal-webhook-user-id", "x-fal-webhook-timestamp",
                           "x-fal-webhook-signature"};
    const char *values[] = {request_id, user_id, timestamp, signature};
    return signed_headers(request, names, values, 4);
}

/* The public half of the simulator's Ed25519 key, as a JWKS document (fal publishes its own). */
static enum MHD_Result jwks(struct request *request)
{
    if (!request_method_is(request, MHD_HTTP_METHOD_GET)) return reply_method_not_allowed(request, "GET, HEAD");
    char *json = signing_jwks_json(request->sim->signing);
    if (json == NULL) return reply_text(request->connection, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", "");
    enum MHD_Result result = reply_text(request->connection, MHD_HTTP_OK, "application/json", json);
    free(json);
    return result;
}

/* The signature a provider would sign the request's body with. Without ?scheme: BFL's HMAC-SHA256
 * hex keyed with the X-Sim-Secret header: a test forges a delivery signed with a secret of its
 * choosing (another client's) as an attacker holding that secret would, without an HMAC of its
 * own. ?scheme=standard, ?scheme=t_v1, ?scheme=ed25519: a delivery's headers in that scheme. */
static enum MHD_Result sign(struct request *request)
{
    if (!request_method_is(request, MHD_HTTP_METHOD_POST)) return reply_method_not_allowed(request, "POST");
    const char *scheme = request_query(request, "scheme");
    if (scheme != NULL && strcmp(scheme, "ed25519") == 0) return sign_ed25519(request);
    const char *secret = request_header(request, "X-Sim-Secret");
    if (secret == NULL || *secret == '\0')
        return sign_refused(request, "POST /_sim/sign wants the key in an X-Sim-Secret header and the body to sign");
    if (scheme != NULL && strcmp(scheme, "standard") == 0) return sign_standard(request, secret);
    if (scheme != NULL && strcmp(scheme, "t_v1") == 0) return sign_t_v1(request, secret);
    if (scheme != NULL) return sign_refused(request, "POST /_sim/sign: ?scheme= is standard, t_v1 or ed25519");
    char hex[2 * SHA256_SIZE + 1];
    hmac_sha256_hex(secret, request->body ? request->body : "", request->body_length, hex);
    char answer[2 * SHA256_SIZE + 32];
    snprintf(answer, sizeof answer, "{\"hmac_sha256\":\"%s\"}", hex);
    return reply_text(request->connection, MHD_HTTP_OK, "application/json", answer);
}

enum MHD_Result admin_handle(struct request *request, const char *subpath)
{
    if (strcmp(subpath, "/sign") == 0) return sign(request);
    if (strcmp(subpath, "/jwks.json") == 0) return jwks(request);
    if (strcmp(subpath, "/stats") == 0) return stats(request);
    if (strcmp(subpath, "/reset") == 0) return reset(request);
    if (strcmp(subpath, "/outage") == 0) return outage(request);
    return reply_not_found(request);
}
