/* trust.c — where a poll URL handed back by a provider may be followed (and a result URL be
 * fetched with the key, for a provider whose results need it). The key travels with
 * every poll, so the URL is followed only to the base URL's own origin (scheme, host and port:
 * the simulator on loopback runs over http, so http is allowed there and only there) or, over
 * https on its default port, to a host the profile lists as the provider's documented poll hosts
 * (BFL answers api.bfl.ai submits with api.us1.bfl.ai polling URLs). Sharing a parent domain
 * proves nothing: myproxy.herokuapp.com and attacker.herokuapp.com are strangers. URLs are read
 * by libcurl's own parser, the one that will send the request, never by hand. */
#include "task.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *url_part(CURLU *u, CURLUPart part)
{
    char *value = NULL;
    if (curl_url_get(u, part, &value, part == CURLUPART_PORT ? CURLU_DEFAULT_PORT : 0) != CURLUE_OK) return NULL;
    char *copy = gt_strdup(value);
    curl_free(value);
    return copy;
}

/* A listed host: "api.bfl.ai" itself, or "*.bfl.ai": any host below bfl.ai (not bfl.ai). */
static bool listed(const gt_paths *hosts, const char *host)
{
    size_t host_len = strlen(host);
    for (size_t i = 0; i < hosts->n; i++) {
        const char *entry = hosts->items[i];
        if (strncmp(entry, "*.", 2) != 0) {
            if (strcasecmp(entry, host) == 0) return true;
            continue;
        }
        size_t suffix_len = strlen(entry + 1); /* ".bfl.ai" */
        if (host_len > suffix_len && strcasecmp(host + host_len - suffix_len, entry + 1) == 0) return true;
    }
    return false;
}

typedef struct url_parts {
    char *scheme, *host, *port, *user, *password;
} url_parts;

static bool read_parts(CURLU *u, url_parts *out)
{
    out->scheme = url_part(u, CURLUPART_SCHEME);
    out->host = url_part(u, CURLUPART_HOST);
    out->port = url_part(u, CURLUPART_PORT);
    out->user = url_part(u, CURLUPART_USER);
    out->password = url_part(u, CURLUPART_PASSWORD);
    return out->scheme && out->host && out->port;
}

static void clear_parts(url_parts *parts)
{
    free(parts->scheme);
    free(parts->host);
    free(parts->port);
    free(parts->user);
    free(parts->password);
}

static char *trusted_url(const gt_paths *hosts, const char *base_url, const char *url)
{
    CURLU *base = curl_url(), *target = curl_url();
    url_parts b = {0}, t = {0};
    char *resolved = NULL;
    if (!base || !target || !url || curl_url_set(base, CURLUPART_URL, base_url, 0) != CURLUE_OK) goto done;
    /* set over the base: a relative URL resolves against it */
    if (curl_url_set(target, CURLUPART_URL, base_url, 0) != CURLUE_OK ||
        curl_url_set(target, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto done;
    if (!read_parts(base, &b) || !read_parts(target, &t)) goto done;
    if (t.user || t.password) goto done; /* credentials of someone else's in the URL: not ours to send */
    bool same_origin = strcasecmp(b.scheme, t.scheme) == 0 && strcasecmp(b.host, t.host) == 0 &&
                       strcmp(b.port, t.port) == 0;
    bool documented = strcasecmp(t.scheme, "https") == 0 && strcmp(t.port, "443") == 0 && listed(hosts, t.host);
    if (same_origin || documented) resolved = url_part(target, CURLUPART_URL);
done:
    clear_parts(&b);
    clear_parts(&t);
    curl_url_cleanup(base);
    curl_url_cleanup(target);
    return resolved;
}

char *gt_trusted_poll_url(const gt_profile *p, const char *base_url, const char *url)
{
    return trusted_url(&p->poll_hosts, base_url, url);
}

/* A keyed download (Veo's, OpenRouter's results: the provider's API serves them) gets the key by
 * the same rule, over the profile's download hosts. */
bool gt_download_carries_key(const gt_client *c, const char *url)
{
    if (!c->profile->keyed_downloads) return false;
    char *trusted = trusted_url(&c->profile->download_hosts, c->base_url, url);
    bool keyed = trusted != NULL;
    free(trusted);
    return keyed;
}

char *gt_poll_url_host(const char *base_url, const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, base_url, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK)
        host = url_part(u, CURLUPART_HOST);
    curl_url_cleanup(u);
    return host;
}
