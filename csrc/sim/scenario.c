#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WORD_MAX 160

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

const char *body_fault_name(enum body_fault fault)
{
    if ((unsigned)fault < sizeof body_fault_names / sizeof body_fault_names[0])
        return body_fault_names[fault];
    return "none";
}

void scenario_init(struct scenario *scenario, unsigned dialect)
{
    memset(scenario, 0, sizeof *scenario);
    scenario->dialect = dialect;
    scenario->duration_ms = -1;
    scenario->result_count = 1;
    scenario->retry_after_s = 1;
}

bool scenario_window_covers(const struct poll_fault_window *window, unsigned poll_number)
{
    return window->active && (window->count == 0 || poll_number <= window->count);
}

bool scenario_sends_retry_after(const struct scenario *scenario)
{
    return !scenario->retry_after_omitted
           && (!scenario->retry_after_ms_given || scenario->retry_after_given);
}

/* Whole-string unsigned decimal within [min, max]; "12abc", "" and overflow are rejected. */
static bool parse_unsigned(const char *text, unsigned long long min, unsigned long long max,
                           unsigned long long *out)
{
    if (text == NULL || !isdigit((unsigned char)text[0]))
        return false;
    errno = 0;
    char *end;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < min || value > max)
        return false;
    *out = value;
    return true;
}

static bool parse_http_status(const char *text, unsigned *out)
{
    unsigned long long status;
    if (!parse_unsigned(text, 400, 599, &status))
        return false;
    *out = (unsigned)status;
    return true;
}

/* A variant names one of several documented bodies for one status (FLORA's 401 invalid_token);
 * letters, digits, '_', '-' and '.' only, so that it cannot smuggle JSON or headers. */
static bool copy_variant(const char *text, char *out, size_t size)
{
    size_t length = strlen(text);
    if (length == 0 || length >= size)
        return false;
    for (size_t i = 0; i < length; i++)
        if (!isalnum((unsigned char)text[i]) && strchr("_-.", text[i]) == NULL)
            return false;
    memcpy(out, text, length + 1);
    return true;
}

static bool all_digits(const char *text)
{
    if (*text == '\0')
        return false;
    for (; *text; text++)
        if (!isdigit((unsigned char)*text))
            return false;
    return true;
}

static bool parse_body_fault(const char *text, enum body_fault *out)
{
    for (size_t i = 1; i < sizeof body_fault_names / sizeof body_fault_names[0]; i++) {
        if (strcmp(text, body_fault_names[i]) == 0) {
            *out = (enum body_fault)i;
            return true;
        }
    }
    return false;
}

/* "VALUE" or "VALUE:N": splits off the optional poll count in place. */
static bool split_poll_count(char *value, unsigned *count)
{
    *count = 0;
    char *colon = strchr(value, ':');
    if (colon == NULL)
        return true;
    *colon = '\0';
    unsigned long long n;
    if (!parse_unsigned(colon + 1, 1, 1000000, &n))
        return false;
    *count = (unsigned)n;
    return true;
}

/* Each returns false when the value is missing or unusable; the word is then ignored. */
typedef bool apply_word_fn(struct scenario *scenario, char *value);

static bool apply_duration(struct scenario *scenario, char *value)
{
    unsigned long long ms;
    if (!parse_unsigned(value, 0, 24ULL * 3600 * 1000, &ms))
        return false;
    scenario->duration_ms = (int64_t)ms;
    return true;
}

static bool apply_fail(struct scenario *scenario, char *value)
{
    size_t length = value ? strlen(value) : 0;
    if (length == 0 || length >= sizeof scenario->fail_code)
        return false;
    memcpy(scenario->fail_code, value, length + 1);
    scenario->ending = TASK_ENDS_FAILED;
    return true;
}

static bool apply_cancelled(struct scenario *scenario, char *value)
{
    if (value != NULL)
        return false;
    scenario->ending = TASK_ENDS_CANCELLED;
    return true;
}

