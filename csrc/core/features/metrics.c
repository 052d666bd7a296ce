/* metrics.c — what a client counts as it runs, for an operator to scrape: its requests by phase and
 * HTTP status with their durations, its tasks by model and outcome with theirs, resends, 429s,
 * pauses and budget refusals. Counting is a few additions into fixed bucket arrays; memory is
 * taken only when a combination of labels is seen for the first time. The binding reads the
 * series (gentask.h: gt_client_metrics_of and the series getters) and Lua renders them. */
#include "features.h"

#include <stdlib.h>
#include <string.h>

const double gt_metrics_request_bounds[GT_METRICS_REQUEST_BOUNDS] = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                                                     0.5,   0.75, 1,     2.5,  5,     7.5, 10};
const double gt_metrics_task_bounds[GT_METRICS_TASK_BOUNDS] = {1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800};

/* Model names come from the caller (a batch file, a web form): as a label each one is a new time
 * series in every scraper that reads them, so a client tracks this many and counts the tasks of
 * any other under "other", which keeps its memory and a scrape's size bounded whatever it is
 * sent. */
#define MAX_MODELS 64
#define OTHER_MODEL MAX_MODELS

typedef struct request_series {
    gt_metrics_phase phase;
    long status;
    const char *error; /* a static word; NULL: answered */
    uint64_t count, buckets[GT_METRICS_REQUEST_BOUNDS + 1];
    double sum;
} request_series;

typedef struct task_series {
    size_t model;        /* in models[], or OTHER_MODEL */
    const char *outcome; /* "succeeded", or a kind's name: static */
    uint64_t count, buckets[GT_METRICS_TASK_BOUNDS + 1];
    double sum;
} task_series;

struct gt_metrics {
    request_series *requests;
    size_t n_requests, requests_room;
    task_series *tasks;
    size_t n_tasks, tasks_room;
    char *models[MAX_MODELS];
    size_t n_models;
    long resends, rate_limited, budget_refusals;
};

static const char *const phase_names[] = {
    [GT_METRICS_SUBMIT] = "submit", [GT_METRICS_POLL] = "poll",         [GT_METRICS_RESULT] = "result",
    [GT_METRICS_CANCEL] = "cancel", [GT_METRICS_DOWNLOAD] = "download", [GT_METRICS_WEBHOOK_KEYS] = "webhook_keys",
};

bool gt_client_metrics_open(gt_client *c)
{
    c->metrics = calloc(1, sizeof *c->metrics);
    return c->metrics != NULL;
}

void gt_client_metrics_free(gt_client *c)
{
    struct gt_metrics *m = c->metrics;
    if (!m) return;
    for (size_t i = 0; i < m->n_models; i++) free(m->models[i]);
    free(m->requests);
    free(m->tasks);
    free(m);
    c->metrics = NULL;
}

/* One observation into its bucket: the first whose bound is not below it. */
static void observe(uint64_t *buckets, uint64_t *count, double *sum, const double *bounds, size_t n, double seconds)
{
    if (seconds < 0) seconds = 0;
    size_t i = 0;
    while (i < n && seconds > bounds[i]) i++;
    buckets[i]++;
    (*count)++;
    *sum += seconds;
}

/* Room for one more element in a growing array; false: out of memory (the observation is lost). */
static bool grow(void **items, size_t *room, size_t n, size_t size)
{
    if (n < *room) return true;
    size_t more = *room ? *room * 2 : 8;
    void *bigger = realloc(*items, more * size);
    if (!bigger) return false;
    *items = bigger;
    *room = more;
    return true;
}

/* What curl's failure was, in a word: a bounded label, never curl's sentence (which may name a
 * host or a path). */
static const char *transport_error(const gt_transfer_result *r)
{
    if (r->body_overflow) return "too_large";
    switch (r->curl_code) {
    case CURLE_OPERATION_TIMEDOUT: return "timeout";
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return "resolve";
    case CURLE_COULDNT_CONNECT: return "connect";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE: return "tls";
    case CURLE_SEND_ERROR: return "send";
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return "receive";
    default: return "other";
    }
}

static request_series *request_series_of(struct gt_metrics *m, gt_metrics_phase phase, long status, const char *error)
{
    for (size_t i = 0; i < m->n_requests; i++) {
        request_series *s = &m->requests[i];
        if (s->phase == phase && s->status == status && s->error == error) return s;
    }
    if (!grow((void **)&m->requests, &m->requests_room, m->n_requests, sizeof *m->requests)) return NULL;
    request_series *s = &m->requests[m->n_requests++];
    *s = (request_series){.phase = phase, .status = status, .error = error};
    return s;
}

