/* fuzz_profile.c — the profile loader's C side: a profile built from arbitrary lines, then used
 * to read a response and to judge a poll URL. Lines: "p FIELD PATH", "s NAME STATE KIND",
 * "c TABLE CODE KIND", "h HOST", "n STATUS KIND"; a line "--" ends them and the body follows. */
#include "../csrc/core/task/task.h"
#include "fuzz.h"

static const char *const fields[] = {"id",           "state",    "progress",    "error_code",      "error_message",
                                     "results",      "poll_url", "retry_after", "envelope_status", "eta",
                                     "envelope_code"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = gt_strndup((const char *)data, size);
    char *body = strstr(copy, "\n--\n");
    if (body) *body = '\0', body += 4;
    gt_profile *p = gt_profile_new("fuzz");
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        char a[128] = "", b[128] = "", c[128] = "";
        int n = sscanf(line + (line[0] ? 1 : 0), " %127s %127s %127s", a, b, c);
        gt_kind kind = gt_kind_from_name(n >= 3 ? c : b);
        switch (line[0]) {
        case 'p': gt_profile_add_path(p, fields[(unsigned char)a[0] % 10], b); break;
        case 's':
            gt_profile_add_state(p, a, gt_remote_state_from_name(b), kind, NULL, (long)(unsigned char)c[0]);
            break;
        case 'c':
            if (kind != GT_KIND_NONE)
                gt_profile_add_code(p, (gt_code_table)((unsigned char)a[0] % 3), b, kind, "input",
                                    (gt_retryable)((unsigned char)a[0] / 3 % 3));
            break;
        case 'h': gt_profile_add_poll_host(p, a); break;
        case 'n':
            if (kind != GT_KIND_NONE) gt_profile_add_status(p, strtol(a, NULL, 10), kind, NULL);
            break;
        default: break;
        }
    }
    gt_response res = {.status = 200, .body = body ? body : "", .body_len = body ? strlen(body) : 0};
    for (int phase = GT_PHASE_SUBMIT; phase <= GT_PHASE_POLL; phase++) {
        gt_reply reply;
        gt_classify(p, (gt_phase)phase, &res, &reply);
        free(reply.poll_url ? gt_trusted_poll_url(p, "https://api.example.com/v1", reply.poll_url) : NULL);
        gt_reply_clear(&reply);
    }
    gt_profile_free(p);
    free(copy);
    return 0;
}
