/* download.h — results as files: a sink that writes one file safely (file_sink.c), what a file
 * is (media.c), and the task's downloads (download.c). Above the engine, beside task.c. */
#ifndef GENTASK_DOWNLOAD_H
#define GENTASK_DOWNLOAD_H

#include <stdint.h>

#include "base.h"

/* One file being written: a temporary file in the target directory, hashed as it grows, renamed
 * to its final name only once complete, so that no reader (and no crash) ever sees half a file
 * under that name. */
typedef struct gt_file_sink {
    int fd; /* -1: not open */
    char *temp_path;
    void *sha256; /* EVP_MD_CTX */
    uint64_t bytes, max_bytes;
    bool too_large;
    unsigned char head[16]; /* the first bytes, for media sniffing */
    size_t head_len;
    int error_number; /* errno of the failure, 0: none */
} gt_file_sink;

/* Makes dir (and its parents) and a temporary file in it; false with error_number set. */
bool gt_file_sink_open(gt_file_sink *s, const char *dir, uint64_t max_bytes);
bool gt_file_sink_write(gt_file_sink *s, const void *data, size_t n); /* false: too large or I/O */
bool gt_file_sink_rewind(gt_file_sink *s);                            /* empty again, for a retry */
/* Flushes to disk and renames to path; sha256 gets the hex digest (65 bytes). */
bool gt_file_sink_commit(gt_file_sink *s, const char *path, char *sha256);
void gt_file_sink_discard(gt_file_sink *s); /* the temporary file removed */

/* What a journal record says an earlier download wrote for one result (download_journal.c reads
 * it from the record's files). */
typedef struct gt_recorded_file {
    char *path, *sha256, *content_type;
    uint64_t bytes;
} gt_recorded_file;
void gt_recorded_file_clear(gt_recorded_file *f);

/* The media type to name a file by: content_type, unless it is vague (none, octet-stream) and the
 * first bytes say better. */
const char *gt_media_type_of(const char *content_type, const void *head, size_t n);
unsigned char *gt_base64_decode(const char *text, size_t len, size_t *out_len); /* NULL: not base64 */

#endif
