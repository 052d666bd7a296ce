/* transfer.c — one HTTP exchange on a reusable easy handle: request headers (the secret among
 * them), a size-capped response body, and the few response headers gentask reads. */
#include "transfer.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    gt_transfer *t = userp;
    size_t n = size * nmemb;
    if (t->sink) { /* a download: a 2xx body streams to its file, anything else is an answer to read */
        long status = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && status <= 299) return t->sink(t->sink_ctx, data, n) ? n : 0;
    }
    if (t->body_len + n > t->body_limit) {
        t->body_overflow = true;
        return 0; /* curl aborts with CURLE_WRITE_ERROR: a hostile body never fills memory */
    }
    if (t->body_len + n + 1 > t->body_cap) {
        size_t cap = t->body_cap ? t->body_cap : 1024;
        while (cap < t->body_len + n + 1) cap *= 2;
        char *grown = realloc(t->body, cap);
        if (!grown) return 0;
        t->body = grown;
        t->body_cap = cap;
    }
    memcpy(t->body + t->body_len, data, n);
    t->body_len += n;
    t->body[t->body_len] = '\0';
    return n;
}

const char *gt_header_name(gt_header h)
{
    static const char *const names[GT_HEADER_COUNT] = {
        [GT_HEADER_RETRY_AFTER] = "retry-after",
        [GT_HEADER_RETRY_AFTER_MS] = "retry-after-ms",
    };
    return h >= 0 && h < GT_HEADER_COUNT ? names[h] : NULL;
}

/* "Name: value\r\n" → the trimmed value (*value_len bytes, not NUL-terminated) when the name
 * matches, else NULL. */
static const char *header_field(const char *line, size_t len, const char *name, size_t *value_len)
{
    size_t name_len = strlen(name);
    if (len <= name_len || line[name_len] != ':' || strncasecmp(line, name, name_len) != 0) return NULL;
    const char *v = line + name_len + 1, *end = line + len;
    while (v < end && isspace((unsigned char)*v)) v++;
    while (end > v && isspace((unsigned char)end[-1])) end--;
    *value_len = (size_t)(end - v);
    return v;
}

static char *header_value(const char *line, size_t len, const char *name)
{
    size_t value_len;
    const char *v = header_field(line, len, name, &value_len);
    return v ? gt_strndup(v, value_len) : NULL;
}

/* The request id goes into the transfer's own buffer, grown when too small, kept across requests. */
static void keep_request_id(gt_transfer *t, const char *v, size_t len)
{
    if (len + 1 > t->request_id_cap) {
        char *grown = realloc(t->request_id_buf, len + 1);
        if (!grown) return;
        t->request_id_buf = grown;
        t->request_id_cap = len + 1;
    }
    memcpy(t->request_id_buf, v, len);
    t->request_id_buf[len] = '\0';
    t->request_id = t->request_id_buf;
}

static void replace(char **slot, char *value)
{
    if (!value) return;
    free(*slot);
    *slot = value;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *userp)
{
    gt_transfer *t = userp;
    size_t len = size * nmemb;
    for (int h = 0; h < GT_HEADER_COUNT; h++) replace(&t->header[h], header_value(line, len, gt_header_name(h)));
    if (t->cost_header_name) replace(&t->cost_header, header_value(line, len, t->cost_header_name));
    /* the profile lists its headers in order of preference (classify reads them so too) */
    for (size_t i = 0; i < t->n_request_id_headers; i++) {
        if (t->request_id && i > t->request_id_rank) break;
        size_t value_len;
        const char *value = header_field(line, len, t->request_id_headers[i], &value_len);
        if (!value) continue;
        keep_request_id(t, value, value_len);
        t->request_id_rank = i;
        break;
    }
    return len;
}

/* Once the whole request is out, a failure can no longer prove that the provider did not get it.
 * Read from curl's own count when asked, rather than from a progress callback on every chunk. */
bool gt_transfer_body_sent(const gt_transfer *t)
{
    curl_off_t uploaded = 0;
    if (!t->easy || t->body_size <= 0) return false;
    curl_easy_getinfo(t->easy, CURLINFO_SIZE_UPLOAD_T, &uploaded);
    return uploaded >= t->body_size;
}

/* Called each time curl is about to send the request on a connection. libcurl resends a request
 * on its own when a reused connection turns out dead; for a submit that is a second paid
 * generation, so a second send is refused (and reported as such). */
