/* client.c — a provider profile, a base URL and a secret key, shared by the tasks submitted through it. */
#include "task.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void start_queued(void *client);

/* The clients of one engine and their tasks not yet released (gentask.stats().live_tasks, the
 * engine's tostring): kept where the engine keeps the layer above's state, made with its first
 * client, freed with its last (a task holds its client, a client its engine). */
typedef struct gt_client_registry {
    gt_queue clients; /* every client not yet freed: gentask.metrics() sums them */
    size_t live_tasks;
} gt_client_registry;

static bool join_registry(gt_client *c, gt_engine *e)
{
    if (!e->above) {
        gt_client_registry *r = calloc(1, sizeof *r);
        if (!r) return false;
        gt_queue_init(&r->clients);
        e->above = r;
    }
    c->registry = e->above;
    gt_queue_push(&c->registry->clients, &c->registry_node);
    return true;
}

static void leave_registry(gt_client *c)
{
    gt_queue_remove(&c->registry->clients, &c->registry_node);
    if (c->registry->clients.count > 0) return;
    free(c->registry);
    c->engine->above = NULL;
}

size_t gt_engine_clients(const gt_engine *e, gt_client **out, size_t max)
{
    const gt_client_registry *r = e->above;
    size_t n = 0;
    if (!r) return 0;
    for (const gt_qnode *q = r->clients.head.next; q != &r->clients.head; q = q->next, n++)
        if (n < max) out[n] = GT_CONTAINER(q, gt_client, registry_node);
    return n;
}

void gt_client_task_born(gt_client *c)
{
    c->registry->live_tasks++;
}

void gt_client_task_gone(gt_client *c)
{
    c->registry->live_tasks--;
}

size_t gt_task_live_count(const gt_engine *e)
{
    const gt_client_registry *r = e->above;
    return r ? r->live_tasks : 0;
}

gt_client *gt_client_make(gt_engine *e, gt_profile *profile, const char *base_url, const char *api_key,
                          const gt_client_options *opts, const gt_task_hooks *hooks, const char **journal)
{
    gt_client *c = calloc(1, sizeof *c);
    if (!c) {
        gt_profile_free(profile);
        return NULL;
    }
    if (!join_registry(c, e)) {
        free(c);
        gt_profile_free(profile);
        return NULL;
    }
    c->hooks = hooks;
    c->engine = e;
    gt_engine_retain(e);
    c->profile = profile;
    size_t len = strlen(base_url);
    while (len > 0 && base_url[len - 1] == '/') len--; /* paths start with '/' */
    c->base_url = gt_strndup(base_url, len);
    c->api_key = gt_strdup(api_key ? api_key : "");
    c->auth_value = gt_printf("%s%s", profile->auth_prefix ? profile->auth_prefix : "", c->api_key);
    if (opts) c->opts = *opts;
    else gt_client_options_default(&c->opts);
    /* the client's own copies (the options only lent theirs); requests read them from here */
    c->ca_file = gt_strdup(c->opts.ca_file);
    c->proxy = gt_strdup(c->opts.proxy);
    *journal = c->opts.journal;
    c->opts.ca_file = c->opts.proxy = c->opts.journal = NULL;
    c->refs = 1;
    gt_timer_init(&c->timer, start_queued, c);
    for (int id = 0; id < GT_GATE_COUNT; id++) gt_queue_init(&c->gates[id].queue);
    c->cap_limit = c->opts.max_in_flight >= 0 ? c->opts.max_in_flight : profile->max_in_flight;
    c->cap = c->cap_limit > 0 ? c->cap_limit : INFINITY;
    c->gates[GT_GATE_TASKS].max = c->cap_limit;
    c->gates[GT_GATE_WIRE].max = c->opts.max_requests;
    if (profile->n_model_caps > 0) {
        c->model_gates = calloc(profile->n_model_caps, sizeof *c->model_gates);
        for (size_t i = 0; c->model_gates && i < profile->n_model_caps; i++) {
            gt_queue_init(&c->model_gates[i].queue);
            c->model_gates[i].max = profile->model_caps[i].max;
        }
    }
    return c;
}

