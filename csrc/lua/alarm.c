/* alarm.c — the alarm userdata: one of the engine's timers, for wait deadlines and sleeps. When it
 * rings it comes out of engine:fired(). */
#include "binding.h"

/* engine:alarm(seconds) */
int gt_lua_alarm_new(lua_State *L)
{
    gt_engine *e = gt_lua_check_box(L, 1, GT_ENGINE_MT);
    long after_ms = gt_lua_opt_ms(L, 2);
    /* the box first: if Lua cannot allocate it, no timer is left armed unowned */
    void **box = gt_lua_push_box(L, NULL, GT_ALARM_MT);
    gt_alarm *a = gt_alarm_new(e, after_ms);
    if (!a) return luaL_error(L, "gentask: out of memory");
    *box = a;
    gt_lua_remember(L, a, -1);
    return 1;
}

/* alarm:cancel() and __gc alike: a cancelled alarm is done with, so it is freed at once. */
static void free_alarm(void *a)
{
    gt_alarm_free(a);
}

void gt_lua_open_alarm(lua_State *L)
{
    static const gt_lua_class alarm_class = {.name = GT_ALARM_MT, .release = free_alarm, .release_method = "cancel"};
    gt_lua_new_class(L, &alarm_class);
}