/* http=STATUS or http=STATUS:VARIANT */
static bool apply_http(struct scenario *scenario, char *value)
{
    if (value == NULL)
        return false;
    char variant[SCENARIO_VARIANT_MAX] = "";
    char *colon = strchr(value, ':');
    if (colon != NULL) {
        *colon = '\0';
        if (!copy_variant(colon + 1, variant, sizeof variant))
            return false;
    }
    unsigned status;
    if (!parse_http_status(value, &status))
        return false;
    scenario->submit_http_status = status;
    memcpy(scenario->submit_http_variant, variant, sizeof variant);
    return true;
}

/* STATUS, STATUS:N, STATUS:VARIANT or STATUS:VARIANT:N (poll-http=, submit-http=): a number after
 * the status is the count, anything else a variant. *count stays 0 when none is written. */
static bool parse_status_variant_count(char *value, unsigned *status, char *variant,
                                       unsigned *count)
{
    if (value == NULL)
        return false;
    char *parts[3] = { value, NULL, NULL };
    size_t part_count = 1;
    for (char *p = value; *p; p++) {
        if (*p != ':')
            continue;
        if (part_count == 3)
            return false;
        *p = '\0';
        parts[part_count++] = p + 1;
    }
    char variant_text[SCENARIO_VARIANT_MAX] = "";
    const char *count_text = NULL;
    if (part_count == 2 && all_digits(parts[1])) {
        count_text = parts[1];
    } else if (part_count >= 2) {
        if (!copy_variant(parts[1], variant_text, sizeof variant_text))
            return false;
        count_text = parts[2];
    }
    unsigned long long n = 0;
    if ((count_text != NULL && !parse_unsigned(count_text, 1, 1000000, &n))
        || !parse_http_status(parts[0], status))
        return false;
    memcpy(variant, variant_text, sizeof variant_text);
    *count = (unsigned)n;
    return true;
}

/* poll-http=STATUS[:VARIANT][:N]: every poll, or the first N. */
static bool apply_poll_http(struct scenario *scenario, char *value)
{
    unsigned status, count;
    char variant[SCENARIO_VARIANT_MAX];
    if (!parse_status_variant_count(value, &status, variant, &count))
        return false;
    scenario->poll_http_status = status;
    memcpy(scenario->poll_http_variant, variant, sizeof variant);
    scenario->poll_http = (struct poll_fault_window){ .active = true, .count = count };
    return true;
}

/* submit-http=STATUS[:VARIANT][:N]: the first N attempts (1 when N is not written). */
static bool apply_submit_http(struct scenario *scenario, char *value)
{
    unsigned status, count;
    char variant[SCENARIO_VARIANT_MAX];
    if (!parse_status_variant_count(value, &status, variant, &count))
        return false;
    scenario->first_http_status = status;
    memcpy(scenario->first_http_variant, variant, sizeof variant);
    scenario->first_http = (struct poll_fault_window){ .active = true, .count = count ? count : 1 };
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
    if (value == NULL || !split_poll_count(value, &count) || !parse_body_fault(value, &fault))
        return false;
    scenario->poll_body = fault;
    scenario->poll_body_window = (struct poll_fault_window){ .active = true, .count = count };
    return true;
}

static bool apply_reset(struct scenario *scenario, char *value)
{
    if (value != NULL)
        return false;
    scenario->submit_reset = true;
    return true;
}

static bool apply_poll_reset(struct scenario *scenario, char *value)
{
    unsigned long long count = 0;
    if (value != NULL && !parse_unsigned(value, 1, 1000000, &count))
        return false;
    scenario->poll_reset = (struct poll_fault_window){ .active = true, .count = (unsigned)count };
    return true;
}

