/* task.c — the task userdata. Its fields (id, state, progress, provider, request_id, done) are
 * read from the core on every access; its primitives are module functions (core.task_cancel,
 * core.task_error, core.task_urls, core.task_body). The methods a script calls are built once in
 * Lua (lua/gentask/task.lua, where wait() yields) and handed over with core.task_class(methods). */
#include "binding.h"

#include <stdlib.h>
#include <string.h>

static gt_task *check_task(lua_State *L)
{
    return gt_lua_check_box(L, 1, GT_TASK_MT);
}

/* The options at index `at` over the client's, into *overrides; NULL when there are none. */
static const gt_client_options *task_options(lua_State *L, gt_client *c, int at, gt_client_options *overrides)
{
    if (!lua_istable(L, at)) return NULL;
    *overrides = *gt_client_options_of(c);
    gt_lua_read_options(L, at, overrides);
    return overrides;
}

/* Makes a task through make (submit or attach) with the options at index `at` over the
 * client's, into a box pushed first: if Lua cannot allocate it, no task is left running unowned. */
static int push_task(lua_State *L, gt_client *c, int at, const char *a, const char *b, const char *poll_path,
                     gt_task *(*make)(gt_client *, const char *, const char *, const char *, const gt_client_options *))
{
    gt_client_options overrides;
    const gt_client_options *opts = task_options(L, c, at, &overrides);
    void **box = gt_lua_push_box(L, NULL, GT_TASK_MT);
    gt_task *t = make(c, a, b, poll_path, opts);
    if (!t) return luaL_error(L, "gentask: out of memory");
    *box = t;
    gt_lua_remember(L, t, -1);
    return 1;
}

/* t, a task the core had already (under a key, or a record recover() found) and the caller
 * retained, in place of the empty box on top of the stack: the box the script holds (the
 * caller's hold let go), or, when that box is being collected (gone from the weak map before its
 * finalizer runs, the task still in the core), this new box, one more owner releasing it once. */
static void replace_with_held(lua_State *L, gt_task *t, void **box)
{
    gt_lua_recall(L, t);
    if (!lua_isnil(L, -1)) {
        lua_remove(L, -2); /* the empty box is collected as nothing */
        gt_task_release(t);
        return;
    }
    lua_pop(L, 1);
    *box = t;
    gt_lua_remember(L, t, -1);
}

/* client:submit(path, body, poll_path, options, model, key) → task | nil, what is wrong */
int gt_lua_task_submit(lua_State *L)
{
    gt_client *c = gt_lua_check_box(L, 1, GT_CLIENT_MT);
    gt_submit_request r = {
        .path = luaL_checkstring(L, 2),
        .body = luaL_optstring(L, 3, NULL),
        .poll_path = luaL_optstring(L, 4, NULL),
        .model = luaL_optstring(L, 6, NULL),
        .caller_key = luaL_optstring(L, 7, NULL),
    };
    gt_client_options overrides;
    const gt_client_options *opts = task_options(L, c, 5, &overrides);
    void **box = gt_lua_push_box(L, NULL, GT_TASK_MT);
    bool existing = false;
    char *refusal = NULL;
    gt_task *t = gt_client_submit_request(c, &r, opts, &existing, &refusal);
    if (!t && !refusal) return luaL_error(L, "gentask: out of memory");
    if (!t) return gt_lua_push_why_not(L, refusal);
    if (existing) {
        /* the core answers a task it can take back (a stopped one fails the submit unsent) */
        if (!gt_task_retain(t)) return luaL_error(L, "gentask: the task of key %s cannot be taken back", r.caller_key);
        replace_with_held(L, t, box);
        return 1;
    }
    *box = t;
    gt_lua_remember(L, t, -1);
    return 1;
}

/* client:recover(options, download_root) → { task, ... } | nil, error table | false: ask again after
 * running the engine (a journal in Redis answers on the loop) */
int gt_lua_task_recover(lua_State *L)
{
    gt_client *c = gt_lua_check_box(L, 1, GT_CLIENT_MT);
    gt_client_options overrides;
    const gt_client_options *opts = task_options(L, c, 2, &overrides);
    const char *download_root = luaL_optstring(L, 3, NULL);
    gt_task **tasks = NULL;
    bool *existing = NULL;
    size_t n = 0;
    gt_error *error = NULL;
    bool pending = false;
    bool ok = gt_client_recover(c, opts, download_root, &tasks, &existing, &n, &error, &pending);
    if (pending) {
        lua_pushboolean(L, 0);
        return 1;
    }
    /* held before anything is allocated: a collection may finalize a box of one of them */
    for (size_t i = 0; i < n; i++)
        if (existing[i] && !gt_task_retain(tasks[i])) tasks[i] = NULL; /* stopped: left to its write */
    lua_createtable(L, (int)n, 0);
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        if (existing[i]) {
            if (!tasks[i]) continue;
            replace_with_held(L, tasks[i], gt_lua_push_box(L, NULL, GT_TASK_MT));
            lua_rawseti(L, -2, ++k);
            continue;
        }
        if (!ok) { /* out of memory half way: none of them is handed over */
            gt_task_release(tasks[i]);
            continue;
        }
        void **box = gt_lua_push_box(L, tasks[i], GT_TASK_MT);
        (void)box;
        gt_lua_remember(L, tasks[i], -1);
        lua_rawseti(L, -2, ++k);
    }
    free(tasks);
    free(existing);
    if (ok) return 1;
    lua_pushnil(L);
    if (error) gt_lua_push_error(L, error, gt_profile_name(gt_client_profile(c)));
    else lua_pushstring(L, "recover: out of memory");
    gt_error_free(error);
    return 2;
}

