/* wirelog.c — a client's debug events, from the core's hook to Lua tables. The hook runs inside
 * the engine's step (curl's callbacks among others), where Lua must not be called: it copies the
 * event into a queue that client:take_log() drains; the Lua layer formats the lines. */
#include "binding.h"

#include <stdlib.h>
#include <string.h>

typedef struct log_record {
    gt_log_kind kind;
    gt_phase phase;
    char *provider, *method, *url, *task_id, *failure;
    int attempt;
    long status;
    double seconds;
} log_record;

/* A host that never drains (no one waits, no frame calls update) must not grow memory forever:
 * past this many, the oldest are dropped and counted. */
#define LOG_QUEUE_MAX 4096

typedef struct log_queue {
    log_record *records;
    size_t n, cap;
    long dropped;
} log_queue;

static char *copy(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void record_clear(log_record *r)
{
    free(r->provider), free(r->method), free(r->url), free(r->task_id), free(r->failure);
}

static void on_event(void *ctx, const gt_log_event *ev)
{
    log_queue *q = ctx;
    if (q->n == LOG_QUEUE_MAX) {
        record_clear(&q->records[0]);
        memmove(q->records, q->records + 1, (q->n - 1) * sizeof *q->records);
        q->n--;
        q->dropped++;
    }
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 16;
        log_record *grown = realloc(q->records, cap * sizeof *grown);
        if (!grown) {
            q->dropped++;
            return;
        }
        q->records = grown;
        q->cap = cap;
    }
    q->records[q->n++] = (log_record){
        .kind = ev->kind,
        .phase = ev->phase,
        .provider = copy(ev->provider),
        .method = copy(ev->method),
        .url = copy(ev->url),
        .task_id = copy(ev->task_id),
        .failure = copy(ev->failure),
        .attempt = ev->attempt,
        .status = ev->status,
        .seconds = ev->seconds,
    };
}

void gt_lua_client_log_off(gt_client *c)
{
    log_queue *q = gt_client_log_ctx(c);
    gt_client_set_log(c, NULL, NULL);
    if (!q) return;
    for (size_t i = 0; i < q->n; i++) record_clear(&q->records[i]);
    free(q->records);
    free(q);
}

/* client:log(on): events are queued from now on (on) or no longer (off) */
int gt_lua_client_log(lua_State *L)
{
    gt_client *c = gt_lua_check_box(L, 1, GT_CLIENT_MT);
    bool on = lua_toboolean(L, 2);
    log_queue *q = gt_client_log_ctx(c);
    if (on && !q) {
        q = calloc(1, sizeof *q);
        if (!q) return luaL_error(L, "gentask: out of memory");
        gt_client_set_log(c, on_event, q);
    } else if (!on) {
        gt_lua_client_log_off(c);
    }
    return 0;
}

/* client:take_log() → { { kind = "request"|"response", phase, provider, method, url, task_id,
 * attempt, status, seconds, failure }, ..., dropped = n } or nil when nothing happened */
int gt_lua_client_take_log(lua_State *L)
{
    log_queue *q = gt_client_log_ctx(gt_lua_check_box(L, 1, GT_CLIENT_MT));
    if (!q || (q->n == 0 && q->dropped == 0)) return 0;
    lua_createtable(L, (int)q->n, 1);
    for (size_t i = 0; i < q->n; i++) {
        log_record *r = &q->records[i];
        lua_createtable(L, 0, 10);
        gt_lua_setfield_string(L, "kind", r->kind == GT_LOG_REQUEST ? "request" : "response");
        gt_lua_setfield_string(L, "phase", gt_phase_name(r->phase));
        gt_lua_setfield_string(L, "provider", r->provider);
        gt_lua_setfield_string(L, "method", r->method);
        gt_lua_setfield_string(L, "url", r->url);
        gt_lua_setfield_string(L, "task_id", r->task_id);
        gt_lua_setfield_string(L, "failure", r->failure);
        gt_lua_setfield_integer(L, "attempt", r->attempt);
        if (r->kind == GT_LOG_RESPONSE) {
            gt_lua_setfield_integer(L, "status", r->status);
            gt_lua_setfield_number(L, "seconds", r->seconds);
        }
        lua_rawseti(L, -2, (int)i + 1);
        record_clear(r);
    }
    if (q->dropped) gt_lua_setfield_integer(L, "dropped", q->dropped);
    q->n = 0;
    q->dropped = 0;
    return 1;
}