/* Redis answered (the shared state calls it): a place granted, or a pause or cap learned, may change
 * what waits. */
void gt_client_wake_queued(void *client)
{
    gt_client *c = client;
    if (!gt_queue_empty(&c->gates[GT_GATE_TASKS].queue)) gt_engine_arm(c->engine, &c->timer, gt_now_ms());
}

/* What the client learned of one model: the provider's last eta (what a queued task of that
 * model needs of its time) and a pause of its submits after a refusal that was the model's. */
struct gt_model_state {
    struct gt_model_state *next;
    long eta_ms;             /* -1: none given yet */
    int64_t paused_until_ms; /* 0: none */
    char model[];            /* "" stands for a task without a model */
};

static struct gt_model_state *model_state(const gt_client *c, const char *model)
{
    for (struct gt_model_state *m = c->models; m; m = m->next)
        if (strcmp(m->model, model ? model : "") == 0) return m;
    return NULL;
}

/* NULL: out of memory (nothing is learned: the option's minimum, the account's pause stand) */
static struct gt_model_state *model_state_made(gt_client *c, const char *model)
{
    struct gt_model_state *m = model_state(c, model);
    if (m) return m;
    size_t len = strlen(model ? model : "");
    if (!(m = calloc(1, sizeof *m + len + 1))) return NULL;
    memcpy(m->model, model ? model : "", len + 1);
    m->eta_ms = -1;
    m->next = c->models;
    c->models = m;
    return m;
}

void gt_client_learn_eta(gt_client *c, const char *model, long eta_ms)
{
    struct gt_model_state *m = model_state_made(c, model);
    if (m) m->eta_ms = eta_ms;
}

long gt_client_eta_ms(const gt_client *c, const char *model)
{
    const struct gt_model_state *m = model_state(c, model);
    return m ? m->eta_ms : -1;
}

static void free_models(gt_client *c)
{
    while (c->models) {
        struct gt_model_state *next = c->models->next;
        free(c->models);
        c->models = next;
    }
}

void gt_client_retain(gt_client *c)
{
    c->refs++;
}

void gt_client_release(gt_client *c)
{
    if (!c || --c->refs > 0) return;
    gt_engine_disarm(c->engine, &c->timer);
    gt_shared_free(c->shared); /* before the journal it borrows is closed */
    c->hooks->client_freed(c);
    leave_registry(c);
    gt_engine_release(c->engine);
    gt_profile_free(c->profile);
    free(c->base_url);
    free(c->ca_file);
    free(c->proxy);
    gt_error_free(c->last_refusal);
    free_models(c);
    free(c->model_gates);
    gt_wipe_free(c->api_key);
    gt_client_auth_free(c);
    free(c);
}

const gt_profile *gt_client_profile(const gt_client *c)
{
    return c->profile;
}

const gt_client_options *gt_client_options_of(const gt_client *c)
{
    return &c->opts;
}

/* A submit may go out now; otherwise *wait_until_ms says when the 429 pause ends. */
bool gt_client_may_submit(const gt_client *c, const char *model, int64_t *wait_until_ms)
{
    *wait_until_ms = gt_shared_paused_until(c->shared);
    const struct gt_model_state *m = model ? model_state(c, model) : NULL;
    if (m && m->paused_until_ms > *wait_until_ms) *wait_until_ms = m->paused_until_ms;
    return gt_now_ms() >= *wait_until_ms;
}

/* A refusal is the model's, not the account's, where the provider documents per-model caps (the
 * profile's model_caps) or the refusal names the model: it holds that model's submits alone, so
 * that one model's 429 never holds the others. */
static bool refused_for_model(const gt_client *c, const gt_error *refusal, const char *model)
{
    if (!model || !*model) return false;
    if (gt_client_model_gate(c, model)) return true;
    const char *texts[] = {refusal->message, refusal->code, refusal->body};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (texts[i] && strstr(texts[i], model)) return true;
    return false;
}

/* A 429 slows the whole key, not just the task that met it: a batch of 500 must not hammer a
 * rate-limited key, nor may the key's other clients. */
void gt_client_pause(gt_client *c, int64_t until_ms)
{
    gt_shared_pause(c->shared, until_ms);
}

