/* binding.h — what the binding's files share: boxed pointers, the weak pointer → userdata map,
 * and conversions. The binding only converts; every decision is the core's or the Lua layer's. */
#ifndef GENTASK_LBINDING_H
#define GENTASK_LBINDING_H

#include "compat.h"
#include "gentask.h"

#define GT_ENGINE_MT "gentask.engine"
#define GT_CLIENT_MT "gentask.client"
#define GT_TASK_MT   "gentask.task"
#define GT_ALARM_MT  "gentask.alarm"
#define GT_PROFILE_MT "gentask.profile"

/* A userdata that boxes a pointer to a core object: the core owns the object's lifetime, the box
 * only holds the owner's reference (and loses it in __gc). */
void *gt_lua_push_box(lua_State *L, void *object, const char *mt);
void **gt_lua_box_slot(lua_State *L, int idx, const char *mt);  /* raises on a wrong type */
void *gt_lua_check_box(lua_State *L, int idx, const char *mt);  /* raises on a released object */
void *gt_lua_take_box(lua_State *L, int idx, const char *mt);   /* empties the box (for __gc) */

/* The weak map from core pointers to their boxes, so that the engine's queues (which hold core
 * pointers) can be turned back into the userdata the script holds. */
/* Pushes the registry table keyed by the address `key`, created with __mode = mode on first use. */
void gt_lua_weak_table(lua_State *L, const void *key, const char *mode);
void gt_lua_remember(lua_State *L, const void *object, int box_idx);
void gt_lua_recall(lua_State *L, const void *object);           /* pushes the box or nil */

void gt_lua_setfield_string(lua_State *L, const char *key, const char *value);  /* skips NULL */
void gt_lua_setfield_integer(lua_State *L, const char *key, lua_Integer value);
lua_Number gt_lua_opt_number_field(lua_State *L, int idx, const char *key, lua_Number fallback);
/* Seconds (Lua's unit) to the core's milliseconds: rounded up, clamped to "practically never". */
long gt_lua_seconds_to_ms(lua_Number seconds);
void gt_lua_ms_field(lua_State *L, int idx, const char *key, long *ms);   /* leaves *ms when absent */
/* Overrides *o with what the options table at idx sets (seconds in Lua, ms in the core). */
void gt_lua_read_options(lua_State *L, int idx, gt_client_options *o);

void gt_lua_push_error(lua_State *L, const gt_error *err, const char *provider);
/* Reads a profile table (see lua/gentask/providers/); raises a usage message on a bad field. */
gt_profile *gt_lua_check_profile(lua_State *L, int idx);

int gt_lua_open_task(lua_State *L);
void gt_lua_open_schema(lua_State *L);   /* core.kinds, core.options, core.headers, core.check_options */   /* registers the task and client metatables */

#endif
