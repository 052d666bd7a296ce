/* profiles.h — the built-in provider profiles for the targets that read responses as gentask
 * does: each is the Lua file of lua/gentask/providers, compiled by the binding's own loader. Run
 * the targets from the repository's top directory. */
#ifndef GENTASK_FUZZ_PROFILES_H
#define GENTASK_FUZZ_PROFILES_H

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "../csrc/lua/binding.h"
#include "fuzz.h"

/* The compiled profile of provider ("bfl", ...); aborts if it cannot be loaded. */
static inline gt_profile *fuzz_profile(const char *provider)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    if (luaL_dostring(L, "package.path = 'lua/?.lua;lua/?/init.lua;' .. package.path") != 0) abort();
    lua_getglobal(L, "require");
    lua_pushfstring(L, "gentask.providers.%s", provider);
    if (lua_pcall(L, 1, 1, 0) != 0) abort();
    gt_profile *p = gt_lua_check_profile(L, lua_gettop(L));
    lua_close(L); /* the compiled profile owns copies of everything */
    return p;
}

#endif
