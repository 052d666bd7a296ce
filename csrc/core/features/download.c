/* download.c — a succeeded task's results fetched to files through the same engine as its polls.
 *
 * Each result is one fetch: an HTTP GET with no key (result URLs live on other hosts: the key
 * never goes there, neither as a header nor in the URL), streamed into a file sink (temporary
 * file, SHA-256, rename when complete), tried again with backoff when the failure is transient (a
 * GET costs nothing), up to the task's max_retries. A data: URL or a bare base64 result is written
 * through the same sink. A failed fetch never fails the task: it is a download error beside the
 * files. The task is settled (what waiters wait for) once every fetch has ended, and a task its
 * owner let go meanwhile is freed only then.
 *
 * A task answered from its journal record (a keyed submit, recover()) may find its files written
 * already by an earlier process: where the record holds a result's file (url, path, sha256,
 * bytes) and this download would write that very path (the same dir, name and extension as
 * given, the same number of results), the file there is checked first (file_on_disk.c) and, when
 * it is the regular file the record describes, taken as it is: nothing is fetched, so expired
 * URLs lose nothing. Anything else — missing, altered, a symbolic link — is fetched again. */
#include "features.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct gt_fetch {
    gt_timer timer; /* the next attempt, after a backoff */
    gt_downloads *owner;
    size_t index;
    char *url;
    char *hop;  /* a keyed download's redirect being followed; NULL: url itself */
    int hops;   /* redirects followed so far */
    char *path; /* the final name, once written */
    char *content_type;
    char sha256[65];
    uint64_t bytes;
    gt_error *error;
    gt_transfer *xfer;
    gt_file_sink sink;
    int retries;
    bool ended;
    bool check_disk;           /* recorded holds what an earlier download wrote here: look first */
    gt_recorded_file recorded; /* that file, as the journal's record describes it */
} gt_fetch;

struct gt_downloads {
    gt_timer release_timer; /* frees a released task that ended without files to fetch */
    gt_task *task;
    char *dir, *name, *extension; /* the spec, owned */
    bool wanted;                  /* a spec waits for the task's success */
    gt_fetch *fetches;
    size_t n_fetches, pending;
    bool orphaned;          /* released by its owner: freed when the last fetch ends */
    gt_error *refused;      /* a recorded download recover() may not do: each result fails with it */
    char *on_disk;          /* the journal record's files (JSON): written by an earlier download */
    double succeeded_unix;  /* wall-clock time of the success; 0: not yet */
    gt_client_options opts; /* the task's: retries, backoff, timeouts, size cap */
};

static gt_engine *engine_of(const gt_downloads *d)
{
    return d->task->client->engine;
}

static void release_due(void *task)
{
    gt_task_release(task);
}

static gt_downloads *downloads_of(gt_task *t)
{
    if (!t->features->downloads) {
        t->features->downloads = calloc(1, sizeof *t->features->downloads);
        if (t->features->downloads) t->features->downloads->task = t;
        if (t->features->downloads) gt_timer_init(&t->features->downloads->release_timer, release_due, t);
    }
    return t->features->downloads;
}

static void clear_fetches(gt_downloads *d)
{
    for (size_t i = 0; i < d->n_fetches; i++) {
        gt_fetch *f = &d->fetches[i];
        if (f->xfer) gt_engine_abort(engine_of(d), f->xfer);
        gt_engine_disarm(engine_of(d), &f->timer);
        gt_file_sink_discard(&f->sink);
        free(f->url);
        free(f->hop);
        free(f->path);
        free(f->content_type);
        gt_error_free(f->error);
        gt_recorded_file_clear(&f->recorded);
    }
    free(d->fetches);
    d->fetches = NULL;
    d->n_fetches = d->pending = 0;
}

/* A file name of the caller's own words or a provider's id: nothing that climbs out of the
 * directory or needs quoting in a shell. */
