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

void scenario_init(struct scenario *scenario)
{
    memset(scenario, 0, sizeof *scenario);
    scenario->duration_ms = -1;
    scenario->result_count = 1;
    scenario->retry_after_s = 1;
}

bool scenario_window_covers(const struct poll_fault_window *window, unsigned poll_number)
{
    return window->active && (window->count == 0 || poll_number <= window->count);
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

static bool apply_http(struct scenario *scenario, char *value)
{
    return parse_http_status(value, &scenario->submit_http_status);
}

static bool apply_poll_http(struct scenario *scenario, char *value)
{
    unsigned count, status;
    if (value == NULL || !split_poll_count(value, &count) || !parse_http_status(value, &status))
        return false;
    scenario->poll_http_status = status;
    scenario->poll_http = (struct poll_fault_window){ .active = true, .count = count };
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
    return true;
}

static bool apply_retry_after(struct scenario *scenario, char *value)
{
    unsigned long long seconds;
    if (!parse_unsigned(value, 0, 86400, &seconds))
        return false;
    scenario->retry_after_s = (unsigned)seconds;
    return true;
}

static const struct {
    const char *name;
    apply_word_fn *apply;
} scenario_words[] = {
    { "duration", apply_duration },
    { "fail", apply_fail },
    { "cancelled", apply_cancelled },
    { "http", apply_http },
    { "poll-http", apply_poll_http },
    { "body", apply_body },
    { "poll-body", apply_poll_body },
    { "reset", apply_reset },
    { "poll-reset", apply_poll_reset },
    { "echo-key", apply_echo_key },
    { "shape", apply_shape },
    { "n", apply_result_count },
    { "retry-after", apply_retry_after },
};

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
        for (size_t i = 0; i < sizeof scenario_words / sizeof scenario_words[0]; i++) {
            if (strcmp(buffer, scenario_words[i].name) == 0) {
                applied = scenario_words[i].apply(scenario, value);
                break;
            }
        }
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

static void read_words_span(struct scenario *scenario, const char *text, size_t length)
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
