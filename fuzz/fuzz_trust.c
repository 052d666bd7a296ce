/* fuzz_trust.c — the poll-URL trust rule against libcurl's own URL parser: whatever the rule
 * lets through, curl must read as a URL whose host is the base URL's own (on its origin) or a
 * listed poll host over https. Input: base_url NUL url NUL poll_host. */
#include <curl/curl.h>
#include <strings.h>

#include "../csrc/core/task/task.h"
#include "fuzz.h"

static char *part(CURLU *u, CURLUPart which)
{
    char *v = NULL;
    return curl_url_get(u, which, &v, which == CURLUPART_PORT ? CURLU_DEFAULT_PORT : 0) == CURLUE_OK ? v : NULL;
}

static bool host_listed(const char *host, const char *entry)
{
    if (strncmp(entry, "*.", 2) != 0) return strcasecmp(host, entry) == 0;
    size_t h = strlen(host), s = strlen(entry + 1);
    return h > s && strcasecmp(host + h - s, entry + 1) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char **in = fuzz_split(data, size, 3);
    gt_profile *p = gt_profile_new("fuzz");
    bool listed = gt_profile_add_poll_host(p, in[2]);
    char *url = gt_trusted_poll_url(p, in[0], in[1]);
    if (url) {
        CURLU *got = curl_url(), *base = curl_url();
        if (curl_url_set(got, CURLUPART_URL, url, 0) != CURLUE_OK) abort(); /* curl reads what it gave */
        if (curl_url_set(base, CURLUPART_URL, in[0], 0) != CURLUE_OK) abort();
        char *host = part(got, CURLUPART_HOST), *scheme = part(got, CURLUPART_SCHEME),
             *port = part(got, CURLUPART_PORT);
        char *bhost = part(base, CURLUPART_HOST), *bscheme = part(base, CURLUPART_SCHEME),
             *bport = part(base, CURLUPART_PORT);
        char *user = part(got, CURLUPART_USER);
        if (!host || !scheme || !port || !bhost || !bscheme || !bport || user) abort();
        bool same = strcasecmp(host, bhost) == 0 && strcasecmp(scheme, bscheme) == 0 && strcmp(port, bport) == 0;
        bool documented = listed && strcasecmp(scheme, "https") == 0 && strcmp(port, "443") == 0 &&
                          host_listed(host, in[2]);
        if (!same && !documented) abort(); /* the key would go to a host the rule did not mean */
        curl_free(host), curl_free(scheme), curl_free(port), curl_free(bhost), curl_free(bscheme), curl_free(bport);
        curl_url_cleanup(got);
        curl_url_cleanup(base);
    }
    free(url);
    gt_profile_free(p);
    fuzz_free(in, 3);
    return 0;
}
