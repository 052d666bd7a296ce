/* fuzz_redis_url.c — the redis:// address reader: whatever it accepts is an IP literal and a port
 * in range, or a path ending in ".sock", with a prefix of the allowed characters; whatever it
 * refuses comes with a message that never repeats a URL holding a password. Input: the URL. */
#include <arpa/inet.h>

#include "../csrc/core/redis_link.h"
#include "fuzz.h"

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
        if (a.host && strchr(in[0], '@')) abort(); /* a user or password is never taken (a socket path may hold one) */
        gt_redis_addr_clear(&a);
    } else {
        if (!error) abort();
        if (strchr(in[0], '@') && strlen(in[0]) > 8 && strstr(error, in[0])) abort();
        if (a.host || a.socket_path || a.prefix) abort(); /* nothing left behind */
    }
    free(error);
    fuzz_free(in, 1);
    return 0;
}
