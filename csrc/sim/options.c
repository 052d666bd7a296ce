#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "help.h"

static void complain(const char *program, const char *message, const char *value)
{
    fprintf(stderr, "%s: %s%s%s\nTry '%s --help'.\n", program, message, value ? ": " : "", value ? value : "", program);
}

/* A whole decimal number within [min, max], or a complaint that says which. */
static bool read_number(const char *program, const char *option, const char *what, unsigned long long min,
                        unsigned long long max, unsigned long long *out)
{
    unsigned long long value = 0;
    char *end = optarg;
    errno = 0;
    if (optarg[0] >= '0' && optarg[0] <= '9') /* strtoull would take "-1" and " 1" */
        value = strtoull(optarg, &end, 10);
    if (end == optarg || errno != 0 || *end != '\0' || value < min || value > max) {
        char message[128];
        snprintf(message, sizeof message, "%s wants %s %llu..%llu", option, what, min, max);
        complain(program, message, optarg);
        return false;
    }
    *out = value;
    return true;
}

enum options_outcome options_parse(struct options *options, int argc, char **argv)
{
    enum {
        PORT = 'p',
        KEY = 'k',
        DURATION = 'd',
        MAX_ACTIVE = 'm',
        MAX_CONNECTIONS = 'c',
        BACKLOG = 'b',
        DIE_WITH_PARENT = 'P',
        JWT_ISSUER = 'j',
        REPLAY = 'r',
        HELP = 'h'
    };
    static const struct option long_options[] = {
        {"port", required_argument, NULL, PORT},
        {"key", required_argument, NULL, KEY},
        {"duration-ms", required_argument, NULL, DURATION},
        {"max-active", required_argument, NULL, MAX_ACTIVE},
        {"max-connections", required_argument, NULL, MAX_CONNECTIONS},
        {"backlog", required_argument, NULL, BACKLOG},
        {"die-with-parent", no_argument, NULL, DIE_WITH_PARENT},
        {"jwt-issuer", required_argument, NULL, JWT_ISSUER},
        {"replay", required_argument, NULL, REPLAY},
        {"help", no_argument, NULL, HELP},
        {NULL, 0, NULL, 0},
    };
    const char *program = argc > 0 ? argv[0] : "gentask-sim";

    *options = (struct options){
        .default_duration_ms = DEFAULT_DURATION_MS,
        .max_connections = DEFAULT_MAX_CONNECTIONS,
        .backlog = DEFAULT_BACKLOG,
    };
    options->api_keys = calloc((size_t)argc + 1, sizeof *options->api_keys);
    options->replay_paths = calloc((size_t)argc + 1, sizeof *options->replay_paths);
    if (options->api_keys == NULL || options->replay_paths == NULL) return OPTIONS_EXIT_USAGE;

    unsigned long long n;
    int option;
    opterr = 0;
    while ((option = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
        switch (option) {
        case PORT:
            if (!read_number(program, "--port", "a number", 0, 65535, &n)) return OPTIONS_EXIT_USAGE;
            options->port = (unsigned)n;
            break;
        case KEY: options->api_keys[options->api_key_count++] = optarg; break;
        case DURATION:
            if (!read_number(program, "--duration-ms", "milliseconds", 0, 86400000, &n)) return OPTIONS_EXIT_USAGE;
            options->default_duration_ms = (int64_t)n;
            break;
        case MAX_ACTIVE:
            if (!read_number(program, "--max-active", "a number", 0, 1000000, &n)) return OPTIONS_EXIT_USAGE;
            options->max_active = (unsigned)n;
            break;
        case MAX_CONNECTIONS:
            if (!read_number(program, "--max-connections", "a number", 1, MAX_CONNECTIONS_MAX, &n))
                return OPTIONS_EXIT_USAGE;
            options->max_connections = (unsigned)n;
            break;
        case BACKLOG:
            if (!read_number(program, "--backlog", "a number", 1, BACKLOG_MAX, &n)) return OPTIONS_EXIT_USAGE;
            options->backlog = (unsigned)n;
            break;
        case DIE_WITH_PARENT: options->die_with_parent = true; break;
        case JWT_ISSUER: options->jwt_issuer = optarg; break;
        case REPLAY: options->replay_paths[options->replay_path_count++] = optarg; break;
        case HELP: help_print(stdout); return OPTIONS_EXIT_OK;
        case ':': complain(program, "missing value for", argv[optind - 1]); return OPTIONS_EXIT_USAGE;
        default: complain(program, "unknown option", argv[optind - 1]); return OPTIONS_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        complain(program, "unexpected argument", argv[optind]);
        return OPTIONS_EXIT_USAGE;
    }
    if (options->api_key_count == 0) {
        options->api_keys[0] = DEFAULT_API_KEY;
        options->api_key_count = 1;
    }
    return OPTIONS_RUN;
}

void options_free(struct options *options)
{
    free(options->api_keys);
    options->api_keys = NULL;
    free(options->replay_paths);
    options->replay_paths = NULL;
}
