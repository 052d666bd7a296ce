/* files.c — the command's own files: core.write_file(path, bytes [, mode]), the core's
 * gt_write_file for the contact sheet and the batch record, which hold prompts and signed URLs;
 * core.read_private_file(path, max_bytes), for a key file and a batch record, refused when
 * another user could read or write it. */
#include "binding.h"

#include <stdlib.h>

/* core.write_file(path, bytes [, mode = 0600, i.e. 384]) → true | nil, why */
static int write_file(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    size_t len;
    const char *bytes = luaL_checklstring(L, 2, &len);
    lua_Number mode = luaL_optnumber(L, 3, 0600);
    /* Lua writes no octal: 600 (decimal) is the likely mistake for 0600, and is refused */
    if (mode < 0 || mode > 0777 || mode != (lua_Number)(unsigned)mode)
        return luaL_argerror(L, 3, "a mode is a whole number from 0 to 511 (0777): tonumber(\"600\", 8) is 0600");
    char *why = NULL;
    if (gt_write_file(path, bytes, len, (unsigned)mode, &why)) {
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushnil(L);
    lua_pushstring(L, why ? why : "out of memory");
    free(why);
    return 2;
}

/* core.read_private_file(path, max_bytes) → text | nil, why */
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

void gt_lua_open_files(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"write_file", write_file},
        {"read_private_file", read_private_file},
        {NULL, NULL},
    };
    gt_setfuncs(L, functions);
}
