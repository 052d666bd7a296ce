/* profile.c — a provider profile as data: auth, poll endpoint, field paths, state and code maps. */
#include "core.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

gt_profile *gt_profile_new(const char *name)
{
    gt_profile *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->name = gt_strdup(name ? name : "custom");
    p->auth_header = gt_strdup("Authorization");
    p->auth_prefix = gt_strdup("Bearer ");
    p->poll_method = gt_strdup("GET");
    return p;
}

static void free_strings(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++) free(list[i]);
    free(list);
}

void gt_profile_free(gt_profile *p)
{
    if (!p) return;
    free(p->name);
    free(p->auth_header);
    free(p->auth_prefix);
    free(p->poll_method);
    free(p->poll_path);
    free(p->id_path);
    free(p->state_path);
    free(p->progress_path);
    free(p->error_code_path);
    free(p->error_message_path);
    free_strings(p->result_paths, p->n_result_paths);
    free_strings(p->request_id_headers, p->n_request_id_headers);
    for (size_t i = 0; i < p->n_states; i++) free(p->states[i].name);
    free(p->states);
    for (size_t i = 0; i < p->n_codes; i++) {
        free(p->codes[i].code);
        free(p->codes[i].stage);
    }
    free(p->codes);
    free(p);
}

const char *gt_profile_name(const gt_profile *p)
{
    return p->name;
}

bool gt_profile_set(gt_profile *p, const char *key, const char *value)
{
    static const struct {
        const char *key;
        size_t      offset;
    } fields[] = {
        {"auth_header", offsetof(gt_profile, auth_header)},
        {"auth_prefix", offsetof(gt_profile, auth_prefix)},
        {"poll_method", offsetof(gt_profile, poll_method)},
        {"poll_path", offsetof(gt_profile, poll_path)},
        {"id", offsetof(gt_profile, id_path)},
        {"state", offsetof(gt_profile, state_path)},
        {"progress", offsetof(gt_profile, progress_path)},
        {"error_code", offsetof(gt_profile, error_code_path)},
        {"error_message", offsetof(gt_profile, error_message_path)},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (strcmp(fields[i].key, key) != 0) continue;
        char **slot = (char **)((char *)p + fields[i].offset);
        free(*slot);
        *slot = gt_strdup(value);
        return true;
    }
    return false;
}

static void append_string(char ***list, size_t *n, const char *s)
{
    char **grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (!grown) return;
    grown[*n] = gt_strdup(s);
    *list = grown;
    (*n)++;
}

void gt_profile_add_result_path(gt_profile *p, const char *path)
{
    append_string(&p->result_paths, &p->n_result_paths, path);
}

void gt_profile_add_request_id_header(gt_profile *p, const char *header)
{
    append_string(&p->request_id_headers, &p->n_request_id_headers, header);
}

void gt_profile_add_state(gt_profile *p, const char *provider_state, gt_remote_state state)
{
    gt_state_entry *grown = realloc(p->states, (p->n_states + 1) * sizeof *grown);
    if (!grown) return;
    p->states = grown;
    p->states[p->n_states++] = (gt_state_entry){gt_strdup(provider_state), state};
}

void gt_profile_add_code(gt_profile *p, const char *code, gt_kind kind, const char *stage)
{
    gt_code_entry *grown = realloc(p->codes, (p->n_codes + 1) * sizeof *grown);
    if (!grown) return;
    p->codes = grown;
    p->codes[p->n_codes++] = (gt_code_entry){gt_strdup(code), kind, gt_strdup(stage)};
}

gt_remote_state gt_remote_state_from_name(const char *name)
{
    static const char *const names[] = {"unknown", "pending", "running", "succeeded", "failed", "cancelled"};
    for (int i = 1; name && i <= GT_REMOTE_CANCELLED; i++)
        if (strcmp(names[i], name) == 0) return (gt_remote_state)i;
    return GT_REMOTE_UNKNOWN;
}

gt_remote_state gt_profile_state(const gt_profile *p, const char *provider_state)
{
    for (size_t i = 0; provider_state && i < p->n_states; i++)
        if (strcmp(p->states[i].name, provider_state) == 0) return p->states[i].state;
    return GT_REMOTE_UNKNOWN;
}

/* Providers vary the case of their codes (APIXO: SensitiveContent, outputimagesensitivecontentdetected). */
const gt_code_entry *gt_profile_code(const gt_profile *p, const char *code)
{
    for (size_t i = 0; code && i < p->n_codes; i++)
        if (strcasecmp(p->codes[i].code, code) == 0) return &p->codes[i];
    return NULL;
}