/* A first-attempts window: no value or N (1..1000000); 1 when not written. */
static bool apply_first_window(struct poll_fault_window *window, const char *value)
{
    unsigned long long count = 1;
    if (value != NULL && !parse_unsigned(value, 1, 1000000, &count))
        return false;
    *window = (struct poll_fault_window){ .active = true, .count = (unsigned)count };
    return true;
}

static bool apply_submit_reset(struct scenario *scenario, char *value)
{
    return apply_first_window(&scenario->first_reset, value);
}

static bool apply_submit_reset_after(struct scenario *scenario, char *value)
{
    return apply_first_window(&scenario->first_reset_after, value);
}

#define SLOW_MS_MAX 600000ULL

/* MS[:N], N 1 when not written. */
static bool parse_slow(char *value, unsigned *ms, struct poll_fault_window *window)
{
    unsigned count;
    unsigned long long delay;
    if (value == NULL || !split_poll_count(value, &count)
        || !parse_unsigned(value, 0, SLOW_MS_MAX, &delay))
        return false;
    *ms = (unsigned)delay;
    *window = (struct poll_fault_window){ .active = true, .count = count ? count : 1 };
    return true;
}

static bool apply_submit_slow(struct scenario *scenario, char *value)
{
    return parse_slow(value, &scenario->submit_slow_ms, &scenario->submit_slow);
}

static bool apply_poll_slow(struct scenario *scenario, char *value)
{
    return parse_slow(value, &scenario->poll_slow_ms, &scenario->poll_slow);
}

static bool apply_echo_key(struct scenario *scenario, char *value)
{
    if (value == NULL)
        scenario->echo_key = ECHO_KEY_PLAIN;
    else if (strcmp(value, "escaped") == 0)
        scenario->echo_key = ECHO_KEY_ESCAPED;
    else if (strcmp(value, "deep") == 0)
        scenario->echo_key = ECHO_KEY_DEEP;
    else
        return false;
    return true;
}

static bool apply_shape(struct scenario *scenario, char *value)
{
    if (value == NULL)
        return false;
    if (strcmp(value, "output") == 0)
        scenario->shape = RESULT_SHAPE_OUTPUT;
    else if (strcmp(value, "results") == 0)
        scenario->shape = RESULT_SHAPE_RESULTS;
    else
        return false;
    return true;
}

static bool apply_result_count(struct scenario *scenario, char *value)
{
    unsigned long long n;
    if (!parse_unsigned(value, 0, 16, &n))
        return false;
    scenario->result_count = (unsigned)n;
    scenario->result_count_given = true;
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
    if (!parse_unsigned(date ? value + sizeof date_prefix - 1 : value, 0, 86400, &seconds))
        return false;
    scenario->retry_after_s = (unsigned)seconds;
    scenario->retry_after_omitted = false;
    scenario->retry_after_given = true;
    scenario->retry_after_date = date;
    return true;
}

static bool apply_retry_after_ms(struct scenario *scenario, char *value)
{
    unsigned long long ms;
    if (!parse_unsigned(value, 0, 86400000, &ms))
        return false;
    scenario->retry_after_ms = (unsigned)ms;
    scenario->retry_after_ms_given = true;
    return true;
}

/* A word without a value that sets one flag. */
static bool set_flag(bool *flag, const char *value)
{
    if (value != NULL)
        return false;
    *flag = true;
    return true;
}

static bool apply_retry_after_header(struct scenario *scenario, char *value)
{
    return set_flag(&scenario->retry_after_header, value);
}

static bool apply_no_polling_url(struct scenario *scenario, char *value)
{
    return set_flag(&scenario->no_polling_url, value);
}

static bool apply_regional_polling_url(struct scenario *scenario, char *value)
{
    return set_flag(&scenario->regional_polling_url, value);
}

static bool apply_not_found_first(struct scenario *scenario, char *value)
{
    unsigned long long count;
    if (!parse_unsigned(value, 1, 1000000, &count))
        return false;
    scenario->not_found_polls = (unsigned)count;
    return true;
}

