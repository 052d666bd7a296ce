/* fuzz_jsonpath.c — the field-path walk over any path and any JSON: the path as the loader
 * checks it, and walked even when the loader would refuse it (the walk must be bounded alone).
 * Input: path NUL json. */
#include <cJSON.h>

#include "../csrc/core/reading/reading.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char **parts = fuzz_split(data, size, 2);
    const char *problem = gt_json_path_problem(parts[0]);
    gt_profile *p = gt_profile_new("fuzz");
    bool added = gt_profile_add_path(p, "results", parts[0]);
    if (added != (problem == NULL)) abort(); /* the loader and the check agree */
    cJSON *json = cJSON_Parse(parts[1]);
    gt_paths raw = {.items = &parts[0], .n = 1};
    gt_json_value v = gt_json_paths_first(json, &raw);
    gt_json_value_clear(&v);
    free(gt_json_paths_string(json, &raw));
    free(gt_json_paths_message(json, &raw)); /* an object or list written out as a message */
    cJSON_Delete(json);
    gt_profile_free(p);
    fuzz_free(parts, 2);
    return 0;
}
