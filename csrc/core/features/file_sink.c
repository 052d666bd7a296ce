/* file_sink.c — one result written to disk: temporary file, SHA-256 as the bytes stream by, an
 * fsync and an atomic rename at the end. */
#include "features.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool make_dirs(const char *dir)
{
    char *path = gt_strdup(dir);
    if (!path) return false;
    bool ok = true;
    for (char *p = path + 1; ok; p++) {
        bool end = *p == '\0';
        if (*p != '/' && !end) continue;
        *p = '\0';
        ok = mkdir(path, 0777) == 0 || errno == EEXIST;
        if (end) break;
        *p = '/';
    }
    struct stat st;
    ok = ok && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    if (!ok && errno == 0) errno = ENOTDIR;
    free(path);
    return ok;
}

bool gt_file_sink_open(gt_file_sink *s, const char *dir, uint64_t max_bytes)
{
    *s = (gt_file_sink){.fd = -1, .max_bytes = max_bytes};
    errno = 0;
    if (!make_dirs(dir)) {
        s->error_number = errno ? errno : EIO;
        return false;
    }
    /* a dot name in the same directory: the rename is atomic, and a listing of finished files
     * (a contact sheet, a glob for *.png) passes over it */
    s->temp_path = gt_printf("%s/.gentask-XXXXXX.part", dir);
    s->sha256 = EVP_MD_CTX_new();
    if (!s->temp_path || !s->sha256 || !EVP_DigestInit_ex(s->sha256, EVP_sha256(), NULL)) {
        s->error_number = ENOMEM;
        gt_file_sink_discard(s);
        return false;
    }
    s->fd = mkstemps(s->temp_path, 5);
    if (s->fd < 0) {
        s->error_number = errno;
        free(s->temp_path);
        s->temp_path = NULL;
        gt_file_sink_discard(s);
        return false;
    }
    fchmod(s->fd, 0644 & ~umask(umask(0))); /* mkstemp's 0600 is for secrets; a result is not one */
    return true;
}

bool gt_file_sink_write(gt_file_sink *s, const void *data, size_t n)
{
    if (s->fd < 0) return false;
    if (s->bytes + n > s->max_bytes) {
        s->too_large = true;
        return false;
    }
    if (s->head_len < sizeof s->head) {
        size_t take = n < sizeof s->head - s->head_len ? n : sizeof s->head - s->head_len;
        memcpy(s->head + s->head_len, data, take);
        s->head_len += take;
    }
    for (const char *p = data, *end = p + n; p < end;) {
        ssize_t wrote = write(s->fd, p, (size_t)(end - p));
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote <= 0) {
            s->error_number = wrote < 0 ? errno : EIO;
            return false;
        }
        p += wrote;
    }
    s->bytes += n;
    return EVP_DigestUpdate(s->sha256, data, n) == 1;
}

bool gt_file_sink_rewind(gt_file_sink *s)
{
    s->bytes = 0;
    s->head_len = 0;
    s->too_large = false;
    s->error_number = 0;
    if (s->fd < 0 || ftruncate(s->fd, 0) != 0 || lseek(s->fd, 0, SEEK_SET) != 0) return false;
    return EVP_DigestInit_ex(s->sha256, EVP_sha256(), NULL) == 1;
}

bool gt_file_sink_commit(gt_file_sink *s, const char *path, char *sha256)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (s->fd < 0 || EVP_DigestFinal_ex(s->sha256, digest, &len) != 1) return false;
    gt_hex_encode(sha256, digest, len);
    /* on disk before it has its name: after a power cut the name holds the whole file or nothing */
    bool ok = fsync(s->fd) == 0;
    if (!ok) s->error_number = errno;
    close(s->fd);
    s->fd = -1;
    if (ok && rename(s->temp_path, path) != 0) {
        s->error_number = errno;
        ok = false;
    }
    if (ok) {
        free(s->temp_path);
        s->temp_path = NULL;
    }
    gt_file_sink_discard(s);
    return ok;
}

void gt_file_sink_discard(gt_file_sink *s)
{
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    if (s->temp_path) unlink(s->temp_path);
    free(s->temp_path);
    s->temp_path = NULL;
    EVP_MD_CTX_free(s->sha256);
    s->sha256 = NULL;
}
