/* bench/counts.c — build/bench/counts.so, the LD_PRELOAD counter of `make bench-counts`.
 *
 * Counts, in whatever process it is preloaded into (gentask's Lua peer or the floor alike, with no
 * change to either), the calls into libcurl's multi interface, the callbacks libcurl makes to the
 * application, the setopt calls, poll(2) waits, and heap allocations by the object that asked for
 * them: the application's C (gentask's core.so, or the floor's executable), Lua (the lua5.4 or
 * luajit executable: its allocator is realloc), cJSON, libcurl, libc's own (stdio, the resolver;
 * a strdup counts as its caller's) and the rest (TLS, compression, the loader). Counts, not times: they do
 * not depend on how busy the machine is, only on how the work was batched.
 *
 * At exit, one line of "name=count" pairs is appended to the file named by GT_COUNTS_OUT.
 * Bench-only: the setopt wrappers forward the one variadic argument as a pointer-sized integer,
 * which is what every libcurl option takes on x86-64 and aarch64 (long, pointer, curl_off_t). */
#define _GNU_SOURCE
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum origin { FROM_APP, FROM_LUA, FROM_CJSON, FROM_CURL, FROM_LIBC, FROM_OTHER, ORIGINS };
static const char *const origin_names[ORIGINS] = {"app", "lua", "cjson", "curl", "libc", "other"};

enum counter {
    SOCKET_ACTION_FD,
    SOCKET_ACTION_TIMEOUT,
    MULTI_PERFORM,
    MULTI_POLL,
    INFO_READ,
    INFO_READ_MSGS,
    MULTI_TIMEOUT,
    TIMER_CALLBACK,
    SOCKET_CALLBACK,
    EASY_SETOPT,
    MULTI_SETOPT,
    ADD_HANDLE,
    REMOVE_HANDLE,
    EASY_RESET,
    EASY_GETINFO,
    SLIST_APPEND,
    POLL_WAITS,
    COUNTERS
};
static const char *const counter_names[COUNTERS] = {
    "socket_action_fd", "socket_action_timeout",
    "multi_perform",    "multi_poll",
    "info_read",        "info_read_msgs",
    "multi_timeout",    "timer_cb",
    "socket_cb",        "easy_setopt",
    "multi_setopt",     "add_handle",
    "remove_handle",    "easy_reset",
    "easy_getinfo",     "slist_append",
    "poll_waits",
};

static unsigned long counts[COUNTERS];
static unsigned long allocs[ORIGINS];
static __thread int inside; /* an allocation made while classifying one is not counted */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static enum origin origin_of(const void *caller)
{
    Dl_info info;
    if (!dladdr(caller, &info) || !info.dli_fname) return FROM_OTHER;
    const char *name = strrchr(info.dli_fname, '/');
    name = name ? name + 1 : info.dli_fname;
    if (strcmp(name, "core.so") == 0 || strncmp(name, "floor", 5) == 0) return FROM_APP;
    if (strncmp(name, "lua", 3) == 0 || strncmp(name, "libluajit", 9) == 0) return FROM_LUA;
    if (strncmp(name, "libcjson", 8) == 0) return FROM_CJSON;
    if (strncmp(name, "libcurl", 7) == 0) return FROM_CURL;
    if (strncmp(name, "libc.so", 7) == 0) return FROM_LIBC;
    return FROM_OTHER;
}

/* GT_COUNTS_SITES=1: the application's allocations by call site too (object offset → count), for
 * addr2line -f -e core.so OFFSET. */
enum { SITES = 1024 };
static struct {
    uintptr_t offset;
    unsigned long count;
} sites[SITES];
static int by_site;

/* GT_COUNTS_SITES=2: the caller's caller as well (an allocating helper's users); only for a build
 * with frame pointers: make all OPT="-O2 -g -fno-omit-frame-pointer" BUILD_SUFFIX=-fp */
#pragma GCC diagnostic ignored "-Wframe-address"
#define CALLERS_CALLER() \
    (by_site == 2 && origin_of(__builtin_return_address(0)) == FROM_APP ? __builtin_return_address(1) : NULL)

