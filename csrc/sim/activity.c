#include "activity.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

struct key_activity {
    const char *dialect; /* static string */
    char *key;
    gt_timerheap generating;
};

struct key_name {
    const char *dialect;
    const char *key;
};

static void drop_ended(gt_timerheap *heap, int64_t now_ms)
{
    while (gt_timerheap_pop_due(heap, now_ms) != NULL)
        ;
}

size_t activity_in_flight(struct activity *activity, int64_t now_ms)
{
    drop_ended(&activity->generating, now_ms);
    return activity->generating.count;
}

static uint64_t key_hash(const struct key_name *name)
{
    return hash_string(hash_string(HASH_SEED, name->dialect), name->key);
}

static bool has_name(const void *item, const void *name)
{
    const struct key_activity *entry = item;
    const struct key_name *wanted = name;
    return entry->dialect == wanted->dialect && strcmp(entry->key, wanted->key) == 0;
}

static void free_key(void *item)
{
    struct key_activity *entry = item;
    gt_timerheap_free(&entry->generating);
    free(entry->key);
    free(entry);
}

static struct key_activity *key_entry(struct activity *activity, const struct key_name *name)
{
    uint64_t hash = key_hash(name);
    struct key_activity *entry = indexed_find(&activity->keys, hash, has_name, name);
    if (entry != NULL) return entry;
    if (!indexed_reserve(&activity->keys) || (entry = calloc(1, sizeof *entry)) == NULL) return NULL;
    if ((entry->key = strdup(name->key)) == NULL) {
        free(entry);
        return NULL;
    }
    entry->dialect = name->dialect;
    indexed_append(&activity->keys, hash, entry);
    return entry;
}

enum admission activity_admit(struct activity *activity, const char *dialect, const char *key, unsigned max_active,
                              int64_t now_ms, struct key_activity **limited)
{
    *limited = NULL;
    if (max_active == 0 || key == NULL || dialect == NULL) return ADMITTED;
    struct key_activity *entry = key_entry(activity, &(struct key_name){dialect, key});
    if (entry == NULL) return ADMISSION_NO_MEMORY;
    drop_ended(&entry->generating, now_ms);
    if (entry->generating.count >= max_active) return ADMISSION_BUSY;
    *limited = entry;
    return ADMITTED;
}

bool activity_start(struct activity *activity, struct key_activity *limited, gt_timer *all, gt_timer *own,
                    int64_t end_ms, int64_t now_ms)
{
    drop_ended(&activity->generating, now_ms);
    if (end_ms > now_ms) {
        if (gt_timerheap_arm(&activity->generating, all, end_ms) != 0) return false;
        if (limited != NULL && gt_timerheap_arm(&limited->generating, own, end_ms) != 0) {
            gt_timerheap_disarm(&activity->generating, all);
            return false;
        }
    }
    if (activity->generating.count > activity->max_in_flight) activity->max_in_flight = activity->generating.count;
    return true;
}

void activity_free(struct activity *activity)
{
    gt_timerheap_free(&activity->generating);
    indexed_free(&activity->keys, free_key);
    activity->max_in_flight = 0;
}
