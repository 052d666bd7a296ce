/* download_journal.c — a journaled task's downloads as its record keeps them: the spec (where the
 * files go), written with every stage so that a stopped process's successor knows it, and the
 * files, written once every download ended. A succeeded record with a spec and no files is a
 * download cut off by a crash: recover() starts it again from the spec (a file is renamed to its
 * final name only when whole, so what is there under that name is complete, and the rest is
 * fetched again: a GET costs nothing). */
#include "features.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

static void add_string(cJSON *o, const char *key, const char *value)
{
    if (value) cJSON_AddStringToObject(o, key, value);
}

static char *printed(cJSON *json)
{
    char *text = json ? cJSON_PrintUnformatted(json) : NULL;
    cJSON_Delete(json);
    return text;
}

char *gt_task_download_json(const gt_task *t)
{
    gt_download_spec spec;
    if (!gt_task_download_spec(t, &spec)) return NULL;
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    add_string(o, "dir", spec.dir);
    add_string(o, "name", spec.name);
    add_string(o, "extension", spec.extension);
    return printed(o);
}

char *gt_task_files_json(const gt_task *t)
{
    gt_download_spec spec;
    if (t->state != GT_TASK_SUCCEEDED || !gt_task_download_spec(t, &spec) || gt_task_downloading(t)) return NULL;
    cJSON *files = cJSON_CreateArray();
    size_t n = gt_task_file_count(t);
    for (size_t i = 0; files && i < n; i++) {
        gt_file f;
        cJSON *o = gt_task_file(t, i, &f) ? cJSON_CreateObject() : NULL;
        if (!o) continue;
        add_string(o, "url", f.url);
        add_string(o, "path", f.path);
        add_string(o, "sha256", f.sha256);
        add_string(o, "content_type", f.content_type);
        if (f.path) cJSON_AddNumberToObject(o, "bytes", (double)f.bytes);
        if (f.error) add_string(o, "error", gt_kind_name(f.error->kind));
        cJSON_AddItemToArray(files, o);
    }
    return printed(files);
}

static const char *string_of(const cJSON *o, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* Why a recovered task's recorded download is not done: permission_denied, code download_dir. */
static gt_error *refused(char *message /* taken */)
{
    gt_error *why = gt_error_new(GT_PERMISSION_DENIED, GT_PHASE_DOWNLOAD, message ? message : "out of memory");
    free(message);
    if (why) why->code = gt_strdup("download_dir");
    return why;
}

void gt_task_download_recorded(gt_task *t, const char *spec_json, const char *root)
{
    cJSON *o = cJSON_Parse(spec_json ? spec_json : "");
    gt_download_spec spec = {string_of(o, "dir"), string_of(o, "name"), string_of(o, "extension")};
    char *refusal = NULL, *inside = NULL;
    if (!spec.dir) {
        /* not a spec this build wrote: nothing to do */
    } else if (!root) {
        gt_task_download_refused(
            t, &spec,
            refused(gt_printf("its journal record asks for files in %s; recover() writes files only under a "
                              "directory its caller names: client:recover { download = { dir = ... } } or the "
                              "client's download option",
                              spec.dir)));
    } else if (!(inside = gt_download_dir_inside(root, spec.dir, &refusal))) {
        gt_task_download_refused(t, &spec, refused(refusal));
    } else {
        spec.dir = inside; /* the directory checked, resolved: the files go there */
        gt_task_download(t, &spec, &refusal);
        free(refusal);
    }
    free(inside);
    cJSON_Delete(o);
}
