/* binding.h — what the binding's files share. One file per userdata type (engine.c, alarm.c,
 * client.c, task.c, profile.c), each a list of thin functions and its gt_lua_open_*; class.c holds
 * the userdata plumbing they all use, convert.c the conversions of plain values. The binding only
 * converts; every decision is the core's or the Lua layer's. */
#ifndef GENTASK_LBINDING_H
#define GENTASK_LBINDING_H

#include <stdbool.h>

#include "compat.h"
#include "gentask.h"

/* Registry names of the metatables; also what tostring and argument errors call the types. */
#define GT_ENGINE_MT "gentask.engine"
#define GT_ALARM_MT "gentask.alarm"
#define GT_CLIENT_MT "gentask.client"
#define GT_TASK_MT "gentask.task"
#define GT_PROFILE_MT "gentask.profile"

/* ---- class.c: boxes, the weak pointer → userdata map, metatables --------------------------- */

/* A userdata that boxes a pointer to a core object: the core owns the object's lifetime, the box
 * only holds the owner's reference, and is emptied when it lets go (__gc, alarm:cancel). */
void *gt_lua_push_box(lua_State *L, void *object, const char *mt);
/* The one validation of a userdata argument: the box at idx if it is of class mt, else NULL. */
void **gt_lua_test_box(lua_State *L, int idx, const char *mt);
/* The box at idx, which may be empty; raises an argument error when idx holds no box of mt. */
void **gt_lua_box_slot(lua_State *L, int idx, const char *mt);
/* The object in the box at idx; raises an argument error for a wrong type or an empty box. */
void *gt_lua_check_box(lua_State *L, int idx, const char *mt);
/* Empties the box at idx and returns what it held (NULL when already empty): for __gc. */
void *gt_lua_take_box(lua_State *L, int idx, const char *mt);

/* Pushes the registry table keyed by the address `key`, created with __mode = mode on first use. */
void gt_lua_weak_table(lua_State *L, const void *key, const char *mode);
/* The weak map from core pointers to their boxes, so that the engine's queues (which hold core
 * pointers) can be turned back into the userdata the script holds: tasks and alarms are
 * remembered by their constructors. */
void gt_lua_remember(lua_State *L, const void *object, int box_idx);
void gt_lua_recall(lua_State *L, const void *object); /* pushes the box or nil */

/* What every type's metatable is made of. Registering a class again (the module loaded a second
 * time) resets the existing metatable, so boxes made before keep working. */
typedef struct gt_lua_class {
    const char *name;        /* one of the GT_*_MT names */
    const luaL_Reg *methods; /* what __index finds (NULL: none) */
    /* The owner letting the object go: __gc empties the box (gt_lua_take_box) and calls this with
     * what it held. */
    void (*release)(void *object);
    /* A method that does what __gc does, early (alarm:cancel); NULL: none. */
    const char *release_method;
    /* Pushes what tostring says of the object in a box that is not empty; NULL: the name. An
     * empty box says the name with "(released)". */
    void (*describe)(lua_State *L, void *object);
    lua_CFunction close; /* __close on Lua 5.4; NULL: none */
    /* NULL: __index is the methods table. Otherwise __index is this function with the methods
     * table as upvalue 1 (for types with fields read from the core on access). */
    lua_CFunction index;
} gt_lua_class;

void gt_lua_new_class(lua_State *L, const gt_lua_class *c);

/* ---- convert.c: plain values ----------------------------------------------------------------- */

void gt_lua_setfield_string(lua_State *L, const char *key, const char *value); /* skips NULL */
void gt_lua_setfield_integer(lua_State *L, const char *key, lua_Integer value);
void gt_lua_setfield_number(lua_State *L, const char *key, lua_Number value);
void gt_lua_setfield_boolean(lua_State *L, const char *key, bool value);
lua_Number gt_lua_opt_number_field(lua_State *L, int idx, const char *key, lua_Number fallback);
/* An optional argument in seconds, as the core's milliseconds (gt_seconds_to_ms); 0 when absent. */
long gt_lua_opt_ms(lua_State *L, int idx);
/* Overrides *o with what the options table at idx sets (seconds in Lua, ms in the core). */
void gt_lua_read_options(lua_State *L, int idx, gt_client_options *o);
/* nil, why: the answer of a function that returns nil and a message when the core refused. why
 * is the core's message, freed here; NULL when it could not allocate one ("out of memory").
 * Returns 2, the count of results. */
