#include "replay_fill.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct text {
    char *data;
    size_t length, capacity;
    bool failed;
};

static void text_add(struct text *text, const char *data, size_t length)
{
    if (text->failed) return;
    if (text->length + length + 1 > text->capacity) {
        size_t capacity = text->capacity ? text->capacity : 256;
        while (capacity < text->length + length + 1) capacity *= 2;
        char *grown = realloc(text->data, capacity);
        if (grown == NULL) {
            text->failed = true;
            return;
        }
        text->data = grown;
        text->capacity = capacity;
    }
    memcpy(text->data + text->length, data, length);
    text->length += length;
    text->data[text->length] = '\0';
}

char *replay_fill_in(const char *template, const struct replay_fill *fill)
{
    static const char *const names[] = {"{id}", "{base}", "{elsewhere}", "{now}", "{timestamp}"};
    /* {timestamp} stands for something in a webhook delivery only */
    const char *values[] = {fill->id, fill->base, fill->elsewhere, fill->now,
                            fill->timestamp[0] != '\0' ? fill->timestamp : NULL};
    const size_t count = sizeof names / sizeof names[0];
    struct text text = {0};
    const char *c = template;
    while (*c) {
        const char *brace = strchr(c, '{');
        if (brace == NULL) brace = c + strlen(c);
        text_add(&text, c, (size_t)(brace - c));
        c = brace;
        if (*c == '\0') break;
        size_t i = 0;
        while (i < count && (values[i] == NULL || strncmp(c, names[i], strlen(names[i])) != 0)) i++;
        if (i < count) {
            text_add(&text, values[i], strlen(values[i]));
            c += strlen(names[i]);
        } else {
            text_add(&text, c++, 1);
        }
    }
    text_add(&text, "", 0);
    if (text.failed) free(text.data);
    return text.failed ? NULL : text.data;
}
