/* The table of scenario words (scenario_words.c), as the reader in scenario.c needs it. */
#ifndef GENTASK_SIM_SCENARIO_WORDS_H
#define GENTASK_SIM_SCENARIO_WORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

/* Returns false when the value is missing or unusable; the word is then ignored. */
typedef bool apply_word_fn(struct scenario *scenario, char *value);

struct scenario_word {
    const char *name;
    apply_word_fn *apply;     /* NULL: the word sets the field at `offset` */
    size_t offset;            /* a flag (bool), or with `window` a first-attempts window */
    bool window;
    unsigned dialects;        /* scenario_dialect bits where the word means something */
    bool free_text;           /* its value may hold spaces, in comma-separated text */
};

/* The word called name[0..length), or NULL. */
const struct scenario_word *scenario_word_find(const char *name, size_t length);

/* Applies the word with its value (NULL: none written); false when it does not take effect (a bad
 * value, or another dialect's word). */
bool scenario_word_apply(const struct scenario_word *word, struct scenario *scenario, char *value);

#endif
