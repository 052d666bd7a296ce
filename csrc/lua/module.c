/* module.c — module gentask.core: the engine and alarm userdata, and luaopen.
 * Times cross this boundary in seconds (Lua's habit) and become milliseconds in the core. */
#include "binding.h"

#include <limits.h>
#include <math.h>
#include <string.h>
#include <strings.h>

static long seconds_to_ms(lua_State *L, int idx)
{
    return gt_lua_seconds_to_ms(luaL_optnumber(L, idx, 0));
}

static gt_engine *check_engine(lua_State *L)
{
    return gt_lua_check_box(L, 1, GT_ENGINE_MT);
}

static int core_engine(lua_State *L)
{
    gt_engine *e = gt_engine_new();
    if (!e) return luaL_error(L, "gentask: cannot initialise libcurl");
    gt_lua_push_box(L, e, GT_ENGINE_MT);
    return 1;
}

static int core_is_task(lua_State *L)
{
    bool is_task = lua_getmetatable(L, 1);
    if (is_task) {
        luaL_getmetatable(L, GT_TASK_MT);
        is_task = lua_rawequal(L, -1, -2);
    }
    lua_pushboolean(L, is_task);
    return 1;
}

static int engine_gc(lua_State *L)
{
    gt_engine_release(gt_lua_take_box(L, 1, GT_ENGINE_MT));
    return 0;
}

static int engine_step(lua_State *L)
{
    lua_pushinteger(L, gt_engine_step(check_engine(L), seconds_to_ms(L, 2)));
    return 1;
}

static int engine_timeout(lua_State *L)
{
    long ms = gt_engine_timeout(check_engine(L));
    if (ms < 0) return 0;   /* nothing will ever happen without new work */
    lua_pushnumber(L, ms == LONG_MAX ? HUGE_VAL : ms / 1000.0);
    return 1;
}

/* Drains a queue into an array of the userdata the script holds; objects already collected
 * (their box gone from the weak map) are skipped. */
#define DRAIN(L, e, next)                              \
    do {                                               \
        lua_newtable(L);                               \
        int n = 0;                                     \
        void *object;                                  \
        while ((object = next(e))) {                   \
            gt_lua_recall(L, object);                  \
            if (lua_isnil(L, -1)) lua_pop(L, 1);       \
            else lua_rawseti(L, -2, ++n);              \
        }                                              \
    } while (0)

static int engine_changed(lua_State *L)
{
    gt_engine *e = check_engine(L);
    DRAIN(L, e, gt_task_next_changed);
    return 1;
}

static int engine_fired(lua_State *L)
{
    gt_engine *e = check_engine(L);
    DRAIN(L, e, gt_engine_next_fired);
    return 1;
}

static int engine_host_loop(lua_State *L)
{
    gt_engine_set_host_loop(check_engine(L), lua_toboolean(L, 2));
    return 0;
}

/* { fd, "r"|"w"|"rw"|"remove", fd, … }: what the host should now watch */
static int engine_socket_changes(lua_State *L)
{
    gt_engine *e = check_engine(L);
    int fds[64], events[64];
    lua_newtable(L);
    int n = 0;
    size_t got;
    while ((got = gt_engine_socket_changes(e, fds, events, 64)) > 0) {
        for (size_t i = 0; i < got; i++) {
            static const char *const names[] = {"none", "r", "w", "rw", "remove"};
            lua_pushinteger(L, fds[i]);
            lua_rawseti(L, -2, ++n);
            lua_pushstring(L, events[i] >= 0 && events[i] <= 4 ? names[events[i]] : "remove");
            lua_rawseti(L, -2, ++n);
        }
    }
    return 1;
}

/* engine:socket_action(fd, events): events as the host reports them ("r", "w", "rw"; "d" for a
 * hang-up, "e" for an error) */
static int engine_socket_action(lua_State *L)
{
    gt_engine *e = check_engine(L);
    int fd = (int)luaL_checkinteger(L, 2);
    const char *ev = luaL_optstring(L, 3, "");
    int mask = 0;
    if (strchr(ev, 'r') || strchr(ev, 'd')) mask |= GT_READY_IN;
    if (strchr(ev, 'w')) mask |= GT_READY_OUT;
    if (strchr(ev, 'e')) mask |= GT_READY_ERR;
    lua_pushinteger(L, gt_engine_socket_action(e, fd, mask));
    return 1;
}

static int engine_release_sockets(lua_State *L)
{
    gt_engine_release_sockets(check_engine(L));
    return 0;
}

/* engine:wake_fd(): an fd readable when step(0) is due (its timer re-armed now); nil where
 * the system has none */
static int engine_wake_fd(lua_State *L)
{
    int fd = gt_engine_wake_fd(check_engine(L));
    if (fd < 0) return 0;
    lua_pushinteger(L, fd);
    return 1;
}

static int engine_live_tasks(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gt_task_live_count(check_engine(L)));
    return 1;
}

static int engine_alarm(lua_State *L)
{
    gt_alarm *a = gt_alarm_new(check_engine(L), seconds_to_ms(L, 2));
    if (!a) return luaL_error(L, "gentask: out of memory");
    gt_lua_push_box(L, a, GT_ALARM_MT);
    return 1;
}

