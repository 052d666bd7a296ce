/* --help: the simulator's user documentation. This file holds the program's part (usage, options,
 * admin endpoints) and the order of the whole; the dialects and the scenario words have files of
 * their own. */
#include "help.h"

#include "jwt.h"
#include "options.h"

#define STR(x) #x
#define XSTR(x) STR(x)

/* The help text is laid out as it prints: the formatter leaves it alone. */
/* clang-format off */
static const char help_usage[] =
"Usage: gentask-sim [--port N] [--key KEY]... [--duration-ms MS] [--max-active N]\n"
"                   [--max-connections N] [--backlog N] [--die-with-parent]\n"
"                   [--jwt-issuer ACCESS_KEY] [--replay FILE]... [--help]\n"
"\n"
"A provider simulator for gentask: a real HTTP server on 127.0.0.1 that speaks the\n"
"dialects of asynchronous image-generation APIs (FoxAPI, BFL, FLORA, ModelsLab,\n"
"APIXO, and the made-up ACME, each under its own path prefix), so that tests,\n"
"benchmarks and your own scripts can run offline. Tasks progress with time;\n"
"scenario words in the prompt or in a header make a task fail, or make the server\n"
"misbehave. Each dialect follows its provider's documentation, summarised in the\n"
"repository's docs/providers.md. Replay mode (below) serves more providers from\n"
"data files of their documented exchanges.\n"
"\n";

static const char help_options[] =
"Options\n"
"  --port N          listen on 127.0.0.1:N; 0 (the default) picks a free port\n"
"  --key KEY         an accepted API key, in every dialect; repeat for several\n"
"                    (default: one key, " DEFAULT_API_KEY ")\n"
"  --duration-ms MS  simulated generation time of a task (default 300)\n"
"  --max-active N    at most N tasks generating at once per API key and dialect\n"
"                    (0, the default: no limit). A submit that would create task\n"
"                    N+1 while N of that key are still generating (now <\n"
"                    submitted + duration) is answered 429 in the dialect's\n"
"                    rate-limit shape with \"Retry-After: 1\" in every dialect\n"
"                    (ModelsLab: also \"retry_after\": 1 in the body), whatever the\n"
"                    retry-after words say; no task is created. Counted as\n"
"                    \"rate_limited\" in the stats. FLORA replays of an idempotency\n"
"                    key are never refused: they add no work\n"
"  --max-connections N  TCP connections served at once (1..1000000, default\n"
"                    " XSTR(DEFAULT_MAX_CONNECTIONS) "). Clients keep connections alive, one or more each:\n"
"                    past the limit new ones wait unaccepted, so 10,000 tasks in\n"
"                    flight on their own connections want more than 10000. Each\n"
"                    takes a file descriptor: the simulator raises its soft limit\n"
"                    to the hard one (ulimit -Hn) and refuses to start if N does\n"
"                    not fit\n"
"  --backlog N       connections the kernel queues before the simulator accepts\n"
"                    them (1..1000000, default " XSTR(DEFAULT_BACKLOG) "). The kernel caps it\n"
"                    at /proc/sys/net/core/somaxconn (4096 on recent Linux; a\n"
"                    note on stderr says when it did); a burst of connects beyond\n"
"                    it is refused or retried by the clients' kernels\n"
"  --die-with-parent end (as on SIGTERM) when the process that started it ends,\n"
"                    killed or not: gentask --sim starts it so (Linux only)\n"
"  --jwt-issuer ACCESS_KEY  every dialect that takes \"Authorization: Bearer\"\n"
"                    wants an HS256 JWT there instead of a key (as Kling does):\n"
"                    signed with the secret in the environment variable\n"
"                    " SIM_JWT_SECRET_ENV " (never the command line: ps shows\n"
"                    it to every user), \"iss\" ACCESS_KEY, \"exp\" after now and\n"
"                    \"nbf\" not after now (the wall clock, Unix seconds); any other\n"
"                    is answered as a bad key (401); a replay file asks it with\n"
"                    \"Bearer {jwt}\" (its \"Bearer {key}\" keeps keys). Stats:\n"
"                    \"jwt\": {\"tokens\":\n"
"                    tokens taken, each counted when it differs from the one\n"
"                    before (a client that renews its token shows several),\n"
"                    \"refused\": {\"malformed\", \"signature\", \"issuer\",\n"
"                    \"expired\", \"early\"}}\n"
"  --replay FILE     serve a replay file (see Replay mode) besides the built-in\n"
"                    ones, or instead of the built-in one of the same name;\n"
"                    repeat for several\n"
"  --help            print this text and exit\n"
"\n";

static const char help_startup[] =
"At start it prints one line to stdout, then serves until SIGTERM or SIGINT:\n"
"  gentask-sim listening on 127.0.0.1:PORT pid PID admin 127.0.0.1:ADMIN_PORT\n"
"ADMIN_PORT, a free port, serves everything PORT does, but stays open through an\n"
"outage (POST /_sim/outage): send the admin requests there.\n"
"Every task goes through the same phases over its duration: pending (the first\n"
"10%), processing, then its ending; each dialect names them in its own words.\n"
"Result URLs, in every dialect, are http://127.0.0.1:PORT/files/ID-I.png (I from 0).\n"
"\n";

