/* The command line. --help (help.c) is the simulator's user documentation. */
#ifndef GENTASK_SIM_OPTIONS_H
#define GENTASK_SIM_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEFAULT_API_KEY "sk-test-gentask"
#define DEFAULT_DURATION_MS 300
/* Enough for a few thousand keep-alive clients; 10,000 tasks in flight on one connection each
 * want --max-connections above 10000 (and as many file descriptors). */
#define DEFAULT_MAX_CONNECTIONS 4000
#define MAX_CONNECTIONS_MAX 1000000
/* The kernel caps a listen backlog at /proc/sys/net/core/somaxconn. */
#define DEFAULT_BACKLOG 1024
#define BACKLOG_MAX 1000000

struct options {
    unsigned port;         /* 0: any free port */
    const char **api_keys; /* owned array; the strings point into argv */
    size_t api_key_count;
    int64_t default_duration_ms;
    unsigned max_active;       /* 0: no limit */
    unsigned max_connections;  /* TCP connections served at once */
    unsigned backlog;          /* connections the kernel may queue before they are accepted */
    bool die_with_parent;      /* end when the process that started it does (gentask --sim) */
    const char **replay_paths; /* --replay FILE: replay files served besides the built-in ones */
    size_t replay_path_count;
    const char *jwt_issuer; /* --jwt-issuer: Bearer headers carry HS256 JWTs of this iss; NULL: keys */
};

enum options_outcome {
    OPTIONS_RUN,
    OPTIONS_EXIT_OK,    /* --help was printed */
    OPTIONS_EXIT_USAGE, /* a complaint went to stderr */
};

enum options_outcome options_parse(struct options *options, int argc, char **argv);
void options_free(struct options *options);

#endif
