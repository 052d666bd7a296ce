/* The scenario words: what each one does to a task's scenario, which dialects take it, and how
 * its value is read. Adding a word means one entry in the table below and a field in
 * struct scenario (scenario.h). */
#include "scenario_words.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char *const body_fault_names[] = {
    [BODY_FAULT_NONE] = "none",
    [BODY_FAULT_MALFORMED] = "malformed",
    [BODY_FAULT_TRUNCATED] = "truncated",
    [BODY_FAULT_HTML] = "html",
    [BODY_FAULT_EMPTY] = "empty",
    [BODY_FAULT_HUGE] = "huge",
    [BODY_FAULT_WRONG_TYPES] = "wrongtypes",
    [BODY_FAULT_NOT_OBJECT] = "notobject",
    [BODY_FAULT_NO_ID] = "noid",
    [BODY_FAULT_UNKNOWN_STATE] = "unknownstate",
};

/* Whole-string unsigned decimal within [min, max]; "12abc", "" and overflow are rejected. */
static bool parse_unsigned(const char *text, unsigned long long min, unsigned long long max, unsigned long long *out)
{
    if (text == NULL || !isdigit((unsigned char)text[0])) return false;
    errno = 0;
    char *end;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < min || value > max) return false;
    *out = value;
    return true;
}

/* The same into an unsigned (max fits). */
static bool parse_unsigned_into(const char *text, unsigned min, unsigned max, unsigned *out)
{
    unsigned long long value;
    if (!parse_unsigned(text, min, max, &value)) return false;
    *out = (unsigned)value;
    return true;
}

static bool parse_http_status(const char *text, unsigned *out)
{
    return parse_unsigned_into(text, 400, 599, out);
}

/* A variant names one of several documented bodies for one status (FLORA's 401 invalid_token);
 * letters, digits, '_', '-' and '.' only, so that it cannot smuggle JSON or headers. */
static bool copy_variant(const char *text, char *out, size_t size)
{
    size_t length = strlen(text);
    if (length == 0 || length >= size) return false;
    for (size_t i = 0; i < length; i++)
        if (!isalnum((unsigned char)text[i]) && strchr("_-.", text[i]) == NULL) return false;
    memcpy(out, text, length + 1);
    return true;
}

static bool all_digits(const char *text)
{
    if (*text == '\0') return false;
    for (; *text; text++)
        if (!isdigit((unsigned char)*text)) return false;
    return true;
}

/* The index of `value` among `names` (NULL entries match nothing), or -1; value may be NULL. */
static int index_of(const char *value, const char *const *names, size_t count)
{
    for (size_t i = 0; value != NULL && i < count; i++)
        if (names[i] != NULL && strcmp(value, names[i]) == 0) return (int)i;
    return -1;
}
#define INDEX_OF(value, names) index_of((value), (names), sizeof(names) / sizeof(names)[0])

/* Any fault but "none", which is not a word's value. */
static bool parse_body_fault(const char *text, enum body_fault *out)
{
    int fault = INDEX_OF(text, body_fault_names);
    if (fault <= BODY_FAULT_NONE) return false;
    *out = (enum body_fault)fault;
    return true;
}

/* "VALUE" or "VALUE:N": splits off the optional poll count in place. */
static bool split_poll_count(char *value, unsigned *count)
{
    *count = 0;
    char *colon = strchr(value, ':');
    if (colon == NULL) return true;
    *colon = '\0';
    unsigned long long n;
    if (!parse_unsigned(colon + 1, 1, 1000000, &n)) return false;
    *count = (unsigned)n;
    return true;
}

/* duration=MS, and eta=MS: the estimate FoxAPI and ModelsLab report, which real providers get
 * wrong both ways. */
static bool parse_milliseconds(const char *value, int64_t *out)
{
    unsigned long long ms;
    if (!parse_unsigned(value, 0, 24ULL * 3600 * 1000, &ms)) return false;
    *out = (int64_t)ms;
    return true;
}

/* Free text (fail=, error200=): not empty, and whole in `out` or not at all. */
static bool copy_text(const char *value, char *out, size_t size)
{
    size_t length = value ? strlen(value) : 0;
    if (length == 0 || length >= size) return false;
    memcpy(out, value, length + 1);
    return true;
}

static bool apply_fail(struct scenario *scenario, char *value)
{
    if (!copy_text(value, scenario->fail_code, sizeof scenario->fail_code)) return false;
    scenario->ending = TASK_ENDS_FAILED;
    return true;
}

static bool apply_cancelled(struct scenario *scenario, char *value)
{
    if (value != NULL) return false;
    scenario->ending = TASK_ENDS_CANCELLED;
    return true;
}

