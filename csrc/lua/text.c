/* text.c — core.utf8_invalid_at(text): whether text may go into a request body (JSON is UTF-8),
 * for checks made before anything is paid (the command reads every line of a batch first). */
#include "binding.h"

/* → nil when text is well-formed UTF-8, else the 1-based position of the first byte that is not */
static int utf8_invalid_at(lua_State *L)
{
    size_t n;
    const char *text = luaL_checklstring(L, 1, &n);
    size_t at = gt_utf8_invalid_at(text, n);
    if (at == n) return 0;
    lua_pushinteger(L, (lua_Integer)at + 1);
    return 1;
}

void gt_lua_open_text(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"utf8_invalid_at", utf8_invalid_at},
        {NULL, NULL},
    };
    gt_setfuncs(L, functions);
}
