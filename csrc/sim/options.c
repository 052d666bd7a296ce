#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "help.h"

static void complain(const char *program, const char *message, const char *value)
{
    fprintf(stderr, "%s: %s%s%s\nTry '%s --help'.\n", program, message, value ? ": " : "",
            value ? value : "", program);
}

static bool parse_number(const char *text, unsigned long long max, unsigned long long *out)
{
    if (text[0] < '0' || text[0] > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || value > max)
        return false;
    *out = value;
    return true;
}

enum options_outcome options_parse(struct options *options, int argc, char **argv)
{
    static const struct option long_options[] = {
        { "port", required_argument, NULL, 'p' },
        { "key", required_argument, NULL, 'k' },
        { "duration-ms", required_argument, NULL, 'd' },
        { "max-active", required_argument, NULL, 'm' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static const char *const default_keys[] = { DEFAULT_API_KEY };
    const char *program = argc > 0 ? argv[0] : "gentask-sim";

    *options = (struct options){ .default_duration_ms = DEFAULT_DURATION_MS };
    options->api_keys = calloc((size_t)argc + 1, sizeof *options->api_keys);
    if (options->api_keys == NULL)
        return OPTIONS_EXIT_USAGE;

    unsigned long long number;
    int option;
    opterr = 0;
    while ((option = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
        switch (option) {
        case 'p':
            if (!parse_number(optarg, 65535, &number)) {
                complain(program, "--port wants a number 0..65535", optarg);
                return OPTIONS_EXIT_USAGE;
            }
            options->port = (unsigned)number;
            break;
        case 'k':
            options->api_keys[options->api_key_count++] = optarg;
            break;
        case 'd':
            if (!parse_number(optarg, 86400000, &number)) {
                complain(program, "--duration-ms wants milliseconds 0..86400000", optarg);
                return OPTIONS_EXIT_USAGE;
            }
            options->default_duration_ms = (int64_t)number;
            break;
        case 'm':
            if (!parse_number(optarg, 1000000, &number)) {
                complain(program, "--max-active wants a number 0..1000000", optarg);
                return OPTIONS_EXIT_USAGE;
            }
            options->max_active = (unsigned)number;
            break;
        case 'h':
            help_print(stdout);
            return OPTIONS_EXIT_OK;
        case ':':
            complain(program, "missing value for", argv[optind - 1]);
            return OPTIONS_EXIT_USAGE;
        default:
            complain(program, "unknown option", argv[optind - 1]);
            return OPTIONS_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        complain(program, "unexpected argument", argv[optind]);
        return OPTIONS_EXIT_USAGE;
    }
    if (options->api_key_count == 0) {
        options->api_keys[0] = default_keys[0];
        options->api_key_count = 1;
    }
    return OPTIONS_RUN;
}

void options_free(struct options *options)
{
    free(options->api_keys);
    options->api_keys = NULL;
}
