/* convert.c — boxes, the weak pointer map, and conversions between core structs and Lua tables. */
#include "binding.h"

#include <limits.h>
#include <math.h>
#include <string.h>

static const char weak_map_key = 'w';   /* its address keys the weak map in the registry */

void *gt_lua_push_box(lua_State *L, void *object, const char *mt)
{
    void **box = lua_newuserdata(L, sizeof *box);
    *box = object;
    luaL_getmetatable(L, mt);
    lua_setmetatable(L, -2);
    if (object) gt_lua_remember(L, object, lua_gettop(L));
    return box;
}

void **gt_lua_box_slot(lua_State *L, int idx, const char *mt)
{
    return luaL_checkudata(L, idx, mt);
}

void *gt_lua_check_box(lua_State *L, int idx, const char *mt)
{
    void **box = gt_lua_box_slot(L, idx, mt);
    if (!*box) luaL_error(L, "%s: the object was closed", mt);
    return *box;
}

void *gt_lua_take_box(lua_State *L, int idx, const char *mt)
{
    void **box = gt_lua_box_slot(L, idx, mt);
    void *object = *box;
    *box = NULL;
    return object;
}

void gt_lua_weak_table(lua_State *L, const void *key, const char *mode)
{
    lua_pushlightuserdata(L, (void *)key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    if (!lua_isnil(L, -1)) return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_newtable(L);
    lua_pushstring(L, mode);
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_pushlightuserdata(L, (void *)key);
    lua_pushvalue(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
}

static void push_weak_map(lua_State *L)
{
    gt_lua_weak_table(L, &weak_map_key, "v");
}

void gt_lua_remember(lua_State *L, const void *object, int box_idx)
{
    box_idx = box_idx < 0 ? lua_gettop(L) + box_idx + 1 : box_idx;
    push_weak_map(L);
    lua_pushlightuserdata(L, (void *)object);
    lua_pushvalue(L, box_idx);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

void gt_lua_recall(lua_State *L, const void *object)
{
    push_weak_map(L);
    lua_pushlightuserdata(L, (void *)object);
    lua_rawget(L, -2);
    lua_remove(L, -2);
}

void gt_lua_setfield_string(lua_State *L, const char *key, const char *value)
{
    if (!value) return;
    lua_pushstring(L, value);
    lua_setfield(L, -2, key);
}

void gt_lua_setfield_integer(lua_State *L, const char *key, lua_Integer value)
{
    lua_pushinteger(L, value);
    lua_setfield(L, -2, key);
}

long gt_lua_seconds_to_ms(lua_Number seconds)
{
    /* about 35 years: far enough to mean "never", near enough that now + it cannot overflow */
    const lua_Number max_ms = (lua_Number)(LONG_MAX < (1L << 40) ? LONG_MAX / 4 : (1L << 40));
    if (!(seconds > 0)) return 0;   /* also NaN */
    lua_Number ms = ceil(seconds * 1000);   /* any positive time is at least 1 ms: 0 means "none" to curl */
    return ms > max_ms ? (long)max_ms : (long)ms;
}

void gt_lua_ms_field(lua_State *L, int idx, const char *key, long *ms)
{
    lua_getfield(L, idx, key);
    if (!lua_isnil(L, -1)) *ms = gt_lua_seconds_to_ms(luaL_checknumber(L, -1));
    lua_pop(L, 1);
}

static int int_field(lua_State *L, int idx, const char *key, int fallback, int max)
{
    lua_Number v = gt_lua_opt_number_field(L, idx, key, fallback);
    return v < 0 ? 0 : v > max ? max : (int)v;
}

/* resubmit = { kinds = { "generation_failed", "timeout" }, max = 1 } */
static void read_resubmit(lua_State *L, int idx, gt_client_options *o)
{
    lua_getfield(L, idx, "resubmit");
    int resubmit = lua_gettop(L);
    if (lua_istable(L, resubmit)) {
        o->resubmit_kinds = 0;
        lua_getfield(L, resubmit, "kinds");
        int n = lua_istable(L, -1) ? (int)gt_rawlen(L, -1) : 0;
        for (int i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, i);
            gt_kind kind = gt_kind_from_name(lua_tostring(L, -1));
            if (kind == GT_KIND_NONE) luaL_error(L, "resubmit.kinds[%d] is not an error kind", i);
            o->resubmit_kinds |= 1u << kind;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        o->resubmit_max = int_field(L, resubmit, "max", 1, 100);
    }
    lua_pop(L, 1);
}

void gt_lua_read_options(lua_State *L, int idx, gt_client_options *o)
{
    const gt_option *spec;
    for (size_t i = 0; (spec = gt_option_at(i)); i++) {
        lua_getfield(L, idx, spec->name);
        if (!lua_isnil(L, -1) && !gt_option_set(o, i, luaL_checknumber(L, -1)))
            luaL_error(L, "%s is out of its bounds", spec->name);   /* the Lua layer said why first */
        lua_pop(L, 1);
    }
    read_resubmit(L, idx, o);
}

lua_Number gt_lua_opt_number_field(lua_State *L, int idx, const char *key, lua_Number fallback)
{
    lua_getfield(L, idx, key);
    lua_Number v = lua_isnil(L, -1) ? fallback : luaL_checknumber(L, -1);
    lua_pop(L, 1);
    return v;
}

void gt_lua_push_error(lua_State *L, const gt_error *err, const char *provider)
{
    lua_createtable(L, 0, 16);
    gt_lua_setfield_string(L, "kind", gt_kind_name(err->kind));
    lua_pushboolean(L, err->retryable);
    lua_setfield(L, -2, "retryable");
    gt_lua_setfield_string(L, "message", err->message);
    gt_lua_setfield_string(L, "provider", provider);
    gt_lua_setfield_string(L, "phase", gt_phase_name(err->phase));
    gt_lua_setfield_string(L, "submitted", gt_submitted_name(err->submitted));
    if (err->status) gt_lua_setfield_integer(L, "status", err->status);
    gt_lua_setfield_string(L, "code", err->code);
    gt_lua_setfield_string(L, "stage", err->stage);
    gt_lua_setfield_string(L, "request_id", err->request_id);
    gt_lua_setfield_string(L, "task_id", err->task_id);
    gt_lua_setfield_string(L, "body", err->body);
    if (err->retry_after >= 0) {
        lua_pushnumber(L, err->retry_after);
        lua_setfield(L, -2, "retry_after");
    }
    if (err->attempts) gt_lua_setfield_integer(L, "attempts", err->attempts);
}

/* ---- profiles: the Lua table format is documented in lua/gentask/providers/README.md ---------- */

static const char *check_string_field(lua_State *L, int tbl, const char *key, const char *where)
{
    lua_getfield(L, tbl, key);
    const char *s = lua_tostring(L, -1);
    if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "profile: %s.%s must be a string", where, key);
    lua_pop(L, 1);   /* the string stays alive: the profile table still holds it */
    return s;
}

static void set_string(lua_State *L, gt_profile *p, int tbl, const char *key, const char *core_key, const char *where)
{
    const char *value = check_string_field(L, tbl, key, where);
    if (value) gt_profile_set(p, core_key, value);
}

/* The value on top of the stack: a string, or a list of strings; add(ctx, s) for each. */
static void each_string(lua_State *L, const char *where, void (*add)(void *, const char *), void *ctx)
{
    if (lua_type(L, -1) == LUA_TSTRING) {
        add(ctx, lua_tostring(L, -1));
        return;
    }
    if (!lua_istable(L, -1)) luaL_error(L, "profile: %s must be a string or a list of strings", where);
    int n = (int)gt_rawlen(L, -1);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "profile: %s[%d] must be a string", where, i);
        add(ctx, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
}

typedef struct field_ctx {
    lua_State  *L;
    gt_profile *p;
    const char *field;
} field_ctx;

static void add_field_path(void *ctx, const char *path)
{
    field_ctx *f = ctx;
    if (!gt_profile_add_path(f->p, f->field, path)) luaL_error(f->L, "profile: unknown field '%s'", f->field);
}

static void add_request_id_header(void *ctx, const char *header)
{
    gt_profile_add_request_id_header(ctx, header);
}

static void read_fields(lua_State *L, gt_profile *p, int profile)
{
    lua_getfield(L, profile, "fields");
    int fields = lua_gettop(L);
    if (!lua_istable(L, fields)) luaL_error(L, "profile: fields must be a table");
    lua_pushnil(L);
    while (lua_next(L, fields)) {
        if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "profile: fields has a non-string key");
        field_ctx ctx = {L, p, lua_tostring(L, -2)};
        each_string(L, ctx.field, add_field_path, &ctx);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* A kind name, or a table { kind =, stage = }, on top of the stack. */
static gt_kind read_kind(lua_State *L, const char *what, const char **stage)
{
    const char *kind_name;
    *stage = NULL;
    if (lua_istable(L, -1)) {
        kind_name = check_string_field(L, lua_gettop(L), "kind", what);
        *stage = check_string_field(L, lua_gettop(L), "stage", what);
    } else {
        kind_name = lua_tostring(L, -1);
    }
    gt_kind kind = gt_kind_from_name(kind_name);
    if (kind == GT_KIND_NONE) luaL_error(L, "profile: %s maps to unknown kind '%s'", what, kind_name ? kind_name : "?");
    return kind;
}

/* states = { Ready = "succeeded", ["Request Moderated"] = { state = "failed", kind =, stage = },
 *            ["Task not found"] = { state = "failed", kind = "not_found", grace = 5 } } */
static void read_states(lua_State *L, gt_profile *p, int profile)
{
    lua_getfield(L, profile, "states");
    int states = lua_gettop(L);
    if (!lua_istable(L, states)) luaL_error(L, "profile: states must be a table");
    lua_pushnil(L);
    while (lua_next(L, states)) {
        if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "profile: states has a non-string key");
        const char *name = lua_tostring(L, -2), *stage = NULL;
        gt_kind kind = GT_KIND_NONE;
        long grace_ms = 0;
        const char *state_name = lua_tostring(L, -1);
        if (lua_istable(L, -1)) {
            int entry = lua_gettop(L);
            state_name = check_string_field(L, entry, "state", name);
            lua_getfield(L, entry, "kind");
            if (!lua_isnil(L, -1)) kind = read_kind(L, name, &stage);
            lua_pop(L, 1);
            if (kind != GT_KIND_NONE) stage = check_string_field(L, entry, "stage", name);
            grace_ms = gt_lua_seconds_to_ms(gt_lua_opt_number_field(L, entry, "grace", 0));
        }
        gt_remote_state s = gt_remote_state_from_name(state_name);
        if (s == GT_REMOTE_UNKNOWN)
            luaL_error(L, "profile: state '%s' must map to pending|running|succeeded|failed|cancelled", name);
        gt_profile_add_state(p, name, s, kind, stage, grace_ms);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* codes = { some_code = "kind", other_code = { kind = "moderated", stage = "input" } } */
static void read_codes(lua_State *L, gt_profile *p, int profile, const char *key, gt_code_table table)
{
    lua_getfield(L, profile, key);
    int codes = lua_gettop(L);
    if (!lua_isnil(L, codes)) {
        if (!lua_istable(L, codes)) luaL_error(L, "profile: %s must be a table", key);
        lua_pushnil(L);
        while (lua_next(L, codes)) {
            if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "profile: %s has a non-string key", key);
            const char *stage;
            gt_kind kind = read_kind(L, lua_tostring(L, -2), &stage);
            gt_profile_add_code(p, table, lua_tostring(L, -2), kind, stage);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

/* statuses = { [403] = { kind = "moderated", stage = "input" } } */
static void read_statuses(lua_State *L, gt_profile *p, int profile)
{
    lua_getfield(L, profile, "statuses");
    int statuses = lua_gettop(L);
    if (lua_istable(L, statuses)) {
        lua_pushnil(L);
        while (lua_next(L, statuses)) {
            if (lua_type(L, -2) != LUA_TNUMBER) luaL_error(L, "profile: statuses keys are HTTP statuses");
            const char *stage;
            gt_kind kind = read_kind(L, "a status", &stage);
            gt_profile_add_status(p, (long)lua_tonumber(L, -2), kind, stage);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

static int build_profile(lua_State *L)
{
    gt_profile **slot = lua_touserdata(L, 2);
    int profile = 1;
    luaL_checktype(L, profile, LUA_TTABLE);
    *slot = gt_profile_new(check_string_field(L, profile, "name", "profile"));
    gt_profile *p = *slot;

    lua_getfield(L, profile, "auth");
    if (lua_istable(L, -1)) {
        set_string(L, p, lua_gettop(L), "header", "auth_header", "auth");
        set_string(L, p, lua_gettop(L), "prefix", "auth_prefix", "auth");
        set_string(L, p, lua_gettop(L), "body_field", "key_field", "auth");
    }
    lua_pop(L, 1);
    lua_getfield(L, profile, "poll");
    if (!lua_istable(L, -1)) luaL_error(L, "profile: poll must be a table");
    set_string(L, p, lua_gettop(L), "method", "poll_method", "poll");
    set_string(L, p, lua_gettop(L), "path", "poll_path", "poll");
    set_string(L, p, lua_gettop(L), "key_field", "poll_key_field", "poll");
    lua_pop(L, 1);
    lua_Number scale = gt_lua_opt_number_field(L, profile, "progress_scale", 1);
    if (!gt_profile_set_number(p, "progress_scale", scale)) luaL_error(L, "profile: progress_scale must be > 0");
    lua_Number cap = gt_lua_opt_number_field(L, profile, "max_in_flight", 0);
    if (!gt_profile_set_number(p, "max_in_flight", cap)) luaL_error(L, "profile: max_in_flight must be >= 0");
    set_string(L, p, profile, "idempotency_field", "idempotency_field", "profile");

    read_fields(L, p, profile);
    read_states(L, p, profile);
    read_codes(L, p, profile, "codes", GT_CODES_TASK);
    read_codes(L, p, profile, "http_codes", GT_CODES_HTTP);
    read_codes(L, p, profile, "message_codes", GT_CODES_MESSAGE);
    read_statuses(L, p, profile);
    lua_getfield(L, profile, "request_id_headers");
    if (!lua_isnil(L, -1)) each_string(L, "request_id_headers", add_request_id_header, p);
    lua_pop(L, 1);
    return 0;
}

gt_profile *gt_lua_check_profile(lua_State *L, int idx)
{
    /* Built under pcall so that a bad field frees the half-built profile instead of leaking it. */
    gt_profile *p = NULL;
    lua_pushcfunction(L, build_profile);
    lua_pushvalue(L, idx);
    lua_pushlightuserdata(L, &p);
    if (lua_pcall(L, 2, 0, 0) != 0) {
        gt_profile_free(p);
        lua_error(L);
    }
    return p;
}
