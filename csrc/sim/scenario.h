/* Scenario words: how a test steers one task. They come from `[word word]` brackets in the prompt
 * and from the `X-Sim-Scenario` request header, are parsed once at submit, and are stored with the
 * task so that they also govern its polls. Adding a word means one entry in the table in
 * scenario_words.c and a field here. Most words mean the same in every dialect; the few that
 * exist for one dialect's quirk are refused (listed as ignored) in the others. */
#ifndef GENTASK_SIM_SCENARIO_H
#define GENTASK_SIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#define SCENARIO_HEADER "X-Sim-Scenario"

/* Which dialect is reading the words: one bit each, so that a word can list where it applies. */
enum scenario_dialect {
    SCENARIO_FOXAPI = 1u << 0,
    SCENARIO_BFL = 1u << 1,
    SCENARIO_FLORA = 1u << 2,
    SCENARIO_MODELSLAB = 1u << 3,
    SCENARIO_APIXO = 1u << 4,
    SCENARIO_ACME = 1u << 5,
};
#define SCENARIO_ALL_DIALECTS 0x3fu

/* A response replaced by something a healthy server would never send. */
enum body_fault {
    BODY_FAULT_NONE = 0,
    BODY_FAULT_MALFORMED,     /* 200, JSON cut off mid-token */
    BODY_FAULT_TRUNCATED,     /* 200, Content-Length promises more than is sent, then close */
    BODY_FAULT_HTML,          /* 502 HTML page, as a proxy in front of the API would send */
    BODY_FAULT_EMPTY,         /* 200, zero bytes */
    BODY_FAULT_HUGE,          /* 200, 64 MiB of JSON-looking text */
    BODY_FAULT_WRONG_TYPES,   /* 200, the right field names holding the wrong JSON types */
    BODY_FAULT_NOT_OBJECT,    /* 200, a JSON array */
    BODY_FAULT_NO_ID,         /* 200, an object without the task id */
    BODY_FAULT_UNKNOWN_STATE, /* 200, a status value the documentation does not list */
};

enum result_shape {
    RESULT_SHAPE_RESULTS = 0, /* "results": [{"url"}] */
    RESULT_SHAPE_OUTPUT,      /* "output": {"url", "urls": [...]} */
    RESULT_SHAPE_STRINGS,     /* FoxAPI: "results": ["url"], as EvoLink answers */
    RESULT_SHAPE_TEXT,        /* FLORA: outputs of type "text", their content in "url" */
};

enum task_ending {
    TASK_ENDS_COMPLETED = 0,
    TASK_ENDS_FAILED, /* with fail_code */
    TASK_ENDS_CANCELLED,
};

/* A fault that applies to the first `count` polls of a task, or to every poll when count is 0.
 * The first-attempt words (submit-http=, submit-reset, submit-reset-after, submit-slow=) use it
 * for the first `count` attempts of one logical submit, and poll-slow= for the first polls; their
 * count is never 0. */
struct poll_fault_window {
    bool active;
    unsigned count;
};

#define SCENARIO_FAIL_CODE_MAX 96
#define SCENARIO_VARIANT_MAX 48
#define SCENARIO_TEXT_MAX 256
#define SCENARIO_ORIGIN_MAX 128

/* An HTTP error in place of an answer, in the dialect's shape: STATUS, or STATUS:VARIANT for one
 * of the dialect's other documented bodies of that status. */
struct http_fault {
    unsigned status;                    /* 0: none */
    char variant[SCENARIO_VARIANT_MAX]; /* "" for none */
    struct poll_fault_window window;    /* which attempts or polls it answers */
};

/* How echo-key quotes the received key back: as is, JSON-escaped ('/' as "\/"), or deep in a long
 * message so that it crosses the first 512 bytes of the body. */
enum echo_key_form {
    ECHO_KEY_NONE,
    ECHO_KEY_PLAIN,
    ECHO_KEY_ESCAPED,
    ECHO_KEY_DEEP,
    ECHO_KEY_UNICODE,
    ECHO_KEY_PERCENT
};

struct scenario {
    unsigned dialect;    /* the scenario_dialect bit the words were read for */
    int64_t duration_ms; /* -1: the simulator's default */
    int64_t eta_ms;      /* the estimate reported at submit; -1: the true remaining time */
    enum task_ending ending;
    char fail_code[SCENARIO_FAIL_CODE_MAX]; /* as written; dialects may respell it */

