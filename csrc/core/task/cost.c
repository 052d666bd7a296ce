/* cost.c — what a task cost, decided once when it ends: what the provider reported, else what
 * the profile's price table says of its model and request. A task the provider never took costs
 * nothing; a failed one costs nothing where the provider's documents say so (whatever an answer
 * quoted before), and is otherwise unknown unless reported (a guess would be counted as money
 * spent, or as money saved). */
#include "task.h"

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

static gt_cost decide(const gt_task *t)
{
    const gt_profile *p = t->client->profile;
    gt_cost cost = {.amount = -1, .source = GT_COST_UNKNOWN, .currency = p->cost_currency};
    if (!p->cost_currency) return cost;
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
        cost.amount = gt_price_estimate(p, t->model, t->params ? t->params : t->submit_body);
        if (cost.amount >= 0) cost.source = GT_COST_PRICE_TABLE;
    }
    return cost;
}

/* At the task's end: its cost is fixed, and counted in the client's spend. */
void gt_task_count_cost(gt_task *t)
{
    t->cost = decide(t);
    if (t->cost.amount <= 0) return;
    t->client->spent += t->cost.amount;
    if (t->cost.source == GT_COST_PRICE_TABLE) t->client->spent_estimated += t->cost.amount;
}

gt_cost gt_task_cost(const gt_task *t)
{
    if (!gt_task_done(t)) return (gt_cost){.amount = -1, .source = GT_COST_UNKNOWN};
    return t->cost;
}

const char *gt_cost_source_name(gt_cost_source s)
{
    static const char *const names[] = {[GT_COST_UNKNOWN] = "unknown",
                                        [GT_COST_REPORTED] = "reported",
                                        [GT_COST_PRICE_TABLE] = "price table",
                                        [GT_COST_NOT_SENT] = "not sent"};
    return s <= GT_COST_NOT_SENT ? names[s] : "unknown";
}