static int on_send(void *userp, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
    gt_transfer *t = userp;
    (void)primary_ip, (void)local_ip, (void)primary_port, (void)local_port;
    if (++t->sends > 1 && t->at_most_once) {
        t->resend_refused = true;
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

/* Debian's libcurl has both a CA bundle and a CA path compiled in, and keeps its parsed CA store
 * cached only when no CA path is set: with it every new TLS connection re-reads the bundle
 * (tens of ms of CPU). The path is dropped where a bundle exists to stand in for it. */
static bool has_default_bundle(CURL *easy)
{
    static int known = -1;
    if (known < 0) {
        char *bundle = NULL;
        known = curl_easy_getinfo(easy, CURLINFO_CAINFO, &bundle) == CURLE_OK && bundle && *bundle;
    }
    return known;
}

/* The auth header is a copy of the key, and a response may echo it: both are wiped, not just
 * freed, and a pooled transfer's buffer is wiped before the next response fills it. */
static void free_headers(struct curl_slist *headers)
{
    for (struct curl_slist *h = headers; h; h = h->next) gt_wipe(h->data, strlen(h->data));
    curl_slist_free_all(headers);
}

static bool has_auth(const gt_request *req)
{
    return req->auth_header && *req->auth_header && req->auth_value;
}

static struct curl_slist *request_headers(const gt_request *req)
{
    char *auth = has_auth(req) ? gt_printf("%s: %s", req->auth_header, req->auth_value) : NULL;
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, req->sink ? "Accept: */*" : "Accept: application/json");
    if (req->body) h = curl_slist_append(h, "Content-Type: application/json");
    if (auth) h = curl_slist_append(h, auth);
    gt_wipe_free(auth); /* the slist holds its own copy */
    for (size_t i = 0; i < req->n_headers; i++)
        if (req->headers[i]) h = curl_slist_append(h, req->headers[i]);
    return h;
}

/* The list's next line reads `line`: step past it. */
static bool take_line(const struct curl_slist **h, const char *line)
{
    if (!*h || strcmp((*h)->data, line) != 0) return false;
    *h = (*h)->next;
    return true;
}

static bool take_auth_line(const struct curl_slist **h, const gt_request *req)
{
    size_t name_len = strlen(req->auth_header);
    const char *line = *h ? (*h)->data : NULL;
    if (!line || strncmp(line, req->auth_header, name_len) != 0 || strncmp(line + name_len, ": ", 2) != 0 ||
        strcmp(line + name_len + 2, req->auth_value) != 0)
        return false;
    *h = (*h)->next;
    return true;
}

/* A pooled transfer keeps its header list, and most requests (every poll of a client, most of its
 * submits) want the very same lines: then the list is reused as it is, with no copy of the key
 * made. Any difference (another client, a renewed token, a submit's own headers) builds anew. */
static bool headers_match(const struct curl_slist *h, const gt_request *req)
{
    if (!h || !take_line(&h, req->sink ? "Accept: */*" : "Accept: application/json")) return false;
    if (req->body && !take_line(&h, "Content-Type: application/json")) return false;
    if (has_auth(req) && !take_auth_line(&h, req)) return false;
    for (size_t i = 0; i < req->n_headers; i++)
        if (req->headers[i] && !take_line(&h, req->headers[i])) return false;
    return h == NULL;
}

static void reset_response(gt_transfer *t)
{
    gt_wipe(t->body, t->body_len);
    t->body_len = 0;
    if (t->body) t->body[0] = '\0';
    t->body_overflow = false;
    t->body_size = 0;
    t->errbuf[0] = '\0';
    t->sends = 0;
    t->resend_refused = false;
    t->request_id = NULL;
    t->request_id_rank = 0;
    free(t->cost_header);
    t->cost_header = NULL;
    for (int h = 0; h < GT_HEADER_COUNT; h++) {
        free(t->header[h]);
        t->header[h] = NULL;
    }
}

/* The method curl must be told of: none when the body's default (POST with one, else GET) is it. */
static const char *custom_method(const gt_request *req)
{
    return req->method && strcmp(req->method, req->body ? "POST" : "GET") != 0 ? req->method : NULL;
}

static bool same_string(const char *kept, const char *wanted)
{
    return kept ? wanted && strcmp(kept, wanted) == 0 : !wanted;
}

/* Redirects are not followed: a provider's custom auth header (BFL's x-key) would travel to
 * whatever host a redirect names. A download carries no key: result URLs (signed, on CDNs)
 * often redirect to storage. A keyed download is answered its redirect, which its caller
 * follows one hop at a time, deciding for each whether the key goes along. */
static bool follows_redirects(const gt_request *req)
{
    return req->sink && !req->keep_redirects;
}

/* Whether the handle's options were set for a request like this one: then only what differs
 * from request to request (URL, header list, timeouts, body) is set again. */
static bool same_shape(const gt_transfer *t, const gt_request *req, CURLSH *share)
{
    const struct gt_transfer_shape *s = &t->shape;
    const char *custom = custom_method(req);
    return s->valid && s->share == share && s->sink == (req->sink != NULL) && s->follow == follows_redirects(req) &&
           s->at_most_once == req->at_most_once && s->may_multiplex == req->may_multiplex &&
           s->has_body == (req->body != NULL) && strcmp(s->method, custom ? custom : "") == 0 &&
           same_string(s->ca_file, req->ca_file) && same_string(s->proxy, req->proxy);
}

static void forget_shape(struct gt_transfer_shape *s)
{
    free(s->ca_file);
    free(s->proxy);
    memset(s, 0, sizeof *s);
}

/* Remembers what the options were just set for; a shape that cannot be kept (no memory, a long
 * custom method) leaves the shape unknown, and the next request resets the handle. */
static void keep_shape(gt_transfer *t, const gt_request *req, CURLSH *share)
{
    struct gt_transfer_shape *s = &t->shape;
    const char *custom = custom_method(req);
    forget_shape(s);
    if (custom && strlen(custom) >= sizeof s->method) return;
    strcpy(s->method, custom ? custom : "");
    s->ca_file = req->ca_file ? gt_strdup(req->ca_file) : NULL;
    s->proxy = req->proxy ? gt_strdup(req->proxy) : NULL;
    if ((req->ca_file && !s->ca_file) || (req->proxy && !s->proxy)) {
        forget_shape(s);
        return;
    }
    s->share = share;
    s->sink = req->sink != NULL;
    s->follow = follows_redirects(req);
    s->at_most_once = req->at_most_once;
    s->may_multiplex = req->may_multiplex;
    s->has_body = req->body != NULL;
    s->valid = true;
}

#define SET(opt, val) \
    if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val)

