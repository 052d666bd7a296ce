#include "error_words.h"

#include <string.h>
#include <strings.h>

#include <microhttpd.h>

struct error_word error_words_find(const struct error_words *words, unsigned status, const char *code)
{
    bool any_code = code == NULL || code[0] == '\0';
    const struct error_word *first = NULL, *found = NULL;
    for (size_t i = 0; i < words->count && found == NULL; i++) {
        const struct error_word *entry = &words->documented[i];
        if (entry->status != status) continue;
        if (first == NULL) first = entry;
        if (any_code || strcmp(entry->code, code) == 0) found = entry;
    }
    struct error_word word = found ? *found : first ? *first : status >= 500 ? words->server : words->client;
    word.status = status;
    if (found == NULL && !any_code) word.code = code;
    if (word.code == NULL) word.code = ""; /* generic words without a code of their own */
    if (word.message == NULL) {
        const char *phrase = MHD_get_reason_phrase_for(status);
        word.message = phrase && phrase[0] ? phrase : "Error";
    }
    return word;
}

const char *code_text_find(const struct code_text *table, size_t count, const char *code, bool ignore_case)
{
    for (size_t i = 0; i < count; i++)
        if ((ignore_case ? strcasecmp(table[i].code, code) : strcmp(table[i].code, code)) == 0) return table[i].text;
    return NULL;
}
