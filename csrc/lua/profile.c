/* profile.c — the compiled profile userdata: a provider's profile table (its format is in
 * docs/providers.md, "The provider profile table") read into the core's gt_profile, and
 * core.classify, which reads one response with it. A client owns the profile it was made with;
 * classify keeps one per table. */
#include "binding.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *check_string_field(lua_State *L, int tbl, const char *key, const char *where)
{
    lua_getfield(L, tbl, key);
    const char *s = lua_tostring(L, -1);
    if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "profile: %s.%s must be a string", where, key);
    lua_pop(L, 1); /* the string stays alive: the profile table still holds it */
    return s;
}

static void set_string(lua_State *L, gt_profile *p, int tbl, const char *key, const char *core_key, const char *where)
{
    const char *value = check_string_field(L, tbl, key, where);
    if (value) gt_profile_set(p, core_key, value);
}

/* The value on top of the stack: a string, or a list of strings; add(ctx, s) for each. */
static void each_string(lua_State *L, const char *where, void (*add)(void *, const char *), void *ctx)
{
    if (lua_type(L, -1) == LUA_TSTRING) {
        add(ctx, lua_tostring(L, -1));
        return;
    }
    if (!lua_istable(L, -1)) luaL_error(L, "profile: %s must be a string or a list of strings", where);
    int n = (int)gt_rawlen(L, -1);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "profile: %s[%d] must be a string", where, i);
        add(ctx, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
}

typedef struct field_ctx {
    lua_State *L;
    gt_profile *p;
    const char *field;
} field_ctx;

static void add_field_path(void *ctx, const char *path)
{
    field_ctx *f = ctx;
    const char *problem = gt_json_path_problem(path);
    if (problem) luaL_error(f->L, "profile: fields.%s: the path '%s' %s", f->field, path, problem);
    if (!gt_profile_add_path(f->p, f->field, path)) luaL_error(f->L, "profile: unknown field '%s'", f->field);
}

static void add_request_id_header(void *ctx, const char *header)
{
    gt_profile_add_request_id_header(ctx, header);
}

static void add_webhook_signed_header(void *ctx, const char *header)
{
    gt_profile_add_webhook_signed_header(ctx, header);
}

static void add_poll_host(void *ctx, const char *host)
{
    field_ctx *f = ctx;
    if (!gt_profile_add_poll_host(f->p, host))
        luaL_error(f->L, "profile: poll_hosts: '%s' is not a lower-case host name (or *.domain) of two labels or more",
                   host);
}

/* An "ed25519" scheme names where the keys are published (https only: a key fetched in the clear
 * could be anyone's), the signed headers and the signature's header. */
static void read_ed25519(lua_State *L, gt_profile *p, int webhook, const char *scheme)
{
    const char *keys_url = check_string_field(L, webhook, "keys_url", "webhook");
    lua_getfield(L, webhook, "signed_headers");
    bool has_signed = !lua_isnil(L, -1);
    if (has_signed) each_string(L, "webhook.signed_headers", add_webhook_signed_header, p);
    lua_pop(L, 1);
    bool ed25519 = scheme && strcmp(scheme, "ed25519") == 0;
    if (!ed25519) {
        if (keys_url || has_signed)
            luaL_error(L, "profile: webhook.keys_url and signed_headers are for scheme \"ed25519\"");
        return;
    }
    if (!keys_url || strncmp(keys_url, "https://", 8) != 0)
        luaL_error(L, "profile: webhook.keys_url must be the provider's https:// JWKS URL (scheme \"ed25519\")");
    if (!has_signed || !check_string_field(L, webhook, "signature_header", "webhook"))
        luaL_error(L, "profile: scheme \"ed25519\" needs webhook.signed_headers and webhook.signature_header");
    gt_profile_set(p, "webhook_keys_url", keys_url);
}

/* url_query: the submit URL's query parameter that carries the webhook URL (fal's fal_webhook),
 * instead of a body field: a name that needs no escaping of its own. */
