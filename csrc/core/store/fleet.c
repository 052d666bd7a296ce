/* fleet.c — the fleet both backends read into (fleet.h): owners, records counted by stage in all
 * and per provider, and its freeing. */
#include "fleet.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"

/* Owner ids are "owner-" and random hex (shared_open.c): this many of its characters tell the
 * owners of one key apart, and a line stays short. */
#define OWNER_ID_SHOWN 8
#define OWNER_ID_PREFIX "owner-"

gt_fleet *gt_fleet_new(void)
{
    return calloc(1, sizeof(gt_fleet));
}

static char *shortened(const char *id)
{
    if (strncmp(id, OWNER_ID_PREFIX, strlen(OWNER_ID_PREFIX)) == 0) id += strlen(OWNER_ID_PREFIX);
    return gt_strndup(id, OWNER_ID_SHOWN);
}

bool gt_fleet_add_owner(gt_fleet *f, const char *id, const char *host, int64_t pid, int64_t lease_left_ms,
                        int64_t places)
{
    gt_fleet_owner *more = realloc(f->owners, (f->n_owners + 1) * sizeof *more);
    if (!more) return false;
    f->owners = more;
    gt_fleet_owner *o = &f->owners[f->n_owners];
    *o = (gt_fleet_owner){.id = shortened(id ? id : ""),
                          .host = host ? gt_strdup(host) : NULL,
                          .pid = pid,
                          .lease_left_ms = lease_left_ms,
                          .places = places};
    f->n_owners++;
    return o->id && (!host || o->host);
}

/* The provider's entry, made in its sorted place when it has none yet; NULL: out of memory. */
static gt_fleet_tasks *provider_tasks(gt_fleet *f, const char *provider)
{
    size_t at = 0;
    while (at < f->n_providers && strcmp(f->providers[at].provider, provider) < 0) at++;
    if (at < f->n_providers && strcmp(f->providers[at].provider, provider) == 0) return &f->providers[at];
    char *name = gt_strdup(provider);
    gt_fleet_tasks *more = name ? realloc(f->providers, (f->n_providers + 1) * sizeof *more) : NULL;
    if (!more) {
        free(name);
        return NULL;
    }
    f->providers = more;
    memmove(&more[at + 1], &more[at], (f->n_providers - at) * sizeof *more);
    more[at] = (gt_fleet_tasks){.provider = name};
    f->n_providers++;
    return &more[at];
}

static int64_t *stage_count(gt_fleet_tasks *t, gt_record_stage stage)
{
    switch (stage) {
    case GT_RECORD_QUEUED: return &t->queued;
    case GT_RECORD_SENDING: return &t->sending;
    case GT_RECORD_ACCEPTED: return &t->accepted;
    case GT_RECORD_ENDED: return &t->ended;
    }
    return NULL;
}

bool gt_fleet_add_tasks(gt_fleet *f, const char *provider, const char *stage, int64_t n)
{
    gt_record_stage s;
    if (!stage || !gt_record_stage_from_name(stage, &s)) return true; /* no stage of ours: not counted */
    gt_fleet_tasks *per_provider = provider_tasks(f, provider ? provider : "");
    if (!per_provider) return false;
    *stage_count(per_provider, s) += n;
    *stage_count(&f->tasks, s) += n;
    return true;
}

gt_error *gt_fleet_error(gt_kind kind, const char *code, const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    /* phase: the error table needs one; the Lua layer keeps kind, code and message alone */
    gt_error *err = gt_error_new(kind, GT_PHASE_SUBMIT, message);
    if (err && code) err->code = gt_strdup(code);
    return err;
}

void gt_fleet_free(gt_fleet *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->n_owners; i++) {
        free(f->owners[i].id);
        free(f->owners[i].host);
    }
    for (size_t i = 0; i < f->n_providers; i++) free(f->providers[i].provider);
    free(f->owners);
    free(f->providers);
    free(f->currency);
    free(f);
}
