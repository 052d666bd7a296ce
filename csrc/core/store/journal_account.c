/* journal_account.c — which API key a journal belongs to. A journal's tasks were paid for by one
 * account: recovering them with another key would poll tasks that key cannot see, or submit them
 * again and pay twice. The journal keeps a fingerprint of the key, never the key: HMAC-SHA256
 * keyed with a random salt of its own, so the file cannot be used to test guesses of a key
 * against other files or against a plain hash of it. */
#include "journal_handle.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

typedef enum account_found { ACCOUNT_NONE, ACCOUNT_MATCHES, ACCOUNT_DIFFERS } account_found;

/* Compares api_key with the stored fingerprint, if there is one. One statement reads salt and
 * fingerprint, so both come from the same snapshot. */
static gt_journal_status compare_stored(gt_sqlite_journal *j, const char *api_key, account_found *found)
{
    sqlite3_stmt *st = gt_journal_prepared(j, GT_SQL_ACCOUNT_GET,
                                           "SELECT (SELECT value FROM meta WHERE name = 'account_salt'), "
                                           "(SELECT value FROM meta WHERE name = 'account_fingerprint')");
    if (!st) return GT_JOURNAL_ERROR;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        gt_journal_status status = gt_journal_sqlite_failed(j, rc, "reading the account fingerprint");
        sqlite3_reset(st);
        return status;
    }
    gt_journal_status status = GT_JOURNAL_OK;
    const unsigned char *salt = sqlite3_column_blob(st, 0);
    int salt_len = sqlite3_column_bytes(st, 0);
    const char *stored = (const char *)sqlite3_column_text(st, 1);
    if (!salt && !stored) {
        *found = ACCOUNT_NONE;
    } else if (!salt || salt_len == 0 || !stored) {
        status = gt_journal_fail(&j->base, "the account fingerprint is damaged (salt or fingerprint missing)");
    } else {
        char *computed = gt_account_fingerprint(salt, (size_t)salt_len, api_key);
        if (!computed) {
            status = gt_journal_fail(&j->base, "computing the account fingerprint failed");
        } else {
            /* constant time: how much of the fingerprint matched says nothing */
            size_t len = strlen(computed);
            bool same = strlen(stored) == len && CRYPTO_memcmp(computed, stored, len) == 0;
            *found = same ? ACCOUNT_MATCHES : ACCOUNT_DIFFERS;
            free(computed);
        }
    }
    sqlite3_reset(st);
    return status;
}

/* First use: a new salt and the fingerprint under it, in one statement (one transaction). DUPLICATE
 * when another connection stored its own first. */
static gt_journal_status store(gt_sqlite_journal *j, const char *api_key)
{
    unsigned char salt[GT_ACCOUNT_SALT_BYTES];
    if (RAND_bytes(salt, sizeof salt) != 1) return gt_journal_fail(&j->base, "no random bytes for the account salt");
    char *fingerprint = gt_account_fingerprint(salt, sizeof salt, api_key);
    if (!fingerprint) return gt_journal_fail(&j->base, "computing the account fingerprint failed");
    sqlite3_stmt *st = gt_journal_prepared(
        j, GT_SQL_ACCOUNT_PUT,
        "INSERT INTO meta (name, value) VALUES ('account_salt', ?1), ('account_fingerprint', ?2)");
    gt_journal_status status = GT_JOURNAL_ERROR;
    if (st) {
        int rc = sqlite3_bind_blob(st, 1, salt, sizeof salt, SQLITE_STATIC);
        if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 2, fingerprint, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK) rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) status = GT_JOURNAL_OK;
        else if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) status = GT_JOURNAL_DUPLICATE;
        else status = gt_journal_sqlite_failed(j, rc, "storing the account fingerprint");
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    free(fingerprint);
    return status;
}

gt_journal_status gt_sqlite_check_account(gt_journal *base, const char *api_key)
{
    gt_sqlite_journal *j = GT_SQLITE(base);
    if (!api_key || !*api_key) return gt_journal_fail(&j->base, "check_account: no API key");
    /* twice at most: a connection that stored its fingerprint between our read and our write
     * wins, and the key is compared with that one */
    for (int attempt = 0; attempt < 2; attempt++) {
        account_found found = ACCOUNT_NONE;
        gt_journal_status status = compare_stored(j, api_key, &found);
        if (status != GT_JOURNAL_OK) return status;
        if (found == ACCOUNT_MATCHES) return GT_JOURNAL_OK;
        if (found == ACCOUNT_DIFFERS) {
            gt_journal_fail(&j->base, "it belongs to another API key: its tasks were paid for by another account");
            return GT_JOURNAL_MISMATCH;
        }
        status = store(j, api_key);
        if (status != GT_JOURNAL_DUPLICATE) return status;
    }
    return gt_journal_fail(&j->base, "the account fingerprint could not be stored");
}
