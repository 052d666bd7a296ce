/* convert.c — conversions of plain values: seconds to milliseconds, client options, error tables,
 * the core's "no, and why" answers, encoded bytes. Times cross the boundary in seconds (Lua's
 * habit) and become milliseconds in the core. */
#include "binding.h"

#include <stdlib.h>

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

void gt_lua_setfield_number(lua_State *L, const char *key, lua_Number value)
{
    lua_pushnumber(L, value);
    lua_setfield(L, -2, key);
}

void gt_lua_setfield_boolean(lua_State *L, const char *key, bool value)
{
    lua_pushboolean(L, value);
    lua_setfield(L, -2, key);
}

long gt_lua_opt_ms(lua_State *L, int idx)
{
    return gt_seconds_to_ms(luaL_optnumber(L, idx, 0));
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
        /* a text option borrows the string: the options table keeps it alive until the core copies it */
        bool ok = lua_isnil(L, -1) || (spec->unit == GT_UNIT_TEXT   ? gt_option_set_text(o, i, luaL_checkstring(L, -1))
                                       : spec->unit == GT_UNIT_FLAG ? gt_option_set(o, i, lua_toboolean(L, -1) ? 1 : 0)
                                                                    : gt_option_set(o, i, luaL_checknumber(L, -1)));
        if (!ok) luaL_error(L, "%s is out of its bounds", spec->name); /* the Lua layer said why first */
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
    lua_createtable(L, 0, GT_ERROR_FIELD_COUNT);
    for (int f = 0; f < GT_ERROR_FIELD_COUNT; f++) {
        gt_error_value value = gt_error_field_value(err, provider, (gt_error_field)f);
        switch (value.type) {
        case GT_VALUE_NONE: continue;
        case GT_VALUE_TEXT: lua_pushstring(L, value.text); break;
        case GT_VALUE_INTEGER: lua_pushinteger(L, (lua_Integer)value.integer); break;
        case GT_VALUE_NUMBER: lua_pushnumber(L, value.number); break;
        case GT_VALUE_FLAG: lua_pushboolean(L, value.flag); break;
        case GT_VALUE_ERROR: gt_lua_push_error(L, value.error, provider); break;
        }
        lua_setfield(L, -2, gt_error_field_name((gt_error_field)f));
    }
}

int gt_lua_push_why_not(lua_State *L, char *why)
{
    lua_pushnil(L);
    lua_pushstring(L, why ? why : "out of memory"); /* no message: the core could not allocate one */
    free(why);
    return 2;
}

int gt_lua_push_outcome(lua_State *L, bool done, char *why)
{
    if (!done) return gt_lua_push_why_not(L, why);
    lua_pushboolean(L, 1);
    return 1;
}

int gt_lua_push_encoded(lua_State *L, char *(*encode)(const void *, size_t), const char *failure)
{
    size_t n;
    const char *bytes = luaL_checklstring(L, 1, &n);
    char *text = encode(bytes, n);
    if (!text) return luaL_error(L, "%s", failure);
    lua_pushstring(L, text);
    free(text);
    return 1;
}
