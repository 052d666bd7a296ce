/* fuzz_classify.c — one response read through each built-in profile, as the engine reads it.
 * The profiles are the Lua files of lua/gentask/providers, compiled by the binding's own loader
 * once at start-up. Input: byte 0 picks the profile, byte 1 the phase (submit, poll, or the
 * answer of a result fetch), bytes 2-3 the HTTP status, the rest is the body (and, as text, the
 * value of the profile's cost header, where it names one: fal's billed units). */
#include "profiles.h"

static const char *const providers[] = {"bfl",       "foxapi", "flora",      "modelslab",  "apixo",
                                        "replicate", "fal",    "runway",     "luma",       "ideogram",
                                        "minimax",   "veo",    "openrouter", "higgsfield", "kling"};
#define N_PROVIDERS (sizeof providers / sizeof providers[0])
static gt_profile *profiles[N_PROVIDERS];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < N_PROVIDERS; i++) profiles[i] = fuzz_profile(providers[i]);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    const gt_profile *p = profiles[data[0] % N_PROVIDERS];
    int reading = data[1] % 3;
    gt_phase phase = reading == 0 ? GT_PHASE_SUBMIT : GT_PHASE_POLL;
    gt_response res = {
        .status = 100 + (long)((data[2] << 8 | data[3]) % 500),
        .body = (const char *)data + 4,
        .body_len = size - 4,
    };
    char *header = gt_profile_cost_header(p) ? strndup(res.body, res.body_len) : NULL;
    res.cost_header = header;
    gt_reply reply;
    if (reading == 2) gt_classify_result(p, &res, &reply);
    else gt_classify(p, phase, &res, &reply);
    gt_reply_clear(&reply);
    free(header);
    return 0;
}
