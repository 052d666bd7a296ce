/* bench/floor.c BASE_URL N POLL_INTERVAL — the floor of `make bench`: the same job as the other
 * peers, written directly on libcurl's multi interface, as lean as we know how.
 *
 * Submits N FoxAPI tasks (POST BASE_URL/v1/images/generations), polls each (GET
 * BASE_URL/v1/tasks/ID) every POLL_INTERVAL seconds until it ends, keeps the result URL, and
 * prints one line {"ok": K, "n": N}. With BENCH_DIALECT=flora the tasks are FLORA runs instead
 * (POST BASE_URL/techniques/flux-dev/runs with an idempotency_key of their own, polled at GET
 * BASE_URL/techniques/flux-dev/runs/ID, the URL at outputs[0].url).
 *
 * Lean means: one multi handle; at most FLOOR_MAX_ACTIVE (default 100) requests in flight, the
 * rest wait in a FIFO; a small pool of easy handles reused for every request; connections kept
 * alive for polls; over https, HTTP/2 with multiplexing for polls; cJSON to read the answers.
 * A submit gets a connection of its own, as gentask's do (FLOOR_SHARED_SUBMITS=1 lets submits
 * share connections too): libcurl silently resends a request whose reused connection died, and
 * a resent submit is a second paid generation, so "the same requests, done well" includes that
 * rule. FLORA honours the key: a resent submit is answered with the first run, not paid again, so
 * under BENCH_DIALECT=flora submits share connections (FLOOR_SHARED_SUBMITS=0 puts the rule back).
 * Environment: BENCH_KEY (API key, default sk-test-gentask), BENCH_CA (a CA file to trust over
 * https), BENCH_DIALECT (foxapi or flora), FLOOR_MAX_ACTIVE, FLOOR_SHARED_SUBMITS,
 * FLOOR_GENTASK_OPTIONS.
 *
 * FLOOR_GENTASK_OPTIONS=1 (the bench's "floor-options" peer) makes every request carry the
 * libcurl options gentask's requests carry (transfer.c: a User-Agent, a header callback, an error
 * buffer, a connect timeout, TCP keep-alive, the resend guard, a share handle for TLS sessions
 * and DNS, and polls that wait to multiplex), with callbacks that do nothing: it prices those
 * options apart from gentask's own code. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum phase { SUBMIT, POLL, DONE };

struct task {
    int index;
    enum phase phase;
    char id[128];
    char *url;     /* the result URL once it succeeded */
    int failures;  /* transport failures of polls in a row */
    double due;    /* when the next poll is due (monotonic seconds) */
    struct task *next_ready;
};

struct slot { /* one reusable easy handle and its response buffer */
    CURL *easy;
    struct task *task;
    char *body;
    size_t len, cap;
    char errbuf[CURL_ERROR_SIZE];
    struct slot *next_free;
};

/* What differs between the two dialects the bench speaks. */
struct dialect {
    const char *submit_path;
    const char *poll_path; /* a printf format of the task id */
    const char *id_field;
    const char *results_field;
    int keyed; /* submits carry an idempotency key the provider honours */
};

static const struct dialect foxapi = {"/v1/images/generations", "/v1/tasks/%s", "id", "results", 0};
static const struct dialect flora = {"/techniques/flux-dev/runs", "/techniques/flux-dev/runs/%s", "runId", "outputs",
                                     1};

static const struct dialect *dialect = &foxapi;
static char key_prefix[64]; /* this run's own, so that no two runs' idempotency keys meet */
static const char *base_url;
static double interval;
static struct curl_slist *headers;
static const char *ca_file;
static int shared_submits; /* FLOOR_SHARED_SUBMITS=1: submits may reuse connections (unsafe) */
static int https;
static int gentask_options; /* FLOOR_GENTASK_OPTIONS=1 */
static CURLSH *share;

static struct task **heap; /* tasks waiting for their next poll, by due time */
static int heap_len;
static struct task *ready_head, *ready_tail; /* tasks whose next request may go now */
static struct slot *free_slots;
static int ok_count, ended;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void heap_push(struct task *t)
{
    int i = heap_len++;
    while (i > 0 && heap[(i - 1) / 2]->due > t->due) {
        heap[i] = heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    heap[i] = t;
}

static struct task *heap_pop(void)
{
    struct task *top = heap[0], *last = heap[--heap_len];
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= heap_len) break;
        if (c + 1 < heap_len && heap[c + 1]->due < heap[c]->due) c++;
        if (last->due <= heap[c]->due) break;
        heap[i] = heap[c];
        i = c;
    }
    if (heap_len > 0) heap[i] = last;
    return top;
}

