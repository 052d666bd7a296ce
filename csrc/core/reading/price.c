/* price.c — what a task costs by the profile's price table, where the provider reports nothing:
 * its model's price per unit, times the units its submit body asks for. The table is data from the
 * provider's price page (the profile names the page and its date); a model it does not name costs
 * the "*" entry's price, or is unknown. */
#include "reading.h"

#include <cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const unit_names[] = {[GT_PRICE_IMAGE] = "image",
                                         [GT_PRICE_SECOND] = "second",
                                         [GT_PRICE_MEGAPIXEL] = "megapixel",
                                         [GT_PRICE_REQUEST] = "request"};
static const char *const path_names[GT_PRICE_PATH_COUNT] = {[GT_PRICE_COUNT] = "count",
                                                            [GT_PRICE_SECONDS] = "seconds",
                                                            [GT_PRICE_WIDTH] = "width",
                                                            [GT_PRICE_HEIGHT] = "height"};

bool gt_price_unit_named(const char *name, gt_price_unit *out)
{
    for (size_t i = 0; i < sizeof unit_names / sizeof unit_names[0]; i++) {
        if (strcmp(unit_names[i], name) != 0) continue;
        *out = (gt_price_unit)i;
        return true;
    }
    return false;
}

bool gt_price_path_named(const char *name, gt_price_path *out)
{
    for (int i = 0; i < GT_PRICE_PATH_COUNT; i++) {
        if (strcmp(path_names[i], name) != 0) continue;
        *out = (gt_price_path)i;
        return true;
    }
    return false;
}

bool gt_profile_add_price(gt_profile *p, const char *model, double amount, gt_price_unit unit)
{
    if (!model || !*model || !isfinite(amount) || amount < 0 || unit > GT_PRICE_REQUEST) return false;
    gt_price *grown = realloc(p->prices, (p->n_prices + 1) * sizeof *grown);
    if (!grown) return false;
    p->prices = grown;
    gt_price *slot = &grown[p->n_prices];
    slot->model = gt_strdup(model);
    if (!slot->model) return false;
    slot->amount = amount;
    slot->unit = unit;
    p->n_prices++;
    return true;
}

bool gt_profile_add_price_path(gt_profile *p, gt_price_path which, const char *path)
{
    if (which >= GT_PRICE_PATH_COUNT || gt_json_path_problem(path)) return false;
    gt_paths *paths = &p->price_paths[which];
    char **grown = realloc(paths->items, (paths->n + 1) * sizeof *grown);
    if (!grown) return false;
    paths->items = grown;
    grown[paths->n] = gt_strdup(path);
    if (!grown[paths->n]) return false;
    paths->n++;
    return true;
}

static bool currency_name(const char *currency)
{
    size_t n = strlen(currency);
    if (n < 3 || n > 8) return false;
    for (const char *c = currency; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z'))) return false;
    return true;
}

void gt_profile_add_free_failure(gt_profile *p, gt_kind kind)
{
    if (kind < GT_KIND_COUNT) p->free_failures[kind] = true;
}

bool gt_profile_set_cost(gt_profile *p, const char *currency, double scale)
{
    if (!currency || !currency_name(currency) || !isfinite(scale) || scale <= 0) return false;
    char *copy = gt_strdup(currency);
    if (!copy) return false;
    free(p->cost_currency);
    p->cost_currency = copy;
    p->cost_scale = scale;
    return true;
}

/* An HTTP header name is a token (RFC 9110): letters, digits and a few marks, never ':' or space. */
static bool header_token(const char *name)
{
    if (!*name) return false;
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("!#$%&'*+-.^_`|~", *c)) return false;
    return true;
}

bool gt_profile_set_cost_header(gt_profile *p, const char *name)
{
    if (!name || !header_token(name)) return false;
    char *copy = gt_strdup(name);
    if (!copy) return false;
    free(p->cost_header);
    p->cost_header = copy;
    return true;
}

const char *gt_profile_cost_header(const gt_profile *p)
{
    return p->cost_header;
}

const char *gt_profile_cost_currency(const gt_profile *p)
{
    return p->cost_currency;
}

void gt_profile_clear_prices(gt_profile *p)
{
    for (size_t i = 0; i < p->n_prices; i++) free(p->prices[i].model);
    free(p->prices);
    p->prices = NULL;
    p->n_prices = 0;
}

static const gt_price *price_of(const gt_profile *p, const char *model)
{
    const gt_price *any = NULL;
    for (size_t i = 0; i < p->n_prices; i++) {
        if (model && strcmp(p->prices[i].model, model) == 0) return &p->prices[i];
        if (strcmp(p->prices[i].model, "*") == 0) any = &p->prices[i];
    }
    return any;
}

/* A positive number at one of the paths (a number, or a string holding one: Kling's "5"); < 0: none. */
static double body_number(const cJSON *body, const gt_paths *paths)
{
    gt_json_value v = gt_json_paths_first(body, paths);
    double n = -1;
    if (v.string) {
        char *end;
        double read = strtod(v.string, &end);
        if (end != v.string && *end == '\0' && isfinite(read) && read > 0) n = read;
    }
    gt_json_value_clear(&v);
    return n;
}

static double units_asked(const gt_profile *p, gt_price_unit unit, const cJSON *body)
{
    switch (unit) {
    case GT_PRICE_REQUEST: return 1;
    case GT_PRICE_IMAGE: {
        double count = body_number(body, &p->price_paths[GT_PRICE_COUNT]);
        return count > 0 ? count : 1; /* a body that does not ask for more asks for one */
    }
    case GT_PRICE_SECOND: return body_number(body, &p->price_paths[GT_PRICE_SECONDS]);
    case GT_PRICE_MEGAPIXEL: {
        double w = body_number(body, &p->price_paths[GT_PRICE_WIDTH]);
        double h = body_number(body, &p->price_paths[GT_PRICE_HEIGHT]);
        return w > 0 && h > 0 ? w * h / 1e6 : -1;
    }
    }
    return -1;
}

double gt_price_of_units(const gt_profile *p, const char *model, double units)
{
    const gt_price *price = p->cost_currency && units >= 0 ? price_of(p, model) : NULL;
    return price ? units * price->amount : -1;
}

double gt_price_estimate(const gt_profile *p, const char *model, const char *body)
{
    const gt_price *price = p->cost_currency ? price_of(p, model) : NULL;
    if (!price) return -1;
    if (price->unit == GT_PRICE_REQUEST) return price->amount;
    cJSON *json = body ? cJSON_Parse(body) : NULL;
    double units = units_asked(p, price->unit, json);
    cJSON_Delete(json);
    return units >= 0 ? price->amount * units : -1;
}