/* http=STATUS or http=STATUS:VARIANT */
static bool apply_http(struct scenario *scenario, char *value)
{
    if (value == NULL) return false;
    char variant[SCENARIO_VARIANT_MAX] = "";
    char *colon = strchr(value, ':');
    if (colon != NULL) {
        *colon = '\0';
        if (!copy_variant(colon + 1, variant, sizeof variant)) return false;
    }
    unsigned status;
    if (!parse_http_status(value, &status)) return false;
    scenario->submit_http.status = status;
    memcpy(scenario->submit_http.variant, variant, sizeof variant);
    return true;
}

/* STATUS, STATUS:N, STATUS:VARIANT or STATUS:VARIANT:N (poll-http=, submit-http=, download-http=):
 * a number after the status is the count, anything else a variant; without a count,
 * `default_count` (0: every poll). */
static bool parse_http_fault(char *value, unsigned default_count, struct http_fault *fault)
{
    unsigned status;
    if (value == NULL) return false;
    char *parts[3] = {value, NULL, NULL};
    size_t part_count = 1;
    for (char *p = value; *p; p++) {
        if (*p != ':') continue;
        if (part_count == 3) return false;
        *p = '\0';
        parts[part_count++] = p + 1;
    }
    char variant_text[SCENARIO_VARIANT_MAX] = "";
    const char *count_text = NULL;
    if (part_count == 2 && all_digits(parts[1])) {
        count_text = parts[1];
    } else if (part_count >= 2) {
        if (!copy_variant(parts[1], variant_text, sizeof variant_text)) return false;
        count_text = parts[2];
    }
    unsigned long long n = 0;
    if ((count_text != NULL && !parse_unsigned(count_text, 1, 1000000, &n)) || !parse_http_status(parts[0], &status))
        return false;
    fault->status = status;
    memcpy(fault->variant, variant_text, sizeof variant_text);
    fault->window = (struct poll_fault_window){.active = true, .count = n ? (unsigned)n : default_count};
    return true;
}

static bool apply_body(struct scenario *scenario, char *value)
{
    return value != NULL && parse_body_fault(value, &scenario->submit_body);
}

static bool apply_poll_body(struct scenario *scenario, char *value)
{
    unsigned count;
    enum body_fault fault;
    if (value == NULL || !split_poll_count(value, &count) || !parse_body_fault(value, &fault)) return false;
    scenario->poll_body = fault;
    scenario->poll_body_window = (struct poll_fault_window){.active = true, .count = count};
    return true;
}

/* A window: no value or N (1..1000000); `unwritten` when not written (0: every poll). */
static bool set_window(struct poll_fault_window *window, const char *value, unsigned unwritten)
{
    unsigned long long count = unwritten;
    if (value != NULL && !parse_unsigned(value, 1, 1000000, &count)) return false;
    *window = (struct poll_fault_window){.active = true, .count = (unsigned)count};
    return true;
}

/* V[:N]: V within [min, max] into the unsigned at offset, and the window at `window` (N `count`
 * when not written). */
static bool set_number_window(const struct scenario_word *word, struct scenario *scenario, char *value)
{
    unsigned count, number;
    if (value == NULL || !split_poll_count(value, &count) || !parse_unsigned_into(value, word->min, word->max, &number))
        return false;
    *(unsigned *)(void *)((char *)scenario + word->offset) = number;
    *(struct poll_fault_window *)(void *)((char *)scenario + word->window) = (struct poll_fault_window){
        .active = true, .count = count ? count : word->count};
    return true;
}

/* echo-key[=escaped|deep|unicode|percent], and the same forms for result-echo-key */
static bool read_echo_form(char *value, enum echo_key_form *out)
{
    static const char *const forms[] = {[ECHO_KEY_ESCAPED] = "escaped",
                                        [ECHO_KEY_DEEP] = "deep",
                                        [ECHO_KEY_UNICODE] = "unicode",
                                        [ECHO_KEY_PERCENT] = "percent"};
    int form = value ? INDEX_OF(value, forms) : ECHO_KEY_PLAIN;
    if (form <= ECHO_KEY_NONE) return false;
    *out = (enum echo_key_form)form;
    return true;
}

static bool apply_polling_origin(struct scenario *scenario, char *value)
{
    size_t length = value ? strlen(value) : 0;
    if (length == 0 || length >= sizeof scenario->polling_origin) return false;
    if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0) return false;
    for (size_t i = 0; i < length; i++)
        if (!isalnum((unsigned char)value[i]) && strchr(".:/-", value[i]) == NULL) return false;
    memcpy(scenario->polling_origin, value, length + 1);
    return true;
}

static bool apply_shape(struct scenario *scenario, char *value)
{
    static const char *const shapes[] = {
        [RESULT_SHAPE_RESULTS] = "results",
        [RESULT_SHAPE_OUTPUT] = "output",
        [RESULT_SHAPE_STRINGS] = "strings",
        [RESULT_SHAPE_TEXT] = "text",
    };
    int shape = INDEX_OF(value, shapes);
    if (shape < 0) return false;
    scenario->shape = (enum result_shape)shape;
    return true;
}

