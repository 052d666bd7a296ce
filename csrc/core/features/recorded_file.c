/* recorded_file.c — a result's file as a journal record describes it (path, sha256, bytes, the
 * url it came from), read from the record's files JSON: what a download checks on disk before it
 * fetches (download.c), below both the downloads and the journal's view of them. */
#include "features.h"

#include <cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *string_of(const cJSON *o, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

void gt_recorded_file_clear(gt_recorded_file *f)
{
    free(f->path);
    free(f->sha256);
    free(f->content_type);
    *f = (gt_recorded_file){0};
}

/* 64 lowercase hex digits: the digest as file_sink.c writes it. */
static bool is_sha256(const char *hex)
{
    size_t n = 0;
    for (; hex && hex[n]; n++)
        if (!isxdigit((unsigned char)hex[n]) || isupper((unsigned char)hex[n])) return false;
    return n == 64;
}

bool gt_recorded_file_at(const char *files_json, size_t index, const char *url, gt_recorded_file *out)
{
    cJSON *files = cJSON_Parse(files_json ? files_json : "");
    const cJSON *o = cJSON_IsArray(files) ? cJSON_GetArrayItem(files, (int)index) : NULL;
    const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(o, "bytes");
    const char *path = string_of(o, "path"), *sha256 = string_of(o, "sha256"), *recorded_url = string_of(o, "url");
    /* a result that failed has an error and no path: it is fetched */
    bool found = path && *path && is_sha256(sha256) && cJSON_IsNumber(bytes) && bytes->valuedouble >= 0 &&
                 recorded_url && url && strcmp(recorded_url, url) == 0;
    if (found) {
        *out = (gt_recorded_file){.path = gt_strdup(path),
                                  .sha256 = gt_strdup(sha256),
                                  .content_type = gt_strdup(string_of(o, "content_type")),
                                  .bytes = (uint64_t)bytes->valuedouble};
        found = out->path && out->sha256;
        if (!found) gt_recorded_file_clear(out);
    }
    cJSON_Delete(files);
    return found;
}
