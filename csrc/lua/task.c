/* task.c — the client and task userdata. Tasks read their fields from the core on every access;
 * the Lua layer adds wait/result/on to the methods table exported as core.task_methods. */
#include "binding.h"

#include <string.h>

static gt_task *check_task(lua_State *L)
{
    return gt_lua_check_box(L, 1, GT_TASK_MT);
}

static int task_index(lua_State *L)
{
    gt_task *t = check_task(L);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "id") == 0) lua_pushstring(L, gt_task_id(t));
    else if (strcmp(key, "state") == 0) lua_pushstring(L, gt_task_state_name(gt_task_state_of(t)));
    else if (strcmp(key, "progress") == 0) lua_pushinteger(L, gt_task_progress(t));
    else if (strcmp(key, "provider") == 0) lua_pushstring(L, gt_task_provider(t));
    else if (strcmp(key, "request_id") == 0) lua_pushstring(L, gt_task_request_id(t));
    else if (strcmp(key, "done") == 0) lua_pushboolean(L, gt_task_done(t));
    else if (strcmp(key, "phase") == 0) lua_pushstring(L, gt_phase_name(gt_task_phase(t)));
    else {
        lua_pushvalue(L, 2);
        lua_rawget(L, lua_upvalueindex(1));
    }
    return 1;
}

static int task_tostring(lua_State *L)
{
    gt_task *t = *gt_lua_box_slot(L, 1, GT_TASK_MT);
    if (!t) {
        lua_pushstring(L, "gentask.task (released)");
        return 1;
    }
    const char *id = gt_task_id(t);
    lua_pushfstring(L, "gentask.task(%s %s, %s, %d%%)", gt_task_provider(t), id ? id : "(no id yet)",
                    gt_task_state_name(gt_task_state_of(t)), gt_task_progress(t));
    return 1;
}

/* A collected task in flight is cancelled: its transfer leaves the multi handle, its timer the
 * heap, and everything it held is freed. */
static int task_gc(lua_State *L)
{
    gt_task_release(gt_lua_take_box(L, 1, GT_TASK_MT));
    return 0;
}

static int task_cancel(lua_State *L)
{
    gt_task_cancel(check_task(L));
    return 0;
}

static int task_error(lua_State *L)
{
    gt_task *t = check_task(L);
    const gt_error *err = gt_task_error(t);
    if (!err) return 0;
    gt_lua_push_error(L, err, gt_task_provider(t));
    return 1;
}

static int task_urls(lua_State *L)
{
    gt_task *t = check_task(L);
    size_t n = gt_task_url_count(t);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, gt_task_url(t, i));
        lua_rawseti(L, -2, (int)i + 1);
    }
    return 1;
}

static int task_body(lua_State *L)
{
    size_t len;
    const char *body = gt_task_body(check_task(L), &len);
    if (!body) return 0;
    lua_pushlstring(L, body, len);
    return 1;
}

static int client_submit(lua_State *L)
{
    gt_client *c = gt_lua_check_box(L, 1, GT_CLIENT_MT);
    const char *path = luaL_checkstring(L, 2);
    const char *body = luaL_optstring(L, 3, NULL);
    const char *poll_path = luaL_optstring(L, 4, NULL);
    gt_client_options overrides, *opts = NULL;
    if (lua_istable(L, 5)) {   /* this submit's own options over the client's */
        overrides = *gt_client_options_of(c);
        gt_lua_read_options(L, 5, &overrides);
        opts = &overrides;
    }
    /* the box first: if Lua cannot allocate it, no task is left running unowned */
    void **box = gt_lua_push_box(L, NULL, GT_TASK_MT);
    gt_task *t = gt_client_submit(c, path, body, poll_path, opts);
    if (!t) return luaL_error(L, "gentask: out of memory");
    *box = t;
    gt_lua_remember(L, t, -1);
    return 1;
}

static int client_gc(lua_State *L)
{
    gt_client_release(gt_lua_take_box(L, 1, GT_CLIENT_MT));
    return 0;
}

static int client_tostring(lua_State *L)   /* says which provider, never which key */
{
    gt_client *c = *gt_lua_box_slot(L, 1, GT_CLIENT_MT);
    lua_pushfstring(L, "gentask.client(%s)", c ? gt_profile_name(gt_client_profile(c)) : "released");
    return 1;
}

int gt_lua_open_task(lua_State *L)
{
    static const luaL_Reg task_methods[] = {
        {"cancel", task_cancel}, {"_error", task_error}, {"_urls", task_urls}, {"_body", task_body}, {NULL, NULL},
    };
    static const luaL_Reg client_methods[] = {{"submit", client_submit}, {NULL, NULL}};

    luaL_newmetatable(L, GT_TASK_MT);
    lua_newtable(L);                    /* core.task_methods: the Lua layer adds wait, result, on */
    gt_setfuncs(L, task_methods);
    lua_pushvalue(L, -1);
    lua_setfield(L, -4, "task_methods");   /* module table sits below the metatable */
    lua_pushcclosure(L, task_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, task_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, task_gc);
    lua_setfield(L, -2, "__gc");
#if LUA_VERSION_NUM >= 504
    lua_pushcfunction(L, task_cancel);   /* leaving a <close> scope cancels an unfinished task */
    lua_setfield(L, -2, "__close");
#endif
    lua_pop(L, 1);

    luaL_newmetatable(L, GT_CLIENT_MT);
    lua_newtable(L);
    gt_setfuncs(L, client_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, client_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, client_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    return 0;
}