void gt_metrics_request(gt_client *c, gt_metrics_phase phase, const gt_transfer_result *r)
{
    struct gt_metrics *m = c->metrics;
    if (!m) return;
    /* a transfer that failed has no whole answer, whatever status line came before its end */
    bool answered = r->curl_code == CURLE_OK && !r->body_overflow;
    long status = answered ? r->response.status : 0;
    if (status == 429) m->rate_limited++;
    request_series *s = request_series_of(m, phase, status, answered ? NULL : transport_error(r));
    if (s) observe(s->buckets, &s->count, &s->sum, gt_metrics_request_bounds, GT_METRICS_REQUEST_BOUNDS, r->seconds);
}

/* A task's request, from the task's hook: a poll of a task that succeeded and now fetches its
 * result is the result fetch. A submit sent again for the same generation is a resend; so is
 * every submit of a task an earlier process had sent (recover). */
void gt_task_metrics_request(gt_task *t, gt_phase phase, const gt_transfer_result *r)
{
    gt_metrics_phase as = phase == GT_PHASE_SUBMIT   ? GT_METRICS_SUBMIT
                          : phase == GT_PHASE_CANCEL ? GT_METRICS_CANCEL
                          : t->result_url            ? GT_METRICS_RESULT
                                                     : GT_METRICS_POLL;
    gt_metrics_request(t->client, as, r);
    gt_task_metrics *tm = &t->features->metrics;
    if (as != GT_METRICS_SUBMIT) return;
    bool again = t->sent_before || (tm->submits > 0 && tm->generation == t->resubmits);
    if (again && t->client->metrics) t->client->metrics->resends++;
    tm->submits++;
    tm->generation = t->resubmits;
}

/* The model's place in the table, taken on its first task while there is room. */
static size_t model_index(struct gt_metrics *m, const char *model)
{
    for (size_t i = 0; i < m->n_models; i++)
        if (strcmp(m->models[i], model) == 0) return i;
    if (m->n_models == MAX_MODELS || !(m->models[m->n_models] = gt_strdup(model))) return OTHER_MODEL;
    return m->n_models++;
}

static task_series *task_series_of(struct gt_metrics *m, const char *model, const char *outcome)
{
    size_t index = model_index(m, model);
    for (size_t i = 0; i < m->n_tasks; i++) {
        task_series *s = &m->tasks[i];
        if (s->model == index && strcmp(s->outcome, outcome) == 0) return s;
    }
    if (!grow((void **)&m->tasks, &m->tasks_room, m->n_tasks, sizeof *m->tasks)) return NULL;
    task_series *s = &m->tasks[m->n_tasks++];
    *s = (task_series){.model = index, .outcome = outcome};
    return s;
}

void gt_task_metrics_ended(gt_task *t)
{
    struct gt_metrics *m = t->client->metrics;
    if (!m) return;
    const gt_error *err = t->error;
    const char *outcome = t->state == GT_TASK_SUCCEEDED ? "succeeded"
                          : err                         ? gt_kind_name(err->kind)
                                                        : gt_task_state_name(t->state);
    if (err && err->kind == GT_BUDGET_EXCEEDED) m->budget_refusals++;
    task_series *s = task_series_of(m, t->model ? t->model : "", outcome);
    double seconds = (double)(gt_now_ms() - t->created_ms) / 1000.0;
    if (s) observe(s->buckets, &s->count, &s->sum, gt_metrics_task_bounds, GT_METRICS_TASK_BOUNDS, seconds);
}

void gt_client_metrics_of(const gt_client *c, gt_client_metrics *out)
{
    const struct gt_metrics *m = c->metrics;
    *out = (gt_client_metrics){.pauses = c->pauses};
    if (!m) return;
    out->resends = m->resends;
    out->rate_limited = m->rate_limited;
    out->budget_refusals = m->budget_refusals;
    out->requests = m->n_requests;
    out->tasks = m->n_tasks;
}

bool gt_client_request_metric(const gt_client *c, size_t i, gt_request_metric *out)
{
    const struct gt_metrics *m = c->metrics;
    if (!m || i >= m->n_requests) return false;
    const request_series *s = &m->requests[i];
    *out = (gt_request_metric){
        .phase = phase_names[s->phase],
        .status = s->status,
        .error = s->error,
        .duration = {.count = s->count, .sum = s->sum, .buckets = s->buckets},
    };
    return true;
}

bool gt_client_task_metric(const gt_client *c, size_t i, gt_task_metric *out)
{
    const struct gt_metrics *m = c->metrics;
    if (!m || i >= m->n_tasks) return false;
    const task_series *s = &m->tasks[i];
    *out = (gt_task_metric){
        .model = s->model == OTHER_MODEL ? "other" : m->models[s->model],
        .outcome = s->outcome,
        .duration = {.count = s->count, .sum = s->sum, .buckets = s->buckets},
    };
    return true;
}