/* The cap in force here: the tasks gate admits floor(cap) at once (at least one). A raised cap
 * lets waiting tasks in from the client's timer. */
static void apply_cap(gt_client *c, double cap)
{
    if (c->cap_limit > 0 && cap > c->cap_limit) cap = c->cap_limit;
    if (cap < 1) cap = 1;
    gt_gate *g = &c->gates[GT_GATE_TASKS];
    int before = g->max;
    c->cap = cap;
    g->max = isinf(cap) ? 0 : (int)floor(cap);
    if (g->max > before && before != 0 && !gt_queue_empty(&g->queue)) gt_engine_arm(c->engine, &c->timer, gt_now_ms());
}

/* What this client learned, told to the key's other clients too. */
static void set_cap(gt_client *c, double cap)
{
    apply_cap(c, cap);
    gt_shared_set_cap(c->shared, c->cap);
}

/* What the key's other clients learned meanwhile. */
static void follow_cap(gt_client *c)
{
    double shared = gt_shared_cap(c->shared);
    if (shared != c->cap) apply_cap(c, shared);
}

/* A 429 says the provider holds as many of this key's tasks as it will take: the cap drops to
 * the tasks it did take, or to half if that is more (multiplicative decrease), once per round
 * trip — the other 429s of the same burst carry the same news, and only lower the cap further
 * to the tasks taken (the acceptances of a burst may be read after its first 429). A 503 or a
 * refused connection says nothing about the cap: only the pause. */
void gt_client_refused(gt_client *c, const gt_error *refusal, int64_t sent_ms, const char *model)
{
    bool rate_limited = refusal->kind == GT_RATE_LIMITED;
    double retry_after_s = refusal->retry_after;
    gt_error_free(c->last_refusal);
    c->last_refusal = gt_error_copy(refusal);
    c->submits_refused++;
    c->refusals++;
    /* a Retry-After of 0 must not make a tight loop of refused submits: the first backoff step at least */
    long first_step = gt_backoff_ms(&c->opts, 1);
    long wait_ms = retry_after_s < 0 ? gt_backoff_ms(&c->opts, c->refusals) : gt_seconds_to_ms(retry_after_s);
    if (wait_ms < first_step) wait_ms = first_step;
    struct gt_model_state *m = refused_for_model(c, refusal, model) ? model_state_made(c, model) : NULL;
    int64_t held_until;
    if (gt_client_may_submit(c, m ? model : NULL, &held_until)) c->pauses++; /* a pause begins, not one drawn out */
    if (m) { /* the model's alone: the account's pause and cap are untouched */
        if (gt_now_ms() + wait_ms > m->paused_until_ms) m->paused_until_ms = gt_now_ms() + wait_ms;
        return;
    }
    gt_client_pause(c, gt_now_ms() + wait_ms);
    if (!rate_limited) return;
    follow_cap(c);
    if (sent_ms < c->cap_cut_ms) {
        if (c->accepted > 0 && c->accepted < c->cap) set_cap(c, c->accepted);
        return;
    }
    const gt_gate *g = &c->gates[GT_GATE_TASKS];
    double in_force = isinf(c->cap) ? g->held : c->cap;
    double half = floor(in_force / 2);
    set_cap(c, c->accepted > 0 && c->accepted < half ? c->accepted : half);
    c->cap_cut_ms = gt_now_ms();
}

/* Additive increase: one more place per cap's worth of accepted submits. */
void gt_client_accepted(gt_client *c)
{
    c->refusals = 0;
    gt_error_free(c->last_refusal);
    c->last_refusal = NULL;
    follow_cap(c);
    if (!isinf(c->cap)) set_cap(c, c->cap + 1 / c->cap);
}

static bool has_room(const gt_gate *g)
{
    return g->max == 0 || g->held < g->max;
}

static void grant(gt_gate *g, gt_slot *s)
{
    s->held = true;
    g->held++;
    s->start(s->ctx);
}

/* A submit may take its place: the key is not paused and it has a place free across its clients
 * (taken here). Otherwise *retry_ms says when to ask again. */
