#include "webhooks.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "clock.h"
#include "dialect.h"
#include "hmac_sha256.h"
#include "sim.h"
#include "store.h"
#include "timer_thread.h"

/* A receiver that takes longer than this to connect, read or answer is a failed delivery. */
#define DELIVERY_TIMEOUT_S 5

struct pending {
    gt_timer due;
    struct webhooks *webhooks;
    const struct dialect *dialect;
    const struct route_pattern *poll_pattern; /* the route its payload renders as */
    char id[TASK_ID_MAX];
    /* a ready push (webhooks_push): sent as it is when due, no task looked up; NULL otherwise */
    char *url, *body;
    char header[WEBHOOK_HEADER_LINES_MAX];
};

struct webhooks {
    struct timer_thread timers; /* its lock guards the counters too; senders wait on its condition */
    struct sim *sim;
    unsigned senders; /* deliveries on their way */
    uint64_t scheduled, sent, delivered, failed;
};

/* One POST on its way: everything it needs is its own, so that nothing it reads can be freed. */
struct delivery {
    struct webhooks *webhooks;
    char *url;
    char *body;
    char header[WEBHOOK_HEADER_LINES_MAX]; /* "Name: value\r\n"… or "" */
};

/* "http://host[:port]/path" into its parts; false for anything else (https is not spoken here). */
static bool split_url(const char *url, char *host, size_t host_size, char *port, size_t port_size, const char **path)
{
    if (strncmp(url, "http://", 7) != 0) return false;
    const char *start = url + 7;
    const char *slash = strchr(start, '/');
    *path = slash ? slash : "/";
    size_t authority = slash ? (size_t)(slash - start) : strlen(start);
    const char *colon = memchr(start, ':', authority);
    size_t host_length = colon ? (size_t)(colon - start) : authority;
    if (host_length == 0 || host_length >= host_size) return false;
    memcpy(host, start, host_length);
    host[host_length] = '\0';
    size_t port_length = colon ? authority - host_length - 1 : 2;
    if (port_length == 0 || port_length >= port_size) return false;
    memcpy(port, colon ? colon + 1 : "80", port_length);
    port[port_length] = '\0';
    return true;
}

static int connect_to(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *found = NULL;
    if (getaddrinfo(host, port, &hints, &found) != 0) return -1;
    int fd = -1;
    for (struct addrinfo *a = found; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) continue;
        struct timeval limit = {.tv_sec = DELIVERY_TIMEOUT_S};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(found);
    return fd;
}

static bool send_all(int fd, const char *data, size_t length)
{
    while (length > 0) {
        ssize_t n = send(fd, data, length, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        length -= (size_t)n;
    }
    return true;
}

/* The status the receiver answered, 0 when it did not. */
static unsigned post(const struct delivery *d)
{
    char host[256], port[16];
    const char *path;
    if (!split_url(d->url, host, sizeof host, port, sizeof port, &path)) return 0;
    int fd = connect_to(host, port);
    if (fd < 0) return 0;
    char head[1024 + WEBHOOK_HEADER_LINES_MAX];
    size_t body_length = strlen(d->body);
    int n = snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s"
                     "Connection: close\r\n\r\n",
                     path, host, port, body_length, d->header);
    unsigned status = 0;
    if (n > 0 && (size_t)n < sizeof head && send_all(fd, head, (size_t)n) && send_all(fd, d->body, body_length)) {
        char answer[64] = {0};
        size_t got = 0;
        ssize_t r;
        while (got < sizeof answer - 1 && (r = recv(fd, answer + got, sizeof answer - 1 - got, 0)) > 0)
            got += (size_t)r;
        if (sscanf(answer, "HTTP/%*s %u", &status) != 1) status = 0;
    }
    close(fd);
    return status;
}

static void pending_free(void *cls)
{
    struct pending *pending = cls;
    free(pending->url);
    free(pending->body);
    free(pending);
}

