/* An insertion-ordered list with a hash index: the one container behind the store's tasks,
 * idempotency keys, logical submits and --max-active keys. Stats list items in the order they
 * came, lookups by key stay O(1) at 10,000 tasks, and nothing is removed one by one (a reset
 * empties the whole list), so the index needs no tombstones.
 *
 * Items are the caller's pointers; the caller hashes its keys and says when two keys match. */
#ifndef GENTASK_SIM_INDEXED_H
#define GENTASK_SIM_INDEXED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct indexed_slot;

struct indexed_list {
    void **items; /* in insertion order */
    size_t count;
    size_t capacity;
    struct indexed_slot *slots; /* open addressing, never more than half full */
    size_t slot_count;          /* a power of two, or 0 before the first reserve */
};

/* Whether `item` (in the list) has the key `key` points at. */
typedef bool indexed_match_fn(const void *item, const void *key);

/* Makes room for one more item, so that the append that follows cannot fail halfway through
 * a caller's several updates. False when memory ran out (the list is unchanged). */
bool indexed_reserve(struct indexed_list *list);

/* Appends after a successful indexed_reserve. */
void indexed_append(struct indexed_list *list, uint64_t hash, void *item);

/* The item with that key, or NULL. */
void *indexed_find(const struct indexed_list *list, uint64_t hash, indexed_match_fn *matches, const void *key);

/* Frees the list's own memory, each item with free_item first (NULL: the items are not owned). */
void indexed_free(struct indexed_list *list, void (*free_item)(void *item));

#endif
