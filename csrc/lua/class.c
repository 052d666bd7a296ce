/* class.c — the userdata plumbing every type shares: boxes, the weak pointer → userdata map, and
 * the one way a type's metatable is made. */
#include "binding.h"

static const char weak_map_key = 'w'; /* its address keys the weak map in the registry */

void *gt_lua_push_box(lua_State *L, void *object, const char *mt)
{
    void **box = lua_newuserdata(L, sizeof *box);
    *box = object;
    luaL_getmetatable(L, mt);
    lua_setmetatable(L, -2);
    return box;
}

void **gt_lua_test_box(lua_State *L, int idx, const char *mt)
{
    if (lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx)) return NULL;
    void **box = lua_touserdata(L, idx);
    luaL_getmetatable(L, mt);
    bool is_box = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return is_box ? box : NULL;
}

void **gt_lua_box_slot(lua_State *L, int idx, const char *mt)
{
    void **box = gt_lua_test_box(L, idx, mt);
    if (!box) luaL_argerror(L, idx, lua_pushfstring(L, "%s expected, got %s", mt, luaL_typename(L, idx)));
    return box;
}

void *gt_lua_check_box(lua_State *L, int idx, const char *mt)
{
    void **box = gt_lua_box_slot(L, idx, mt);
    if (!*box) luaL_argerror(L, idx, lua_pushfstring(L, "%s was released", mt));
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

void gt_lua_remember(lua_State *L, const void *object, int box_idx)
{
    box_idx = box_idx < 0 ? lua_gettop(L) + box_idx + 1 : box_idx;
    gt_lua_weak_table(L, &weak_map_key, "v");
    lua_pushlightuserdata(L, (void *)object);
    lua_pushvalue(L, box_idx);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

void gt_lua_recall(lua_State *L, const void *object)
{
    gt_lua_weak_table(L, &weak_map_key, "v");
    lua_pushlightuserdata(L, (void *)object);
    lua_rawget(L, -2);
    lua_remove(L, -2);
}

/* The class a __gc or __tostring closure serves: upvalue 1 (static, as every gt_lua_class is). */
static const gt_lua_class *closure_class(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

/* __gc of every type, and its release_method */
static int class_release(lua_State *L)
{
    const gt_lua_class *c = closure_class(L);
    void *object = gt_lua_take_box(L, 1, c->name);
    if (object) c->release(object);
    return 0;
}

static int class_tostring(lua_State *L)
{
    const gt_lua_class *c = closure_class(L);
    void **box = gt_lua_box_slot(L, 1, c->name);
    if (!*box) lua_pushfstring(L, "%s (released)", c->name);
    else if (c->describe) c->describe(L, *box);
    else lua_pushstring(L, c->name);
    return 1;
}

static void push_class_closure(lua_State *L, const gt_lua_class *c, lua_CFunction f)
{
    lua_pushlightuserdata(L, (void *)c);
    lua_pushcclosure(L, f, 1);
}

void gt_lua_new_class(lua_State *L, const gt_lua_class *c)
{
    luaL_newmetatable(L, c->name);
    lua_newtable(L);
    if (c->methods) gt_setfuncs(L, c->methods);
    if (c->release_method) {
        push_class_closure(L, c, class_release);
        lua_setfield(L, -2, c->release_method);
    }
    if (c->index) lua_pushcclosure(L, c->index, 1);
    lua_setfield(L, -2, "__index");
    push_class_closure(L, c, class_release);
    lua_setfield(L, -2, "__gc");
    push_class_closure(L, c, class_tostring);
    lua_setfield(L, -2, "__tostring");
#if LUA_VERSION_NUM >= 504
    if (c->close) {
        lua_pushcfunction(L, c->close);
        lua_setfield(L, -2, "__close");
    }
#endif
    lua_pop(L, 1);
}
