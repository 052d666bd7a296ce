/* compat.h — the few lines that let one binding source build on Lua 5.1–5.4 and LuaJIT. */
#ifndef GENTASK_COMPAT_H
#define GENTASK_COMPAT_H

#include <lauxlib.h>
#include <lua.h>

#if LUA_VERSION_NUM < 502
#define gt_rawlen(L, i) lua_objlen((L), (i))
/* luaL_setfuncs with no upvalues: all that 5.1 lacks and we use */
static inline void gt_setfuncs(lua_State *L, const luaL_Reg *l)
{
    for (; l->name; l++) {
        lua_pushcfunction(L, l->func);
        lua_setfield(L, -2, l->name);
    }
}
#else
#define gt_rawlen(L, i) lua_rawlen((L), (i))
#define gt_setfuncs(L, l) luaL_setfuncs((L), (l), 0)
#endif

#endif
