/* cost.c — what a task cost, decided once when it ends: what the provider reported, else what
 * the profile's price table says of its model and request. A task the provider never took costs
 * nothing; a failed one costs nothing where the provider's documents say so (whatever an answer
 * quoted before), and is otherwise unknown unless reported (a guess would be counted as money
 * spent, or as money saved). */
#include "task.h"

#include <stdlib.h>
#include <string.h>

/* How often a submit that tasks in flight keep out of the budget asks again. */
#define BUDGET_WAIT_MS 250

void gt_task_note_cost(gt_task *t, double reported)
{
    if (reported >= 0) t->cost_reported = reported; /* the latest answer's word counts */
}

/* A failure the provider's documents say it does not charge for (its terms, beside its prices). */
static bool free_failure(const gt_task *t)
{
    const gt_profile *p = t->client->profile;
    if (t->state == GT_TASK_SUCCEEDED) return false;
    gt_kind kind = t->error ? t->error->kind : GT_KIND_NONE;
    return p->free_failures[GT_KIND_NONE] || (kind < GT_KIND_COUNT && p->free_failures[kind]);
}

double gt_task_price(const gt_task *t)
{
    return gt_price_estimate(t->client->profile, t->model, t->params ? t->params : t->submit_body);
}

static gt_cost decide(const gt_task *t)
{
    const gt_profile *p = t->client->profile;
    gt_cost cost = {.amount = -1, .source = GT_COST_UNKNOWN, .currency = p->cost_currency};
    if (!p->cost_currency) return cost;
    if (t->cost_recorded) return t->cost;
    if (free_failure(t)) {
        cost.amount = 0;
        cost.source = GT_COST_PRICE_TABLE;
    } else if (t->cost_reported >= 0) {
        cost.amount = t->cost_reported;
        cost.source = GT_COST_REPORTED;
    } else if (t->submitted == GT_SUBMITTED_NO && !t->accepted && !t->attached) {
        cost.amount = 0; /* nothing the provider took: nothing it can charge */
        cost.source = GT_COST_NOT_SENT;
    } else if (t->state == GT_TASK_SUCCEEDED) {
        cost.amount = gt_task_price(t);
        if (cost.amount >= 0) cost.source = GT_COST_PRICE_TABLE;
    }
    return cost;
}

/* At the task's end: its cost is fixed, and counted in the client's spend (unless the process
 * that paid it counted it: a record's), and in its budget: a task of unknown cost counts its
 * bound, for it may have been charged. */
void gt_task_count_cost(gt_task *t)
{
    gt_client *c = t->client;
    t->cost = decide(t);
    if (t->cost_held) {
        t->cost_held = false;
        c->budget_held -= t->reserved;
        c->budget_settled += t->cost.amount >= 0 ? t->cost.amount : t->reserved;
    }
    if (t->cost.amount <= 0 || t->cost_recorded) return;
    c->spent += t->cost.amount;
    if (t->cost.source == GT_COST_PRICE_TABLE) c->spent_estimated += t->cost.amount;
}

void gt_task_fail_over_budget(gt_task *t)
{
    const gt_client *c = t->client;
    char *why = gt_printf("max_cost is %.6g %s: the spend so far, with what the tasks in flight may cost, leaves "
                          "less than the %.6g %s this task may cost; it was not sent",
                          c->opts.max_cost, c->profile->cost_currency, t->reserved, c->profile->cost_currency);
    gt_task_fail(t, GT_BUDGET_EXCEEDED, GT_PHASE_SUBMIT, why ? why : "max_cost is spent: this task was not sent");
    free(why);
}

void gt_task_wait_for_budget(gt_task *t)
{
    gt_task_wait_then(t, GT_TASK_SUBMITTING, gt_now_ms() + BUDGET_WAIT_MS);
}

bool gt_task_within_cost(gt_task *t)
{
    gt_client *c = t->client;
    if (c->opts.max_cost <= 0 || c->journal || t->cost_held || t->sent_before) return true;
    switch (gt_journal_budget_fits(c->opts.max_cost, c->budget_settled, c->budget_held, t->reserved)) {
    case GT_JOURNAL_OVER_BUDGET: gt_task_fail_over_budget(t); return false;
    case GT_JOURNAL_BUDGET_HELD: gt_task_wait_for_budget(t); return false;
    default: break;
    }
    t->cost_held = true;
    c->budget_held += t->reserved;
    return true;
}

gt_cost gt_task_cost(const gt_task *t)
{
    if (!gt_task_done(t)) return (gt_cost){.amount = -1, .source = GT_COST_UNKNOWN};
    return t->cost;
}

static const char *const source_names[] = {[GT_COST_UNKNOWN] = "unknown",
                                           [GT_COST_REPORTED] = "reported",
                                           [GT_COST_PRICE_TABLE] = "price table",
                                           [GT_COST_NOT_SENT] = "not sent"};

const char *gt_cost_source_name(gt_cost_source s)
{
    return s <= GT_COST_NOT_SENT ? source_names[s] : "unknown";
}

bool gt_cost_source_named(const char *name, gt_cost_source *out)
{
    for (int s = GT_COST_REPORTED; s <= GT_COST_NOT_SENT; s++) {
        if (strcmp(source_names[s], name) != 0) continue;
        *out = (gt_cost_source)s;
        return true;
    }
    return false;
}
