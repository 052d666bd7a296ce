/* A documented webhook delivery, filled in as a response is and pushed by webhooks.c (a thread of
 * its own, plain HTTP, counted in the stats' "webhooks"), signed where the file's "sign" says as
 * the provider signs (signing.c): the headers the scheme makes are added to the file's own. The
 * signed time is now, or sign.age_s before it (a stale delivery); {timestamp} in the headers and
 * the body is that time, so that the signed header carries it. */
#include "replay_webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ids.h"
#include "render.h"
#include "signing.h"
#include "webhooks.h"

#define SIGNED_HEADERS_MAX 16

struct lines {
    char *out;
    size_t size, used;
};

/* Appends "name: value\r\n"; false when either holds a line break or it does not fit. */
static bool line_add(struct lines *lines, const char *name, const char *value)
{
    if (strpbrk(value, "\r\n") != NULL || strpbrk(name, "\r\n:") != NULL) return false;
    int n = snprintf(lines->out + lines->used, lines->size - lines->used, "%s: %s\r\n", name, value);
    if (n < 0 || (size_t)n >= lines->size - lines->used) return false;
    lines->used += (size_t)n;
    return true;
}

/* Each of the file's headers, filled in; false when one does not fit or is not one line. */
static bool header_lines(const cJSON *headers, const struct replay_fill *fill, struct lines *lines)
{
    const cJSON *member;
    cJSON_ArrayForEach(member, headers)
    {
        char *value = replay_fill_in(member->valuestring, fill);
        bool added = value != NULL && line_add(lines, member->string, value);
        free(value);
        if (!added) return false;
    }
    return true;
}

/* Standard Webhooks' three headers: a fresh message id, the signed time, "v1,<base64>". */
static bool sign_standard(const char *secret, const char *timestamp, const char *body, struct lines *lines)
{
    char id[4 + 24 + 1] = "msg_", signature[3 + 45] = "v1,";
    ids_random_hex(id + 4, 24);
    return signing_standard(secret, id, timestamp, body, strlen(body), signature + 3) &&
           line_add(lines, "webhook-id", id) && line_add(lines, "webhook-timestamp", timestamp) &&
           line_add(lines, "webhook-signature", signature);
}

static bool sign_t_v1(const char *secret, const cJSON *sign, const char *timestamp, const char *body,
                      struct lines *lines)
{
    char hex[65], value[128];
    signing_t_v1(secret, timestamp, body, strlen(body), hex);
    snprintf(value, sizeof value, "t=%s,v1=%s", timestamp, hex);
    return line_add(lines, cJSON_GetObjectItemCaseSensitive(sign, "signature_header")->valuestring, value);
}

/* The signed headers' values as sent (filled in), then the body's digest, signed with the
 * simulator's key. */
static bool sign_ed25519(const struct signing *signing, const cJSON *sign, const cJSON *headers,
                         const struct replay_fill *fill, const char *body, struct lines *lines)
{
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(sign, "signed_headers");
    char *values[SIGNED_HEADERS_MAX] = {0};
    size_t count = 0;
    bool ok = cJSON_GetArraySize(names) <= SIGNED_HEADERS_MAX;
    const cJSON *name;
    cJSON_ArrayForEach(name, names)
    {
        if (!ok) break;
        values[count] = replay_fill_in(cJSON_GetObjectItemCaseSensitive(headers, name->valuestring)->valuestring, fill);
        ok = values[count++] != NULL;
    }
    char signature[129];
    ok = ok && signing_ed25519(signing, (const char *const *)values, count, body, strlen(body), signature) &&
         line_add(lines, cJSON_GetObjectItemCaseSensitive(sign, "signature_header")->valuestring, signature);
    for (size_t i = 0; i < count; i++) free(values[i]);
    return ok;
}

/* The scheme's headers for body; false (with why) when it cannot sign. */
static bool signature_lines(const struct signing *signing, const cJSON *webhook, const struct replay_fill *fill,
                            const char *body, struct lines *lines, const char **why)
{
    const cJSON *sign = cJSON_GetObjectItemCaseSensitive(webhook, "sign");
    if (sign == NULL) return true;
    const char *scheme = cJSON_GetObjectItemCaseSensitive(sign, "scheme")->valuestring;
    const char *secret = signing_webhook_secret(signing);
    *why = "the headers do not fit";
    if (strcmp(scheme, "ed25519") == 0)
        return sign_ed25519(signing, sign, cJSON_GetObjectItemCaseSensitive(webhook, "headers"), fill, body, lines);
    if (secret == NULL) {
        *why = "it is signed with a secret, and " SIGNING_SECRET_ENV " is not set";
        return false;
    }
    if (strcmp(scheme, "t_v1") == 0) return sign_t_v1(secret, sign, fill->timestamp, body, lines);
    *why = "scheme \"standard\" wants " SIGNING_SECRET_ENV " to be whsec_ and base64";
    return sign_standard(secret, fill->timestamp, body, lines);
}

/* Where the request names the URL: its JSON body's url_field, or its query's url_query. */
static const char *delivery_url(struct request *request, const cJSON *submitted, const cJSON *webhook)
{
    const cJSON *field = cJSON_GetObjectItemCaseSensitive(webhook, "url_field");
    if (field != NULL) return json_string_at(submitted, field->valuestring);
    return request_query(request, cJSON_GetObjectItemCaseSensitive(webhook, "url_query")->valuestring);
}

void replay_webhook_push(struct request *request, const cJSON *submitted, const cJSON *webhook,
                         const struct replay_fill *response_fill)
{
    const char *url = delivery_url(request, submitted, webhook);
    if (url == NULL) return;
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(webhook, "body");
    const cJSON *delay = cJSON_GetObjectItemCaseSensitive(webhook, "delay_ms");
    const cJSON *age = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(webhook, "sign"), "age_s");
    struct replay_fill fill = *response_fill;
    snprintf(fill.timestamp, sizeof fill.timestamp, "%lld", (long long)time(NULL) - (age ? age->valueint : 0));
    char out[WEBHOOK_HEADER_LINES_MAX] = "";
    struct lines lines = {out, sizeof out, 0};
    char *printed = cJSON_IsString(body) ? NULL : cJSON_PrintUnformatted(body);
    char *text = replay_fill_in(printed ? printed : body->valuestring, &fill);
    const char *why = "the headers do not fit";
    if (text != NULL && header_lines(cJSON_GetObjectItemCaseSensitive(webhook, "headers"), &fill, &lines) &&
        signature_lines(request->sim->signing, webhook, &fill, text, &lines, &why))
        webhooks_push(request->sim->webhooks, url, text, out,
                      sim_clock_ms() + (delay ? (int64_t)delay->valuedouble : 0));
    else if (text != NULL) fprintf(stderr, "gentask-sim: replay: a webhook delivery was not sent: %s\n", why);
    free(text);
    cJSON_free(printed);
}
