/* fuzz_redis_url.c — the redis:// address reader: whatever it accepts is an IP literal and a port
 * in range, or a path ending in ".sock", with a prefix of the allowed characters, and an address
 * to show that does not hold its password; whatever it refuses comes with a message that never
 * repeats a URL holding a password. Input: the URL. */
#include <arpa/inet.h>

#include "../csrc/core/store/redis_link.h"
#include "fuzz.h"

/* an '@' before the first '/' after the scheme: user information */
static bool has_userinfo(const char *url)
{
    if (strncmp(url, "redis://", 8) != 0) return strchr(url, '@') != NULL;
    const char *at = strchr(url + 8, '@'), *slash = strchr(url + 8, '/');
    return at && (!slash || at < slash);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char **in = fuzz_split(data, size, 1);
    gt_redis_addr a;
    char *error = NULL;
    if (gt_redis_addr_parse(in[0], &a, &error)) {
        if (error || !a.prefix || (!a.host == !a.socket_path)) abort();
        unsigned char bytes[16];
        if (a.host && inet_pton(AF_INET, a.host, bytes) != 1 && inet_pton(AF_INET6, a.host, bytes) != 1) abort();
        if (a.host && (a.port < 1 || a.port > 65535)) abort();
        size_t n = a.socket_path ? strlen(a.socket_path) : 0;
        if (a.socket_path && (n < 5 || strcmp(a.socket_path + n - 5, ".sock") != 0)) abort();
        size_t p = strlen(a.prefix);
        if (p == 0 || p > 64 ||
            strspn(a.prefix, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-") != p)
            abort();
        if (!a.shown || strncmp(a.shown, "redis://", 8) != 0) abort();
        if (a.user && !a.password) abort(); /* a user alone is refused */
        if (a.password && !*a.password) abort();
        if (a.shown[8] != '/' && strchr(a.shown, '@')) abort(); /* an IP's address shown without user information */
        gt_redis_addr_clear(&a);
    } else {
        if (!error) abort();
        /* a URL with user information is never quoted whole */
        if (has_userinfo(in[0]) && strstr(error, in[0])) abort();
        if (a.host || a.socket_path || a.prefix || a.user || a.password || a.shown) abort(); /* nothing left behind */
    }
    free(error);
    fuzz_free(in, 1);
    return 0;
}