static const char help_downloads[] =
"Downloads\n"
"  GET /files/ID-I.png  a 64x64 PNG whose colour follows from the task's prompt and I\n"
"                       (no auth; any other NAME.png: from its name); result URLs\n"
"                       point here. Stats count requests that carried a key\n"
"                       (\"downloads_with_key\"); ?tasks=1 lists each request (\"files\":\n"
"                       path, number, status, bytes, sha256, key_seen)\n"
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
"                       \"duplicates\": submits answered with an existing task\n"
"                         (FLORA idempotency replays),\n"
"                       \"idempotency_conflicts\": 422 idempotency_conflict answers,\n"
"                       \"idempotency_keys\": {KEY: submits answered with its task},\n"
"                       \"rate_limited\": submits refused by --max-active,\n"
"                       \"duplicate_submits\": logical submits that created more\n"
"                         than one task (FLORA replays create none),\n""                       \"outage_refused\": requests dropped by outages (a connect\n"
"                         to the closed port never reaches the simulator: not\n"
"                         counted), \"outage_until_ms\": the end of the outage\n"
"                         going on, 0 when there is none,\n"
"                       \"submits_by_body\": {HASH: {\"dialect\", \"attempts\": [arrival\n"
"                         ms of each attempt], \"statuses\": [HTTP status answered\n"
"                         to each, 0 for a dropped connection, null while not yet\n"
"                         decided; a slow answer's status is known when it is\n"
"                         held], \"accepted\": tasks it created}} (HASH: 16 hex\n"
"                         digits of the logical submit, see First attempts),\n"
"                       \"tasks\": {ID: {\"dialect\", \"polls\", \"first_poll_ms\",\n"
"                         \"last_poll_ms\" (null before the first poll), \"submitted_ms\",\n"
"                         \"duration_ms\", \"state\", \"scenario\", \"ignored_words\"?,\n"
"                         \"idempotency_key\"?}},\n"
"                       \"replay\": replay mode's counters (see Replay mode)}\n"
"                      All times are milliseconds since the simulator started.\n"
"  GET  /_sim/stats?tasks=0   the same without \"tasks\" and \"submits_by_body\"\n"
"  GET  /_sim/stats?tasks=0&bodies=1   without \"tasks\", with \"submits_by_body\"\n"
"                      (?bodies=0 leaves it out; without ?bodies it follows ?tasks)\n"
"  POST /_sim/reset    forget all tasks, idempotency keys, logical submits and replay\n"
"                      flows, zero\n"
"                      every counter, end any outage;\n"
"                      {\"ok\":true}\n"
"  POST /_sim/sign     the body's HMAC-SHA256 keyed with the X-Sim-Secret header,\n"
"                      as a provider signs a webhook (a test forges one signed\n"
"                      with a secret of its choosing); {\"hmac_sha256\": hex}\n"
"  POST /_sim/sign?scheme=standard&id=ID&timestamp=T   Standard Webhooks'\n"
"                      headers for the body (Replicate's scheme), keyed with the\n"
"                      X-Sim-Secret header (whsec_<base64>): {\"webhook-id\",\n"
"                      \"webhook-timestamp\", \"webhook-signature\": \"v1,<base64>\"}\n"
"  POST /_sim/sign?scheme=t_v1&timestamp=T   OpenRouter's header for the body,\n"
"                      keyed with the X-Sim-Secret header's bytes:\n"
"                      {\"x-openrouter-signature\": \"t=T,v1=<hex HMAC of T,body>\"}\n"
"  POST /_sim/sign?scheme=ed25519&request_id=R&user_id=U&timestamp=T   fal's\n"
"                      headers for the body, signed with the simulator's own\n"
"                      Ed25519 key (made at start; it never leaves the process)\n"
"  GET  /_sim/jwks.json   that key's public half as a JWKS document\n"
"  POST /_sim/outage?ms=N   play a server that is down for N milliseconds\n"
"                      (1..600000; or ?seconds=S, 0.001..600), then up again by\n"
"                      itself. PORT is closed, so connects are refused\n"
"                      (ECONNREFUSED: the client knows nothing arrived), and a\n"
"                      request on a connection opened before is not answered: its\n"
"                      connection is closed, and the simulator counts nothing of it\n"
"                      but \"outage_refused\". Requests that arrived before the\n"
"                      outage are answered as usual (a slow one when its time\n"
"                      comes). Tasks go on generating: a poll after the outage sees\n"
"                      each as the clock says. /_sim/ requests are answered\n"
"                      throughout, on ADMIN_PORT and on connections already open.\n"
"                      At the end PORT is bound again (within a few ms). A new\n"
"                      outage replaces the one going on; ?ms=0 ends it now, as\n"
"                      /_sim/reset does. Another length, or none: 400\n"
"                      invalid_parameters.\n"
"                      {\"ok\":true,\"until_ms\": when it ends (0 for ms=0)}\n"
"\n";

static const char help_other[] =
"Anything else: 404 (unknown path), 405 (wrong method, with Allow), 413 (request body\n"
"over 1 MiB), all with a JSON error body: under a dialect's prefix, 404 and 405 in\n"
"that dialect's shape; otherwise FoxAPI's. Connections are kept alive.\n";
/* clang-format on */

void help_print(FILE *out)
{
    fputs(help_usage, out);
    fputs(help_options, out);
    fputs(help_startup, out);
    help_print_dialects(out);
    fputs(help_downloads, out);
    help_print_scenario(out);
    help_print_replay(out);
    fputs(help_admin, out);
    fputs(help_other, out);
}
