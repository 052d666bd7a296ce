/* fingerprint.c — the journal's hashes: a request's identity (SHA-256 of canonical JSON) and an
 * API key's fingerprint (HMAC-SHA256 under a per-journal salt). libcrypto does the hashing. */
#include "fingerprint.h"
#include "journal.h"

#include <openssl/rand.h>

#include <cJSON.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

typedef struct keyed_item {
    cJSON *item;
    size_t position; /* breaks ties between duplicate keys, so that their order is kept */
} keyed_item;

static int compare_keys(const void *a, const void *b)
{
    const keyed_item *x = a, *y = b;
    int c = strcmp(x->item->string, y->item->string);
    if (c) return c;
    return x->position < y->position ? -1 : x->position > y->position;
}

/* Sorts every object's members by key, bytewise (UTF-8 order), at every depth. cJSON keeps an
 * object's members as a list: they are detached, sorted, and appended back. */
static bool sort_keys(cJSON *node)
{
    for (cJSON *child = node->child; child; child = child->next)
        if (!sort_keys(child)) return false;
    if (!cJSON_IsObject(node) || !node->child) return true;
    size_t n = 0;
    for (cJSON *child = node->child; child; child = child->next) n++;
    keyed_item *items = malloc(n * sizeof *items);
    if (!items) return false;
    n = 0;
    for (cJSON *child = node->child; child; child = child->next, n++) items[n] = (keyed_item){child, n};
    qsort(items, n, sizeof *items, compare_keys);
    for (size_t i = 0; i < n; i++) cJSON_DetachItemViaPointer(node, items[i].item);
    /* AddItemToArray appends to the member list and leaves each member's key as it is */
    for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(node, items[i].item);
    free(items);
    return true;
}

/* Numbers go through cJSON's double: 1.0 and 1 are the same request, and integers past 2^53 that
 * differ only in their last digits hash alike (no provider takes such a parameter). */
char *gt_request_hash(const char *provider, const char *model, const char *params_json)
{
    if (!provider || !model || !params_json) return NULL;
    cJSON *params = cJSON_ParseWithOpts(params_json, NULL, 1 /* nothing may follow the value */);
    if (!params) return NULL;
    cJSON *request = cJSON_CreateObject();
    char *canonical = NULL, *digest_hex = NULL;
    if (request && cJSON_AddStringToObject(request, "provider", provider) &&
        cJSON_AddStringToObject(request, "model", model) && cJSON_AddItemToObject(request, "params", params)) {
        params = NULL; /* the request owns it now */
        if (sort_keys(request)) canonical = cJSON_PrintUnformatted(request);
    }
    if (canonical) {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        if (EVP_Digest(canonical, strlen(canonical), digest, &len, EVP_sha256(), NULL))
            digest_hex = gt_hex(digest, len);
    }
    cJSON_Delete(params);
    cJSON_Delete(request);
    cJSON_free(canonical);
    return digest_hex;
}

char *gt_sha256_hex(const void *data, size_t n)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    return EVP_Digest(data, n, digest, &len, EVP_sha256(), NULL) ? gt_hex(digest, len) : NULL;
}

char *gt_account_fingerprint(const unsigned char *salt, size_t salt_len, const char *api_key)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), salt, (int)salt_len, (const unsigned char *)api_key, strlen(api_key), mac, &len))
        return NULL;
    return gt_hex(mac, len);
}

char *gt_account_salt_args(const char *prefix, char salt[2 * GT_ACCOUNT_SALT_BYTES + 1])
{
    unsigned char bytes[GT_ACCOUNT_SALT_BYTES];
    if (RAND_bytes(bytes, sizeof bytes) != 1) return NULL;
    gt_hex_encode(salt, bytes, sizeof bytes);
    return gt_account_salt_key(prefix);
}

char *gt_account_salt_key(const char *prefix)
{
    return gt_printf("%s:account_salt", prefix);
}

char *gt_account_lost_key(const char *prefix)
{
    return gt_printf("%s:journal_lost", prefix);
}

char *gt_account_fresh_key(const char *prefix)
{
    return gt_printf("%s:journal_fresh", prefix);
}

char *gt_account_namespace(const char *prefix, const char *salt, size_t salt_len, const char *api_key)
{
    char *fp = gt_account_fingerprint((const unsigned char *)salt, salt_len, api_key);
    char *ns = fp ? gt_printf("%s:%s", prefix, fp) : NULL;
    free(fp);
    return ns;
}