static void read_url_query(lua_State *L, gt_profile *p, int webhook)
{
    const char *name = check_string_field(L, webhook, "url_query", "webhook");
    if (!name) return;
    size_t len = strlen(name);
    if (len == 0 || len > 64 ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.~") != len)
        luaL_error(L, "profile: webhook.url_query must be a query parameter name (letters, digits, _ - . ~)");
    if (check_string_field(L, webhook, "url_field", "webhook"))
        luaL_error(L, "profile: webhook.url_query and webhook.url_field both say where the URL goes: one of them");
    gt_profile_set(p, "webhook_url_query", name);
}

/* How the entries of one table of the profile are read: read(L, p, table, name, ctx) for the
 * value on top of the stack, the entry name of table. */
typedef void (*entry_reader)(lua_State *L, gt_profile *p, const char *table, const char *name, const void *ctx);

/* Reads each entry of the table profile[table], whose keys must be strings. A table that is absent
 * is an error when required, else nothing to read. */
static void each_entry(lua_State *L, gt_profile *p, int profile, const char *table, bool required, entry_reader read,
                       const void *ctx)
{
    lua_getfield(L, profile, table);
    int entries = lua_gettop(L);
    if (required || !lua_isnil(L, entries)) {
        if (!lua_istable(L, entries)) luaL_error(L, "profile: %s must be a table", table);
        lua_pushnil(L);
        while (lua_next(L, entries)) {
            if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "profile: %s has a non-string key", table);
            read(L, p, table, lua_tostring(L, -2), ctx);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

/* fields = { id = "$.id", urls = { "$.a", "$.b" } } */
static void read_field(lua_State *L, gt_profile *p, const char *table, const char *name, const void *unused)
{
    (void)table, (void)unused;
    field_ctx ctx = {L, p, name};
    each_string(L, name, add_field_path, &ctx);
}

static void check_stage(lua_State *L, const char *table, const char *name, const char *stage)
{
    if (stage && strcmp(stage, "input") != 0 && strcmp(stage, "output") != 0)
        luaL_error(L, "profile: %s['%s'].stage must be \"input\" or \"output\"", table, name);
}

/* A kind name, or a table { kind =, stage = }, on top of the stack: the entry name of table. */
static gt_kind read_kind(lua_State *L, const char *table, const char *name, const char **stage)
{
    const char *kind_name;
    *stage = NULL;
    if (lua_istable(L, -1)) {
        kind_name = check_string_field(L, lua_gettop(L), "kind", table);
        *stage = check_string_field(L, lua_gettop(L), "stage", table);
    } else if (lua_type(L, -1) == LUA_TSTRING) {
        kind_name = lua_tostring(L, -1);
    } else {
        kind_name = NULL;
    }
    gt_kind kind = gt_kind_from_name(kind_name);
    if (kind == GT_KIND_NONE)
        luaL_error(L, "profile: %s['%s'] maps to unknown kind '%s'", table, name, kind_name ? kind_name : "?");
    check_stage(L, table, name, *stage);
    return kind;
}

/* states = { Ready = "succeeded", ["Request Moderated"] = { state = "failed", kind =, stage = },
 *            ["Task not found"] = { state = "failed", kind = "not_found", grace = 5 } } */
static void read_state(lua_State *L, gt_profile *p, const char *table, const char *name, const void *unused)
{
    (void)unused;
    const char *stage = NULL;
    gt_kind kind = GT_KIND_NONE;
    long grace_ms = 0;
    const char *state_name = lua_tostring(L, -1);
    if (lua_istable(L, -1)) {
        int entry = lua_gettop(L);
        state_name = check_string_field(L, entry, "state", name);
        lua_getfield(L, entry, "kind");
        if (!lua_isnil(L, -1)) kind = read_kind(L, table, name, &stage);
        lua_pop(L, 1);
        if (kind != GT_KIND_NONE) stage = check_string_field(L, entry, "stage", name);
        check_stage(L, table, name, stage);
        grace_ms = gt_seconds_to_ms(gt_lua_opt_number_field(L, entry, "grace", 0));
    } else if (lua_type(L, -1) != LUA_TSTRING) {
        state_name = NULL;
    }
    gt_remote_state s = gt_remote_state_from_name(state_name);
    if (s == GT_REMOTE_UNKNOWN)
        luaL_error(L, "profile: states['%s'] must map to pending|running|succeeded|failed|cancelled", name);
    if (kind != GT_KIND_NONE && s != GT_REMOTE_FAILED && s != GT_REMOTE_CANCELLED)
        luaL_error(L, "profile: states['%s'] has a kind, but only a failed or cancelled state fails", name);
    gt_profile_add_state(p, name, s, kind, stage, grace_ms);
}

/* { kind =, retryable = true | false } on top of the stack: what the provider says of trying this
 * code again, where it differs from the kind's default. */
static gt_retryable read_retryable(lua_State *L, const char *table, const char *name)
{
    if (!lua_istable(L, -1)) return GT_RETRYABLE_KIND;
    lua_getfield(L, -1, "retryable");
    int type = lua_type(L, -1);
    bool retryable = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (type == LUA_TNIL) return GT_RETRYABLE_KIND;
    if (type != LUA_TBOOLEAN) luaL_error(L, "profile: %s['%s'].retryable must be true or false", table, name);
    return retryable ? GT_RETRYABLE_YES : GT_RETRYABLE_NO;
}

/* codes = { some_code = "kind", other_code = { kind = "moderated", stage = "input" },
 *           input_fault = { kind = "generation_failed", retryable = false } }; ctx points to the
 * core's gt_code_table the entries go to */
static void read_code(lua_State *L, gt_profile *p, const char *table, const char *name, const void *ctx)
{
    const char *stage;
    gt_kind kind = read_kind(L, table, name, &stage);
    gt_retryable retryable = read_retryable(L, table, name);
    gt_profile_add_code(p, *(const gt_code_table *)ctx, name, kind, stage, retryable);
}

/* statuses = { [403] = { kind = "moderated", stage = "input" } } */
static void read_statuses(lua_State *L, gt_profile *p, int profile)
{
    lua_getfield(L, profile, "statuses");
    int statuses = lua_gettop(L);
    if (!lua_isnil(L, statuses) && !lua_istable(L, statuses)) luaL_error(L, "profile: statuses must be a table");
    if (lua_istable(L, statuses)) {
        lua_pushnil(L);
        while (lua_next(L, statuses)) {
            lua_Number code = lua_tonumber(L, -2);
            if (lua_type(L, -2) != LUA_TNUMBER || code != (long)code || code < 100 || code > 599)
                luaL_error(L, "profile: statuses keys are HTTP statuses (100..599)");
            const char *stage;
            char status[32];
            snprintf(status, sizeof status, "%ld", (long)lua_tonumber(L, -2));
            gt_kind kind = read_kind(L, "statuses", status, &stage);
            gt_profile_add_status(p, (long)lua_tonumber(L, -2), kind, stage);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

/* model_max_in_flight = { ["flux-kontext-max"] = 6 }: models the provider caps lower */
static void read_model_caps(lua_State *L, gt_profile *p, int profile)
{
    lua_getfield(L, profile, "model_max_in_flight");
    if (!lua_isnil(L, -1)) {
        if (!lua_istable(L, -1)) luaL_error(L, "profile: model_max_in_flight must be a table of model = number");
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            /* the key's type is checked before lua_tostring, which would turn a number key into a string */
            bool named = lua_type(L, -2) == LUA_TSTRING;
            if (!named || !lua_isnumber(L, -1) ||
                !gt_profile_add_model_cap(p, lua_tostring(L, -2), lua_tonumber(L, -1)))
                luaL_error(L, "profile: model_max_in_flight['%s'] must be a whole number from 1 up",
                           named ? lua_tostring(L, -2) : "?");
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

static void add_download_host(void *ctx, const char *host)
{
    field_ctx *f = ctx;
    if (!gt_profile_add_download_host(f->p, host))
        luaL_error(f->L,
                   "profile: download.hosts: '%s' is not a lower-case host name (or *.domain) of two labels or more",
                   host);
}

/* A header name the core is to send (idempotency_header, deadline_header.name). */
static void check_header_name(lua_State *L, gt_profile *p, const char *name, const char *where)
{
    const char *problem = name ? gt_profile_header_problem(p, name, "") : NULL;
    if (problem) luaL_error(L, "profile: %s: %s", where, problem);
}

/* headers = { ["X-Runway-Version"] = "2024-11-06" }: sent with every request to the provider */
static void read_header(lua_State *L, gt_profile *p, const char *table, const char *name, const void *unused)
{
    (void)unused;
    const char *value = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    if (!value) luaL_error(L, "profile: %s['%s'] must be a string", table, name);
    if (!gt_profile_add_header(p, name, value))
        luaL_error(L, "profile: %s['%s']: %s", table, name, gt_profile_header_problem(p, name, value));
}

/* What the profile adds to requests beyond the poll: headers, the deadline and idempotency
 * headers, the result fetch after success, the keyed downloads, and the state of an answer that
 * carries none. */
static void read_requests(lua_State *L, gt_profile *p, int profile)
{
    each_entry(L, p, profile, "headers", false, read_header, NULL);
    const char *idempotency = check_string_field(L, profile, "idempotency_header", "profile");
    check_header_name(L, p, idempotency, "idempotency_header");
    if (idempotency) gt_profile_set(p, "idempotency_header", idempotency);

    lua_getfield(L, profile, "deadline_header"); /* { name = "Cancel-After", suffix = "s", min = 5 } */
    if (!lua_isnil(L, -1)) {
        int deadline = lua_gettop(L);
        if (!lua_istable(L, deadline))
            luaL_error(L, "profile: deadline_header must be a table { name =, suffix =, min = }");
        const char *name = check_string_field(L, deadline, "name", "deadline_header");
        if (!name) luaL_error(L, "profile: deadline_header.name is required");
        check_header_name(L, p, name, "deadline_header.name");
        const char *suffix = check_string_field(L, deadline, "suffix", "deadline_header");
        if (suffix && gt_profile_header_problem(p, name, suffix))
            luaL_error(L, "profile: deadline_header.suffix must be printable text");
        gt_profile_set(p, "deadline_header", name);
        if (suffix) gt_profile_set(p, "deadline_suffix", suffix);
        lua_Number least = gt_lua_opt_number_field(L, deadline, "min", 0);
        if (least != (long)least || !gt_profile_set_number(p, "deadline_min", least))
            luaL_error(L, "profile: deadline_header.min must be a whole number of seconds >= 0");
    }
    lua_pop(L, 1);

    lua_getfield(L, profile, "result"); /* { method = "GET", path = "/v1/files/retrieve?file_id={result_id}" } */
    if (!lua_isnil(L, -1)) {
        if (!lua_istable(L, -1)) luaL_error(L, "profile: result must be a table { method =, path = }");
        set_string(L, p, lua_gettop(L), "method", "result_method", "result");
        set_string(L, p, lua_gettop(L), "path", "result_path", "result");
    }
    lua_pop(L, 1);

    lua_getfield(L, profile, "download"); /* { keyed = true, hosts = { "…" } } */
    if (!lua_isnil(L, -1)) {
        int download = lua_gettop(L);
        if (!lua_istable(L, download)) luaL_error(L, "profile: download must be a table { keyed =, hosts = }");
        lua_getfield(L, download, "keyed");
        if (!lua_isnil(L, -1) && !lua_isboolean(L, -1)) luaL_error(L, "profile: download.keyed must be true or false");
        gt_profile_set_keyed_downloads(p, lua_toboolean(L, -1));
        lua_pop(L, 1);
        lua_getfield(L, download, "hosts");
        field_ctx hosts = {L, p, "download.hosts"};
        if (!lua_isnil(L, -1)) each_string(L, "download.hosts", add_download_host, &hosts);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    const char *missing = check_string_field(L, profile, "missing_state", "profile");
    if (missing && !gt_profile_set_missing_state(p, gt_remote_state_from_name(missing)))
        luaL_error(L, "profile: missing_state must be pending|running|succeeded|failed|cancelled");
}

/* auth.jwt = { issuer = "iss", ttl = 1800, not_before = 5, renew_before = 300, secret_env = "KLING_SECRET_KEY" }:
 * the header carries an HS256 JWT that the core makes from the key and a secret it reads itself
 * (that renew_before is less than ttl is checked with the client: the defaults are the core's) */
static void read_jwt(lua_State *L, gt_profile *p, int auth)
{
    lua_getfield(L, auth, "jwt");
    int jwt = lua_gettop(L);
    if (!lua_isnil(L, jwt)) {
        if (!lua_istable(L, jwt)) luaL_error(L, "profile: auth.jwt must be a table");
        const char *issuer = check_string_field(L, jwt, "issuer", "auth.jwt");
        if (!issuer || !*issuer) luaL_error(L, "profile: auth.jwt.issuer must name the claim that holds the key");
        gt_profile_set(p, "jwt_issuer_claim", issuer);
        set_string(L, p, jwt, "secret_env", "jwt_secret_env", "auth.jwt");
        static const char *const times[] = {"ttl", "not_before", "renew_before"};
        for (size_t i = 0; i < sizeof times / sizeof *times; i++) {
            char key[32];
            snprintf(key, sizeof key, "jwt_%s", times[i]);
            lua_getfield(L, jwt, times[i]);
            bool fits = lua_isnil(L, -1) ||
                        (lua_type(L, -1) == LUA_TNUMBER && gt_profile_set_number(p, key, lua_tonumber(L, -1)));
            lua_pop(L, 1);
            if (!fits) luaL_error(L, "profile: auth.jwt.%s must be whole seconds, %d..86400", times[i], i == 0);
        }
    }
    lua_pop(L, 1);
}

static int build_profile(lua_State *L)
{
    gt_profile **slot = lua_touserdata(L, 2);
    int profile = 1;
    luaL_checktype(L, profile, LUA_TTABLE);
    *slot = gt_profile_new(check_string_field(L, profile, "name", "profile"));
    gt_profile *p = *slot;

    lua_getfield(L, profile, "auth");
    if (lua_istable(L, -1)) {
        set_string(L, p, lua_gettop(L), "header", "auth_header", "auth");
        set_string(L, p, lua_gettop(L), "prefix", "auth_prefix", "auth");
        set_string(L, p, lua_gettop(L), "body_field", "key_field", "auth");
        read_jwt(L, p, lua_gettop(L));
    }
    lua_pop(L, 1);
    lua_getfield(L, profile, "poll");
    if (!lua_istable(L, -1)) luaL_error(L, "profile: poll must be a table");
    set_string(L, p, lua_gettop(L), "method", "poll_method", "poll");
    set_string(L, p, lua_gettop(L), "path", "poll_path", "poll");
    set_string(L, p, lua_gettop(L), "key_field", "poll_key_field", "poll");
    lua_pop(L, 1);
    lua_Number scale = gt_lua_opt_number_field(L, profile, "progress_scale", 1);
    if (!gt_profile_set_number(p, "progress_scale", scale)) luaL_error(L, "profile: progress_scale must be > 0");
    lua_Number cap = gt_lua_opt_number_field(L, profile, "max_in_flight", 0);
    if (!gt_profile_set_number(p, "max_in_flight", cap)) luaL_error(L, "profile: max_in_flight must be >= 0");
    lua_Number ttl = gt_lua_opt_number_field(L, profile, "result_ttl", 0);
    if (ttl != 0 && !gt_profile_set_number(p, "result_ttl", ttl)) luaL_error(L, "profile: result_ttl must be > 0");
    read_model_caps(L, p, profile);
    gt_lua_read_profile_cost(L, p, profile);
    set_string(L, p, profile, "idempotency_field", "idempotency_field", "profile");
    /* read by the gentask command only, checked here with the rest of the profile */
    check_string_field(L, profile, "key_env", "profile");
    check_string_field(L, profile, "input_image_param", "profile");
    lua_getfield(L, profile, "cancel"); /* the documented cancel endpoint, where there is one */
    if (lua_istable(L, -1)) {
        set_string(L, p, lua_gettop(L), "method", "cancel_method", "cancel");
        set_string(L, p, lua_gettop(L), "path", "cancel_path", "cancel");
        const char *beside = check_string_field(L, lua_gettop(L), "from_poll_url", "cancel");
        /* a reference relative to the poll URL ("cancel", "../cancel"), never a URL of its own */
        if (beside && (!*beside || strstr(beside, "//")))
            luaL_error(L, "profile: cancel.from_poll_url must be a relative reference such as \"cancel\"");
        if (beside) gt_profile_set(p, "cancel_from_poll_url", beside);
        if (!beside && !check_string_field(L, lua_gettop(L), "path", "cancel"))
            luaL_error(L, "profile: cancel needs a path (or from_poll_url)");
    }
    lua_pop(L, 1);
    lua_getfield(L, profile, "webhook"); /* where a submit asks for one, and how deliveries are signed */
    if (lua_istable(L, -1)) {
        int webhook = lua_gettop(L);
        set_string(L, p, webhook, "url_field", "webhook_url_field", "webhook");
        read_url_query(L, p, webhook);
        set_string(L, p, webhook, "secret_field", "webhook_secret_field", "webhook");
        set_string(L, p, webhook, "switch_field", "webhook_switch_field", "webhook");
        set_string(L, p, webhook, "switch_value", "webhook_switch_value", "webhook");
        set_string(L, p, webhook, "signature_header", "webhook_signature_header", "webhook");
        set_string(L, p, webhook, "signature_prefix", "webhook_signature_prefix", "webhook");
        set_string(L, p, webhook, "id_header", "webhook_id_header", "webhook");
        set_string(L, p, webhook, "timestamp_header", "webhook_timestamp_header", "webhook");
        set_string(L, p, webhook, "key_id_header", "webhook_key_id_header", "webhook");
        const char *scheme = check_string_field(L, webhook, "scheme", "webhook");
        if (scheme && !gt_profile_set(p, "webhook_scheme", scheme))
            luaL_error(L,
                       "profile: webhook.scheme must be \"hmac_hex\", \"standard\", \"t_v1\" or \"ed25519\", "
                       "not \"%s\"",
                       scheme);
        if (scheme && strcmp(scheme, "t_v1") == 0 && !check_string_field(L, webhook, "signature_header", "webhook"))
            luaL_error(L, "profile: scheme \"t_v1\" needs webhook.signature_header (OpenRouter's "
                          "X-OpenRouter-Signature)");
        read_ed25519(L, p, webhook, scheme);
        lua_getfield(L, webhook, "tolerance");
        int tolerance_type = lua_type(L, -1);
        lua_Number tolerance = lua_tonumber(L, -1);
        lua_pop(L, 1);
        if (tolerance_type != LUA_TNIL &&
            (tolerance_type != LUA_TNUMBER || !gt_profile_set_number(p, "webhook_tolerance", tolerance)))
            luaL_error(L, "profile: webhook.tolerance must be a number of seconds, 1 to 86400");
    }
    lua_pop(L, 1);

    static const struct {
        const char *key;
        gt_code_table table;
    } code_tables[] = {{"codes", GT_CODES_TASK}, {"http_codes", GT_CODES_HTTP}, {"message_codes", GT_CODES_MESSAGE}};
    each_entry(L, p, profile, "fields", true, read_field, NULL);
    each_entry(L, p, profile, "states", true, read_state, NULL);
    for (size_t i = 0; i < sizeof code_tables / sizeof *code_tables; i++)
        each_entry(L, p, profile, code_tables[i].key, false, read_code, &code_tables[i].table);
    read_statuses(L, p, profile);
    lua_getfield(L, profile, "poll_hosts");
    field_ctx hosts = {L, p, "poll_hosts"};
    if (!lua_isnil(L, -1)) each_string(L, "poll_hosts", add_poll_host, &hosts);
    lua_pop(L, 1);
    lua_getfield(L, profile, "request_id_headers");
    if (!lua_isnil(L, -1)) each_string(L, "request_id_headers", add_request_id_header, p);
    lua_pop(L, 1);
    read_requests(L, p, profile);
    return 0;
}

gt_profile *gt_lua_check_profile(lua_State *L, int idx)
{
    /* Built under pcall so that a bad field frees the half-built profile instead of leaking it. */
    gt_profile *p = NULL;
    lua_pushcfunction(L, build_profile);
    lua_pushvalue(L, idx);
    lua_pushlightuserdata(L, &p);
    if (lua_pcall(L, 2, 0, 0) != 0) {
        gt_profile_free(p);
        lua_error(L);
    }
    return p;
}

static void free_profile(void *p)
{
    gt_profile_free(p);
}

static void describe_profile(lua_State *L, void *p)
{
    lua_pushfstring(L, "gentask.profile(%s)", gt_profile_name(p));
}

/* The compiled profile for the table at idx, cached per table: classify is called per response. */
static const gt_profile *cached_profile(lua_State *L, int idx)
{
    static const char cache_key = 'p';
    gt_lua_weak_table(L, &cache_key, "k");
    lua_pushvalue(L, idx);
    lua_rawget(L, -2);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        /* the box first: if Lua cannot allocate it, no compiled profile is left unowned */
        void **box = gt_lua_push_box(L, NULL, GT_PROFILE_MT);
        *box = gt_lua_check_profile(L, idx);
        lua_pushvalue(L, idx);
        lua_pushvalue(L, -2);
        lua_rawset(L, -4);
    }
    const gt_profile *p = *(gt_profile **)lua_touserdata(L, -1); /* never empty: only __gc empties it */
    lua_pop(L, 2); /* the cache keeps the box alive while the profile table lives */
    return p;
}

/* Case-insensitive lookup in a headers table { ["Request-Id"] = "…" }. */
const char *gt_lua_header(lua_State *L, int headers, const char *name)
{
    if (!lua_istable(L, headers)) return NULL;
    const char *found = NULL;
    lua_pushnil(L);
    while (lua_next(L, headers)) {
        if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING &&
            strcasecmp(lua_tostring(L, -2), name) == 0)
            found = lua_tostring(L, -1); /* stays alive in the headers table */
        lua_pop(L, 1);
    }
    return found;
}

static void push_strings(lua_State *L, char *const *items, size_t n, const char *name)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, items[i]);
        lua_rawseti(L, -2, (int)i + 1);
    }
    lua_setfield(L, -2, name);
}

void gt_lua_push_reading(lua_State *L, const gt_reply *reply)
{
    lua_createtable(L, 0, 7);
    gt_lua_setfield_string(L, "state", gt_remote_state_name(reply->state));
    gt_lua_setfield_string(L, "provider_state", reply->raw_state);
    gt_lua_setfield_string(L, "id", reply->task_id);
    gt_lua_setfield_string(L, "poll_url", reply->poll_url);
    if (reply->fetch_result) { /* a success whose results a second request fetches */
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "fetch_result");
        gt_lua_setfield_string(L, "result_url", reply->result_url);
        gt_lua_setfield_string(L, "result_id", reply->result_id);
    }
    if (reply->progress >= 0) gt_lua_setfield_integer(L, "progress", reply->progress);
    push_strings(L, reply->urls, reply->n_urls, "urls");
    push_strings(L, reply->texts, reply->n_texts, "texts");
}

/* core.classify(profile, phase ("submit" | "poll" | "result"), status, headers, body) → error table | nil, reading */
static int profile_classify(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    const char *phase_name = luaL_checkstring(L, 2);
    bool result = strcmp(phase_name, "result") == 0; /* a result fetch's answer */
    gt_phase phase = strcmp(phase_name, "submit") == 0 ? GT_PHASE_SUBMIT : GT_PHASE_POLL;
    size_t body_len = 0;
    const char *body = luaL_optlstring(L, 5, "", &body_len);
    const gt_profile *p = cached_profile(L, 1);
    gt_response res = {
        .status = (long)luaL_checkinteger(L, 3),
        .body = body,
        .body_len = body_len,
    };
    /* the headers the engine reads off the wire, by the same list */
    for (int h = 0; h < GT_HEADER_COUNT; h++) res.header[h] = gt_lua_header(L, 4, gt_header_name((gt_header)h));
    const char *name;
    for (size_t i = 0; !res.request_id && (name = gt_profile_request_id_header(p, i)); i++)
        res.request_id = gt_lua_header(L, 4, name);
    if (gt_profile_cost_header(p)) res.cost_header = gt_lua_header(L, 4, gt_profile_cost_header(p));
    gt_reply reply;
    if (result) gt_classify_result(p, &res, &reply);
    else gt_classify(p, phase, &res, &reply);
    int results = 1;
    if (reply.error) {
        gt_lua_push_error(L, reply.error, gt_profile_name(p));
    } else {
        lua_pushnil(L);
        gt_lua_push_reading(L, &reply);
        results = 2;
    }
    gt_reply_clear(&reply);
    return results;
}

void gt_lua_open_profile(lua_State *L)
{
    static const gt_lua_class profile_class = {
        .name = GT_PROFILE_MT,
        .release = free_profile,
        .describe = describe_profile,
    };
    static const luaL_Reg functions[] = {{"classify", profile_classify}, {NULL, NULL}};
    gt_lua_new_class(L, &profile_class);
    gt_setfuncs(L, functions);
}
