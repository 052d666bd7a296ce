#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* In sections: ISO C only promises string literals of 4095 characters. */
static const char help_usage[] =
"Usage: gentask-sim [--port N] [--key KEY]... [--duration-ms MS] [--help]\n"
"\n"
"A provider simulator for gentask: a real HTTP server on 127.0.0.1 that speaks the\n"
"dialects of asynchronous image-generation APIs, so that tests, benchmarks and your\n"
"own scripts can run offline. Tasks progress with time; scenario words in the prompt\n"
"or in a header make a task fail, or make the server misbehave.\n"
"\n";

static const char help_options[] =
"Options\n"
"  --port N          listen on 127.0.0.1:N; 0 (the default) picks a free port\n"
"  --key KEY         an accepted API key; repeat for several\n"
"                    (default: one key, " DEFAULT_API_KEY ")\n"
"  --duration-ms MS  simulated generation time of a task (default 300)\n"
"  --help            print this text and exit\n"
"\n";

static const char help_startup[] =
"At start it prints one line to stdout, then serves until SIGTERM or SIGINT:\n"
"  gentask-sim listening on 127.0.0.1:PORT pid PID\n"
"\n";

static const char help_foxapi[] =
"FoxAPI dialect (base_url http://127.0.0.1:PORT/foxapi)\n"
"  POST /foxapi/v1/images/generations   submit; JSON body {\"model\", \"prompt\", ...}\n"
"  POST /foxapi/v1/videos/generations   the same, object \"video.generation.task\"\n"
"  GET  /foxapi/v1/tasks/{id}           poll\n"
"  Auth: header \"Authorization: Bearer KEY\"; otherwise 401 invalid_api_key.\n"
"  A submit answers 200 with {\"id\": \"task-unified-...\", \"object\", \"created\",\n"
"  \"model\", \"status\": \"pending\", \"progress\": 0,\n"
"  \"task_info\": {\"can_cancel\", \"estimated_time\"}}.\n"
"  A poll answers the same object. Over the task's duration: \"pending\" (first 10%),\n"
"  then \"processing\" with progress 10..99, then \"completed\" (progress 100) with\n"
"  \"results\": [{\"url\"}], or \"failed\" with \"error\": {\"code\", \"message\"}, or\n"
"  \"cancelled\" (both progress 0). estimated_time is the remaining time in whole\n"
"  seconds, rounded up. Result URLs are http://127.0.0.1:PORT/files/ID-I.png (I\n"
"  from 0), for video tasks too.\n"
"  Errors: HTTP status with {\"error\": {\"message\", \"type\", \"code\"}}:\n"
"    400 invalid_request_error  invalid_json | invalid_parameters\n"
"    401 authentication_error   invalid_api_key\n"
"    402 invalid_request_error  insufficient_balance\n"
"    403 permission_error       permission_denied\n"
"    404 not_found_error        task_not_found\n"
"    429 rate_limit_error       rate_limit_exceeded  (with a Retry-After header)\n"
"    500 server_error           internal_error\n"
"    502, 503, 504 server_error bad_gateway, service_unavailable, gateway_timeout\n"
"    other 4xx/5xx              invalid_request / server_error\n"
"\n";

static const char help_downloads[] =
"Downloads\n"
"  GET /files/ANYTHING.png   a 1x1 PNG (no auth); result URLs point here\n"
"\n";

