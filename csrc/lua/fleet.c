/* fleet.c — core.fleet(where, api_key, timeout_seconds): the core's gt_fleet_read as a table, or
 * nil and the error table. Times become seconds, as everywhere in Lua: lease_left in seconds,
 * pause_left in seconds, paused_until in Unix seconds (the wall clock: os.time()'s). */
#include "binding.h"

static void push_tasks(lua_State *L, const gt_fleet_tasks *t)
{
    lua_createtable(L, 0, 4);
    gt_lua_setfield_integer(L, "queued", (lua_Integer)t->queued);
    gt_lua_setfield_integer(L, "sending", (lua_Integer)t->sending);
    gt_lua_setfield_integer(L, "accepted", (lua_Integer)t->accepted);
    gt_lua_setfield_integer(L, "ended", (lua_Integer)t->ended);
}

static void push_owner(lua_State *L, const gt_fleet_owner *o)
{
    lua_createtable(L, 0, 5);
    gt_lua_setfield_string(L, "id", o->id);
    gt_lua_setfield_string(L, "host", o->host);
    if (o->pid > 0) gt_lua_setfield_integer(L, "pid", (lua_Integer)o->pid);
    gt_lua_setfield_number(L, "lease_left", (lua_Number)o->lease_left_ms / 1000);
    gt_lua_setfield_integer(L, "places", (lua_Integer)o->places);
}

static void push_fleet(lua_State *L, const gt_fleet *f)
{
    lua_createtable(L, 0, 5);
    lua_createtable(L, (int)f->n_owners, 0);
    for (size_t i = 0; i < f->n_owners; i++) {
        push_owner(L, &f->owners[i]);
        lua_rawseti(L, -2, (int)i + 1);
    }
    lua_setfield(L, -2, "owners");
    push_tasks(L, &f->tasks);
    lua_setfield(L, -2, "tasks");
    lua_createtable(L, 0, (int)f->n_providers);
    for (size_t i = 0; i < f->n_providers; i++) {
        push_tasks(L, &f->providers[i]);
        lua_setfield(L, -2, f->providers[i].provider);
    }
    lua_setfield(L, -2, "providers");
    if (f->paused_until_ms > 0) {
        gt_lua_setfield_number(L, "paused_until", (lua_Number)f->paused_until_ms / 1000);
        gt_lua_setfield_number(L, "pause_left", (lua_Number)f->pause_left_ms / 1000);
    }
    if (f->has_cap) gt_lua_setfield_number(L, "cap", f->cap);
    gt_lua_setfield_number(L, "sent", (lua_Number)f->sent);
    if (f->currency) {
        lua_createtable(L, 0, 4);
        gt_lua_setfield_string(L, "currency", f->currency);
        gt_lua_setfield_number(L, "settled", f->spent_settled);
        gt_lua_setfield_number(L, "held", f->spent_held);
        if (f->max_cost > 0) gt_lua_setfield_number(L, "max_cost", f->max_cost);
        lua_setfield(L, -2, "spend");
    }
}

/* core.fleet(where, api_key | nil, timeout_seconds | nil) → fleet | nil, error table */
static int fleet(lua_State *L)
{
    const char *where = luaL_checkstring(L, 1);
    const char *api_key = luaL_optstring(L, 2, NULL);
    long timeout_ms = gt_lua_opt_ms(L, 3);
    gt_error *err = NULL;
    gt_fleet *f = gt_fleet_read(where, api_key, timeout_ms, &err);
    if (!f) {
        lua_pushnil(L);
        if (err) gt_lua_push_error(L, err, NULL);
        else lua_pushstring(L, "gentask: reading the fleet: out of memory");
        gt_error_free(err);
        return 2;
    }
    push_fleet(L, f);
    gt_fleet_free(f);
    return 1;
}

void gt_lua_open_fleet(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"fleet", fleet},
        {NULL, NULL},
    };
    gt_setfuncs(L, functions);
}
