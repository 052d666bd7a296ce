/* file_on_disk.c — whether a file an earlier download wrote is still there as it was written:
 * the file itself (never a symbolic link or anything but a regular file under its name), its size
 * and its SHA-256 as the journal recorded them. A keyed submit answered from the journal then
 * takes it as its result's file and fetches nothing (download.c): the result URLs may have
 * expired long ago, the file has not. */
#include "features.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads fd to its end through SHA-256: true when it held exactly bytes bytes hashing to sha256. */
static bool digest_is(int fd, uint64_t bytes, const char *sha256)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    uint64_t seen = 0;
    unsigned char buffer[64 * 1024];
    while (ok) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        seen += (uint64_t)n;
        ok = seen <= bytes && EVP_DigestUpdate(ctx, buffer, (size_t)n) == 1;
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    ok = ok && seen == bytes && EVP_DigestFinal_ex(ctx, digest, &len) == 1 && len == 32;
    EVP_MD_CTX_free(ctx);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    if (ok) gt_hex_encode(hex, digest, len);
    return ok && strcmp(hex, sha256) == 0;
}

bool gt_file_on_disk_is(const char *path, uint64_t bytes, const char *sha256)
{
    /* O_NOFOLLOW: a symbolic link planted under the name is not what a download wrote (its rename
     * never leaves one); O_NONBLOCK: a FIFO planted there is refused below, not waited on */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    bool same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == bytes &&
                digest_is(fd, bytes, sha256);
    close(fd);
    return same;
}