static void delivery_free(struct delivery *d)
{
    if (d == NULL) return;
    free(d->url);
    free(d->body);
    free(d);
}

static void *deliver(void *cls)
{
    struct delivery *d = cls;
    unsigned status = post(d);
    struct webhooks *webhooks = d->webhooks;
    delivery_free(d);
    pthread_mutex_lock(&webhooks->timers.lock);
    if (status >= 200 && status < 300) webhooks->delivered++;
    else webhooks->failed++;
    webhooks->senders--;
    pthread_cond_broadcast(&webhooks->timers.changed);
    pthread_mutex_unlock(&webhooks->timers.lock);
    return NULL;
}

/* The task's poll answer as the dialect renders it, pushed: a request of nobody's, on the poll
 * route the dialect named when it scheduled the push. */
static char *render(struct webhooks *webhooks, const struct pending *pending, const struct task *task,
                    const struct task_progress *progress)
{
    const struct dialect *dialect = pending->dialect;
    struct request request = {.sim = webhooks->sim};
    struct route route = {.pattern = pending->poll_pattern};
    struct exchange exchange = {.request = &request, .dialect = dialect, .route = &route, .scenario = task->scenario};
    cJSON *json = dialect->render_task(&exchange, task, progress);
    char *body = json ? cJSON_PrintUnformatted(json) : NULL;
    cJSON_Delete(json);
    return body;
}

/* Under the lock: d goes out on a thread of its own, counted as sent; or, when it cannot, counted
 * as failed and freed (d may be NULL: out of memory). */
static void start_delivery(struct webhooks *webhooks, struct delivery *d)
{
    pthread_t sender;
    pthread_attr_t detached;
    pthread_attr_init(&detached);
    pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
    if (d != NULL && d->url != NULL && d->body != NULL && pthread_create(&sender, &detached, deliver, d) == 0) {
        webhooks->sent++;
        webhooks->senders++;
    } else {
        webhooks->failed++;
        delivery_free(d);
    }
    pthread_attr_destroy(&detached);
}

/* A ready push, due: its url and body move into the delivery. */
static void due_ready(struct pending *pending)
{
    struct delivery *d = calloc(1, sizeof *d);
    if (d != NULL) {
        d->webhooks = pending->webhooks;
        d->url = pending->url;
        d->body = pending->body;
        memcpy(d->header, pending->header, sizeof d->header);
        pending->url = pending->body = NULL;
    }
    start_delivery(pending->webhooks, d);
    pending_free(pending);
}

/* Fired under the lock: a task not yet ended waits for its end again; an ended one goes out. */
static void due(void *ctx)
{
    struct pending *pending = ctx;
    struct webhooks *webhooks = pending->webhooks;
    if (pending->body != NULL) {
        due_ready(pending);
        return;
    }
    struct task task;
    if (!store_find_task(webhooks->sim->store, pending->id, &task)) { /* reset meanwhile */
        free(pending);
        return;
    }
    int64_t now_ms = sim_clock_ms();
    struct task_progress progress = task_progress_now(&task, now_ms);
    if (!task_phase_is_final(progress.phase) &&
        timer_thread_arm(&webhooks->timers, &pending->due, now_ms + progress.remaining_ms)) {
        task_release(&task);
        return;
    }
    /* a push is past any replication lag the scenario plays for early polls */
    task.poll_number = ~0u;
    struct delivery *d = calloc(1, sizeof *d);
    const struct dialect *dialect = pending->dialect;
    if (d != NULL) {
        d->webhooks = webhooks;
        d->url = strdup(task.webhook_url ? task.webhook_url : "");
        d->body = render(webhooks, pending, &task, &progress);
        if (task.webhook_secret != NULL && dialect->webhook_signature_header != NULL && d->body != NULL) {
            char hex[2 * SHA256_SIZE + 1];
            hmac_sha256_hex(task.webhook_secret, d->body, strlen(d->body), hex);
            snprintf(d->header, sizeof d->header, "%s: %s%s\r\n", dialect->webhook_signature_header,
                     dialect->webhook_signature_prefix ? dialect->webhook_signature_prefix : "", hex);
        }
    }
    start_delivery(webhooks, d);
    task_release(&task);
    free(pending);
}