/* retry-after=S, retry-after=date:S or retry-after=none */
static bool apply_retry_after(struct scenario *scenario, char *value)
{
    if (value != NULL && strcmp(value, "none") == 0) {
        scenario->retry_after_omitted = true;
        return true;
    }
    static const char date_prefix[] = "date:";
    bool date = value != NULL && strncmp(value, date_prefix, sizeof date_prefix - 1) == 0;
    unsigned long long seconds;
    if (!parse_unsigned(date ? value + sizeof date_prefix - 1 : value, 0, 86400, &seconds)) return false;
    scenario->retry_after_s = (unsigned)seconds;
    scenario->retry_after_omitted = false;
    scenario->retry_after_given = true;
    scenario->retry_after_date = date;
    return true;
}

static bool apply_case(struct scenario *scenario, char *value)
{
    static const char *const cases[] = {"camel", "snake"};
    int written = INDEX_OF(value, cases);
    if (written < 0) return false;
    scenario->snake_case = written == 1;
    return true;
}

static bool apply_error_200(struct scenario *scenario, char *value)
{
    return copy_text(value, scenario->error_200, sizeof scenario->error_200);
}

#define ENVELOPE_MIN 100
#define ENVELOPE_MAX 999
#define SLOW_MS_MAX 600000
/* The words the table describes by the field they set (enum word_form says how each reads its
 * value); the others have a function of their own. */
static bool apply_to_field(const struct scenario_word *word, struct scenario *scenario, char *value)
{
    char *field = (char *)scenario + word->offset;
    switch (word->form) {
    case WORD_FLAG:
        if (value != NULL) return false;
        *(bool *)(void *)field = true;
        return true;
    case WORD_WINDOW: return set_window((struct poll_fault_window *)(void *)field, value, word->count);
    case WORD_NUMBER:
        if (!parse_unsigned_into(value, word->min, word->max, (unsigned *)(void *)field)) return false;
        if (word->given != 0) *(bool *)(void *)((char *)scenario + word->given - 1) = true;
        return true;
    case WORD_MILLISECONDS: return parse_milliseconds(value, (int64_t *)(void *)field);
    case WORD_HTTP_FAULT: return parse_http_fault(value, word->count, (struct http_fault *)(void *)field);
    case WORD_NUMBER_WINDOW: return set_number_window(word, scenario, value);
    case WORD_ECHO_FORM: return read_echo_form(value, (enum echo_key_form *)(void *)field);
    case WORD_FUNCTION: break;
    }
    return word->apply(scenario, value);
}

#define ALL SCENARIO_ALL_DIALECTS

/* The table's rows: a word with a function of its own (TEXT_WORD: its value is free text), or
 * the form it takes (enum word_form) and the field it sets. */
#define AT(field) .offset = offsetof(struct scenario, field)
#define WORD(word, function, where)                        \
    {                                                      \
        .name = word, .apply = function, .dialects = where \
    }
#define TEXT_WORD(word, function, where)                                      \
    {                                                                         \
        .name = word, .apply = function, .dialects = where, .free_text = true \
    }
#define FLAG(word, field, where)                                      \
    {                                                                 \
        .name = word, .form = WORD_FLAG, AT(field), .dialects = where \
    }
/* a window ([=N], `unwritten` without N) and an HTTP fault (=STATUS[:VARIANT][:N]) */
#define WINDOW(word, field, unwritten)                                                    \
    {                                                                                     \
        .name = word, .form = WORD_WINDOW, AT(field), .count = unwritten, .dialects = ALL \
    }
#define HTTP_FAULT(word, field, unwritten)                                                    \
    {                                                                                         \
        .name = word, .form = WORD_HTTP_FAULT, AT(field), .count = unwritten, .dialects = ALL \
    }
/* =V[:N]: a number within [low, high] and the window of attempts it applies to (`unwritten`
 * without N); SLOW: a delay in milliseconds, N 1 when not written; CDN: one of Cloudflare's own
 * pages (520..526), every attempt when N is not written */
#define NUMBER_WINDOW(word, field, window_field, low, high, unwritten, where)                    \
    {                                                                                            \
        .name = word, .form = WORD_NUMBER_WINDOW, AT(field), .min = low, .max = high,            \
        .window = offsetof(struct scenario, window_field), .count = unwritten, .dialects = where \
    }
#define SLOW(word, field, window_field) NUMBER_WINDOW(word, field, window_field, 0, SLOW_MS_MAX, 1, ALL)
#define CDN(word, field, window_field) NUMBER_WINDOW(word, field, window_field, 520, 526, 0, ALL)
#define MILLISECONDS(word, field, where)                                      \
    {                                                                         \
        .name = word, .form = WORD_MILLISECONDS, AT(field), .dialects = where \
    }
