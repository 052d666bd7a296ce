/* private_file.c — reading a file that holds a secret (an API key) or what is trusted to say what
 * to do (a batch's record: where its key goes). As ssh does with a private key, a file that other
 * users could read or write, or that another user owns, is refused with the command that fixes
 * it. The mode is read from the open file (fstat), so what is checked is what is read. */
#include "../base/base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *read_all(int fd, const char *path, size_t max, char **why)
{
    char *text = malloc(max + 1);
    size_t n = 0;
    while (text && n < max) {
        ssize_t got = read(fd, text + n, max - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            *why = gt_printf("cannot read %s: %s", path, strerror(errno));
            gt_wipe(text, n); /* not a string yet: no NUL to stop at */
            free(text);
            return NULL;
        }
        if (got == 0) break;
        n += (size_t)got;
    }
    if (!text) {
        *why = gt_strdup("out of memory");
        return NULL;
    }
    if (n == max) {
        *why = gt_printf("%s is larger than expected (%zu bytes or more)", path, max);
        gt_wipe(text, n);
        free(text);
        return NULL;
    }
    text[n] = '\0';
    return text;
}

char *gt_read_private_file(const char *path, size_t max, char **why)
{
    *why = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *why = gt_printf("cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    char *text = NULL;
    if (fstat(fd, &st) != 0) {
        *why = gt_printf("cannot read %s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        *why = gt_printf("%s is not a regular file", path);
    } else if (st.st_uid != geteuid() && st.st_uid != 0) {
        *why = gt_printf("%s belongs to another user: it must be yours alone", path);
    } else if (st.st_mode & 077) {
        *why = gt_printf("%s can be read or written by other users (mode %04o): run chmod 600 %s", path,
                         (unsigned)(st.st_mode & 07777), path);
    } else {
        text = read_all(fd, path, max, why);
    }
    close(fd);
    return text;
}

void gt_secret_free(char *secret)
{
    gt_wipe_free(secret);
}