static bool apply_case(struct scenario *scenario, char *value)
{
    if (value == NULL)
        return false;
    if (strcmp(value, "snake") == 0)
        scenario->snake_case = true;
    else if (strcmp(value, "camel") == 0)
        scenario->snake_case = false;
    else
        return false;
    return true;
}

static bool apply_instant(struct scenario *scenario, char *value)
{
    return set_flag(&scenario->instant, value);
}

static bool apply_messege(struct scenario *scenario, char *value)
{
    return set_flag(&scenario->messege, value);
}

static bool apply_string_id(struct scenario *scenario, char *value)
{
    return set_flag(&scenario->string_id, value);
}

static bool apply_error_200(struct scenario *scenario, char *value)
{
    size_t length = value ? strlen(value) : 0;
    if (length == 0 || length >= sizeof scenario->error_200)
        return false;
    memcpy(scenario->error_200, value, length + 1);
    return true;
}

static bool parse_envelope_code(const char *text, unsigned *out)
{
    unsigned long long code;
    if (!parse_unsigned(text, 100, 999, &code))
        return false;
    *out = (unsigned)code;
    return true;
}

static bool apply_envelope(struct scenario *scenario, char *value)
{
    return parse_envelope_code(value, &scenario->envelope_code);
}

static bool apply_poll_envelope(struct scenario *scenario, char *value)
{
    unsigned count, code;
    if (value == NULL || !split_poll_count(value, &count) || !parse_envelope_code(value, &code))
        return false;
    scenario->poll_envelope_code = code;
    scenario->poll_envelope = (struct poll_fault_window){ .active = true, .count = count };
    return true;
}

#define ALL SCENARIO_ALL_DIALECTS

static const struct scenario_word {
    const char *name;
    apply_word_fn *apply;
    unsigned dialects;        /* scenario_dialect bits where the word means something */
    bool free_text;           /* its value may hold spaces, in comma-separated text */
} scenario_words[] = {
    { "duration", apply_duration, ALL, false },
    { "fail", apply_fail, ALL, true },
    { "cancelled", apply_cancelled, SCENARIO_FOXAPI, false },
    { "http", apply_http, ALL, false },
    { "poll-http", apply_poll_http, ALL, false },
    { "body", apply_body, ALL, false },
    { "poll-body", apply_poll_body, ALL, false },
    { "reset", apply_reset, ALL, false },
    { "poll-reset", apply_poll_reset, ALL, false },
    { "submit-http", apply_submit_http, ALL, false },
    { "submit-reset", apply_submit_reset, ALL, false },
    { "submit-reset-after", apply_submit_reset_after, ALL, false },
    { "submit-slow", apply_submit_slow, ALL, false },
    { "poll-slow", apply_poll_slow, ALL, false },
    { "echo-key", apply_echo_key, ALL, false },
    { "shape", apply_shape, SCENARIO_FOXAPI, false },
    { "n", apply_result_count, ALL, false },
    { "retry-after", apply_retry_after, ALL, false },
    { "retry-after-ms", apply_retry_after_ms, ALL, false },
    { "retry-after-header", apply_retry_after_header, SCENARIO_MODELSLAB | SCENARIO_APIXO, false },
    { "no-polling-url", apply_no_polling_url, SCENARIO_BFL, false },
    { "regional-polling-url", apply_regional_polling_url, SCENARIO_BFL, false },
    { "notfound-first", apply_not_found_first, SCENARIO_BFL, false },
    { "case", apply_case, SCENARIO_FLORA, false },
    { "instant", apply_instant, SCENARIO_MODELSLAB, false },
    { "messege", apply_messege, SCENARIO_MODELSLAB, false },
    { "string-id", apply_string_id, SCENARIO_MODELSLAB, false },
    { "error200", apply_error_200, SCENARIO_MODELSLAB, true },
    { "envelope", apply_envelope, SCENARIO_APIXO, false },
    { "poll-envelope", apply_poll_envelope, SCENARIO_APIXO, false },
};

