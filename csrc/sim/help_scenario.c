/* --help, the scenario words' part: the words every dialect takes, the broken bodies, the order
 * in which faults apply, Retry-After and the first-attempts words. */
#include "help.h"

/* The help text is laid out as it prints: the formatter leaves it alone. */
/* clang-format off */
static const char help_scenario[] =
"Scenario words steer one task. Write them in square brackets anywhere in the\n"
"prompt (\"a red fox [fail=timeout] [duration=50 n=2]\") and/or in the request header\n"
"\"X-Sim-Scenario: fail=timeout duration=50\" (the header is read after the prompt,\n"
"so it wins on conflicts). Words are separated by spaces; but in a bracket group or\n"
"header that holds a comma, commas separate them, and the value of fail= and\n"
"error200= runs to the next comma, spaces included (\"fail=Request Moderated, n=2\").\n"
"They are read at submit and stored with the task, so the poll words apply to its\n"
"later polls. Unknown words, bad values and another dialect's words are ignored,\n"
"and listed under \"ignored_words\" in the stats. In every dialect:\n"
"  duration=MS         generation time of this task (0..86400000)\n"
"  eta=MS              FoxAPI, ModelsLab: the estimate reported is MS from submit,\n"
"                      counting down, whatever the true duration (0..86400000)\n"
"  fail=CODE           the task ends failed with CODE, as its dialect says above\n"
"  http=STATUS[:VARIANT]  answer the submit with STATUS (400..599) and the\n"
"                      dialect's error body for it (VARIANT: another documented body\n"
"                      of that status, see each dialect); no task is created (the\n"
"                      submission is still counted)\n"
"  retry-after=S       the Retry-After seconds of a 429 (default 1; ModelsLab's\n"
"                      body retry_after too); retry-after=none: no Retry-After at all\n"
"                      (more forms below, under Retry-After)\n"
"  poll-http=STATUS[:VARIANT][:N]  answer every poll (or only the first N) as\n"
"                      http= answers the submit\n"
"  cdn=STATUS[:N]      answer every submit attempt (or the first N) with\n"
"                      Cloudflare's own HTML error page of STATUS (520..526:\n"
"                      unknown error, web server down, connection timed out,\n"
"                      origin unreachable, a timeout occurred, SSL handshake\n"
"                      failed, invalid SSL certificate), Server: cloudflare and a\n"
"                      CF-RAY header, no provider request id; no task is created\n"
"  poll-cdn=STATUS[:N] the same page for every poll (or the first N)\n"
"  body=KIND           replace the submit's response with a fault (see KIND)\n"
"  poll-body=KIND[:N]  replace every poll's response (or the first N) with a fault\n"
"  reset               close the connection without answering the submit\n"
"  poll-reset[=N]      close the connection without answering every poll (or the\n"
"                      first N)\n"
"  echo-key[=FORM]     answer the submit 400, in the dialect's error shape, with a\n"
"                      message quoting the received key in full (the Authorization\n"
"                      header; BFL: x-key; ModelsLab: the body's key; ACME:\n"
"                      X-Api-Token), and a request-id header rq-<that key> (the\n"
"                      dialect's own: FLORA request-id, FoxAPI X-Oneapi-Request-Id;\n"
"                      X-Request-Id elsewhere) to test that clients redact the\n"
"                      key; FORM escaped writes '/' as \"\\/\" in the JSON, FORM\n"
"                      deep puts 500 spaces before the key so it crosses byte 512\n"
"                      of the body, FORM unicode writes every character of it as a\n"
"                      \\u escape, FORM percent percent-encodes it (and the header)\n"
"  result-echo-key[=FORM]  every poll answer gets an \"echo\" member quoting the\n"
"                      simulator's first --key in that FORM (as echo-key)\n"
"  n=K                 K result URLs (0..16, default 1)\n"
"  download-cut=BYTES[:N]  the first N requests (default 1) of each result file\n"
"                      send BYTES of it, then drop the connection\n"
"  download-http=STATUS[:N]  the first N requests (default 1) of each result file\n"
"                      answer STATUS instead\n"
"  download-slow=MS[:N] the first N requests (default 1) of each result file answer\n"
"                      MS milliseconds late\n"
"  poll-slow=MS[:N]    the first N polls (default 1) answer MS milliseconds late\n"
"                      (0..600000), whatever they answer (as of their arrival): the\n"
"                      connection is held open, no thread waits\n";

