/* fuzz_webhook_schemes.c — what the schemes beyond BFL's read from a delivery and a provider:
 * Standard Webhooks' headers (the "v1,<base64>" list, the timestamp, the id remembered against
 * replays) and a JWKS document's Ed25519 keys. Input: byte 0 picks the mode.
 * - even: the rest is a JWKS document for gt_jwks_parse; every key it yields must verify nothing
 *   made up (a zero signature over the document).
 * - odd: id NUL timestamp NUL signatures NUL body, handed to a client whose profile is "standard";
 *   bit 1 set: the timestamp is now and a right "v1," signature is put among the given ones, so
 *   that most inputs get past the check (and fill the replay memory, which must stay bounded).
 * The secret may appear in nothing that comes back. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <time.h>

#include "features/features.h"
#include "fuzz.h"

#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SECRET_BYTES "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

static gt_client *client;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gt_profile *p = gt_profile_new("standard");
    if (!p || !gt_profile_set(p, "webhook_scheme", "standard") || !gt_profile_add_path(p, "id", "id") ||
        !gt_profile_add_path(p, "state", "status"))
        abort();
    gt_client_options opts;
    gt_client_options_default(&opts);
    opts.webhook_secret = SECRET;
    gt_error *error = NULL;
    client = gt_client_new(gt_engine_new(), p, "http://127.0.0.1:9", "sk-fuzz", &opts, &error);
    if (!client) abort();
    return 0;
}

static void check_clean(const char *text)
{
    if (text && (strstr(text, SECRET) || strstr(text, SECRET_BYTES))) abort();
}

static void fuzz_jwks(const uint8_t *data, size_t size)
{
    gt_jwks *keys = gt_jwks_parse((const char *)data, size);
    static const unsigned char zero_signature[64];
    for (size_t i = 0; keys && i < keys->n; i++) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, keys->items[i].key) == 1 &&
            EVP_DigestVerify(ctx, zero_signature, sizeof zero_signature, data, size) == 1)
            abort();
        EVP_MD_CTX_free(ctx);
    }
    gt_jwks_free(keys);
}

/* "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>" into out, as a provider signs */
static void sign(const char *id, const char *timestamp, const char *body, char out[3 + 45])
{
    unsigned char key[64];
    int key_len = EVP_DecodeBlock(key, (const unsigned char *)SECRET_BYTES, (int)strlen(SECRET_BYTES));
    size_t content_len = strlen(id) + strlen(timestamp) + strlen(body) + 2;
    char *content = malloc(content_len + 1);
    snprintf(content, content_len + 1, "%s.%s.%s", id, timestamp, body);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    HMAC(EVP_sha256(), key, key_len, (const unsigned char *)content, content_len, mac, &mac_len);
    free(content);
    memcpy(out, "v1,", 3);
    EVP_EncodeBlock((unsigned char *)out + 3, mac, (int)mac_len);
}

static void fuzz_standard(uint8_t mode, const uint8_t *data, size_t size)
{
    char **parts = fuzz_split(data, size, 4);
    char now[32], right[3 + 45];
    const char *timestamp = parts[1];
    char *signatures = parts[2];
    if (mode & 2) {
        snprintf(now, sizeof now, "%lld", (long long)time(NULL));
        timestamp = now;
        sign(parts[0], timestamp, parts[3], right);
        size_t len = strlen(parts[2]) + sizeof right + 2;
        signatures = malloc(len);
        snprintf(signatures, len, "%s %s", parts[2], right);
    }
    gt_webhook_header headers[] = {
        {"webhook-id", parts[0]}, {"Webhook-Timestamp", timestamp}, {"WEBHOOK-SIGNATURE", signatures}};
    gt_reply reading;
    gt_task *task = NULL;
    bool verified = false, posted = false;
    gt_error *err = gt_client_webhook(client, headers, 3, parts[3], strlen(parts[3]), &reading, &task, &verified,
                                      &posted);
    for (const gt_error *e = err ? err : reading.error; e; e = e->cause) {
        check_clean(e->message);
        check_clean(e->body);
        check_clean(e->code);
    }
    gt_error_free(err);
    gt_reply_clear(&reading);
    if (signatures != parts[2]) free(signatures);
    fuzz_free(parts, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    if (data[0] & 1) fuzz_standard(data[0], data + 1, size - 1);
    else fuzz_jwks(data + 1, size - 1);
    return 0;
}