/* The options every request of a shape shares, set on a handle just made or reset. */
static CURLcode set_shape_options(gt_transfer *t, const gt_request *req, CURLSH *share)
{
    CURL *e = t->easy;
    CURLcode rc = CURLE_OK;
    SET(CURLOPT_PRIVATE, t);
    SET(CURLOPT_USERAGENT, "gentask/0.1 libcurl");
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_ERRORBUFFER, t->errbuf);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, t);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, t);
    /* a download may come compressed (text, JSON files); a provider's answers are a few hundred
     * bytes, asked for as the providers' own curl examples ask: the header would cost each of
     * them more than it could save */
    if (req->sink) SET(CURLOPT_ACCEPT_ENCODING, "");
    bool follow = follows_redirects(req);
    /* the handle was just reset (or made): options left at libcurl's default (0 for the three
     * flags below) are not set again */
    if (follow) SET(CURLOPT_FOLLOWLOCATION, 1L);
    if (follow) SET(CURLOPT_MAXREDIRS, 5L);
    if (follow) SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    if (req->at_most_once) SET(CURLOPT_FRESH_CONNECT, 1L);
    SET(CURLOPT_PREREQFUNCTION, on_send);
    SET(CURLOPT_PREREQDATA, t);
    if (req->may_multiplex) SET(CURLOPT_PIPEWAIT, 1L);
    /* TLS sessions (and DNS answers) are shared across handles: a fresh connection resumes */
    SET(CURLOPT_SHARE, share);
    if (req->ca_file) SET(CURLOPT_CAINFO, req->ca_file);
    if (req->ca_file || has_default_bundle(e)) SET(CURLOPT_CAPATH, (char *)NULL);
    if (req->proxy) SET(CURLOPT_PROXY, req->proxy);
    if (req->body) SET(CURLOPT_POST, 1L);
    const char *custom = custom_method(req);
    if (custom) SET(CURLOPT_CUSTOMREQUEST, custom);
    return rc;
}