#undef ALL

/* Appends a word to a space-separated list, dropping it if the list is full: stats are a
 * diagnostic, and a cut-off word would mislead more than a missing one. */
static void append_word(char *list, size_t list_size, const char *word, size_t word_length)
{
    size_t used = strlen(list);
    size_t separator = used > 0 ? 1 : 0;
    if (used + separator + word_length + 1 > list_size)
        return;
    if (separator)
        list[used++] = ' ';
    memcpy(list + used, word, word_length);
    list[used + word_length] = '\0';
}

static const struct scenario_word *find_word(const char *name, size_t length)
{
    for (size_t i = 0; i < sizeof scenario_words / sizeof scenario_words[0]; i++)
        if (strlen(scenario_words[i].name) == length
            && strncmp(scenario_words[i].name, name, length) == 0)
            return &scenario_words[i];
    return NULL;
}

static void read_one_word(struct scenario *scenario, const char *word, size_t length)
{
    if (length == 0)
        return;
    char buffer[WORD_MAX];
    bool applied = false;
    if (length < sizeof buffer) {
        memcpy(buffer, word, length);
        buffer[length] = '\0';
        char *value = strchr(buffer, '=');
        if (value != NULL)
            *value++ = '\0';
        const struct scenario_word *entry = find_word(buffer, strlen(buffer));
        if (entry != NULL && (entry->dialects & scenario->dialect) != 0)
            applied = entry->apply(scenario, value);
    }
    if (applied)
        append_word(scenario->words, sizeof scenario->words, word, length);
    else
        append_word(scenario->ignored_words, sizeof scenario->ignored_words, word, length);
}

static bool is_separator(char c)
{
    return isspace((unsigned char)c) || c == ',';
}

static void read_plain_words(struct scenario *scenario, const char *text, size_t length)
{
    size_t i = 0;
    while (i < length) {
        while (i < length && is_separator(text[i]))
            i++;
        size_t start = i;
        while (i < length && !is_separator(text[i]))
            i++;
        read_one_word(scenario, text + start, i - start);
    }
}

/* Whether a comma-separated piece is one free-text word ("fail=Request Moderated"). */
static bool is_free_text_word(const char *piece, size_t length)
{
    const char *equals = memchr(piece, '=', length);
    if (equals == NULL)
        return false;
    const struct scenario_word *entry = find_word(piece, (size_t)(equals - piece));
    return entry != NULL && entry->free_text;
}

/* Without a comma, every space separates words (the original form). With one, each comma-separated
 * piece is either one free-text word, spaces and all, or words separated by spaces as before. */
static void read_words_span(struct scenario *scenario, const char *text, size_t length)
{
    if (memchr(text, ',', length) == NULL) {
        read_plain_words(scenario, text, length);
        return;
    }
    size_t i = 0;
    while (i < length) {
        size_t start = i;
        while (i < length && text[i] != ',')
            i++;
        size_t end = i++;
        while (start < end && isspace((unsigned char)text[start]))
            start++;
        while (end > start && isspace((unsigned char)text[end - 1]))
            end--;
        if (is_free_text_word(text + start, end - start))
            read_one_word(scenario, text + start, end - start);
        else
            read_plain_words(scenario, text + start, end - start);
    }
}

void scenario_read_words(struct scenario *scenario, const char *text)
{
    if (text != NULL)
        read_words_span(scenario, text, strlen(text));
}

void scenario_read_prompt(struct scenario *scenario, const char *prompt)
{
    if (prompt == NULL)
        return;
    const char *open;
    while ((open = strchr(prompt, '[')) != NULL) {
        const char *close = strchr(open + 1, ']');
        if (close == NULL)
            return;
        read_words_span(scenario, open + 1, (size_t)(close - open - 1));
        prompt = close + 1;
    }
}