__attribute__((constructor)) static void read_settings(void)
{
    const char *sites_wanted = getenv("GT_COUNTS_SITES");
    by_site = sites_wanted ? atoi(sites_wanted) : 0;
}

static void count_site(const void *caller)
{
    Dl_info info;
    if (!dladdr(caller, &info)) return;
    uintptr_t offset = (uintptr_t)caller - (uintptr_t)info.dli_fbase;
    for (size_t i = offset % SITES, probes = 0; probes < SITES; i = (i + 1) % SITES, probes++) {
        if (sites[i].offset == offset || sites[i].count == 0) {
            sites[i].offset = offset;
            sites[i].count++;
            return;
        }
    }
}

static void count_alloc(const void *caller, const void *callers_caller)
{
    if (inside) return;
    inside = 1;
    enum origin o = origin_of(caller);
    __atomic_fetch_add(&allocs[o], 1, __ATOMIC_RELAXED);
    if (by_site && o == FROM_APP) count_site(caller);
    if (by_site == 2 && o == FROM_APP && callers_caller) count_site(callers_caller);
    inside = 0;
}

void *malloc(size_t size)
{
    count_alloc(__builtin_return_address(0), CALLERS_CALLER());
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    count_alloc(__builtin_return_address(0), CALLERS_CALLER());
    return __libc_calloc(n, size);
}

/* Lua's allocator grows and shrinks blocks through realloc: each call that returns a block is one. */
void *realloc(void *old, size_t size)
{
    if (size) count_alloc(__builtin_return_address(0), CALLERS_CALLER());
    return __libc_realloc(old, size);
}

/* strdup and strndup are libc's, but the copy is made for their caller: counted as the caller's */
char *strdup(const char *text)
{
    count_alloc(__builtin_return_address(0), CALLERS_CALLER());
    size_t len = strlen(text);
    char *copy = __libc_malloc(len + 1);
    if (copy) memcpy(copy, text, len + 1);
    return copy;
}

char *strndup(const char *text, size_t max)
{
    count_alloc(__builtin_return_address(0), CALLERS_CALLER());
    size_t len = strnlen(text, max);
    char *copy = __libc_malloc(len + 1);
    if (!copy) return NULL;
    memcpy(copy, text, len);
    copy[len] = '\0';
    return copy;
}

int posix_memalign(void **out, size_t align, size_t size)
{
    count_alloc(__builtin_return_address(0), CALLERS_CALLER());
    *out = __libc_memalign(align, size);
    return *out ? 0 : 12; /* ENOMEM */
}

/* The real function: next in the global scope, else in libcurl itself, which a Lua module (loaded
 * RTLD_LOCAL) brings in where RTLD_NEXT does not look. Looked up once per name. */
#define REAL(name)                                              \
    ({                                                          \
        static __typeof__(&name) real_fn;                       \
        if (!real_fn) real_fn = (__typeof__(&name))real(#name); \
        real_fn;                                                \
    })
static void *real(const char *name)
{
    void *fn = dlsym(RTLD_NEXT, name);
    if (!fn) {
        void *curl = dlopen("libcurl.so.4", RTLD_LAZY | RTLD_NOLOAD);
        fn = curl ? dlsym(curl, name) : NULL;
    }
    if (!fn) abort();
    return fn;
}

static void bump(enum counter c)
{
    __atomic_fetch_add(&counts[c], 1, __ATOMIC_RELAXED);
}

static curl_multi_timer_callback app_timer;
static curl_socket_callback app_socket;

static int count_timer(CURLM *multi, long timeout_ms, void *userp)
{
    bump(TIMER_CALLBACK);
    return app_timer(multi, timeout_ms, userp);
}

static int count_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    bump(SOCKET_CALLBACK);
    return app_socket(easy, s, what, userp, socketp);
}

