/* engine.c — the engine userdata: stepping, timeouts, the queues of what changed, and the socket
 * interface of host loops (libuv, nginx, a game's frame). */
#include "binding.h"

#include <limits.h>
#include <math.h>
#include <string.h>

static gt_engine *check_engine(lua_State *L)
{
    return gt_lua_check_box(L, 1, GT_ENGINE_MT);
}

static int engine_new(lua_State *L)
{
    gt_engine *e = gt_engine_new();
    if (!e) return luaL_error(L, "gentask: cannot initialise libcurl");
    gt_lua_push_box(L, e, GT_ENGINE_MT);
    return 1;
}

/* Collected when the Lua state closes (the scheduler holds it until then): what its journals still
 * have to write is written before the process goes. */
static void release_engine(void *e)
{
    gt_engine_finish_writes(e);
    gt_engine_release(e);
}

static void describe_engine(lua_State *L, void *e)
{
    lua_pushfstring(L, "gentask.engine(%d live tasks)", (int)gt_task_live_count(e));
}

static int engine_step(lua_State *L)
{
    lua_pushinteger(L, gt_engine_step(check_engine(L), gt_lua_opt_ms(L, 2)));
    return 1;
}

static int engine_timeout(lua_State *L)
{
    long ms = gt_engine_timeout(check_engine(L));
    if (ms < 0) return 0; /* nothing will ever happen without new work */
    lua_pushnumber(L, ms == LONG_MAX ? HUGE_VAL : ms / 1000.0);
    return 1;
}

/* One of the engine's queues, drained into an array of the userdata the script holds: the tasks
 * that changed, or the alarms that fired. An object whose box was collected (gone from the weak
 * map) is skipped: nobody can be waiting for it. */
static int push_drained(lua_State *L, bool alarms)
{
    gt_engine *e = check_engine(L);
    lua_newtable(L);
    int n = 0;
    const void *object;
    while ((object = alarms ? (const void *)gt_engine_next_fired(e) : (const void *)gt_task_next_changed(e))) {
        gt_lua_recall(L, object);
        if (lua_isnil(L, -1)) lua_pop(L, 1);
        else lua_rawseti(L, -2, ++n);
    }
    return 1;
}

static int engine_changed(lua_State *L)
{
    return push_drained(L, false);
}

static int engine_fired(lua_State *L)
{
    return push_drained(L, true);
}

static int engine_live_tasks(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gt_task_live_count(check_engine(L)));
    return 1;
}

static int engine_host_loop(lua_State *L)
{
    gt_engine_set_host_loop(check_engine(L), lua_toboolean(L, 2));
    return 0;
}

static const char *watch_name(int events)
{
    switch (events) {
    case GT_WATCH_IN: return "r";
    case GT_WATCH_OUT: return "w";
    case GT_WATCH_IN | GT_WATCH_OUT: return "rw";
    case 0: return "none";
    default: return "remove"; /* GT_WATCH_REMOVE, and anything newer: stop watching */
    }
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
            lua_pushinteger(L, fds[i]);
            lua_rawseti(L, -2, ++n);
            lua_pushstring(L, watch_name(events[i]));
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

void gt_lua_open_engine(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"step", engine_step},
        {"timeout", engine_timeout},
        {"changed", engine_changed},
        {"fired", engine_fired},
        {"live_tasks", engine_live_tasks},
        {"metrics", gt_lua_engine_metrics},
        {"alarm", gt_lua_alarm_new},
        {"client", gt_lua_client_new},
        {"host_loop", engine_host_loop},
        {"socket_changes", engine_socket_changes},
        {"socket_action", engine_socket_action},
        {"release_sockets", engine_release_sockets},
        {"wake_fd", engine_wake_fd},
        {NULL, NULL},
    };
    static const gt_lua_class engine_class = {
        .name = GT_ENGINE_MT,
        .methods = methods,
        .release = release_engine,
        .describe = describe_engine,
    };
    static const luaL_Reg functions[] = {{"engine", engine_new}, {NULL, NULL}};
    gt_lua_new_class(L, &engine_class);
    gt_setfuncs(L, functions);
}
