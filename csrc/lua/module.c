/* module.c — luaopen_gentask_core: the module table, and one gt_lua_open_* per userdata type. */
#include "binding.h"

int luaopen_gentask_core(lua_State *L)
{
    lua_newtable(L);
    gt_lua_open_engine(L);
    gt_lua_open_alarm(L);
    gt_lua_open_profile(L);
    gt_lua_open_client(L);
    gt_lua_open_task(L);
    gt_lua_open_schema(L);
    gt_lua_open_text(L);
    gt_lua_open_files(L);
    gt_lua_open_fleet(L);
    return 1;
}