/* client:attach(id, poll_url, poll_path, options) */
int gt_lua_task_attach(lua_State *L)
{
    gt_client *c = gt_lua_check_box(L, 1, GT_CLIENT_MT);
    const char *id = luaL_checkstring(L, 2);
    const char *poll_url = luaL_optstring(L, 3, NULL);
    const char *poll_path = luaL_optstring(L, 4, NULL);
    return push_task(L, c, 5, id, poll_url, poll_path, gt_client_attach);
}

/* __index: a field from the core, else one of the methods (upvalue 1) */
static int task_index(lua_State *L)
{
    gt_task *t = check_task(L);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "id") == 0) lua_pushstring(L, gt_task_id(t));
    else if (strcmp(key, "state") == 0) lua_pushstring(L, gt_task_state_name(gt_task_state_of(t)));
    else if (strcmp(key, "progress") == 0) lua_pushinteger(L, gt_task_progress(t));
    else if (strcmp(key, "provider") == 0) lua_pushstring(L, gt_task_provider(t));
    else if (strcmp(key, "request_id") == 0) lua_pushstring(L, gt_task_request_id(t));
    else if (strcmp(key, "done") == 0) lua_pushboolean(L, gt_task_settled(t));
    else if (strcmp(key, "downloading") == 0) lua_pushboolean(L, gt_task_downloading(t));
    else if (strcmp(key, "phase") == 0) lua_pushstring(L, gt_phase_name(gt_task_phase(t)));
    else if (strcmp(key, "cancel_confirmed") == 0) { /* nil: nothing sent, or no answer yet */
        gt_cancel_outcome outcome = gt_task_cancel_outcome(t);
        if (outcome == GT_CANCEL_CONFIRMED || outcome == GT_CANCEL_REFUSED)
            lua_pushboolean(L, outcome == GT_CANCEL_CONFIRMED);
        else lua_pushnil(L);
    } else if (strcmp(key, "cancel_error") == 0 && gt_task_cancel_error(t))
        gt_lua_push_error(L, gt_task_cancel_error(t), gt_task_provider(t));
    else {
        lua_pushvalue(L, 2);
        lua_rawget(L, lua_upvalueindex(1));
    }
    return 1;
}

static void describe_task(lua_State *L, void *object)
{
    gt_task *t = object;
    const char *id = gt_task_id(t);
    lua_pushfstring(L, "gentask.task(%s %s, %s, %d%%)", gt_task_provider(t), id ? id : "(no id yet)",
                    gt_task_state_name(gt_task_state_of(t)), gt_task_progress(t));
}

/* A collected task in flight is cancelled: its transfer leaves the multi handle, its timer the
 * heap, and everything it held is freed. */
static void release_task(void *t)
{
    gt_task_release(t);
}

/* core.task_cancel(task): the caller's cancel, sent to the provider where it has an endpoint */
static int task_cancel(lua_State *L)
{
    gt_task_cancel(check_task(L));
    return 0;
}

/* __close: leaving a <close> scope ends an unfinished task here, and sends nothing */
static int task_close(lua_State *L)
{
    gt_task_cancel_local(check_task(L));
    return 0;
}

/* core.task_error(task) → the error table of a failed or cancelled task, or nothing */
static int task_error(lua_State *L)
{
    gt_task *t = check_task(L);
    const gt_error *err = gt_task_error(t);
    if (!err) return 0;
    gt_lua_push_error(L, err, gt_task_provider(t));
    return 1;
}

/* core.task_held_by(task) → what keeps an unfinished task from going on (the error its deadline
 * would name as its cause: a 429 it waits out, say), or nothing */
static int task_held_by(lua_State *L)
{
    gt_task *t = check_task(L);
    const gt_error *err = gt_task_held_by(t);
    if (!err) return 0;
    gt_lua_push_error(L, err, gt_task_provider(t));
    return 1;
}

/* core.task_cost(task) → { amount =, currency =, source = } once it ended, or nil when unknown */
static int task_cost(lua_State *L)
{
    gt_cost cost = gt_task_cost(gt_lua_check_box(L, 1, GT_TASK_MT));
    if (cost.amount < 0 || !cost.currency) return 0;
    lua_createtable(L, 0, 3);
    gt_lua_setfield_number(L, "amount", cost.amount);
    gt_lua_setfield_string(L, "currency", cost.currency);
    gt_lua_setfield_string(L, "source", gt_cost_source_name(cost.source));
    return 1;
}

