/* A documented webhook delivery, filled in as a response is and pushed by webhooks.c (a thread of
 * its own, plain HTTP, counted in the stats' "webhooks"). Signatures: the file's "sign" names a
 * scheme; none is known yet (replay_load.c refuses any), and the header each makes goes into
 * header_lines here when it is. */
#include "replay_webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "render.h"
#include "webhooks.h"

/* "Name: value\r\n" for each header; false when one holds a line break or they do not fit. */
static bool header_lines(const cJSON *headers, const struct replay_fill *fill, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    const cJSON *member;
    cJSON_ArrayForEach(member, headers)
    {
        char *value = replay_fill_in(member->valuestring, fill);
        bool fits = value != NULL && strpbrk(value, "\r\n") == NULL && strpbrk(member->string, "\r\n:") == NULL;
        int n = fits ? snprintf(out + used, size - used, "%s: %s\r\n", member->string, value) : -1;
        free(value);
        if (n < 0 || (size_t)n >= size - used) return false;
        used += (size_t)n;
    }
    return true;
}

void replay_webhook_push(struct request *request, const cJSON *submitted, const cJSON *webhook,
                         const struct replay_fill *fill)
{
    const char *url = json_string_at(submitted, cJSON_GetObjectItemCaseSensitive(webhook, "url_field")->valuestring);
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(webhook, "body");
    const cJSON *delay = cJSON_GetObjectItemCaseSensitive(webhook, "delay_ms");
    char lines[WEBHOOK_HEADER_LINES_MAX];
    if (url != NULL && header_lines(cJSON_GetObjectItemCaseSensitive(webhook, "headers"), fill, lines, sizeof lines)) {
        char *printed = cJSON_IsString(body) ? NULL : cJSON_PrintUnformatted(body);
        char *text = replay_fill_in(printed ? printed : body->valuestring, fill);
        if (text != NULL)
            webhooks_push(request->sim->webhooks, url, text, lines,
                          sim_clock_ms() + (delay ? (int64_t)delay->valuedouble : 0));
        free(text);
        cJSON_free(printed);
    }
}
