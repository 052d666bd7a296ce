/* redis_url.c — the "redis://" address of a client's shared state: an IP literal and a port, or a
 * unix socket, and the prefix of every key. A host name is refused rather than resolved: hiredis
 * 0.14 resolves blocking, and a slow DNS server would stall the host's loop. No user or password:
 * hiredis would send it in clear, and the URL is shown in messages. */
#include "redis_link.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PORT 6379
#define DEFAULT_PREFIX "gentask"
#define PREFIX_MAX 64

bool gt_redis_url_is(const char *text)
{
    return text && strncmp(text, "redis://", 8) == 0;
}

/* Keys are built from it: letters, digits and a few separators, so that it can never run into
 * another client's keys or a script's syntax. */
static bool prefix_ok(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > PREFIX_MAX) return false;
    return strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-") == n;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* The URL is quoted, unless it holds a password (user:password@): then its scheme alone. */
static bool fail(const char *url, const char *why, char **error)
{
    *error = gt_printf("journal %s: %s", strchr(url, '@') ? "redis://…" : url, why);
    return false;
}

/* redis:///path/to/x.sock[/prefix]: the socket is the path up to its part ending in ".sock". */
static bool parse_unix(const char *url, const char *path, gt_redis_addr *a, char **error)
{
    size_t n = strlen(path);
    const char *prefix = NULL;
    if (!ends_with(path, n, ".sock")) {
        const char *slash = strrchr(path, '/');
        n = (size_t)(slash - path);
        prefix = slash + 1;
        if (!ends_with(path, n, ".sock"))
            return fail(url, "a unix socket's file name must end in .sock (redis:///path/to/redis.sock/prefix)", error);
    }
    a->socket_path = gt_strndup(path, n);
    a->prefix = gt_strdup(prefix ? prefix : DEFAULT_PREFIX);
    return true;
}

/* redis://IP[:PORT][/prefix], an IPv6 address in brackets. */
static bool parse_tcp(const char *url, const char *rest, gt_redis_addr *a, char **error)
{
    const char *slash = strchr(rest, '/');
    size_t len = slash ? (size_t)(slash - rest) : strlen(rest);
    char *authority = gt_strndup(rest, len);
    if (!authority) return fail(url, "out of memory", error);
    bool ok = false;
    char *host = authority, *port = NULL;
    if (strchr(authority, '@')) {
        fail(url, "a user or password is not supported (hiredis 0.14 would send it in clear)", error);
    } else if (*host == '[') {
        char *close = strchr(host, ']');
        if (close) {
            *close = '\0';
            host++;
            if (close[1] == ':') port = close + 2;
            else if (close[1] != '\0') host = NULL;
        }
        if (!close || !host) fail(url, "an IPv6 address goes in brackets: redis://[::1]:6379/prefix", error);
    } else {
        port = strchr(host, ':');
        if (port) *port++ = '\0';
    }
    if (!*error) {
        unsigned char addr[16];
        long number = DEFAULT_PORT;
        char *end = NULL;
        if (port) number = strtol(port, &end, 10);
        bool v6 = rest[0] == '[';
        if (inet_pton(v6 ? AF_INET6 : AF_INET, host, addr) != 1)
            fail(url, "the host must be an IP address or a unix socket (a name would be resolved blocking)", error);
        else if (port && (end == port || *end != '\0' || number < 1 || number > 65535))
            fail(url, "the port must be a number from 1 to 65535", error);
        else {
            a->host = gt_strdup(host);
            a->port = (int)number;
            a->prefix = gt_strdup(slash && slash[1] ? slash + 1 : DEFAULT_PREFIX);
            ok = true;
        }
    }
    free(authority);
    return ok;
}

bool gt_redis_addr_parse(const char *url, gt_redis_addr *a, char **error)
{
    *a = (gt_redis_addr){0};
    *error = NULL;
    if (!gt_redis_url_is(url)) return fail(url, "not a redis:// URL", error);
    const char *rest = url + 8;
    if (strpbrk(rest, "?#")) return fail(url, "a query or fragment is not supported", error);
    bool ok = rest[0] == '/' ? parse_unix(url, rest, a, error) : parse_tcp(url, rest, a, error);
    if (ok && (!a->prefix || (!a->host && !a->socket_path))) ok = fail(url, "out of memory", error);
    else if (ok && !prefix_ok(a->prefix)) ok = fail(url, "the prefix must be 1 to 64 of A-Z a-z 0-9 _ . : -", error);
    if (!ok) gt_redis_addr_clear(a);
    return ok;
}

void gt_redis_addr_clear(gt_redis_addr *a)
{
    free(a->host);
    free(a->socket_path);
    free(a->prefix);
    *a = (gt_redis_addr){0};
}