/* What differs from one request of a shape to the next. */
static CURLcode set_request_options(gt_transfer *t, const gt_request *req, bool headers_changed)
{
    CURL *e = t->easy;
    CURLcode rc = CURLE_OK;
    SET(CURLOPT_URL, req->url);
    if (headers_changed) SET(CURLOPT_HTTPHEADER, t->headers);
    if (req->sink) { /* a file may take long: what ends a download is a stall, not its length */
        SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
        SET(CURLOPT_LOW_SPEED_TIME, req->timeout_ms < 1000 ? 1L : req->timeout_ms / 1000);
    } else SET(CURLOPT_TIMEOUT_MS, req->timeout_ms);
    SET(CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
    if (req->body) {
        t->body_size = (curl_off_t)strlen(req->body);
        SET(CURLOPT_POSTFIELDSIZE, (long)t->body_size);
        SET(CURLOPT_COPYPOSTFIELDS, req->body);
    }
    return rc;
}
#undef SET

/* A pooled handle keeps its options from its last request: a request of the same shape (most:
 * every poll of a client, every submit) sets only its own URL, headers, timeouts and body, as a
 * handle reused without curl_easy_reset does; any other is reset and set anew, so no option of
 * another kind of request (a submit's fresh connection, a download's redirects) is left behind. */
CURLcode gt_transfer_prepare(gt_transfer *t, const gt_request *req, CURLSH *share)
{
    bool reuse = t->easy && same_shape(t, req, share);
    if (!t->easy) t->easy = curl_easy_init();
    else if (!reuse) curl_easy_reset(t->easy);
    if (!t->easy) return CURLE_OUT_OF_MEMORY;
    if (!reuse) forget_shape(&t->shape);
    t->shape.valid = false; /* until every option below is set */
    reset_response(t);
    t->body_limit = req->body_limit;
    t->at_most_once = req->at_most_once;
    t->sink = req->sink;
    t->sink_ctx = req->sink_ctx;
    t->request_id_headers = req->request_id_headers;
    t->n_request_id_headers = req->n_request_id_headers;
    t->cost_header_name = req->cost_header;

    bool headers_changed = !reuse;
    if (!headers_match(t->headers, req)) {
        free_headers(t->headers);
        t->headers = request_headers(req);
        headers_changed = true;
    }
    CURLcode rc = reuse ? CURLE_OK : set_shape_options(t, req, share);
    if (rc == CURLE_OK) rc = set_request_options(t, req, headers_changed);
    if (rc == CURLE_OK && reuse) t->shape.valid = true;
    else if (rc == CURLE_OK) keep_shape(t, req, share);
    return rc;
}

void gt_transfer_result_of(gt_transfer *t, CURLcode code, gt_transfer_result *out)
{
    long status = 0;
    char *content_type = NULL, *redirect_url = NULL;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &content_type);
    curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_URL, &redirect_url);
    curl_off_t total_us = 0;
    curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &total_us);
    *out = (gt_transfer_result){
        .seconds = (double)total_us / 1e6,
        .content_type = content_type,
        .redirect_url = redirect_url,
        .curl_code = code,
        .curl_message = code == CURLE_OK ? ""
                        : t->errbuf[0]   ? t->errbuf
                                         : curl_easy_strerror(code),
        .sent = gt_transfer_body_sent(t),
        .body_overflow = t->body_overflow,
        .resend_refused = t->resend_refused,
        .body_limit = t->body_limit,
        .response =
            {
                .status = status,
                .body = t->body ? t->body : "",
                .body_len = t->body_len,
                .request_id = t->request_id,
                .cost_header = t->cost_header,
            },
    };
    for (int h = 0; h < GT_HEADER_COUNT; h++) out->response.header[h] = t->header[h];
}

void gt_transfer_cleanup(gt_transfer *t)
{
    if (t->easy) curl_easy_cleanup(t->easy);
    free_headers(t->headers);
    gt_wipe(t->body, t->body_len);
    free(t->body);
    free(t->request_id_buf);
    free(t->cost_header);
    for (int h = 0; h < GT_HEADER_COUNT; h++) free(t->header[h]);
    forget_shape(&t->shape);
    memset(t, 0, sizeof *t);
}
