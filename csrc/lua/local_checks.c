/* local_checks.c — checks on what a caller holds locally, made before anything is paid: text that
 * must be UTF-8, and a file holding a key that must be private. */
#include "binding.h"

#include <stdlib.h>
#include <string.h>

/* core.utf8_invalid_at(text) → nil when text is well-formed UTF-8, else the 1-based position of
 * the first byte that is not */
static int utf8_invalid_at(lua_State *L)
{
    size_t n;
    const char *text = luaL_checklstring(L, 1, &n);
    size_t at = gt_utf8_invalid_at(text, n);
    if (at == n) return 0;
    lua_pushinteger(L, (lua_Integer)at + 1);
    return 1;
}

/* core.read_private_file(path, max_bytes) → text | nil, why: refused when others could read it */
static int read_private_file(lua_State *L)
{
    char *why = NULL;
    lua_Integer max = luaL_checkinteger(L, 2);
    luaL_argcheck(L, max > 0, 2, "max_bytes must be positive");
    char *text = gt_read_private_file(luaL_checkstring(L, 1), (size_t)max, &why);
    if (!text) {
        lua_pushnil(L);
        lua_pushstring(L, why ? why : "out of memory");
        free(why);
        return 2;
    }
    lua_pushstring(L, text);
    gt_secret_free(text);
    return 1;
}

void gt_lua_open_local_checks(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"utf8_invalid_at", utf8_invalid_at},
        {"read_private_file", read_private_file},
        {NULL, NULL},
    };
    gt_setfuncs(L, functions);
}