    struct http_fault submit_http; /* http=STATUS[:VARIANT]: every attempt (no window) */
    unsigned cdn_status;           /* cdn=STATUS[:N]: Cloudflare's page */
    struct poll_fault_window cdn;  /* which attempts it answers (every one, or the first N) */
    enum body_fault submit_body;
    bool submit_reset;
    enum echo_key_form echo_key;
    enum echo_key_form result_echo_key; /* result-echo-key[=FORM]: every poll answer quotes the key */

    /* The first N attempts of one logical submit (the same body to the same path again: see
     * store.h); attempts after them behave normally. */
    struct http_fault first_http;               /* submit-http=STATUS[:VARIANT][:N] */
    struct poll_fault_window first_reset;       /* submit-reset[=N]: dropped, no task */
    struct poll_fault_window first_reset_after; /* submit-reset-after[=N]: task, then dropped */
    unsigned submit_slow_ms;                    /* submit-slow=MS[:N]: task, answer MS later */
    struct poll_fault_window submit_slow;

    struct http_fault poll_http;       /* poll-http=STATUS[:VARIANT][:N] */
    unsigned poll_cdn_status;          /* poll-cdn=STATUS[:N]: Cloudflare's page */
    struct poll_fault_window poll_cdn; /* which polls it answers (every one, or the first N) */
    enum body_fault poll_body;
    struct poll_fault_window poll_body_window;
    struct poll_fault_window poll_reset;
    unsigned poll_slow_ms; /* poll-slow=MS[:N]: the first N polls answer MS late */
    struct poll_fault_window poll_slow;

    /* The task's result files (files.c), each counted on its own: the first N requests of each
     * file (1 when N is not written) are cut after BYTES, answered with STATUS, or MS late. */
    unsigned download_cut_bytes; /* download-cut=BYTES[:N] */
    struct poll_fault_window download_cut;
    struct http_fault download_http; /* download-http=STATUS[:N] */
    unsigned download_slow_ms;       /* download-slow=MS[:N] */
    struct poll_fault_window download_slow;

    enum result_shape shape;
    unsigned result_count;
    bool result_count_given; /* n= was written: it overrides a dialect's own count */
    unsigned retry_after_s;
    bool retry_after_omitted;  /* retry-after=none: no Retry-After anywhere */
    bool retry_after_given;    /* retry-after=S or =date:S was written */
    bool retry_after_date;     /* retry-after=date:S: an HTTP-date, not seconds */
    bool retry_after_ms_given; /* retry-after-ms=MS: a retry-after-ms header */
    unsigned retry_after_ms;
    bool retry_after_header; /* retry-after-header: also where the dialect sends none */

    /* BFL */
    bool no_polling_url;
    bool regional_polling_url;
    char polling_origin[SCENARIO_ORIGIN_MAX]; /* polling-origin=URL: polling_url on another server; "" none */
    unsigned not_found_polls;                 /* notfound-first=N */
    /* FLORA */
    bool snake_case;
    /* ModelsLab */
    bool instant;
    bool messege;
    bool string_id;
    char error_200[SCENARIO_FAIL_CODE_MAX]; /* error200=MESSAGE; "" for none */
    /* APIXO: the envelope's "code" when it should disagree with the HTTP status (0: it agrees) */
    unsigned envelope_code;
    unsigned poll_envelope_code;
    struct poll_fault_window poll_envelope;

    /* The words that took effect, in order, space-separated, for stats; and the ones that did
     * not (unknown words, bad values, another dialect's words), so that a typo shows up in
     * /_sim/stats instead of passing silently. */
    char words[SCENARIO_TEXT_MAX];
    char ignored_words[SCENARIO_TEXT_MAX];
};

/* dialect: one scenario_dialect bit. */
void scenario_init(struct scenario *scenario, unsigned dialect);

/* Space- or comma-separated words, as in the X-Sim-Scenario header. When the text holds a comma,
 * the value of a word that carries free text (fail=, error200=) runs to the next comma, so it may
 * contain spaces: "fail=Request Moderated, duration=50". */
void scenario_read_words(struct scenario *scenario, const char *text);

/* Every `[...]` group in a prompt, each read as scenario_read_words reads a header; other text in
 * the prompt is left alone. */
void scenario_read_prompt(struct scenario *scenario, const char *prompt);

/* Whether a poll-side fault window covers the poll with this 1-based number (or the attempt, for
 * the first-attempt words). */
bool scenario_window_covers(const struct poll_fault_window *window, unsigned poll_number);

/* Whether a 429 states its wait in seconds (the Retry-After header where the dialect sends one,
 * ModelsLab's body retry_after): unless retry-after=none, or retry-after-ms= was written without
 * retry-after=S (the milliseconds header then goes alone). */
bool scenario_sends_retry_after(const struct scenario *scenario);

#endif
