/* trust_test.c — the poll-URL trust rule (csrc/core/task/trust.c) asked directly, for hosts that
 * cannot be reached on loopback (myproxy.herokuapp.com, api.eu1.bfl.ai):
 *
 *   trust_test BASE_URL URL [POLL_HOST ...]
 *
 * prints the URL that would be polled, or "refused", for a profile listing those poll hosts.
 * spec/trust_spec.lua runs it, one row of its table per call. */
#include "task/task.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: trust_test BASE_URL URL [POLL_HOST ...]\n");
        return 2;
    }
    gt_profile *p = gt_profile_new("test");
    for (int i = 3; i < argc; i++)
        if (!gt_profile_add_poll_host(p, argv[i])) {
            printf("bad poll host\n");
            gt_profile_free(p);
            return 0;
        }
    char *url = gt_trusted_poll_url(p, argv[1], argv[2]);
    printf("%s\n", url ? url : "refused");
    free(url);
    gt_profile_free(p);
    return 0;
}
