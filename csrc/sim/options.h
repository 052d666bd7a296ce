/* The command line and --help, which is the simulator's user documentation. */
#ifndef GENTASK_SIM_OPTIONS_H
#define GENTASK_SIM_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#define DEFAULT_API_KEY "sk-test-gentask"
#define DEFAULT_DURATION_MS 300

struct options {
    unsigned port;                 /* 0: any free port */
    const char **api_keys;         /* owned array; the strings point into argv */
    size_t api_key_count;
    int64_t default_duration_ms;
    unsigned max_active;           /* 0: no limit */
};

enum options_outcome {
    OPTIONS_RUN,
    OPTIONS_EXIT_OK,               /* --help was printed */
    OPTIONS_EXIT_USAGE,            /* a complaint went to stderr */
};

enum options_outcome options_parse(struct options *options, int argc, char **argv);
void options_free(struct options *options);

#endif
