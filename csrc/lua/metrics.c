/* metrics.c — the core's counters and histograms as plain Lua tables: client:metrics() and
 * engine:metrics() (one snapshot per client of the engine). lua/gentask/metrics.lua sums them and
 * renders Prometheus' text; this file only converts.
 *
 * A snapshot: { provider =, in_flight =, queued =, resends =, rate_limited =, pauses =, refused =,
 *   budget_refusals =,
 *   requests = { { phase =, status =, error = (status 0 only), count =, sum =, buckets = { … } }, … },
 *   tasks = { { model =, outcome =, count =, sum =, buckets = { … } }, … },
 *   bounds = { request = { 0.005, …, 10 }, task = { 1, …, 1800 } } }
 * where buckets[i] counts the observations up to bounds[i] (cumulative, as Prometheus' le), and
 * count all of them. */
#include "binding.h"

#include <stdlib.h>

static void push_bounds(lua_State *L, const double *bounds, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushnumber(L, bounds[i]);
        lua_rawseti(L, -2, (int)i + 1);
    }
}

/* count, sum and the cumulative buckets into the table on top */
static void set_histogram(lua_State *L, const gt_histogram *h, size_t n_bounds)
{
    gt_lua_setfield_integer(L, "count", (lua_Integer)h->count);
    gt_lua_setfield_number(L, "sum", h->sum);
    lua_createtable(L, (int)n_bounds, 0);
    uint64_t below = 0;
    for (size_t i = 0; i < n_bounds; i++) {
        below += h->buckets[i];
        lua_pushinteger(L, (lua_Integer)below);
        lua_rawseti(L, -2, (int)i + 1);
    }
    lua_setfield(L, -2, "buckets");
}

static void push_requests(lua_State *L, const gt_client *c, size_t n)
{
    lua_createtable(L, (int)n, 0);
    gt_request_metric r;
    for (size_t i = 0; gt_client_request_metric(c, i, &r); i++) {
        lua_createtable(L, 0, 6);
        gt_lua_setfield_string(L, "phase", r.phase);
        gt_lua_setfield_integer(L, "status", r.status);
        gt_lua_setfield_string(L, "error", r.error);
        set_histogram(L, &r.duration, GT_METRICS_REQUEST_BOUNDS);
        lua_rawseti(L, -2, (int)i + 1);
    }
}

static void push_tasks(lua_State *L, const gt_client *c, size_t n)
{
    lua_createtable(L, (int)n, 0);
    gt_task_metric t;
    for (size_t i = 0; gt_client_task_metric(c, i, &t); i++) {
        lua_createtable(L, 0, 5);
        gt_lua_setfield_string(L, "model", t.model);
        gt_lua_setfield_string(L, "outcome", t.outcome);
        set_histogram(L, &t.duration, GT_METRICS_TASK_BOUNDS);
        lua_rawseti(L, -2, (int)i + 1);
    }
}

static void push_snapshot(lua_State *L, const gt_client *c)
{
    gt_client_metrics m;
    gt_client_metrics_of(c, &m);
    gt_client_stats s; /* the gauges, refused submits and spend: the client's stats, read once */
    gt_client_stats_of(c, &s);
    lua_createtable(L, 0, 14);
    gt_lua_setfield_string(L, "provider", gt_profile_name(gt_client_profile(c)));
    gt_lua_setfield_integer(L, "in_flight", s.in_flight);
    gt_lua_setfield_integer(L, "queued", s.queued);
    gt_lua_setfield_integer(L, "resends", m.resends);
    gt_lua_setfield_integer(L, "rate_limited", m.rate_limited);
    gt_lua_setfield_integer(L, "pauses", m.pauses);
    gt_lua_setfield_integer(L, "refused", s.refused);
    gt_lua_setfield_integer(L, "budget_refusals", m.budget_refusals);
    if (s.currency) { /* what its ended tasks cost, where its profile prices them (cost.c) */
        gt_lua_setfield_string(L, "currency", s.currency);
        gt_lua_setfield_number(L, "spent", s.spent);
        gt_lua_setfield_number(L, "spent_estimated", s.spent_estimated);
    }
    push_requests(L, c, m.requests);
    lua_setfield(L, -2, "requests");
    push_tasks(L, c, m.tasks);
    lua_setfield(L, -2, "tasks");
    lua_createtable(L, 0, 2);
    push_bounds(L, gt_metrics_request_bounds, GT_METRICS_REQUEST_BOUNDS);
    lua_setfield(L, -2, "request");
    push_bounds(L, gt_metrics_task_bounds, GT_METRICS_TASK_BOUNDS);
    lua_setfield(L, -2, "task");
    lua_setfield(L, -2, "bounds");
}

/* client:metrics() → snapshot */
int gt_lua_client_metrics(lua_State *L)
{
    push_snapshot(L, gt_lua_check_box(L, 1, GT_CLIENT_MT));
    return 1;
}

/* engine:metrics() → { snapshot, … }: one per client not yet freed, a script's or not. Any Lua
 * allocation may run the collector, which may free a client the script let go of: the list is
 * taken after the last allocation before it is held, and each client is held while its tables
 * are made. */
int gt_lua_engine_metrics(lua_State *L)
{
    const gt_engine *e = gt_lua_check_box(L, 1, GT_ENGINE_MT);
    size_t room = gt_engine_clients(e, NULL, 0);
    gt_client **clients = lua_newuserdata(L, (room ? room : 1) * sizeof *clients); /* Lua frees it */
    size_t n = gt_engine_clients(e, clients, room); /* fewer, if the collector freed some meanwhile */
    if (n > room) n = room;                         /* more cannot be: collecting makes no client */
    for (size_t i = 0; i < n; i++) gt_client_retain(clients[i]);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        push_snapshot(L, clients[i]);
        lua_rawseti(L, -2, (int)i + 1);
    }
    for (size_t i = 0; i < n; i++) gt_client_release(clients[i]);
    return 1;
}
