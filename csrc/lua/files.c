/* files.c — core.write_file(path, bytes [, mode]): the core's gt_write_file for the command's own
 * files (the contact sheet, the batch record), which hold prompts and signed URLs. */
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

void gt_lua_open_files(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"write_file", write_file},
        {NULL, NULL},
    };
    gt_setfuncs(L, functions);
}