#define ECHO_FORM(word, field)                                           \
    {                                                                    \
        .name = word, .form = WORD_ECHO_FORM, AT(field), .dialects = ALL \
    }
#define NUMBER(word, field, low, high, where)                                                    \
    {                                                                                            \
        .name = word, .form = WORD_NUMBER, AT(field), .min = low, .max = high, .dialects = where \
    }
/* the same, and a flag that says the number was written */
#define GIVEN_NUMBER(word, field, flag, low, high)                             \
    {                                                                          \
        .name = word, .form = WORD_NUMBER, AT(field), .min = low, .max = high, \
        .given = offsetof(struct scenario, flag) + 1, .dialects = ALL          \
    }

static const struct scenario_word scenario_words[] = {
    MILLISECONDS("duration", duration_ms, ALL),
    MILLISECONDS("eta", eta_ms, SCENARIO_FOXAPI | SCENARIO_MODELSLAB),
    TEXT_WORD("fail", apply_fail, ALL),
    WORD("cancelled", apply_cancelled, SCENARIO_FOXAPI),
    WORD("http", apply_http, ALL),
    HTTP_FAULT("poll-http", poll_http, 0),
    CDN("cdn", cdn_status, cdn),
    CDN("poll-cdn", poll_cdn_status, poll_cdn),
    WORD("body", apply_body, ALL),
    WORD("poll-body", apply_poll_body, ALL),
    FLAG("reset", submit_reset, ALL),
    WINDOW("poll-reset", poll_reset, 0),
    HTTP_FAULT("submit-http", first_http, 1),
    WINDOW("submit-reset", first_reset, 1),
    WINDOW("submit-reset-after", first_reset_after, 1),
    SLOW("submit-slow", submit_slow_ms, submit_slow),
    SLOW("poll-slow", poll_slow_ms, poll_slow),
    /* BYTES of the file, then the connection drops */
    NUMBER_WINDOW("download-cut", download_cut_bytes, download_cut, 0, 1u << 30, 1, ALL),
    HTTP_FAULT("download-http", download_http, 1),
    SLOW("download-slow", download_slow_ms, download_slow),
    ECHO_FORM("echo-key", echo_key),
    ECHO_FORM("result-echo-key", result_echo_key),
    WORD("shape", apply_shape, SCENARIO_FOXAPI | SCENARIO_FLORA),
    GIVEN_NUMBER("n", result_count, result_count_given, 0, 16),
    WORD("retry-after", apply_retry_after, ALL),
    GIVEN_NUMBER("retry-after-ms", retry_after_ms, retry_after_ms_given, 0, 86400000),
    FLAG("retry-after-header", retry_after_header, SCENARIO_MODELSLAB | SCENARIO_APIXO),
    FLAG("no-polling-url", no_polling_url, SCENARIO_BFL),
    FLAG("regional-polling-url", regional_polling_url, SCENARIO_BFL),
    WORD("polling-origin", apply_polling_origin, SCENARIO_BFL),
    NUMBER("notfound-first", not_found_polls, 1, 1000000, SCENARIO_BFL),
    WORD("case", apply_case, SCENARIO_FLORA),
    FLAG("instant", instant, SCENARIO_MODELSLAB),
    FLAG("messege", messege, SCENARIO_MODELSLAB),
    FLAG("string-id", string_id, SCENARIO_MODELSLAB),
    TEXT_WORD("error200", apply_error_200, SCENARIO_MODELSLAB),
    NUMBER("envelope", envelope_code, ENVELOPE_MIN, ENVELOPE_MAX, SCENARIO_APIXO),
    NUMBER_WINDOW("poll-envelope", poll_envelope_code, poll_envelope, ENVELOPE_MIN, ENVELOPE_MAX, 0, SCENARIO_APIXO),
};

#undef ALL
#undef AT
#undef WORD
#undef TEXT_WORD
#undef FLAG
#undef WINDOW
#undef HTTP_FAULT
#undef NUMBER_WINDOW
#undef SLOW
#undef CDN
#undef MILLISECONDS
#undef ECHO_FORM
#undef NUMBER
#undef GIVEN_NUMBER
const struct scenario_word *scenario_word_find(const char *name, size_t length)
{
    for (size_t i = 0; i < sizeof scenario_words / sizeof scenario_words[0]; i++)
        if (strlen(scenario_words[i].name) == length && strncmp(scenario_words[i].name, name, length) == 0)
            return &scenario_words[i];
    return NULL;
}

bool scenario_word_apply(const struct scenario_word *word, struct scenario *scenario, char *value)
{
    if ((word->dialects & scenario->dialect) == 0) return false; /* another dialect's word */
    return apply_to_field(word, scenario, value);
}
