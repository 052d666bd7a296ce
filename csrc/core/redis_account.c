/* redis_account.c — which keys of a Redis belong to an API key's account. Redis never sees the key:
 * every key starts with the prefix and a salted HMAC-SHA256 fingerprint of it, as the SQLite
 * journal keeps (journal_account.c); the salt, one per prefix, is stored in Redis by the first
 * client, so the fingerprint cannot be matched against keys elsewhere. Two accounts on one Redis
 * have two namespaces: they never share a cap, a pause or a record. */
#include "redis_link.h"

#include <openssl/rand.h>
#include <stdlib.h>

#include "journal_handle.h" /* gt_account_fingerprint, GT_ACCOUNT_SALT_BYTES */

/* SET NX then GET, in one script: two first clients at once agree on the first salt stored. */
gt_redis_script gt_redis_salt_script = {.source = "redis.call('SET', KEYS[1], ARGV[1], 'NX')\n"
                                                  "return redis.call('GET', KEYS[1])\n"};

char *gt_redis_salt_key(const char *prefix)
{
    return gt_printf("%s:account_salt", prefix);
}

void gt_redis_new_salt(char out[65])
{
    unsigned char bytes[GT_ACCOUNT_SALT_BYTES];
    out[0] = '\0';
    if (RAND_bytes(bytes, sizeof bytes) != 1) return;
    for (size_t i = 0; i < sizeof bytes; i++) snprintf(out + 2 * i, 3, "%02x", bytes[i]);
}

char *gt_redis_namespace(const char *prefix, const char *salt, size_t salt_len, const char *api_key)
{
    char *fp = gt_account_fingerprint((const unsigned char *)salt, salt_len,
                                      api_key && *api_key ? api_key : "(no key)");
    if (!fp) return NULL;
    char *ns = gt_printf("%s:%s:", prefix, fp);
    free(fp);
    return ns;
}