static const char help_scenario[] =
"Scenario words steer one task. Write them in square brackets anywhere in the\n"
"prompt (\"a red fox [fail=timeout] [duration=50 n=2]\") and/or in the request header\n"
"\"X-Sim-Scenario: fail=timeout duration=50\" (space- or comma-separated; the header\n"
"is read after the prompt, so it wins on conflicts). They are read at submit and\n"
"stored with the task, so the poll words apply to its later polls. Unknown words\n"
"and bad values are ignored, and listed under \"ignored_words\" in the stats.\n"
"  duration=MS         generation time of this task (0..86400000)\n"
"  fail=CODE           the task ends \"failed\" with error.code CODE (any string).\n"
"                      Known codes get their documented message: model_unavailable,\n"
"                      content_policy_violation, generation_failed, timeout,\n"
"                      invalid_image_url, file_too_large, unsupported_format, and\n"
"                      EvoLink's invalid_parameters, image_processing_error,\n"
"                      image_dimension_mismatch, request_cancelled,\n"
"                      generation_failed_no_content, service_error,\n"
"                      generation_timeout, resource_exhausted, quota_exceeded,\n"
"                      service_unavailable, resource_not_found, unknown_error\n"
"  cancelled           the task ends \"cancelled\"\n"
"  http=STATUS         answer the submit with STATUS (400..599) and the error body\n"
"                      above; no task is created (the submission is still counted)\n"
"  retry-after=S       the Retry-After seconds sent with a 429 (default 1)\n"
"  poll-http=STATUS[:N]  answer every poll (or only the first N) with STATUS\n"
"  body=KIND           replace the submit's response with a fault (see KIND)\n"
"  poll-body=KIND[:N]  replace every poll's response (or the first N) with a fault\n"
"  reset               close the connection without answering the submit\n"
"  poll-reset[=N]      close the connection without answering every poll (or the\n"
"                      first N)\n"
"  echo-key[=FORM]     answer the submit 400 with a message quoting the received\n"
"                      Authorization header in full, and an X-Request-Id header\n"
"                      rq-<that header> (to test that clients redact the key);\n"
"                      FORM escaped writes '/' as \"\\/\" in the JSON, FORM deep puts\n"
"                      500 spaces before the key so it crosses byte 512 of the body\n"
"  shape=output        completed tasks carry \"output\": {\"url\", \"urls\": [...]}\n"
"                      instead of \"results\": [{\"url\"}] (shape=results, the default)\n"
"  n=K                 K result URLs (0..16, default 1)\n"
"  KIND is one of:\n"
"    malformed     200, invalid JSON: {\"id\": \"task-unified-\n"
"    truncated     200, Content-Length of the full body, half of it sent, then close\n"
"    html          502 text/html <html><body><h1>502 Bad Gateway</h1></body></html>\n"
"    empty         200, empty body\n"
"    huge          200, 64 MiB of JSON-looking text\n"
"    wrongtypes    200, known fields with wrong JSON types\n"
"    notobject     200, [1,2,3]\n"
"    noid          200, the task object without \"id\"\n"
"    unknownstate  200, the task object with \"status\": \"sleeping\"\n"
"  Order at submit: bad key (401), bad JSON (400), http=, body=html, echo-key,\n"
"  missing model/prompt (400); then the task is created, and only then do reset\n"
"  and the other body= kinds apply: the provider accepted the work even though\n"
"  the client never saw a proper answer.\n"
"  Order at poll: bad key (401), unknown id (404), poll-reset, poll-http, poll-body.\n"
"\n";

static const char help_admin[] =
"Admin endpoints (no auth)\n"
"  GET  /_sim/stats    {\"submissions\": submit requests received, rejected ones too,\n"
"                       \"accepted\": tasks created, \"polls\": poll requests,\n"
"                       \"downloads\": /files requests,\n"
"                       \"connections\": TCP connections accepted,\n"
"                       \"in_flight\": tasks still generating now,\n"
"                       \"max_in_flight\": the most ever generating at once,\n"
"                       \"now_ms\": milliseconds since the simulator started,\n"
"                       \"tasks\": {ID: {\"dialect\", \"polls\", \"first_poll_ms\",\n"
"                         \"last_poll_ms\" (null before the first poll), \"submitted_ms\",\n"
"                         \"duration_ms\", \"state\", \"scenario\", \"ignored_words\"?}}}\n"
"                      All times are milliseconds since the simulator started.\n"
"  GET  /_sim/stats?tasks=0   the same without \"tasks\"\n"
"  POST /_sim/reset    forget all tasks and zero every counter; {\"ok\":true}\n"
"\n";

static const char help_other[] =
"Anything else: 404 (unknown path), 405 (wrong method, with Allow), 413 (request body\n"
"over 1 MiB), all with a JSON error body. Connections are kept alive.\n";

static void print_help(void)
{
    const char *const sections[] = {
        help_usage, help_options, help_startup, help_foxapi,
        help_downloads, help_scenario, help_admin, help_other,
    };
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        fputs(sections[i], stdout);
}

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
        case 'h':
            print_help();
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
