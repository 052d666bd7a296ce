/* profile_cost.c — a profile's cost table (docs/providers.md, "Cost") read into the core's
 * gt_profile: its currency and the scale of what the provider reports, whether a failed task is
 * free, where a submit body says how much it asks for, and the price table with the page it was
 * read from and that page's date; and a client's prices option, which replaces that table. Any
 * mistake is a usage error naming the field. Each message starts with where the field is
 * ("profile: cost", or "prices" for the client option). */
#include "binding.h"

#include <string.h>

/* "YYYY-MM-DD": the day the price page was read, so a reader knows how old the prices are. */
static bool iso_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
    return true;
}

static const char *string_at(lua_State *L, int tbl, const char *key, const char *where)
{
    lua_getfield(L, tbl, key);
    int type = lua_type(L, -1);
    const char *s = type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    lua_pop(L, 1); /* the string stays alive: the table still holds it */
    if (type != LUA_TNIL && type != LUA_TSTRING) luaL_error(L, "%s.%s must be a string", where, key);
    return s;
}

static gt_price_unit unit_at(lua_State *L, int tbl, const char *where, gt_price_unit fallback)
{
    const char *name = string_at(L, tbl, "unit", where);
    gt_price_unit unit = fallback;
    if (name && !gt_price_unit_named(name, &unit))
        luaL_error(L, "%s.unit must be image, second, megapixel or request, got '%s'", where, name);
    return unit;
}

/* models = { ["flux-pro-1.1"] = 0.04, ["ray-2"] = { amount = 0.32, unit = "second" } } */
static void read_models(lua_State *L, gt_profile *p, int prices, const char *where, gt_price_unit unit)
{
    lua_getfield(L, prices, "models");
    if (!lua_istable(L, -1)) luaL_error(L, "%s.models must be a table of model = price", where);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        bool named = lua_type(L, -2) == LUA_TSTRING; /* checked before lua_tostring changes a number key */
        const char *model = named ? lua_tostring(L, -2) : "?";
        lua_Number amount = -1;
        gt_price_unit its_unit = unit;
        if (lua_type(L, -1) == LUA_TNUMBER) amount = lua_tonumber(L, -1);
        else if (lua_istable(L, -1)) {
            amount = gt_lua_opt_number_field(L, lua_gettop(L), "amount", -1);
            lua_pushfstring(L, "%s.models['%s']", where, model);
            its_unit = unit_at(L, lua_gettop(L) - 1, lua_tostring(L, -1), unit);
            lua_pop(L, 1);
        }
        if (!named || !gt_profile_add_price(p, model, amount, its_unit))
            luaL_error(L, "%s.models['%s'] must be an amount >= 0, or { amount =, unit = }", where, model);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* tbl[key] pushed when it is a table (its index returned), nothing pushed when absent (0) */
static int push_table(lua_State *L, int tbl, const char *key, const char *where)
{
    lua_getfield(L, tbl, key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return 0;
    }
    if (!lua_istable(L, -1)) luaL_error(L, "profile: %s must be a table", where);
    return lua_gettop(L);
}

/* { source =, date =, unit =, models = } at index prices; where: its name in a message */
static void read_price_table(lua_State *L, gt_profile *p, int prices, const char *where)
{
    const char *source = string_at(L, prices, "source", where);
    const char *date = string_at(L, prices, "date", where);
    if (!source || !*source) luaL_error(L, "%s.source must name the page the prices come from", where);
    if (!date || !iso_date(date)) luaL_error(L, "%s.date must be the day they were read, YYYY-MM-DD", where);
    read_models(L, p, prices, where, unit_at(L, prices, where, GT_PRICE_IMAGE));
}

static void read_prices(lua_State *L, gt_profile *p, int cost)
{
    int prices = push_table(L, cost, "prices", "cost.prices");
    if (!prices) return;
    read_price_table(L, p, prices, "profile: cost.prices");
    lua_pop(L, 1);
}

/* Run protected by gt_lua_replace_prices: (profile, prices table). */
static int replace_prices(lua_State *L)
{
    gt_profile *p = lua_touserdata(L, 1);
    if (!lua_istable(L, 2)) luaL_error(L, "prices must be a table { source =, date =, unit =, models = }");
    if (!gt_profile_cost_currency(p))
        luaL_error(L, "prices: the %s profile names no cost currency", gt_profile_name(p));
    gt_profile_clear_prices(p);
    read_price_table(L, p, 2, "prices");
    return 0;
}

bool gt_lua_replace_prices(lua_State *L, gt_profile *p, int prices)
{
    lua_pushcfunction(L, replace_prices);
    lua_pushlightuserdata(L, p);
    lua_pushvalue(L, prices);
    return lua_pcall(L, 2, 0, 0) == 0;
}

/* count, seconds, width, height: where the submit body says how many units it asks for */
static void read_quantity_paths(lua_State *L, gt_profile *p, int cost)
{
    static const char *const names[] = {"count", "seconds", "width", "height"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *path = string_at(L, cost, names[i], "profile: cost");
        gt_price_path which;
        if (path && (!gt_price_path_named(names[i], &which) || !gt_profile_add_price_path(p, which, path)))
            luaL_error(L, "profile: cost.%s: %s", names[i], gt_json_path_problem(path));
    }
}

/* failed_free = true (no failed task is charged) or a list of the kinds that are not */
static void read_free_failures(lua_State *L, gt_profile *p, int cost)
{
    lua_getfield(L, cost, "failed_free");
    if (lua_type(L, -1) == LUA_TBOOLEAN) {
        if (lua_toboolean(L, -1)) gt_profile_add_free_failure(p, GT_KIND_NONE);
    } else if (lua_istable(L, -1)) {
        int n = (int)gt_rawlen(L, -1);
        for (int i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, i);
            gt_kind kind = lua_type(L, -1) == LUA_TSTRING ? gt_kind_from_name(lua_tostring(L, -1)) : GT_KIND_NONE;
            if (kind == GT_KIND_NONE) luaL_error(L, "profile: cost.failed_free[%d] must be an error kind", i);
            gt_profile_add_free_failure(p, kind);
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "profile: cost.failed_free must be true or a list of error kinds");
    }
    lua_pop(L, 1);
}

void gt_lua_read_profile_cost(lua_State *L, gt_profile *p, int profile)
{
    int cost = push_table(L, profile, "cost", "cost");
    if (!cost) return;
    const char *currency = string_at(L, cost, "currency", "profile: cost");
    lua_Number scale = gt_lua_opt_number_field(L, cost, "scale", 1);
    if (!gt_profile_set_cost(p, currency, scale))
        luaL_error(L, "profile: cost needs a currency of letters (\"USD\") and a scale > 0");
    const char *header = string_at(L, cost, "header", "profile: cost");
    if (header && !gt_profile_set_cost_header(p, header))
        luaL_error(L, "profile: cost.header must be an HTTP header name, got '%s'", header);
    read_free_failures(L, p, cost);
    read_quantity_paths(L, p, cost);
    read_prices(L, p, cost);
    lua_pop(L, 1);
}