struct webhooks *webhooks_start(struct sim *sim)
{
    struct webhooks *webhooks = calloc(1, sizeof *webhooks);
    if (webhooks == NULL) return NULL;
    webhooks->sim = sim;
    if (!timer_thread_start(&webhooks->timers)) {
        free(webhooks);
        return NULL;
    }
    return webhooks;
}

void webhooks_schedule(struct webhooks *webhooks, const struct dialect *dialect,
                       const struct route_pattern *poll_pattern, const char *id, int64_t due_ms)
{
    struct pending *pending = calloc(1, sizeof *pending);
    if (pending == NULL) return;
    pending->webhooks = webhooks;
    pending->dialect = dialect;
    pending->poll_pattern = poll_pattern;
    snprintf(pending->id, sizeof pending->id, "%s", id);
    gt_timer_init(&pending->due, due, pending);
    pthread_mutex_lock(&webhooks->timers.lock);
    if (timer_thread_arm(&webhooks->timers, &pending->due, due_ms)) {
        webhooks->scheduled++;
        pending = NULL;
    }
    pthread_mutex_unlock(&webhooks->timers.lock);
    free(pending);
}

void webhooks_push(struct webhooks *webhooks, const char *url, const char *body, const char *header_lines,
                   int64_t due_ms)
{
    struct pending *pending = calloc(1, sizeof *pending);
    if (pending == NULL) return;
    pending->webhooks = webhooks;
    pending->url = strdup(url);
    pending->body = strdup(body);
    snprintf(pending->header, sizeof pending->header, "%s", header_lines);
    gt_timer_init(&pending->due, due, pending);
    bool armed = false;
    pthread_mutex_lock(&webhooks->timers.lock);
    if (pending->url != NULL && pending->body != NULL &&
        (armed = timer_thread_arm(&webhooks->timers, &pending->due, due_ms)))
        webhooks->scheduled++;
    pthread_mutex_unlock(&webhooks->timers.lock);
    if (!armed) pending_free(pending);
}

void webhooks_reset(struct webhooks *webhooks)
{
    pthread_mutex_lock(&webhooks->timers.lock);
    webhooks->scheduled = webhooks->sent = webhooks->delivered = webhooks->failed = 0;
    pthread_mutex_unlock(&webhooks->timers.lock);
}

void webhooks_stats_json(struct webhooks *webhooks, cJSON *stats)
{
    cJSON *json = cJSON_CreateObject();
    pthread_mutex_lock(&webhooks->timers.lock);
    cJSON_AddNumberToObject(json, "scheduled", (double)webhooks->scheduled);
    cJSON_AddNumberToObject(json, "sent", (double)webhooks->sent);
    cJSON_AddNumberToObject(json, "delivered", (double)webhooks->delivered);
    cJSON_AddNumberToObject(json, "failed", (double)webhooks->failed);
    pthread_mutex_unlock(&webhooks->timers.lock);
    if (!cJSON_AddItemToObject(stats, "webhooks", json)) cJSON_Delete(json);
}

void webhooks_stop(struct webhooks *webhooks)
{
    if (webhooks == NULL) return;
    timer_thread_stop(&webhooks->timers);
    pthread_mutex_lock(&webhooks->timers.lock);
    while (webhooks->senders > 0) pthread_cond_wait(&webhooks->timers.changed, &webhooks->timers.lock);
    pthread_mutex_unlock(&webhooks->timers.lock);
}

void webhooks_free(struct webhooks *webhooks)
{
    if (webhooks == NULL) return;
    webhooks_stop(webhooks);
    timer_thread_drain(&webhooks->timers, pending_free); /* pushes never due: nothing goes out */
    timer_thread_destroy(&webhooks->timers);
    free(webhooks);
}
