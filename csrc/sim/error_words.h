/* A provider's documented errors as a table: for each HTTP status the code(s) and message(s) its
 * documentation gives. One lookup serves every dialect: the first entry of a status is what
 * http=STATUS answers; http=STATUS:CODE picks another entry of that status, or keeps the status's
 * message under an undocumented CODE; a status the table lacks gets the dialect's generic 4xx or
 * 5xx words. */
#ifndef GENTASK_SIM_ERROR_WORDS_H
#define GENTASK_SIM_ERROR_WORDS_H

#include <stdbool.h>
#include <stddef.h>

struct error_word {
    unsigned status;
    const char *code;    /* "" where the dialect's errors carry no code */
    const char *message; /* NULL: the status's HTTP reason phrase */
};

struct error_words {
    const struct error_word *documented;
    size_t count;
    struct error_word client; /* for a status the table lacks, 4xx (the status is ignored) */
    struct error_word server; /* the same, 5xx */
};

#define ERROR_WORDS(table) .documented = (table), .count = sizeof(table) / sizeof(table)[0]

/* The entry for (status, code); code NULL or "" picks the status's first. The result's status is
 * `status`, its code and message never NULL. */
struct error_word error_words_find(const struct error_words *words, unsigned status, const char *code);

/* A {code, text} table: a provider's failure codes and their messages. */
struct code_text {
    const char *code;
    const char *text;
};

/* The text for a code, or NULL (ignore_case: APIXO tells clients to match failCodes in any
 * case). */
const char *code_text_find(const struct code_text *table, size_t count, const char *code, bool ignore_case);
#define CODE_TEXT_FIND(table, code, ignore_case) \
    code_text_find((table), sizeof(table) / sizeof(table)[0], (code), (ignore_case))

#endif
