/* --help's part on replay mode (replay.h): how a replay file is written and served. */
#include "help.h"
#include "replay_builtin.h"

/* The help text is laid out as it prints: the formatter leaves it alone. */
/* clang-format off */
static const char help_replay[] =
"Replay mode\n"
"  A replay file holds a provider's documented exchanges as data (JSON): the\n"
"  simulator serves it under /NAME with no code of the provider's own. The files in\n"
"  the repository's replay/ are compiled in (listed below); --replay FILE adds one,\n"
"  or replaces the built-in file of the same name. A file that is not well formed\n"
"  is refused at start: exit status 2, stderr naming the file and the member.\n"
"  Members (\"note\": a comment, allowed in any object):\n"
"    name              the mount: /NAME (a-z 0-9 _ -; not a dialect's or /files)\n"
"    source            [the addresses of the pages the exchanges come from]\n"
"    id                the ids handed out: {seq} {hex} (16 digits) {uuid} and\n"
"                      literal text (default \"replay-{seq}-{hex}\")\n"
"    default_scenario  the scenario of a request that names none (\"success\")\n"
"    auth              {\"header\", \"value\": pattern, \"refusal\": response}: every\n"
"                      exchange wants the header to match, unless it says\n"
"                      \"auth\": false; else the refusal answers\n"
"    unknown_task      response to a request naming an id never handed out\n"
"                      (default: the simulator's 404, counted unmatched)\n"
"    scenarios         {NAME: [exchange, ...]} (NAME: a-z 0-9 _ -)\n"
"    common            [exchange, ...] tried after the scenario's, in every one\n"
"  An exchange: {\"request\": {\"method\"?, \"path\", \"query\"?: {NAME: pattern},\n"
"    \"headers\"?: {NAME: pattern}, \"body_contains\"?: text, \"body_fields\"?:\n"
"    {\"dotted.path\": pattern} (strings of the JSON body)}, \"response\":\n"
"    {\"status\", \"headers\"?: {NAME: text}, \"body\"?: JSON or a string sent as it\n"
"    is | \"png\": true (a real 64x64 PNG, with X-Sim-Sha256)}, \"times\"?: N,\n"
"    \"new_task\"?: true, \"goto\"?: SCENARIO, \"auth\"?: false, \"webhook\"?}\n"
"  Paths: {id} captures the task's id (once, in one segment, with literal text\n"
"    around it: /out/{id}-0.png); * matches any text within a segment. A query\n"
"    pattern \"{id}\" captures too. Values: * any text, {key} an accepted key\n"
"    (\"Bearer {key}\"). An auth value may end in {jwt} (\"Bearer {jwt}\"): the\n"
"    header's last word must be a token --jwt-issuer's check takes (none\n"
"    without it).\n"
"  Responses: {id} (the task's id), {base} (http://127.0.0.1:PORT/NAME: a\n"
"    documented result or poll URL keeps its path under the simulator),\n"
"    {elsewhere} (http://localhost:PORT/NAME: the same file under another origin,\n"
"    a host the key must never reach) and {now} (Unix seconds) are put into the\n"
"    body's text and the header values.\n"
"  Flows: a submit (\"new_task\") makes a task with a fresh id; a request whose\n"
"    path or query names the id is that task's, and is matched against its\n"
"    scenario's exchanges, then the common ones. The first exchange that matches\n"
"    and has answered fewer than its \"times\" requests of the task answers; when\n"
"    all that match are spent, the last of them repeats. So one poll path answers\n"
"    \"starting\" (times 1), \"processing\" (times 2), then \"succeeded\" for ever.\n"
"    \"goto\" moves the task (or a new task) into another scenario, its counts\n"
"    back to zero: a cancel. A request naming no id belongs to the flow of its\n"
"    scenario and body: the same body sent again goes on where the last left\n"
"    (a 429 with times 1, then the submit that is taken).\n"
"  Scenario: the word replay:NAME in the request body (the prompt), else in the\n"
"    X-Sim-Scenario header, else default_scenario; a NAME the file lacks: 400\n"
"    replay_unknown_scenario.\n"
"  Nothing matches: 404 {\"error\": {\"type\": \"replay_unmatched\", \"message\",\n"
"    \"replay\", \"scenario\", \"method\", \"path\", \"tried\": [\"METHOD PATH\", ...]}}.\n"
"  Stats: \"replay\": {\"requests\", \"matched\", \"unmatched\", \"auth_refused\",\n"
"    \"tasks\", \"by_status\": {STATUS: answers}, \"unmatched_requests\": [the\n"
"    first 16], \"files\": [{\"name\", \"origin\"}]}; POST /_sim/reset forgets every\n"
"    flow.\n"
"  Webhooks: an exchange's \"webhook\": {\"url_field\": the dotted path of the URL\n"
"    in the request's JSON body, \"delay_ms\"?, \"headers\"?, \"body\" (filled in as\n"
"    a response's), \"sign\"?} POSTs that body there (http:// only) when the\n"
"    exchange answers, counted in \"webhooks\"; a request naming no URL is pushed\n"
"    nothing. \"sign\" names a signature scheme: none is signed yet (a file naming\n"
"    one is refused), so deliveries go unsigned.\n";
/* clang-format on */

void help_print_replay(FILE *out)
{
    fputs(help_replay, out);
    fputs("  Built in:", out);
    for (size_t i = 0; i < replay_builtin_count; i++) fprintf(out, " %s", replay_builtins[i].path);
    fputs(replay_builtin_count ? "\n\n" : " none\n\n", out);
}
