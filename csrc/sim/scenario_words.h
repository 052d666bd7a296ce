/* The table of scenario words (scenario_words.c), as the reader in scenario.c needs it. */
#ifndef GENTASK_SIM_SCENARIO_WORDS_H
#define GENTASK_SIM_SCENARIO_WORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

/* Returns false when the value is missing or unusable; the word is then ignored. */
typedef bool apply_word_fn(struct scenario *scenario, char *value);

/* How a word acts: through its own function, or on one field of struct scenario. */
enum word_form {
    WORD_FUNCTION,
    WORD_FLAG,          /* no value: sets the bool at offset */
    WORD_WINDOW,        /* [=N]: the window at offset (N `count` when not written) */
    WORD_NUMBER,        /* =N within [min, max]: the unsigned at offset */
    WORD_MILLISECONDS,  /* =MS within a day: the int64_t at offset */
    WORD_HTTP_FAULT,    /* =STATUS[:VARIANT][:N]: the http_fault at offset (N `count` when not written) */
    WORD_NUMBER_WINDOW, /* =V[:N], V within [min, max]: the unsigned at offset, and the window
                           at `window` (N `count` when not written) */
    WORD_ECHO_FORM,     /* [=FORM]: the echo_key_form at offset */
};

struct scenario_word {
    const char *name;
    enum word_form form;
    apply_word_fn *apply; /* WORD_FUNCTION */
    size_t offset;        /* the field the other forms set */
    unsigned min, max;    /* WORD_NUMBER, WORD_NUMBER_WINDOW */
    size_t given;         /* WORD_NUMBER: 1 + the offset of a bool set too; 0: none */
    unsigned count;       /* WORD_WINDOW, WORD_HTTP_FAULT, WORD_NUMBER_WINDOW: the count when none
                             is written */
    size_t window;        /* WORD_NUMBER_WINDOW: the offset of its window */
    unsigned dialects;    /* scenario_dialect bits where the word means something */
    bool free_text;       /* its value may hold spaces, in comma-separated text */
};

/* The word called name[0..length), or NULL. */
const struct scenario_word *scenario_word_find(const char *name, size_t length);

/* Applies the word with its value (NULL: none written); false when it does not take effect (a bad
 * value, or another dialect's word). */
bool scenario_word_apply(const struct scenario_word *word, struct scenario *scenario, char *value);

#endif