static bool admit(gt_client *c, int64_t *retry_ms)
{
    if (!gt_client_may_submit(c, NULL, retry_ms)) return false; /* a model's pause: its task waits */
    follow_cap(c);
    return gt_shared_take_slot(c->shared, c->gates[GT_GATE_TASKS].max, retry_ms);
}

/* The client's timer: starts waiting holders, in order, while their gate has room; the tasks
 * gate also waits out a 429 pause. A started holder may wait at the other gate: it is let in at
 * once there or queued, never run through this loop again, so the stack stays flat. */
static void start_queued(void *client)
{
    gt_client *c = client;
    /* a model's gate first: the tasks it lets in line up at the tasks gate in this same pass */
    for (size_t i = 0; c->model_gates && i < c->profile->n_model_caps; i++) {
        gt_gate *g = &c->model_gates[i];
        while (!gt_queue_empty(&g->queue) && has_room(g))
            grant(g, GT_CONTAINER(gt_queue_pop(&g->queue), gt_slot, node));
    }
    for (int id = 0; id < GT_GATE_COUNT; id++) {
        gt_gate *g = &c->gates[id];
        while (!gt_queue_empty(&g->queue) && has_room(g)) {
            int64_t until;
            if (id == GT_GATE_TASKS && !admit(c, &until)) {
                gt_engine_arm(c->engine, &c->timer, until);
                break;
            }
            grant(g, GT_CONTAINER(gt_queue_pop(&g->queue), gt_slot, node));
        }
    }
}

static void wait_at(gt_client *c, gt_gate *g, gt_slot *s, bool front)
{
    int64_t until = gt_now_ms();
    bool tasks = g == &c->gates[GT_GATE_TASKS];
    bool paused = tasks && !gt_client_may_submit(c, NULL, &until);
    if (gt_queue_empty(&g->queue) && has_room(g) && !paused && (!tasks || admit(c, &until))) {
        grant(g, s);
        return;
    }
    if (front) gt_queue_push_front(&g->queue, &s->node);
    else gt_queue_push(&g->queue, &s->node);
    /* a full gate is reopened by gt_client_leave; otherwise the timer lets it in (at once, at the
     * pause's end, or when the key's other clients may have given a place back) */
    if (has_room(g)) gt_engine_arm(c->engine, &c->timer, until);
}

void gt_client_wait(gt_client *c, gt_gate_id gate, gt_slot *s)
{
    wait_at(c, &c->gates[gate], s, false);
}

void gt_client_wait_front(gt_client *c, gt_gate_id gate, gt_slot *s)
{
    wait_at(c, &c->gates[gate], s, true);
}

void gt_client_take(gt_client *c, gt_gate_id gate, gt_slot *s)
{
    if (gate == GT_GATE_TASKS) gt_shared_force_slot(c->shared);
    grant(&c->gates[gate], s);
}

static void leave(gt_client *c, gt_gate *g, gt_slot *s)
{
    gt_queue_remove(&g->queue, &s->node);
    if (!s->held) return;
    s->held = false;
    g->held--;
    if (g == &c->gates[GT_GATE_TASKS]) gt_shared_give_slot(c->shared);
    /* the next holder starts from the client's timer, on this step: a task that ends must not
     * run another task's submit inside its own finish */
    if (!gt_queue_empty(&g->queue)) gt_engine_arm(c->engine, &c->timer, gt_now_ms());
}

void gt_client_leave(gt_client *c, gt_gate_id gate, gt_slot *s)
{
    leave(c, &c->gates[gate], s);
}

gt_gate *gt_client_model_gate(const gt_client *c, const char *model)
{
    const gt_profile *p = c->profile;
    for (size_t i = 0; model && c->model_gates && i < p->n_model_caps; i++)
        if (strcmp(p->model_caps[i].model, model) == 0) return &c->model_gates[i];
    return NULL;
}

void gt_client_wait_model(gt_client *c, gt_gate *g, gt_slot *s)
{
    wait_at(c, g, s, false);
}

void gt_client_leave_model(gt_client *c, gt_gate *g, gt_slot *s)
{
    if (g) leave(c, g, s);
}
