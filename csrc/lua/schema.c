/* schema.c — the core's tables offered to the Lua layer as they are: the error kinds and the
 * error table's fields, the client options, the task's states, the response headers the core
 * reads and the largest webhook body it takes. The Lua layer reads these instead of restating
 * them. */
#include "binding.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void push_kinds(lua_State *L)
{
    lua_newtable(L);
    for (int k = 1; k < GT_KIND_COUNT; k++) {
        lua_createtable(L, 0, 3);
        gt_lua_setfield_string(L, "name", gt_kind_name((gt_kind)k));
        gt_lua_setfield_boolean(L, "retryable", gt_kind_retryable((gt_kind)k));
        gt_lua_setfield_string(L, "meaning", gt_kind_meaning((gt_kind)k));
        lua_rawseti(L, -2, k);
    }
}

static void setfield_number(lua_State *L, const char *key, double value)
{
    if (!isnan(value)) gt_lua_setfield_number(L, key, value); /* no number: nil */
}

static void push_options(lua_State *L)
{
    lua_newtable(L);
    const gt_option *o;
    for (size_t i = 0; (o = gt_option_at(i)); i++) {
        lua_createtable(L, 0, 7);
        gt_lua_setfield_string(L, "name", o->name);
        gt_lua_setfield_string(L, "unit", gt_option_unit_name(o->unit));
        setfield_number(L, "min", o->min);
        setfield_number(L, "max", o->max);
        if (o->unit == GT_UNIT_FLAG) gt_lua_setfield_boolean(L, "default", o->default_value != 0);
        else setfield_number(L, "default", o->default_value);
        gt_lua_setfield_string(L, "scope", o->scope == GT_SCOPE_CLIENT ? "client" : "task");
        gt_lua_setfield_string(L, "meaning", o->meaning);
        lua_rawseti(L, -2, (int)i + 1);
    }
}

static void push_headers(lua_State *L)
{
    lua_newtable(L);
    for (int h = 0; h < GT_HEADER_COUNT; h++) {
        lua_pushstring(L, gt_header_name((gt_header)h));
        lua_rawseti(L, -2, h + 1);
    }
}

/* core.states: the task's states by name, in the core's order (gt_task_state) */
static void push_states(lua_State *L)
{
    lua_createtable(L, GT_TASK_STATE_COUNT, 0);
    for (int s = 0; s < GT_TASK_STATE_COUNT; s++) {
        lua_pushstring(L, gt_task_state_name((gt_task_state)s));
        lua_rawseti(L, -2, s + 1);
    }
}

/* core.error_fields: the error table's field names, in the core's order (gt_error_field) */
static void push_error_fields(lua_State *L)
{
    lua_createtable(L, GT_ERROR_FIELD_COUNT, 0);
    for (int f = 0; f < GT_ERROR_FIELD_COUNT; f++) {
        lua_pushstring(L, gt_error_field_name((gt_error_field)f));
        lua_rawseti(L, -2, f + 1);
    }
}

/* core.check_options(options, scope) → nil, or what is wrong with the first bad option. scope
 * "task" (a submit's own options) refuses the options that belong to the client alone. */
static int check_options(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    bool per_task = strcmp(luaL_optstring(L, 2, "client"), "task") == 0;
    const gt_option *o;
    for (size_t i = 0; (o = gt_option_at(i)); i++) {
        lua_getfield(L, 1, o->name);
        int type = lua_type(L, -1);
        double value = lua_tonumber(L, -1);
        size_t length = type == LUA_TSTRING ? (size_t)gt_rawlen(L, -1) : 0;
        lua_pop(L, 1);
        if (type == LUA_TNIL) continue;
        if (per_task && o->scope == GT_SCOPE_CLIENT) {
            lua_pushfstring(L, "%s is a client option: it cannot be set for one submit", o->name);
            return 1;
        }
        bool text = o->unit == GT_UNIT_TEXT;
        if (o->unit == GT_UNIT_FLAG) {
            if (type == LUA_TBOOLEAN) continue;
            lua_pushfstring(L, "%s must be true or false", o->name);
            return 1;
        }
        bool valid = text ? type == LUA_TSTRING && gt_option_valid(o, (double)length)
                          : type == LUA_TNUMBER && gt_option_valid(o, value);
        if (!valid) {
            char bounds[64];
            snprintf(bounds, sizeof bounds, "%.15g to %.15g", o->min, o->max);
            lua_pushfstring(L, "%s must be %s %s%s", o->name,
                            text                         ? "a string of"
                            : o->unit == GT_UNIT_SECONDS ? "a number of seconds from"
                            : o->unit == GT_UNIT_MONEY   ? "an amount from"
                                                         : "a whole number from",
                            bounds, text ? " characters" : "");
            return 1;
        }
    }
    return 0;
}

void gt_lua_open_schema(lua_State *L)
{
    push_kinds(L);
    lua_setfield(L, -2, "kinds");
    push_options(L);
    lua_setfield(L, -2, "options");
    push_headers(L);
    lua_setfield(L, -2, "headers");
    push_states(L);
    lua_setfield(L, -2, "states");
    push_error_fields(L);
    lua_setfield(L, -2, "error_fields");
    gt_lua_setfield_integer(L, "webhook_max_body", GT_WEBHOOK_MAX_BODY);
    lua_pushcfunction(L, check_options);
    lua_setfield(L, -2, "check_options");
}