CURLMcode curl_multi_setopt(CURLM *multi, CURLMoption option, ...)
{
    va_list args;
    va_start(args, option);
    uintptr_t value = va_arg(args, uintptr_t);
    va_end(args);
    bump(MULTI_SETOPT);
    if (option == CURLMOPT_TIMERFUNCTION && value) {
        app_timer = (curl_multi_timer_callback)value;
        value = (uintptr_t)count_timer;
    } else if (option == CURLMOPT_SOCKETFUNCTION && value) {
        app_socket = (curl_socket_callback)value;
        value = (uintptr_t)count_socket;
    }
    return REAL(curl_multi_setopt)(multi, option, value);
}

CURLcode curl_easy_setopt(CURL *easy, CURLoption option, ...)
{
    va_list args;
    va_start(args, option);
    uintptr_t value = va_arg(args, uintptr_t);
    va_end(args);
    bump(EASY_SETOPT);
    return REAL(curl_easy_setopt)(easy, option, value);
}

CURLMcode curl_multi_socket_action(CURLM *multi, curl_socket_t s, int mask, int *running)
{
    bump(s == CURL_SOCKET_TIMEOUT ? SOCKET_ACTION_TIMEOUT : SOCKET_ACTION_FD);
    return REAL(curl_multi_socket_action)(multi, s, mask, running);
}

CURLMcode curl_multi_perform(CURLM *multi, int *running)
{
    bump(MULTI_PERFORM);
    return REAL(curl_multi_perform)(multi, running);
}

CURLMcode curl_multi_poll(CURLM *multi, struct curl_waitfd extra[], unsigned n, int ms, int *ret)
{
    bump(MULTI_POLL);
    return REAL(curl_multi_poll)(multi, extra, n, ms, ret);
}

CURLMsg *curl_multi_info_read(CURLM *multi, int *left)
{
    bump(INFO_READ);
    CURLMsg *msg = REAL(curl_multi_info_read)(multi, left);
    if (msg) bump(INFO_READ_MSGS);
    return msg;
}

CURLMcode curl_multi_timeout(CURLM *multi, long *ms)
{
    bump(MULTI_TIMEOUT);
    return REAL(curl_multi_timeout)(multi, ms);
}

CURLMcode curl_multi_add_handle(CURLM *multi, CURL *easy)
{
    bump(ADD_HANDLE);
    return REAL(curl_multi_add_handle)(multi, easy);
}

CURLMcode curl_multi_remove_handle(CURLM *multi, CURL *easy)
{
    bump(REMOVE_HANDLE);
    return REAL(curl_multi_remove_handle)(multi, easy);
}

void curl_easy_reset(CURL *easy)
{
    bump(EASY_RESET);
    REAL(curl_easy_reset)(easy);
}

CURLcode curl_easy_getinfo(CURL *easy, CURLINFO info, ...)
{
    va_list args;
    va_start(args, info);
    void *out = va_arg(args, void *);
    va_end(args);
    bump(EASY_GETINFO);
    return REAL(curl_easy_getinfo)(easy, info, out);
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *text)
{
    bump(SLIST_APPEND);
    return REAL(curl_slist_append)(list, text);
}

/* The application's waits only: libcurl's own poll inside curl_multi_poll is counted there. */
int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    const void *caller = __builtin_return_address(0);
    if (!inside) {
        inside = 1;
        if (origin_of(caller) == FROM_APP) bump(POLL_WAITS);
        inside = 0;
    }
    return REAL(poll)(fds, n, timeout);
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("GT_COUNTS_OUT");
    if (!path || !*path) return;
    inside = 1;
    char line[2048];
    size_t len = 0;
    for (int c = 0; c < COUNTERS; c++)
        len += (size_t)snprintf(line + len, sizeof line - len, "%s=%lu ", counter_names[c], counts[c]);
    for (int o = 0; o < ORIGINS; o++)
        len += (size_t)snprintf(line + len, sizeof line - len, "alloc_%s=%lu ", origin_names[o], allocs[o]);
    line[len - 1] = '\n';
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0) return;
    ssize_t written = write(fd, line, len);
    for (int i = 0; by_site > 0 && i < SITES; i++) {
        if (!sites[i].count) continue;
        int n = snprintf(line, sizeof line, "site 0x%lx %lu\n", (unsigned long)sites[i].offset, sites[i].count);
        written = write(fd, line, (size_t)n);
    }
    (void)written;
    close(fd);
}
