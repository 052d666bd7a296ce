#include "idempotency.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

struct idempotency_entry *idempotency_entry_new(const char *key, const cJSON *fingerprint)
{
    struct idempotency_entry *entry = calloc(1, sizeof *entry);
    if (entry == NULL) return NULL;
    entry->key = strdup(key);
    entry->fingerprint = cJSON_Duplicate(fingerprint, true);
    if (entry->key == NULL || entry->fingerprint == NULL) {
        idempotency_entry_free(entry);
        return NULL;
    }
    return entry;
}

void idempotency_entry_free(struct idempotency_entry *entry)
{
    if (entry == NULL) return;
    free(entry->key);
    cJSON_Delete(entry->fingerprint);
    free(entry);
}

static void free_item(void *item)
{
    idempotency_entry_free(item);
}

static bool has_key(const void *item, const void *key)
{
    return strcmp(((const struct idempotency_entry *)item)->key, key) == 0;
}

struct idempotency_entry *idempotency_find(const struct idempotency_keys *keys, const char *key)
{
    return indexed_find(&keys->entries, hash_string(HASH_SEED, key), has_key, key);
}

bool idempotency_reserve(struct idempotency_keys *keys)
{
    return indexed_reserve(&keys->entries);
}

void idempotency_add(struct idempotency_keys *keys, struct idempotency_entry *entry)
{
    indexed_append(&keys->entries, hash_string(HASH_SEED, entry->key), entry);
}

cJSON *idempotency_json(const struct idempotency_keys *keys)
{
    cJSON *json = cJSON_CreateObject();
    for (size_t i = 0; json != NULL && i < keys->entries.count; i++) {
        const struct idempotency_entry *entry = keys->entries.items[i];
        cJSON_AddNumberToObject(json, entry->key, entry->uses);
    }
    return json;
}

void idempotency_free(struct idempotency_keys *keys)
{
    indexed_free(&keys->entries, free_item);
}