/* engine:client(profile, base_url, api_key, options) */
static int engine_client(lua_State *L)
{
    gt_engine *e = check_engine(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    const char *base_url = luaL_checkstring(L, 3);
    const char *api_key = luaL_optstring(L, 4, "");
    gt_client_options opts;
    gt_client_options_default(&opts);
    if (lua_istable(L, 5)) gt_lua_read_options(L, 5, &opts);
    gt_profile *profile = gt_lua_check_profile(L, 2);
    gt_client *c = gt_client_new(e, profile, base_url, api_key, &opts);
    if (!c) return luaL_error(L, "gentask: out of memory");
    gt_lua_push_box(L, c, GT_CLIENT_MT);
    return 1;
}

static int profile_gc(lua_State *L)
{
    gt_profile_free(gt_lua_take_box(L, 1, GT_PROFILE_MT));
    return 0;
}

/* The compiled profile for the table at idx, cached per table: classify is called per response. */
static const gt_profile *cached_profile(lua_State *L, int idx)
{
    static const char cache_key = 'p';
    gt_lua_weak_table(L, &cache_key, "k");
    lua_pushvalue(L, idx);
    lua_rawget(L, -2);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        void **box = gt_lua_push_box(L, NULL, GT_PROFILE_MT);
        *box = gt_lua_check_profile(L, idx);
        lua_pushvalue(L, idx);
        lua_pushvalue(L, -2);
        lua_rawset(L, -4);
    }
    const gt_profile *p = *(void **)lua_touserdata(L, -1);
    lua_pop(L, 2);   /* the cache keeps the box alive while the profile table lives */
    return p;
}

/* Case-insensitive lookup in a headers table { ["Request-Id"] = "…" }. */
static const char *header(lua_State *L, int headers, const char *name)
{
    if (!lua_istable(L, headers)) return NULL;
    const char *found = NULL;
    lua_pushnil(L);
    while (lua_next(L, headers)) {
        if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING &&
            strcasecmp(lua_tostring(L, -2), name) == 0)
            found = lua_tostring(L, -1);   /* stays alive in the headers table */
        lua_pop(L, 1);
    }
    return found;
}

/* core.classify(profile, phase, status, headers, body) → error table | nil, reading */
static int core_classify(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    const char *phase_name = luaL_checkstring(L, 2);
    gt_phase phase = strcmp(phase_name, "submit") == 0 ? GT_PHASE_SUBMIT : GT_PHASE_POLL;
    size_t body_len = 0;
    const char *body = luaL_optlstring(L, 5, "", &body_len);
    const gt_profile *p = cached_profile(L, 1);
    gt_response res = {
        .status = (long)luaL_checkinteger(L, 3),
        .body = body,
        .body_len = body_len,
    };
    for (int h = 0; h < GT_HEADER_COUNT; h++) res.header[h] = header(L, 4, gt_header_name(h));
    const char *name;
    for (size_t i = 0; !res.request_id && (name = gt_profile_request_id_header(p, i)); i++)
        res.request_id = header(L, 4, name);
    gt_reply reply;
    gt_classify(p, phase, &res, &reply);
    if (reply.error) {
        gt_lua_push_error(L, reply.error, gt_profile_name(p));
        gt_reply_clear(&reply);
        return 1;
    }
    lua_pushnil(L);
    lua_createtable(L, 0, 6);
    gt_lua_setfield_string(L, "state", gt_remote_state_name(reply.state));
    gt_lua_setfield_string(L, "provider_state", reply.raw_state);
    gt_lua_setfield_string(L, "id", reply.task_id);
    gt_lua_setfield_string(L, "poll_url", reply.poll_url);
    if (reply.progress >= 0) gt_lua_setfield_integer(L, "progress", reply.progress);
    lua_createtable(L, (int)reply.n_urls, 0);
    for (size_t i = 0; i < reply.n_urls; i++) {
        lua_pushstring(L, reply.urls[i]);
        lua_rawseti(L, -2, (int)i + 1);
    }
    lua_setfield(L, -2, "urls");
    gt_reply_clear(&reply);
    return 2;
}

static int alarm_gc(lua_State *L)
{
    gt_alarm_free(gt_lua_take_box(L, 1, GT_ALARM_MT));
    return 0;
}

static void new_class(lua_State *L, const char *name, const luaL_Reg *methods, lua_CFunction gc)
{
    luaL_newmetatable(L, name);
    lua_newtable(L);
    gt_setfuncs(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
}

int luaopen_gentask_core(lua_State *L)
{
    static const luaL_Reg engine_methods[] = {
        {"step", engine_step},       {"timeout", engine_timeout}, {"changed", engine_changed},
        {"fired", engine_fired},     {"alarm", engine_alarm},     {"client", engine_client},
        {"live_tasks", engine_live_tasks}, {"host_loop", engine_host_loop},
        {"socket_changes", engine_socket_changes}, {"socket_action", engine_socket_action},
        {"release_sockets", engine_release_sockets}, {"wake_fd", engine_wake_fd}, {NULL, NULL},
    };
    static const luaL_Reg alarm_methods[] = {{"cancel", alarm_gc}, {NULL, NULL}};
    static const luaL_Reg no_methods[] = {{NULL, NULL}};
    static const luaL_Reg functions[] = {
        {"engine", core_engine}, {"is_task", core_is_task}, {"classify", core_classify}, {NULL, NULL},
    };

    lua_newtable(L);
    gt_setfuncs(L, functions);
    new_class(L, GT_ENGINE_MT, engine_methods, engine_gc);
    new_class(L, GT_ALARM_MT, alarm_methods, alarm_gc);
    new_class(L, GT_PROFILE_MT, no_methods, profile_gc);
    gt_lua_open_task(L);
    gt_lua_open_schema(L);
    return 1;
}