static char *safe_name(const char *name)
{
    char *out = gt_strdup(name && *name ? name : "result");
    for (char *p = out; p && *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-_.", *p)) *p = '_';
    if (out && out[0] == '.') out[0] = '_';
    return out;
}

/* Where result f goes when its content type is content_type. */
static char *path_for(const gt_downloads *d, const gt_fetch *f, const char *content_type)
{
    const char *ext = d->extension ? d->extension : gt_media_extension(content_type);
    if (d->n_fetches == 1) return gt_printf("%s/%s%s", d->dir, d->name, ext);
    return gt_printf("%s/%s-%zu%s", d->dir, d->name, f->index + 1, ext);
}

static char *final_path(const gt_downloads *d, const gt_fetch *f)
{
    return path_for(d, f, f->content_type);
}

/* The last fetch ended: the task is settled, and one its owner let go is freed now. */
static void fetch_ended(gt_fetch *f)
{
    gt_downloads *d = f->owner;
    f->ended = true;
    if (--d->pending > 0) return;
    d->task->client->hooks->files_written(d->task); /* the journal records them */
    gt_engine_notify(engine_of(d), &d->task->changed_node);
    /* a released task goes on the next round: this may run inside the call that ended it */
    if (d->orphaned) gt_engine_arm(engine_of(d), &d->release_timer, gt_now_ms());
}

static void fail_fetch(gt_fetch *f, gt_kind kind, long status, const char *message)
{
    gt_downloads *d = f->owner;
    gt_file_sink_discard(&f->sink);
    f->error = gt_error_new(kind, GT_PHASE_DOWNLOAD, message);
    if (f->error) {
        f->error->status = status;
        f->error->attempts = f->retries + 1;
        f->error->task_id = gt_strdup(d->task->remote_id);
        f->error->request_id = gt_strdup(d->task->request_id);
    }
    fetch_ended(f);
}

/* Our disk failing (full, read-only, broken, out of descriptors) is a store fault, never the
 * caller's mistake; a directory that cannot be made or entered where the caller named it is. */
static bool disk_fault(int error_number)
{
    switch (error_number) {
    case ENOSPC:
    case EDQUOT:
    case EIO:
    case EROFS:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case EFBIG: return true;
    default: return false;
    }
}

static void fail_with_errno(gt_fetch *f, const char *doing, int error_number)
{
    if (!error_number) error_number = EIO;
    char *message = gt_printf("result %zu: cannot %s in %s: %s", f->index + 1, doing, f->owner->dir,
                              strerror(error_number));
    bool disk = disk_fault(error_number);
    fail_fetch(f, disk ? GT_UNAVAILABLE : GT_USAGE, 0, message ? message : "cannot write the file");
    free(message);
    if (disk && f->error) f->error->code = gt_strdup("disk");
}

static void commit(gt_fetch *f, const char *content_type)
{
    gt_downloads *d = f->owner;
    const char *type = gt_media_type_of(content_type, f->sink.head, f->sink.head_len);
    f->content_type = gt_strdup(type ? type : "application/octet-stream");
    f->bytes = f->sink.bytes;
    char *path = final_path(d, f);
    if (!path || !gt_file_sink_commit(&f->sink, path, f->sha256)) {
        int error_number = f->sink.error_number;
        free(path);
        return fail_with_errno(f, "write the file", error_number);
    }
    f->path = path;
    fetch_ended(f);
}

static bool sink_write(void *fetch, const char *data, size_t n)
{
    gt_fetch *f = fetch;
    return gt_file_sink_write(&f->sink, data, n);
}

static void send_fetch(gt_fetch *f);

/* Transient trouble (the connection, a cut stream, 5xx, 429, 408) is tried again, as a poll is. */
static bool retry(gt_fetch *f, double retry_after)
{
    gt_downloads *d = f->owner;
    if (f->retries >= d->opts.max_retries || !gt_file_sink_rewind(&f->sink)) return false;
    f->retries++;
    long delay = retry_after >= 0 ? (long)(retry_after * 1000) : gt_backoff_ms(&d->opts, f->retries);
    if (delay > d->opts.backoff_max_ms && retry_after < 0) delay = d->opts.backoff_max_ms;
    return gt_engine_arm(engine_of(d), &f->timer, gt_now_ms() + delay);
}

static bool is_http(const char *url)
{
    return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

/* A keyed download's redirect (a download without the key lets curl follow its own): the next hop
 * goes out keyed only if it too passes the rule, as many hops as curl would follow. */
#define MAX_REDIRECTS 5
static bool follow_redirect(gt_fetch *f, const char *location)
{
    if (f->hops >= MAX_REDIRECTS || !is_http(location)) return false;
    char *hop = gt_strdup(location);
    if (!hop) return false;
    free(f->hop);
    f->hop = hop;
    f->hops++;
    send_fetch(f);
    return true;
}

static void fetch_done(void *fetch, const gt_transfer_result *r)
{
    gt_fetch *f = fetch;
    gt_downloads *d = f->owner;
    f->xfer = NULL;
    gt_metrics_request(d->task->client, GT_METRICS_DOWNLOAD, r);
    long status = r->response.status;
    if (r->curl_code == CURLE_OK && status >= 200 && status <= 299) return commit(f, r->content_type);
    if (r->curl_code == CURLE_OK && r->redirect_url && follow_redirect(f, r->redirect_url)) return;
    if (f->sink.too_large) {
        char *message = gt_printf("result %zu is larger than max_download_bytes (%llu)", f->index + 1,
                                  (unsigned long long)d->opts.max_download_bytes);
        fail_fetch(f, GT_PROTOCOL, status, message);
        return free(message);
    }
    if (f->sink.error_number) return fail_with_errno(f, "write the file", f->sink.error_number);
    gt_kind kind = r->curl_code != CURLE_OK ? GT_NETWORK : gt_kind_from_status(status);
    bool transient = r->curl_code != CURLE_OK ? r->curl_code != CURLE_PEER_FAILED_VERIFICATION
                                              : status == 408 || status == 429 || status >= 500;
    double retry_after = gt_retry_after_seconds(r->response.header[GT_HEADER_RETRY_AFTER],
                                                r->response.header[GT_HEADER_RETRY_AFTER_MS]);
    if (transient && retry(f, retry_after)) return;
    char *message = r->curl_code != CURLE_OK
                        ? gt_printf("result %zu could not be downloaded: %s", f->index + 1, r->curl_message)
                        : gt_printf("result %zu could not be downloaded: HTTP %ld", f->index + 1, status);
    fail_fetch(f, kind, status, message);
    free(message);
}

/* data:[type][;base64],payload, or a result that is base64 itself: decoded and written as a
 * download would be. */
static void write_inline(gt_fetch *f)
{
    const char *url = f->url, *type_end = NULL, *payload = url;
    bool base64 = true;
    char *type = NULL;
    if (strncmp(url, "data:", 5) == 0) {
        const char *comma = strchr(url, ',');
        if (!comma) return fail_fetch(f, GT_PROTOCOL, 0, "a data: URL without a comma");
        type_end = url + 5 + strcspn(url + 5, ";,");
        type = gt_strndup(url + 5, (size_t)(type_end - url - 5));
        base64 = strstr(url, ";base64,") && strstr(url, ";base64,") < comma + 1;
        payload = comma + 1;
    }
    size_t n = strlen(payload);
    unsigned char *bytes = NULL;
    if (base64) bytes = gt_base64_decode(payload, n, &n);
    else bytes = (unsigned char *)gt_strdup(payload); /* percent-encoded text: kept as written */
    if (!bytes) {
        free(type);
        return fail_fetch(f, GT_PROTOCOL, 0, "a result that is neither a URL nor base64");
    }
    bool ok = gt_file_sink_write(&f->sink, bytes, n);
    free(bytes);
    if (!ok && f->sink.too_large) {
        free(type);
        return fail_fetch(f, GT_PROTOCOL, 0, "an inline result larger than max_download_bytes");
    }
    if (!ok) {
        free(type);
        return fail_with_errno(f, "write the file", f->sink.error_number);
    }
    commit(f, type && *type ? type : NULL);
    free(type);
}

static void send_fetch(gt_fetch *f)
{
    gt_downloads *d = f->owner;
    if (!is_http(f->url)) return write_inline(f);
    gt_client *c = d->task->client;
    if (gt_client_mentions_key(c, f->url)) /* a provider that echoes the key must not send it on */
        return fail_fetch(f, GT_PROTOCOL, 0, "the result URL carries the API key: it is not fetched");
    const char *url = f->hop ? f->hop : f->url;
    /* the key stays with the provider's own requests: only a keyed download on its own origin
     * (or a documented host) carries it, and then follows redirects itself, hop by hop */
    bool keyed = gt_download_carries_key(c, url);
    const gt_profile *p = c->profile;
    gt_request req = {
        .method = "GET",
        .url = url,
        .auth_header = keyed ? p->auth_header : NULL,
        .auth_value = keyed ? gt_client_auth_value(c) : NULL, /* a JWT renewed as for a poll */
        .headers = keyed ? (const char *const *)p->headers.items : NULL,
        .n_headers = keyed ? p->headers.n : 0,
        .keep_redirects = keyed,
        .timeout_ms = d->opts.request_timeout_ms,
        .connect_timeout_ms = d->opts.connect_timeout_ms,
        .body_limit = 64 * 1024, /* an error page or a redirect's body, never the file */
        .ca_file = c->ca_file,
        .proxy = c->proxy,
        .may_multiplex = true,
        .sink = sink_write,
        .sink_ctx = f,
    };
    f->xfer = gt_engine_send(engine_of(d), &req, fetch_done, f);
    if (!f->xfer) fail_fetch(f, GT_USAGE, 0, "the result URL cannot be fetched (curl refuses it)");
}

/* The file an earlier download wrote for this result is still there, whole and unchanged: it is
 * the result's file, as a download would have made it, and nothing is fetched. */
static bool take_from_disk(gt_fetch *f)
{
    gt_recorded_file *r = &f->recorded;
    bool same = gt_file_on_disk_is(r->path, r->bytes, r->sha256);
    if (same) {
        f->path = r->path;
        f->content_type = r->content_type ? r->content_type : gt_strdup("application/octet-stream");
        f->bytes = r->bytes;
        snprintf(f->sha256, sizeof f->sha256, "%s", r->sha256);
        r->path = r->content_type = NULL;
    }
    gt_recorded_file_clear(r);
    if (same) fetch_ended(f);
    return same;
}

static void fetch_due(void *fetch)
{
    gt_fetch *f = fetch;
    if (f->check_disk) { /* the first attempt: the disk before the network */
        f->check_disk = false;
        if (take_from_disk(f)) return;
        gt_downloads *d = f->owner;
        if (!gt_file_sink_open(&f->sink, d->dir, d->opts.max_download_bytes))
            return fail_with_errno(f, "create a file", f->sink.error_number);
    }
    send_fetch(f);
}

/* Whether the journal's record says an earlier download wrote result f exactly where this one
 * would write it (f->recorded then holds it, to check on disk before fetching). */
static bool recorded_here(gt_downloads *d, gt_fetch *f)
{
    if (!d->on_disk || !gt_recorded_file_at(d->on_disk, f->index, f->url, &f->recorded)) return false;
    char *path = path_for(d, f, f->recorded.content_type);
    f->check_disk = path && strcmp(path, f->recorded.path) == 0 && f->recorded.bytes <= d->opts.max_download_bytes;
    free(path);
    if (!f->check_disk) gt_recorded_file_clear(&f->recorded);
    return f->check_disk;
}

/* A result not fetched because its download was refused before it began: nothing is written. */
static void refuse_fetch(gt_fetch *f, const gt_error *why)
{
    f->error = gt_error_copy(why);
    if (f->error) {
        f->error->task_id = gt_strdup(f->owner->task->remote_id);
        f->error->request_id = gt_strdup(f->owner->task->request_id);
    }
    fetch_ended(f);
}

/* Every result of the succeeded task, at once. */
static void start(gt_downloads *d)
{
    gt_task *t = d->task;
    d->wanted = false;
    clear_fetches(d);
    d->opts = *t->opts;
    if (!d->name) d->name = safe_name(t->caller_key ? t->caller_key : t->remote_id);
    d->fetches = calloc(t->n_urls ? t->n_urls : 1, sizeof *d->fetches);
    if (!d->fetches) return;
    d->n_fetches = d->pending = t->n_urls;
    for (size_t i = 0; i < t->n_urls; i++) {
        gt_fetch *f = &d->fetches[i];
        *f = (gt_fetch){.owner = d, .index = i, .url = gt_strdup(t->urls[i])};
        gt_timer_init(&f->timer, fetch_due, f);
        f->sink.fd = -1;
    }
    for (size_t i = 0; i < t->n_urls; i++) {
        gt_fetch *f = &d->fetches[i];
        if (d->refused) refuse_fetch(f, d->refused);
        else if (!f->url) fail_fetch(f, GT_USAGE, 0, "out of memory");
        /* checked on the next round too: hashing a large file is not done inside submit() */
        else if (recorded_here(d, f)) gt_engine_arm(engine_of(d), &f->timer, gt_now_ms());
        else if (!gt_file_sink_open(&f->sink, d->dir, d->opts.max_download_bytes))
            fail_with_errno(f, "create a file", f->sink.error_number);
        /* the first attempt on the next engine round: a data: result then ends as a URL would,
         * after the caller has its task, never inside the call that started it */
        else gt_engine_arm(engine_of(d), &f->timer, gt_now_ms());
    }
    if (t->n_urls > 0) return;
    gt_engine_notify(engine_of(d), &t->changed_node);
    if (d->orphaned) gt_engine_arm(engine_of(d), &d->release_timer, gt_now_ms());
}

/* An extension as a caller's path ends (".png"): a dot and letters or digits, nothing else (a
 * record's "/../x" becomes "._.._x", a name in the directory). */
static char *safe_extension(const char *extension)
{
    char *out = gt_printf(".%s", extension[0] == '.' ? extension + 1 : extension);
    for (char *p = out ? out + 1 : NULL; p && *p; p++)
        if (!isalnum((unsigned char)*p)) *p = '_';
    return out;
}

static bool set_spec(gt_downloads *d, const gt_download_spec *spec)
{
    free(d->dir);
    free(d->name);
    free(d->extension);
    d->dir = gt_strdup(spec->dir && *spec->dir ? spec->dir : ".");
    d->name = spec->name ? safe_name(spec->name) : NULL;
    d->extension = spec->extension ? safe_extension(spec->extension) : NULL;
    return d->dir && (!spec->name || d->name) && (!spec->extension || d->extension);
}

/* A download asked for: refused NULL fetches the results, else each fails with it (taken). */
static bool request_download(gt_task *t, const gt_download_spec *spec, gt_error *refused, char **refusal)
{
    *refusal = NULL;
    bool ended = gt_task_done(t);
    if (ended && t->state != GT_TASK_SUCCEEDED) {
        *refusal = gt_printf("the task %s: it has no results to download", gt_task_state_name(t->state));
        return false;
    }
    if (gt_task_downloading(t)) {
        *refusal = gt_strdup("the task's results are being downloaded already");
        return false;
    }
    gt_downloads *d = downloads_of(t);
    if (!d || !set_spec(d, spec)) {
        *refusal = gt_strdup("out of memory");
        return false;
    }
    gt_error_free(d->refused);
    d->refused = refused;
    if (ended) start(d);
    else d->wanted = true;
    return true;
}

bool gt_task_download(gt_task *t, const gt_download_spec *spec, char **refusal)
{
    return request_download(t, spec, NULL, refusal);
}

bool gt_task_download_refused(gt_task *t, const gt_download_spec *spec, gt_error *why)
{
    char *refusal = NULL;
    bool ok = why && request_download(t, spec, why, &refusal);
    if (!ok) gt_error_free(why);
    free(refusal);
    return ok;
}

void gt_task_downloads_ended(gt_task *t)
{
    if (t->state != GT_TASK_SUCCEEDED) {
        /* released while it waited to succeed: nothing to fetch, it goes now (not from inside
         * the call that ended it) */
        if (t->features->downloads && t->features->downloads->orphaned)
            gt_engine_arm(engine_of(t->features->downloads), &t->features->downloads->release_timer, gt_now_ms());
        return;
    }
    gt_downloads *d = downloads_of(t);
    if (!d) return;
    d->succeeded_unix = (double)time(NULL);
    if (d->wanted) start(d);
}

/* A task released with files to fetch, now or once it succeeds, goes on until they are written:
 * whoever submitted it with a download wants the files, not the task. */
bool gt_task_downloads_hold(gt_task *t)
{
    gt_downloads *d = t->features->downloads;
    if (!d || d->orphaned || !gt_task_downloading(t)) return false;
    d->orphaned = true;
    return true;
}

void gt_task_downloads_keep(gt_task *t)
{
    gt_downloads *d = t->features->downloads;
    if (!d) return;
    d->orphaned = false;
    gt_engine_disarm(engine_of(d), &d->release_timer);
}

void gt_task_downloads_free(gt_task *t)
{
    gt_downloads *d = t->features->downloads;
    if (!d) return;
    clear_fetches(d);
    gt_engine_disarm(engine_of(d), &d->release_timer);
    gt_error_free(d->refused);
    free(d->on_disk);
    free(d->dir);
    free(d->name);
    free(d->extension);
    free(d);
    t->features->downloads = NULL;
}

void gt_task_keep_recorded_files(gt_task *t, const char *files_json)
{
    gt_downloads *d = files_json ? downloads_of(t) : NULL;
    if (!d) return; /* out of memory: the files are fetched again, as without a record */
    free(d->on_disk);
    d->on_disk = gt_strdup(files_json);
}

bool gt_task_download_spec(const gt_task *t, gt_download_spec *out)
{
    const gt_downloads *d = t->features->downloads;
    if (!d || !d->dir) return false;
    *out = (gt_download_spec){.dir = d->dir, .name = d->name, .extension = d->extension};
    return true;
}

bool gt_task_downloading(const gt_task *t)
{
    return t->features->downloads &&
           (t->features->downloads->pending > 0 || (t->features->downloads->wanted && !gt_task_done(t)));
}

bool gt_task_settled(const gt_task *t)
{
    return gt_task_done(t) && !(t->features->downloads && t->features->downloads->pending > 0);
}

size_t gt_task_file_count(const gt_task *t)
{
    return t->features->downloads && t->features->downloads->pending == 0 ? t->features->downloads->n_fetches : 0;
}

bool gt_task_file(const gt_task *t, size_t i, gt_file *out)
{
    if (i >= gt_task_file_count(t)) return false;
    const gt_fetch *f = &t->features->downloads->fetches[i];
    *out = (gt_file){
        .url = f->url,
        .path = f->path,
        .content_type = f->content_type,
        .sha256 = f->path ? f->sha256 : NULL,
        .bytes = f->bytes,
        .error = f->error,
    };
    return true;
}

double gt_task_expires_at(const gt_task *t)
{
    double ttl = t->client->profile->result_ttl;
    if (ttl <= 0 || !t->features->downloads || t->features->downloads->succeeded_unix <= 0) return -1;
    return t->features->downloads->succeeded_unix + ttl;
}
