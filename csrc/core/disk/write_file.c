/* write_file.c — a file of the caller's own (a contact sheet, a batch record) written whole or not
 * at all, safely in a directory others may have planted names in: the bytes go to a temporary
 * file that mkstemp creates (O_EXCL, a name nobody can guess, so a symbolic link or a file planted
 * beforehand is never opened), which gets the caller's mode whatever the umask, is flushed to disk
 * and then renamed over the path (rename replaces a link at the path itself, never its target). */
#include "../base/base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory path names its file in: "." for a bare name, "/" for one at the root. */
static char *directory_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return gt_strdup(".");
    if (slash == path) return gt_strdup("/");
    return gt_strndup(path, (size_t)(slash - path));
}

static bool write_all(int fd, const char *bytes, size_t len)
{
    while (len > 0) {
        ssize_t wrote = write(fd, bytes, len);
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote <= 0) {
            if (wrote == 0) errno = EIO;
            return false;
        }
        bytes += wrote;
        len -= (size_t)wrote;
    }
    return true;
}

/* The rename is on disk too once the directory is: best effort (some file systems refuse it). */
static void sync_directory(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)fsync(fd);
    close(fd);
}

bool gt_write_file(const char *path, const void *bytes, size_t len, unsigned mode, char **why)
{
    *why = NULL;
    if (!path || !*path || path[strlen(path) - 1] == '/') {
        *why = gt_printf("cannot write %s: it names no file", path ? path : "(nil)");
        return false;
    }
    char *dir = directory_of(path);
    /* a dot name beside the target: the rename stays in one file system, and a glob passes over it */
    char *temp = dir ? gt_printf("%s/.gentask-XXXXXX.tmp", dir) : NULL;
    if (!temp) {
        free(dir);
        *why = gt_strdup("out of memory");
        return false;
    }
    const char *doing = "create a temporary file in";
    const char *about = dir;
    int fd = mkstemps(temp, 4);
    bool ok = fd >= 0;
    if (ok && !(ok = fchmod(fd, mode & 07777) == 0)) doing = "set the mode of a temporary file in";
    if (ok && !(ok = write_all(fd, bytes, len))) doing = "write a temporary file in";
    /* on disk before it has its name: after a power cut the name holds the old file or the new one */
    if (ok && !(ok = fsync(fd) == 0)) doing = "flush a temporary file to disk in";
    int error_number = errno;
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        error_number = errno;
        doing = "write a temporary file in";
    }
    if (ok && rename(temp, path) != 0) {
        ok = false;
        error_number = errno;
        doing = "rename a temporary file to";
        about = path;
    }
    if (ok) sync_directory(dir);
    else {
        if (fd >= 0) unlink(temp);
        *why = gt_printf("cannot %s %s: %s", doing, about, strerror(error_number ? error_number : EIO));
    }
    free(temp);
    free(dir);
    return ok;
}