int gt_lua_push_why_not(lua_State *L, char *why);
/* true | nil, why (as gt_lua_push_why_not): the answer of a core call that returns whether it
 * did something, with a message when not. Returns the count of results. */
int gt_lua_push_outcome(lua_State *L, bool done, char *why);
/* The bytes of argument 1 through encode (a core function returning a string to free(), NULL when
 * it cannot), as a Lua string; raises failure when encode returns NULL. Returns 1. */
int gt_lua_push_encoded(lua_State *L, char *(*encode)(const void *, size_t), const char *failure);
/* The one shape of an error table, for a task's failure and a classified response alike. */
void gt_lua_push_error(lua_State *L, const gt_error *err, const char *provider);

/* ---- one file per type: its gt_lua_open_* registers the metatable and adds the type's module
 * functions to the module table on top of the stack. Constructors live with the type they make,
 * and are other types' methods: engine:alarm, engine:client, client:submit. ---------------------- */

void gt_lua_open_engine(lua_State *L); /* core.engine() */
void gt_lua_open_text(lua_State *L);   /* core.utf8_invalid_at */
void gt_lua_open_alarm(lua_State *L);
int gt_lua_alarm_new(lua_State *L);     /* engine:alarm(seconds) */
void gt_lua_open_profile(lua_State *L); /* core.classify(...) */
/* Compiles the profile table at idx (see lua/gentask/providers/); raises on a bad field. The
 * caller owns the result. */
gt_profile *gt_lua_check_profile(lua_State *L, int idx);
/* The profile table's cost (profile_cost.c), read into p; raises on a bad field. */
void gt_lua_read_profile_cost(lua_State *L, gt_profile *p, int profile);
/* A client's prices option (at the absolute index prices) in place of the profile's table; false
 * with the usage message pushed when it is malformed or the profile names no currency. */
bool gt_lua_replace_prices(lua_State *L, gt_profile *p, int prices);
/* The value of header `name` (any case) in the table of headers at idx, or NULL. */
const char *gt_lua_header(lua_State *L, int headers, const char *name);
/* What a response says, as classify returns it: { state, provider_state, id, progress, urls, poll_url }. */
void gt_lua_push_reading(lua_State *L, const gt_reply *reply);
void gt_lua_open_client(lua_State *L);
/* wirelog.c: client:log(on) and client:take_log(), the client's debug events as tables, and the
 * hook's removal for the client's __gc */
int gt_lua_client_log(lua_State *L);
int gt_lua_client_take_log(lua_State *L);
void gt_lua_client_log_off(gt_client *c);
int gt_lua_client_new(lua_State *L);     /* engine:client(profile, base_url, api_key, options) */
int gt_lua_client_metrics(lua_State *L); /* client:metrics() (metrics.c) */
int gt_lua_engine_metrics(lua_State *L); /* engine:metrics(): every client's */
void gt_lua_open_task(lua_State *L);     /* core.is_task, core.task_class, core.task_* primitives */
int gt_lua_task_submit(lua_State *L);    /* client:submit(path, body, poll_path, options, model, key) */
int gt_lua_task_attach(lua_State *L);    /* client:attach(id, poll_url, poll_path, options) */
int gt_lua_task_recover(lua_State *L);   /* client:recover(options) */
void gt_lua_open_schema(lua_State *L);   /* core.kinds, core.options, core.headers, core.check_options */
void gt_lua_open_files(lua_State *L);    /* core.write_file, core.read_private_file */
void gt_lua_open_fleet(lua_State *L);    /* core.fleet */

#endif
