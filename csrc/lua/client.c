/* client.c — the client userdata: one provider profile, base URL and API key, whose submits make
 * tasks (task.c). The key goes into the core and never comes back out. */
#include "binding.h"

#include <stdlib.h>

/* engine:client(profile, base_url, api_key, options) */
int gt_lua_client_new(lua_State *L)
{
    gt_engine *e = gt_lua_check_box(L, 1, GT_ENGINE_MT);
    luaL_checktype(L, 2, LUA_TTABLE);
    const char *base_url = luaL_checkstring(L, 3);
    const char *api_key = luaL_optstring(L, 4, "");
    gt_client_options opts;
    gt_client_options_default(&opts);
    if (lua_istable(L, 5)) gt_lua_read_options(L, 5, &opts);
    /* the box first: if Lua cannot allocate it, no client is left unowned */
    void **box = gt_lua_push_box(L, NULL, GT_CLIENT_MT);
    gt_profile *profile = gt_lua_check_profile(L, 2);
    /* the client's own price table replaces its profile's (this client's copy of it) */
    if (lua_istable(L, 5)) lua_getfield(L, 5, "prices");
    else lua_pushnil(L);
    if (!lua_isnil(L, -1) && !gt_lua_replace_prices(L, profile, lua_gettop(L))) {
        gt_profile_free(profile);
        return lua_error(L);
    }
    lua_pop(L, 1);
    gt_error *error = NULL;
    gt_client *c = gt_client_new(e, profile, base_url, api_key, &opts, &error);
    if (!c && error) { /* a journal that cannot be used: the message names it, never the key or a password */
        gt_lua_push_error(L, error, NULL);
        gt_error_free(error);
        return lua_error(L);
    }
    if (!c) return luaL_error(L, "gentask: out of memory");
    *box = c;
    return 1;
}

static void release_client(void *c)
{
    gt_lua_client_log_off(c); /* tasks may keep the core's client alive: no hook is left to them */
    gt_client_release(c);
}

static void describe_client(lua_State *L, void *c) /* says which provider, never which key */
{
    lua_pushfstring(L, "gentask.client(%s)", gt_profile_name(gt_client_profile(c)));
}

/* client:stats() → { in_flight, queued, accepted, max_in_flight, cap, requests, requests_queued,
 * paused_for, submits, refused, …, spent, spent_estimated, currency } */
static int client_stats(lua_State *L)
{
    gt_client_stats s;
    gt_client_stats_of(gt_lua_check_box(L, 1, GT_CLIENT_MT), &s);
    lua_createtable(L, 0, 10);
    gt_lua_setfield_integer(L, "in_flight", s.in_flight);
    gt_lua_setfield_integer(L, "queued", s.queued);
    gt_lua_setfield_integer(L, "accepted", s.accepted);
    gt_lua_setfield_integer(L, "max_in_flight", s.max_in_flight);
    gt_lua_setfield_integer(L, "cap", s.cap);
    gt_lua_setfield_integer(L, "requests", s.requests);
    gt_lua_setfield_integer(L, "requests_queued", s.requests_queued);
    gt_lua_setfield_number(L, "paused_for", s.paused_for);
    gt_lua_setfield_integer(L, "submits", s.submits);
    gt_lua_setfield_integer(L, "refused", s.refused);
    gt_lua_setfield_integer(L, "submitted", s.submitted);
    gt_lua_setfield_integer(L, "submits_on_wire", s.submits_on_wire);
    gt_lua_setfield_integer(L, "journal_pending", s.journal_pending);
    gt_lua_setfield_number(L, "journal_failing_for", s.journal_failing_for);
    gt_lua_setfield_string(L, "journal_error", s.journal_error);
    if (s.currency) { /* a profile that says nothing of cost has no spend to show */
        gt_lua_setfield_number(L, "spent", s.spent);
        gt_lua_setfield_number(L, "spent_estimated", s.spent_estimated);
        gt_lua_setfield_string(L, "currency", s.currency);
    }
    return 1;
}

/* client:close(): no new submits; the waiting ones end cancelled */
static int client_close(lua_State *L)
{
    gt_client_close(gt_lua_check_box(L, 1, GT_CLIENT_MT));
    return 0;
}

/* The headers table { name = value } as the core's list: each string pair, the strings staying
 * alive in the table; the list is a userdata Lua frees. */
static gt_webhook_header *webhook_headers(lua_State *L, int idx, size_t *n)
{
    *n = 0;
    if (!lua_istable(L, idx)) return NULL;
    size_t count = 0;
    for (lua_pushnil(L); lua_next(L, idx); lua_pop(L, 1))
        if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) count++;
    if (count == 0) return NULL;
    gt_webhook_header *headers = lua_newuserdata(L, count * sizeof *headers);
    for (lua_pushnil(L); lua_next(L, idx); lua_pop(L, 1))
        if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING && *n < count)
            headers[(*n)++] = (gt_webhook_header){lua_tostring(L, -2), lua_tostring(L, -1)};
    return headers;
}

/* client:webhook(headers, body) → reading, task | nil, error table. reading.verified says whether
 * the signature was checked, reading.posted whether it went to the key's other clients; task is this client's task with
 * the delivery's id, if any. */
static int client_webhook(lua_State *L)
{
    gt_client *c = gt_lua_check_box(L, 1, GT_CLIENT_MT);
    size_t len = 0;
    const char *body = luaL_checklstring(L, 3, &len);
    size_t n_headers = 0;
    gt_webhook_header *headers = webhook_headers(L, 2, &n_headers);
    gt_reply reading;
    gt_task *t = NULL;
    bool verified = false, posted = false;
    gt_error *err = gt_client_webhook(c, headers, n_headers, body, len, &reading, &t, &verified, &posted);
    if (err) {
        lua_pushnil(L);
        gt_lua_push_error(L, err, gt_profile_name(gt_client_profile(c)));
        gt_error_free(err);
        return 2;
    }
    gt_lua_push_reading(L, &reading);
    gt_lua_setfield_boolean(L, "verified", verified);
    gt_lua_setfield_boolean(L, "posted", posted);
    gt_reply_clear(&reading);
    if (t) gt_lua_recall(L, t); /* the box the script holds, or nil while it is being collected */
    else lua_pushnil(L);
    return 2;
}

static int client_closed(lua_State *L)
{
    lua_pushboolean(L, gt_client_closed(gt_lua_check_box(L, 1, GT_CLIENT_MT)));
    return 1;
}

void gt_lua_open_client(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"submit", gt_lua_task_submit},
        {"attach", gt_lua_task_attach},
        {"recover", gt_lua_task_recover},
        {"stats", client_stats},
        {"metrics", gt_lua_client_metrics},
        {"close", client_close},
        {"closed", client_closed},
        {"webhook", client_webhook},
        {"log", gt_lua_client_log},
        {"take_log", gt_lua_client_take_log},
        {NULL, NULL},
    };
    static const gt_lua_class client_class = {
        .name = GT_CLIENT_MT,
        .methods = methods,
        .release = release_client,
        .describe = describe_client,
    };
    gt_lua_new_class(L, &client_class);
}
