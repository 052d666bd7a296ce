/* redis_url.c — the "redis://" address of a client's shared state: an IP literal and a port, or a
 * unix socket, the prefix of every key, and the user and password to AUTH with. A host name is
 * refused rather than resolved: hiredis 0.14 resolves blocking, and a slow DNS server would stall
 * the host's loop. The password is a secret: messages name the address as `shown`, the URL without
 * its user information, and the copy kept here is wiped when the address is cleared. */
#include "redis_link.h"

#include <arpa/inet.h>
#include <curl/curl.h>
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

/* shown is the URL without its user information (or, for what is no redis:// URL, its scheme) */
static bool fail(const char *shown, const char *why, char **error)
{
    *error = gt_printf("journal %s: %s", shown, why);
    return false;
}

/* One part of user:password, percent-decoded by libcurl; NULL for an empty part. false: a NUL in
 * it, or out of memory. */
static bool decode_part(const char *from, size_t n, char **out)
{
    *out = NULL;
    if (n == 0) return true;
    int len = 0;
    char *decoded = curl_easy_unescape(NULL, from, (int)n, &len);
    if (!decoded) return false;
    bool ok = (size_t)len == strlen(decoded);
    if (ok) *out = gt_strndup(decoded, (size_t)len);
    memset(decoded, 0, (size_t)len);
    curl_free(decoded);
    return ok && *out;
}

/* user:password or :password (Redis's default user) before the '@' */
static bool parse_userinfo(const char *shown, const char *from, const char *at, gt_redis_addr *a, char **error)
{
    const char *colon = memchr(from, ':', (size_t)(at - from));
    if (!colon) return fail(shown, "a user needs a password: redis://USER:PASSWORD@IP:PORT/PREFIX", error);
    if (!decode_part(from, (size_t)(colon - from), &a->user) ||
        !decode_part(colon + 1, (size_t)(at - colon - 1), &a->password))
        return fail(shown, "the user or password cannot be decoded (a %00 in it?)", error);
    if (!a->password) return fail(shown, "the password is empty", error);
    return true;
}

/* No password in the URL: the environment's, if it names one (its user with it). */
static bool credentials_from_env(gt_redis_addr *a)
{
    const char *password = getenv(GT_REDIS_PASSWORD_ENV), *user = getenv(GT_REDIS_USER_ENV);
    if (a->password || !password || !*password) return true;
    a->password = gt_strdup(password);
    if (user && *user && !a->user) a->user = gt_strdup(user);
    return a->password && (!user || !*user || a->user);
}

/* redis:///path/to/x.sock[/prefix]: the socket is the path up to its part ending in ".sock". */
static bool parse_unix(const char *shown, const char *path, gt_redis_addr *a, char **error)
{
    size_t n = strlen(path);
    const char *prefix = NULL;
    if (!ends_with(path, n, ".sock")) {
        const char *slash = strrchr(path, '/');
        n = (size_t)(slash - path);
        prefix = slash + 1;
        if (!ends_with(path, n, ".sock"))
            return fail(shown, "a unix socket's file name must end in .sock (redis:///path/to/redis.sock/prefix)",
                        error);
    }
    a->socket_path = gt_strndup(path, n);
    a->prefix = gt_strdup(prefix ? prefix : DEFAULT_PREFIX);
    return true;
}

/* redis://IP[:PORT][/prefix], an IPv6 address in brackets. */
static bool parse_tcp(const char *shown, const char *rest, gt_redis_addr *a, char **error)
{
    const char *slash = strchr(rest, '/');
    size_t len = slash ? (size_t)(slash - rest) : strlen(rest);
    char *authority = gt_strndup(rest, len);
    if (!authority) return fail(shown, "out of memory", error);
    bool ok = false;
    char *host = authority, *port = NULL;
    if (*host == '[') {
        char *close = strchr(host, ']');
        if (close) {
            *close = '\0';
            host++;
            if (close[1] == ':') port = close + 2;
            else if (close[1] != '\0') host = NULL;
        }
        if (!close || !host) fail(shown, "an IPv6 address goes in brackets: redis://[::1]:6379/prefix", error);
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
            fail(shown, "the host must be an IP address or a unix socket (a name would be resolved blocking)", error);
        else if (port && (end == port || *end != '\0' || number < 1 || number > 65535))
            fail(shown, "the port must be a number from 1 to 65535", error);
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

/* The user information ends at the authority's last '@' (a password's own '@' is %40); the
 * authority ends at the first '/', so that a socket path may hold an '@'. */
static const char *userinfo_end(const char *rest)
{
    const char *at = NULL;
    for (const char *p = rest; *p && *p != '/'; p++)
        if (*p == '@') at = p;
    return at;
}

static bool parse(const char *url, gt_redis_addr *a, char **error)
{
    if (!gt_redis_url_is(url))
        return fail(strchr(url, '@') ? "(a URL holding a password)" : url, "not a redis:// URL", error);
    const char *rest = url + 8, *at = userinfo_end(rest), *address = at ? at + 1 : rest;
    /* an '@' left in an IP's address is a password's that was not percent-encoded (a '/' in it
     * ended the user information early): nothing of it is shown */
    if (address[0] != '/' && strchr(address, '@'))
        return fail("redis://…", "percent-encode a password's '/' and '@' (%2F, %40)", error);
    a->shown = gt_printf("redis://%s", address);
    if (!a->shown) return fail("redis://…", "out of memory", error);
    const char *shown = a->shown;
    if (strpbrk(address, "?#")) return fail(shown, "a query or fragment is not supported", error);
    if (at && !parse_userinfo(shown, rest, at, a, error)) return false;
    if (!credentials_from_env(a)) return fail(shown, "out of memory", error);
    bool ok = address[0] == '/' ? parse_unix(shown, address, a, error) : parse_tcp(shown, address, a, error);
    if (ok && (!a->prefix || (!a->host && !a->socket_path))) ok = fail(shown, "out of memory", error);
    else if (ok && !prefix_ok(a->prefix)) ok = fail(shown, "the prefix must be 1 to 64 of A-Z a-z 0-9 _ . : -", error);
    return ok;
}

bool gt_redis_addr_parse(const char *url, gt_redis_addr *a, char **error)
{
    *a = (gt_redis_addr){0};
    *error = NULL;
    bool ok = parse(url, a, error);
    if (!ok) gt_redis_addr_clear(a);
    return ok;
}

bool gt_redis_addr_copy(gt_redis_addr *to, const gt_redis_addr *from)
{
    *to = (gt_redis_addr){.port = from->port};
    to->host = gt_strdup(from->host);
    to->socket_path = gt_strdup(from->socket_path);
    to->prefix = gt_strdup(from->prefix);
    to->user = gt_strdup(from->user);
    to->password = gt_strdup(from->password);
    to->shown = gt_strdup(from->shown);
    bool ok = !from->host == !to->host && !from->socket_path == !to->socket_path && !from->prefix == !to->prefix &&
              !from->user == !to->user && !from->password == !to->password && !from->shown == !to->shown;
    if (!ok) gt_redis_addr_clear(to);
    return ok;
}

void gt_redis_addr_clear(gt_redis_addr *a)
{
    free(a->host);
    free(a->socket_path);
    free(a->prefix);
    free(a->user);
    if (a->password) gt_wipe_free(a->password);
    free(a->shown);
    *a = (gt_redis_addr){0};
}

int gt_redis_auth_argv(const gt_redis_addr *a, const char *argv[3])
{
    if (!a->password) return 0;
    int n = 0;
    argv[n++] = "AUTH";
    if (a->user) argv[n++] = a->user;
    argv[n++] = a->password;
    return n;
}