/* core.task_urls(task) → { url, … }, { text, … } (results that are text, not URLs) */
static int task_urls(lua_State *L)
{
    gt_task *t = check_task(L);
    size_t n = gt_task_url_count(t), n_texts = gt_task_text_count(t);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, gt_task_url(t, i));
        lua_rawseti(L, -2, (int)i + 1);
    }
    lua_createtable(L, (int)n_texts, 0);
    for (size_t i = 0; i < n_texts; i++) {
        lua_pushstring(L, gt_task_text(t, i));
        lua_rawseti(L, -2, (int)i + 1);
    }
    return 2;
}

/* core.task_body(task) → the last response body the task saw, or nothing */
static int task_body(lua_State *L)
{
    size_t len;
    const char *body = gt_task_body(check_task(L), &len);
    if (!body) return 0;
    lua_pushlstring(L, body, len);
    return 1;
}

/* core.task_download(task, dir, name, extension) → true | nil, why not */
static int task_download(lua_State *L)
{
    gt_download_spec spec = {
        .dir = luaL_checkstring(L, 2),
        .name = luaL_optstring(L, 3, NULL),
        .extension = luaL_optstring(L, 4, NULL),
    };
    char *refusal = NULL;
    bool fetching = gt_task_download(check_task(L), &spec, &refusal);
    return gt_lua_push_outcome(L, fetching, refusal);
}

/* core.task_files(task) → { [i] = file }, { [i] = error }, expires_at: one of the two per result */
static int task_files(lua_State *L)
{
    gt_task *t = check_task(L);
    size_t n = gt_task_file_count(t);
    lua_newtable(L);
    lua_newtable(L);
    gt_file f;
    for (size_t i = 0; i < n && gt_task_file(t, i, &f); i++) {
        if (f.error) {
            gt_lua_push_error(L, f.error, gt_task_provider(t));
            gt_lua_setfield_string(L, "url", f.url);
            lua_rawseti(L, -2, (int)i + 1);
            continue;
        }
        lua_createtable(L, 0, 5);
        gt_lua_setfield_string(L, "path", f.path);
        gt_lua_setfield_string(L, "url", f.url);
        gt_lua_setfield_string(L, "content_type", f.content_type);
        gt_lua_setfield_string(L, "sha256", f.sha256);
        gt_lua_setfield_number(L, "bytes", (lua_Number)f.bytes);
        lua_rawseti(L, -3, (int)i + 1);
    }
    double expires_at = gt_task_expires_at(t);
    if (expires_at < 0) return 2;
    lua_pushnumber(L, expires_at);
    return 3;
}

/* core.media_type(bytes) → "image/png", ".png" | nil: what a file's first bytes say it is */
static int media_type(lua_State *L)
{
    size_t n;
    const char *bytes = luaL_checklstring(L, 1, &n);
    const char *type = gt_media_sniff(bytes, n);
    if (!type) return 0;
    lua_pushstring(L, type);
    lua_pushstring(L, gt_media_extension(type));
    return 2;
}

/* core.base64(bytes) → text */
static int base64(lua_State *L)
{
    return gt_lua_push_encoded(L, gt_base64_encode, "gentask: out of memory");
}

static int task_is(lua_State *L)
{
    lua_pushboolean(L, gt_lua_test_box(L, 1, GT_TASK_MT) != NULL);
    return 1;
}

/* core.task_class(methods): the methods every task finds through __index from now on. A copy is
 * kept, so the table handed over cannot change them afterwards; a second call (gentask.task
 * loaded again) replaces them. */
static int task_set_class(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TFUNCTION)
            return luaL_argerror(L, 1, "methods are functions under string keys");
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
    luaL_getmetatable(L, GT_TASK_MT);
    lua_getfield(L, -1, "__index");
    lua_pushvalue(L, -3);
    lua_setupvalue(L, -2, 1);
    return 0;
}

void gt_lua_open_task(lua_State *L)
{
    static const gt_lua_class task_class = {
        .name = GT_TASK_MT,
        .release = release_task,
        .describe = describe_task,
        .close = task_close,
        .index = task_index,
    };
    static const luaL_Reg functions[] = {
        {"is_task", task_is},         {"task_class", task_set_class},
        {"task_cancel", task_cancel}, {"task_error", task_error},
        {"task_urls", task_urls},     {"task_cost", task_cost},
        {"task_body", task_body},     {"task_download", task_download},
        {"task_files", task_files},   {"media_type", media_type},
        {"base64", base64},           {NULL, NULL},
    };
    gt_lua_new_class(L, &task_class);
    gt_setfuncs(L, functions);
    lua_pushcfunction(L, task_held_by);
    lua_setfield(L, -2, "task_held_by");
}