static void make_ready(struct task *t)
{
    t->next_ready = NULL;
    if (ready_tail) ready_tail->next_ready = t;
    else ready_head = t;
    ready_tail = t;
}

static void finish(struct task *t, int ok)
{
    t->phase = DONE;
    ended++;
    ok_count += ok;
}

static size_t on_body(char *data, size_t size, size_t count, void *userdata)
{
    struct slot *s = userdata;
    size_t n = size * count;
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        while (cap < s->len + n + 1) cap *= 2;
        char *body = realloc(s->body, cap);
        if (!body) return 0;
        s->body = body;
        s->cap = cap;
    }
    memcpy(s->body + s->len, data, n);
    s->len += n;
    s->body[s->len] = '\0';
    return n;
}

static size_t ignore_header(char *data, size_t size, size_t count, void *userdata)
{
    (void)data;
    (void)userdata;
    return size * count;
}

static int allow_send(void *userdata, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
                      int conn_local_port)
{
    (void)userdata;
    (void)conn_primary_ip;
    (void)conn_local_ip;
    (void)conn_primary_port;
    (void)conn_local_port;
    return CURL_PREREQFUNC_OK;
}

/* What gentask's transfer.c sets on each request beyond what the floor needs. */
static void set_gentask_options(CURL *e, struct task *t, char *errbuf)
{
    curl_easy_setopt(e, CURLOPT_USERAGENT, "gentask/0.1 libcurl");
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, ignore_header);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, allow_send);
    curl_easy_setopt(e, CURLOPT_SHARE, share);
    /* gentask lets a keyed submit wait to multiplex, like a poll */
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, t->phase == SUBMIT && !dialect->keyed ? 0L : 1L);
}

static void start(CURLM *multi, struct slot *s, struct task *t)
{
    char url[512];
    CURL *e = s->easy;
    s->task = t;
    s->len = 0;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_PRIVATE, s);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
    if (https) {
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
        if (ca_file) {
            curl_easy_setopt(e, CURLOPT_CAINFO, ca_file);
            curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
        }
    }
    if (gentask_options) set_gentask_options(e, t, s->errbuf);
    if (t->phase == SUBMIT) {
        char body[256];
        snprintf(url, sizeof url, "%s%s", base_url, dialect->submit_path);
        if (dialect->keyed)
            snprintf(body, sizeof body,
                     "{\"inputs\":[{\"id\":\"prompt\",\"type\":\"text\",\"value\":\"bench %d\"}],"
                     "\"mode\":\"async\",\"idempotency_key\":\"%s-%d\"}",
                     t->index, key_prefix, t->index);
        else snprintf(body, sizeof body, "{\"model\":\"flux-dev\",\"prompt\":\"bench %d\"}", t->index);
        curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body);
        if (!shared_submits) curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    } else {
        char path[256];
        snprintf(path, sizeof path, dialect->poll_path, t->id);
        snprintf(url, sizeof url, "%s%s", base_url, path);
    }
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_multi_add_handle(multi, e);
}