static const char help_scenario_kinds[] =
"  KIND is one of:\n"
"    malformed     200, the answer's JSON cut off halfway\n"
"    truncated     200, Content-Length of the full body, half of it sent, then close\n"
"    html          502 text/html <html><body><h1>502 Bad Gateway</h1></body></html>\n"
"    empty         200, empty body\n"
"    huge          200, 64 MiB of JSON-looking text\n"
"    wrongtypes    200, the answer's fields with wrong JSON types: strings,\n"
"                  numbers, booleans and nulls wrapped in an array, arrays\n"
"                  replaced by \"nope\", objects changed likewise\n"
"    notobject     200, [1,2,3]\n"
"    noid          200, the answer without its task id (id, runId/run_id,\n"
"                  data.taskId, job.ref)\n"
"    unknownstate  200, the answer with its state \"sleeping\" (BFL \"Sleeping\");\n"
"                  a submit answer without a state (BFL, APIXO) goes out unchanged\n"
"  Order at submit: bad key (ModelsLab: bad JSON first, the key is in it), bad JSON,\n"
"  submit-reset, submit-http=, http=, cdn=, body=html, echo-key, ModelsLab\n"
"  error200= / APIXO envelope=, validation, --max-active; then the task is created\n"
"  (FLORA: or replayed), and only then do reset, submit-reset-after, submit-slow and\n"
"  the other body= kinds apply: the provider accepted the work even though the\n"
"  client never saw a proper answer.\n"
"  Order at poll: bad key, unknown id, poll-reset, poll-slow (delays whatever\n"
"  follows), poll-cdn, poll-http, then the dialect's own (BFL notfound-first, APIXO\n"
"  poll-envelope), then poll-body.\n"
"\n";

static const char help_scenario_retry[] =
"Retry-After. Every 429 (http=429, submit-http=429, poll-http=429) states its wait\n"
"where the dialect sends Retry-After (FoxAPI, BFL, FLORA, ACME; ModelsLab and APIXO\n"
"only with retry-after-header), in one of these forms:\n"
"  retry-after=S       \"Retry-After: S\" (seconds, 0..86400; default 1)\n"
"  retry-after=date:S  \"Retry-After: <IMF-fixdate>\" (\"Sun, 06 Nov 1994 08:49:37\n"
"                      GMT\"): the next whole second plus S, so at least S seconds\n"
"                      away (ModelsLab's body retry_after stays S)\n"
"  retry-after-ms=MS   a \"retry-after-ms: MS\" header (0..86400000). Alone unless\n"
"                      retry-after=S or retry-after=date:S is written too, then\n"
"                      both headers go out; alone, ModelsLab's body has no\n"
"                      retry_after\n"
"  retry-after=none    no Retry-After and no body retry_after (retry-after-ms, if\n"
"                      written, still goes out)\n"
"\n";

static const char help_scenario_attempts[] =
"First attempts. A client that retries a submit sends the same bytes to the same\n"
"path again (FLORA's body carries its idempotency key), so the simulator files\n"
"every submit request under a logical submit: a hash of (dialect, path, the\n"
"Idempotency-Key header if sent, the body's bytes). These words apply only to the\n"
"first N attempts of a logical submit (N from 1, default 1); later attempts behave\n"
"normally. Two submits of the same body are one logical submit: give deliberately\n"
"separate submits different bodies.\n"
"  submit-http=STATUS[:VARIANT][:N]  answer STATUS (400..599) and the dialect's\n"
"                      error body for it, as http= does; no task. With STATUS 429,\n"
"                      Retry-After as above. submit-http=503:3: a burst of three\n"
"  submit-reset[=N]    close the connection before doing anything (after the key\n"
"                      check: the words are in the body); no task. The server knows\n"
"                      nothing was accepted; the client cannot\n"
"  submit-reset-after[=N]  create the task, then close the connection without an\n"
"                      answer (as reset does on every attempt)\n"
"  submit-slow=MS[:N]  create the task, then answer MS milliseconds later\n"
"                      (0..600000); the connection is held open, no thread waits\n"
"  A retry after submit-reset-after or a timed-out submit-slow creates a second\n"
"  task (FLORA with an idempotency key: the same run): \"duplicate_submits\" in the\n"
"  stats counts it.\n"
"\n";
/* clang-format on */

void help_print_scenario(FILE *out)
{
    const char *const sections[] = {
        help_scenario,
        help_scenario_kinds,
        help_scenario_retry,
        help_scenario_attempts,
    };
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) fputs(sections[i], out);
}
