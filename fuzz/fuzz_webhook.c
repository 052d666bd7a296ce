/* fuzz_webhook.c — a webhook delivery as client:webhook reads it, for BFL (which signs): the
 * signature check, then the payload through the same classification as a poll answer. Input:
 * byte 0 says whether to sign the body correctly (so that most inputs get past the check), then
 * signature NUL body. Neither the API key nor the webhook secret may appear in what comes back. */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "profiles.h"

#define KEY "sk-fuzz-api-key-0123456789"
#define SECRET "whsec-fuzz-secret-9876543210"

static gt_client *client;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gt_client_options opts;
    gt_client_options_default(&opts);
    opts.webhook_url = "http://127.0.0.1:9/hook";
    opts.webhook_secret = SECRET;
    gt_error *error = NULL;
    client = gt_client_new(gt_engine_new(), fuzz_profile("bfl"), "http://127.0.0.1:9", KEY, &opts, &error);
    if (!client) abort();
    return 0;
}

/* "sha256=" and the hex HMAC of body, as BFL signs */
static void sign(const char *body, size_t len, char out[7 + 64 + 1])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)body, len, mac, &mac_len);
    strcpy(out, "sha256=");
    for (unsigned i = 0; i < mac_len && i < 32; i++) snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
}

static void check_clean(const char *text)
{
    if (text && (strstr(text, KEY) || strstr(text, SECRET))) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    char **parts = fuzz_split(data + 1, size - 1, 2);
    char signed_with[7 + 64 + 1];
    const char *signature = parts[0];
    if (data[0] & 1) {
        sign(parts[1], strlen(parts[1]), signed_with);
        signature = signed_with;
    }
    gt_reply reading;
    gt_task *task = NULL;
    bool verified = false, posted = false;
    gt_webhook_header headers[] = {{"X-BFL-Signature", signature}};
    gt_error *err = gt_client_webhook(client, headers, 1, parts[1], strlen(parts[1]), &reading, &task, &verified,
                                      &posted);
    for (const gt_error *e = err ? err : reading.error; e; e = e->cause) {
        check_clean(e->message);
        check_clean(e->body);
        check_clean(e->code);
    }
    check_clean(reading.task_id);
    for (size_t i = 0; i < reading.n_urls; i++) check_clean(reading.urls[i]);
    gt_error_free(err);
    gt_reply_clear(&reading);
    fuzz_free(parts, 2);
    return 0;
}
