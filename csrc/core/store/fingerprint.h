/* fingerprint.h — the account's fingerprint and the names of its keys (fingerprint.c), under both
 * journal backends: the SQLite file keeps the fingerprint (journal_account.c), Redis names the
 * account's keys with it (journal_redis.c). */
#ifndef GENTASK_FINGERPRINT_H
#define GENTASK_FINGERPRINT_H

#include "../base/base.h"

#define GT_ACCOUNT_SALT_BYTES 32
/* Hex HMAC-SHA256 of api_key keyed with salt; NULL on failure. */
char *gt_account_fingerprint(const unsigned char *salt, size_t salt_len, const char *api_key);
/* What Redis's salt script (GT_REDIS_SALT) takes: the key of the account salt under prefix,
 * returned, and a new salt as hex text in salt (kept only if none is there yet). NULL: no random
 * bytes, or out of memory (salt is then not to be used). */
char *gt_account_salt_args(const char *prefix, char salt[2 * GT_ACCOUNT_SALT_BYTES + 1]);
/* The same keys alone: the prefix's salt ("prefix:account_salt"), the mark of a prefix whose
 * records a client found gone ("prefix:journal_lost"), and the salt a client started afresh with
 * ("prefix:journal_fresh"). NULL: out of memory. */
char *gt_account_salt_key(const char *prefix);
char *gt_account_lost_key(const char *prefix);
char *gt_account_fresh_key(const char *prefix);
/* Where one account's keys are in Redis: "prefix:" and the fingerprint of api_key under salt (the
 * salt's text taken as its bytes) — the journal's records and the key's shared state alike. */
char *gt_account_namespace(const char *prefix, const char *salt, size_t salt_len, const char *api_key);

#endif
