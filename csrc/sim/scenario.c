/* Reading scenario words from a prompt's [brackets] and the X-Sim-Scenario header, and the
 * questions the rest of the simulator asks of a scenario. What each word means is in
 * scenario_words.c. */
#include "scenario.h"

#include <ctype.h>
#include <string.h>

#include "scenario_words.h"

#define WORD_MAX 160

void scenario_init(struct scenario *scenario, unsigned dialect)
{
    memset(scenario, 0, sizeof *scenario);
    scenario->dialect = dialect;
    scenario->duration_ms = -1;
    scenario->eta_ms = -1;
    scenario->result_count = 1;
    scenario->retry_after_s = 1;
}

bool scenario_window_covers(const struct poll_fault_window *window, unsigned poll_number)
{
    return window->active && (window->count == 0 || poll_number <= window->count);
}

bool scenario_sends_retry_after(const struct scenario *scenario)
{
    return !scenario->retry_after_omitted && (!scenario->retry_after_ms_given || scenario->retry_after_given);
}

/* Appends a word to a space-separated list, dropping it if the list is full: stats are a
 * diagnostic, and a cut-off word would mislead more than a missing one. */
static void append_word(char *list, size_t list_size, const char *word, size_t word_length)
{
    size_t used = strlen(list);
    size_t separator = used > 0 ? 1 : 0;
    if (used + separator + word_length + 1 > list_size) return;
    if (separator) list[used++] = ' ';
    memcpy(list + used, word, word_length);
    list[used + word_length] = '\0';
}

static void read_one_word(struct scenario *scenario, const char *word, size_t length)
{
    if (length == 0) return;
    char buffer[WORD_MAX];
    bool applied = false;
    if (length < sizeof buffer) {
        memcpy(buffer, word, length);
        buffer[length] = '\0';
        char *value = strchr(buffer, '=');
        if (value != NULL) *value++ = '\0';
        const struct scenario_word *entry = scenario_word_find(buffer, strlen(buffer));
        applied = entry != NULL && scenario_word_apply(entry, scenario, value);
    }
    if (applied) append_word(scenario->words, sizeof scenario->words, word, length);
    else append_word(scenario->ignored_words, sizeof scenario->ignored_words, word, length);
}

static bool is_separator(char c)
{
    return isspace((unsigned char)c) || c == ',';
}

static void read_plain_words(struct scenario *scenario, const char *text, size_t length)
{
    size_t i = 0;
    while (i < length) {
        while (i < length && is_separator(text[i])) i++;
        size_t start = i;
        while (i < length && !is_separator(text[i])) i++;
        read_one_word(scenario, text + start, i - start);
    }
}

/* Whether a comma-separated piece is one free-text word ("fail=Request Moderated"). */
static bool is_free_text_word(const char *piece, size_t length)
{
    const char *equals = memchr(piece, '=', length);
    if (equals == NULL) return false;
    const struct scenario_word *entry = scenario_word_find(piece, (size_t)(equals - piece));
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
        while (i < length && text[i] != ',') i++;
        size_t end = i++;
        while (start < end && isspace((unsigned char)text[start])) start++;
        while (end > start && isspace((unsigned char)text[end - 1])) end--;
        if (is_free_text_word(text + start, end - start)) read_one_word(scenario, text + start, end - start);
        else read_plain_words(scenario, text + start, end - start);
    }
}

void scenario_read_words(struct scenario *scenario, const char *text)
{
    if (text != NULL) read_words_span(scenario, text, strlen(text));
}

void scenario_read_prompt(struct scenario *scenario, const char *prompt)
{
    if (prompt == NULL) return;
    const char *open;
    while ((open = strchr(prompt, '[')) != NULL) {
        const char *close = strchr(open + 1, ']');
        if (close == NULL) return;
        read_words_span(scenario, open + 1, (size_t)(close - open - 1));
        prompt = close + 1;
    }
}