static const char *string_at(const cJSON *json, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* A finished request: read the answer and decide what the task does next. */
static void answered(struct slot *s, CURLcode code)
{
    struct task *t = s->task;
    long status = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    cJSON *json = code == CURLE_OK && status == 200 ? cJSON_ParseWithLength(s->body ? s->body : "", s->len) : NULL;
    if (t->phase == SUBMIT) {
        const char *id = json ? string_at(json, dialect->id_field) : NULL;
        if (!id || strlen(id) >= sizeof t->id) {
            if (ended == 0) fprintf(stderr, "floor: submit failed: curl %d, HTTP %ld\n", (int)code, status);
            finish(t, 0);
        } else {
            strcpy(t->id, id);
            t->phase = POLL;
            t->due = now() + interval;
            heap_push(t);
        }
    } else if (!json) { /* a poll is free to retry: a few in a row, then give up */
        if (++t->failures > 3) {
            fprintf(stderr, "floor: poll failed: curl %d, HTTP %ld\n", (int)code, status);
            finish(t, 0);
        } else {
            t->due = now() + interval;
            heap_push(t);
        }
    } else {
        t->failures = 0;
        const char *state = string_at(json, "status");
        if (state && strcmp(state, "completed") == 0) {
            const cJSON *results = cJSON_GetObjectItemCaseSensitive(json, dialect->results_field);
            const char *url = string_at(cJSON_GetArrayItem(results, 0), "url");
            if (url) t->url = strdup(url);
            finish(t, url != NULL);
        } else if (state && (strcmp(state, "failed") == 0 || strcmp(state, "cancelled") == 0)) {
            finish(t, 0);
        } else {
            t->due = now() + interval;
            heap_push(t);
        }
    }
    cJSON_Delete(json);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: floor BASE_URL N POLL_INTERVAL\n");
        return 2;
    }
    base_url = argv[1];
    int n = atoi(argv[2]);
    interval = atof(argv[3]);
    https = strncmp(base_url, "https:", 6) == 0;
    ca_file = getenv("BENCH_CA");
    const char *dialect_name = getenv("BENCH_DIALECT");
    if (dialect_name && strcmp(dialect_name, "flora") == 0) dialect = &flora;
    else if (dialect_name && *dialect_name && strcmp(dialect_name, "foxapi") != 0) {
        fprintf(stderr, "floor: BENCH_DIALECT is foxapi or flora, not %s\n", dialect_name);
        return 2;
    }
    snprintf(key_prefix, sizeof key_prefix, "floor-%ld-%ld", (long)getpid(), (long)time(NULL));
    /* a keyed submit's resend is harmless, so submits share connections unless told otherwise */
    const char *shared = getenv("FLOOR_SHARED_SUBMITS");
    shared_submits = shared && *shared ? strcmp(shared, "1") == 0 : dialect->keyed;
    const char *options = getenv("FLOOR_GENTASK_OPTIONS");
    gentask_options = options && strcmp(options, "1") == 0;
    if (ca_file && !*ca_file) ca_file = NULL;
    const char *key = getenv("BENCH_KEY");
    const char *max_env = getenv("FLOOR_MAX_ACTIVE");
    int max_active = max_env ? atoi(max_env) : 100;
    if (max_active < 1) max_active = 1;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    char auth[256];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key && *key ? key : "sk-test-gentask");
    headers = curl_slist_append(NULL, auth);
    headers = curl_slist_append(headers, "Content-Type: application/json");
    share = curl_share_init();
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)max_active);

    struct task *tasks = calloc(n > 0 ? (size_t)n : 1, sizeof *tasks);
    heap = calloc(n > 0 ? (size_t)n : 1, sizeof *heap);
    for (int i = 0; i < n; i++) {
        tasks[i].index = i + 1;
        make_ready(&tasks[i]);
    }
    int active = 0;
    while (ended < n) {
        double t_now = now();
        while (heap_len > 0 && heap[0]->due <= t_now) make_ready(heap_pop());
        while (ready_head && active < max_active) {
            struct task *t = ready_head;
            ready_head = t->next_ready;
            if (!ready_head) ready_tail = NULL;
            struct slot *s = free_slots;
            if (s) free_slots = s->next_free;
            else {
                s = calloc(1, sizeof *s);
                s->easy = curl_easy_init();
            }
            start(multi, s, t);
            active++;
        }
        int running;
        curl_multi_perform(multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(multi, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            struct slot *s;
            CURLcode code = msg->data.result;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            curl_multi_remove_handle(multi, s->easy);
            active--;
            answered(s, code);
            s->next_free = free_slots;
            free_slots = s;
        }
        if (ended >= n) break;
        int wait_ms = 1000;
        if (ready_head && active < max_active) wait_ms = 0;
        else if (heap_len > 0) {
            double until = (heap[0]->due - now()) * 1000;
            if (until < wait_ms) wait_ms = until > 0 ? (int)until + 1 : 0;
        }
        curl_multi_poll(multi, NULL, 0, wait_ms, NULL);
    }
    printf("{\"ok\": %d, \"n\": %d}\n", ok_count, n);

    for (int i = 0; i < n; i++) free(tasks[i].url);
    free(tasks);
    free(heap);
    while (free_slots) {
        struct slot *s = free_slots;
        free_slots = s->next_free;
        curl_easy_cleanup(s->easy);
        free(s->body);
        free(s);
    }
    curl_multi_cleanup(multi);
    curl_share_cleanup(share);
    curl_slist_free_all(headers);
    curl_global_cleanup();
    return 0;
}
