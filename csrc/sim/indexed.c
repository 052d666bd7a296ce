#include "indexed.h"

#include <stdlib.h>

#define FIRST_CAPACITY 64

struct indexed_slot {
    uint64_t hash;
    size_t position; /* the item's index + 1; 0: an empty slot */
};

static void place(struct indexed_slot *slots, size_t slot_count, uint64_t hash, size_t position)
{
    size_t i = hash & (slot_count - 1);
    while (slots[i].position != 0) i = (i + 1) & (slot_count - 1);
    slots[i] = (struct indexed_slot){hash, position};
}

static bool grow_index(struct indexed_list *list, size_t slot_count)
{
    struct indexed_slot *slots = calloc(slot_count, sizeof *slots);
    if (slots == NULL) return false;
    for (size_t i = 0; i < list->slot_count; i++)
        if (list->slots[i].position != 0) place(slots, slot_count, list->slots[i].hash, list->slots[i].position);
    free(list->slots);
    list->slots = slots;
    list->slot_count = slot_count;
    return true;
}

bool indexed_reserve(struct indexed_list *list)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : FIRST_CAPACITY;
        void **items = realloc(list->items, capacity * sizeof *items);
        if (items == NULL) return false;
        list->items = items;
        list->capacity = capacity;
    }
    if (2 * (list->count + 1) <= list->slot_count) return true;
    return grow_index(list, list->slot_count ? list->slot_count * 2 : 2 * FIRST_CAPACITY);
}

void indexed_append(struct indexed_list *list, uint64_t hash, void *item)
{
    list->items[list->count++] = item;
    place(list->slots, list->slot_count, hash, list->count);
}

void *indexed_find(const struct indexed_list *list, uint64_t hash, indexed_match_fn *matches, const void *key)
{
    if (list->slot_count == 0) return NULL;
    for (size_t i = hash & (list->slot_count - 1); list->slots[i].position != 0; i = (i + 1) & (list->slot_count - 1)) {
        void *item = list->items[list->slots[i].position - 1];
        if (list->slots[i].hash == hash && matches(item, key)) return item;
    }
    return NULL;
}

void indexed_free(struct indexed_list *list, void (*free_item)(void *item))
{
    for (size_t i = 0; free_item != NULL && i < list->count; i++) free_item(list->items[i]);
    free(list->items);
    free(list->slots);
    *list = (struct indexed_list){0};
}
