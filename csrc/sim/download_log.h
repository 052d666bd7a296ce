/* What each request of a result file got, for GET /_sim/stats?tasks=1: the specs read the
 * checksum the simulator served and whether the client sent a key where none belongs. Not
 * locked: the store calls it under its own lock. */
#ifndef GENTASK_SIM_DOWNLOAD_LOG_H
#define GENTASK_SIM_DOWNLOAD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#define DOWNLOAD_PATH_MAX 160

struct download_record {
    char path[DOWNLOAD_PATH_MAX]; /* /files/ID-I.png */
    unsigned number;              /* this request's number for that file, from 1 */
    int64_t at_ms;                /* when it arrived, on the simulator's clock */
    unsigned status;              /* 0: cut mid-stream */
    size_t bytes;                 /* the whole file's */
    char sha256[65];              /* the whole file's */
    bool key_seen;                /* an Authorization or x-key header, or a key in the URL */
};

struct download_log {
    struct download_record *records;
    size_t count, capacity;
    size_t with_key; /* requests that carried a key */
};

void download_log_add(struct download_log *log, const struct download_record *record);
cJSON *download_log_json(const struct download_log *log);
void download_log_reset(struct download_log *log);

#endif
