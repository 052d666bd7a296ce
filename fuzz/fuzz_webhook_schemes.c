/* fuzz_webhook_schemes.c — what the schemes beyond BFL's read from a delivery and a provider:
 * Standard Webhooks' headers (the "v1,<base64>" list, the timestamp, the id remembered against
 * replays) and a JWKS document's Ed25519 keys. Input: byte 0 picks the mode.
 * - even: the rest is a JWKS document for gt_jwks_parse; every key it yields must verify nothing
 *   made up (a zero signature over the document).
 * - odd: id NUL timestamp NUL signatures NUL body, handed to a client whose profile is "standard";
 *   bit 1 set: the timestamp is now and a right "v1," signature is put among the given ones, so
 *   that most inputs get past the check (and fill the replay memory, which must stay bounded).
 * - even with bit 2: header NUL body for the "t_v1" scheme (OpenRouter's "t=…,v1=…"): what
 *   gt_webhook_t_v1_parse reads must hold only digits and lower-case hex of their lengths, and
 *   the header goes to a "t_v1" client; bit 1 set: "t=<now>,v1=<the right hex>," is put before it.
 * The secret may appear in nothing that comes back. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <time.h>

#include "features/features.h"
#include "fuzz.h"

#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SECRET_BYTES "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
/* OpenRouter's secrets are used as they are: the whole of it is the key */
#define T_V1_SECRET "or-fuzz/signing+secret-0042"

static gt_client *client, *t_v1_client;

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
    gt_profile *t_v1 = gt_profile_new("t_v1");
    if (!t_v1 || !gt_profile_set(t_v1, "webhook_scheme", "t_v1") ||
        !gt_profile_set(t_v1, "webhook_signature_header", "x-sig") || !gt_profile_add_path(t_v1, "id", "id") ||
        !gt_profile_add_path(t_v1, "state", "status"))
        abort();
    opts.webhook_secret = T_V1_SECRET;
    t_v1_client = gt_client_new(gt_engine_new(), t_v1, "http://127.0.0.1:9", "sk-fuzz", &opts, &error);
    if (!t_v1_client) abort();
    return 0;
}

static void check_clean(const char *text)
{
    if (text && (strstr(text, SECRET) || strstr(text, SECRET_BYTES))) abort();
}

static void check_clean_t_v1(const char *text)
{
    if (text && strstr(text, T_V1_SECRET)) abort();
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

/* What the parser kept is what the scheme reads: digits, and 64 lower-case hex digits per v1. */
static void check_parsed(const char *header)
{
    gt_t_v1 parsed;
    if (!gt_webhook_t_v1_parse(header, &parsed)) return;
    size_t digits = strlen(parsed.timestamp);
    if (digits == 0 || strspn(parsed.timestamp, "0123456789") != digits) abort();
    if (parsed.n == 0 || parsed.n > GT_T_V1_MAX) abort();
    for (size_t i = 0; i < parsed.n; i++)
        if (strlen(parsed.v1[i]) != GT_T_V1_HEX || strspn(parsed.v1[i], "0123456789abcdef") != GT_T_V1_HEX) abort();
}

static void fuzz_t_v1(uint8_t mode, const uint8_t *data, size_t size)
{
    char **parts = fuzz_split(data, size, 2);
    char *header = parts[0];
    if (mode & 2) {
        char now[32], hex[2 * EVP_MAX_MD_SIZE + 1];
        snprintf(now, sizeof now, "%lld", (long long)time(NULL));
        size_t content_len = strlen(now) + 1 + strlen(parts[1]);
        char *content = malloc(content_len + 1);
        snprintf(content, content_len + 1, "%s,%s", now, parts[1]);
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned mac_len = 0;
        HMAC(EVP_sha256(), T_V1_SECRET, (int)strlen(T_V1_SECRET), (const unsigned char *)content, content_len, mac,
             &mac_len);
        free(content);
        for (unsigned i = 0; i < mac_len; i++) snprintf(hex + 2 * i, 3, "%02x", mac[i]);
        size_t len = strlen(parts[0]) + strlen(now) + strlen(hex) + 16;
        header = malloc(len);
        snprintf(header, len, "t=%s,v1=%s,%s", now, hex, parts[0]);
    }
    check_parsed(header);
    gt_webhook_header headers[] = {{"X-Sig", header}};
    gt_reply reading;
    gt_task *task = NULL;
    bool verified = false, posted = false;
    gt_error *err = gt_client_webhook(t_v1_client, headers, 1, parts[1], strlen(parts[1]), &reading, &task, &verified,
                                      &posted);
    for (const gt_error *e = err ? err : reading.error; e; e = e->cause) {
        check_clean_t_v1(e->message);
        check_clean_t_v1(e->body);
        check_clean_t_v1(e->code);
    }
    gt_error_free(err);
    gt_reply_clear(&reading);
    if (header != parts[0]) free(header);
    fuzz_free(parts, 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    if (data[0] & 1) fuzz_standard(data[0], data + 1, size - 1);
    else if (data[0] & 4) fuzz_t_v1(data[0], data + 1, size - 1);
    else fuzz_jwks(data + 1, size - 1);
    return 0;
}
