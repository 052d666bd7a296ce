/* transfer.h — one pooled easy handle and what it gathers of a response. For engine.c and
 * transfer.c alone: everyone else sees a transfer only through loop.h. */
#ifndef GENTASK_TRANSFER_H
#define GENTASK_TRANSFER_H

#include "loop.h"

struct gt_transfer {
    CURL *easy;
    gt_transfer *next_idle;    /* the pool's free list */
    gt_origin *origin;         /* its https origin's gate (origin_gate.h), or NULL */
    bool waiting;              /* held at that gate, not yet handed to curl */
    gt_transfer *next_waiting; /* the gate's queue */
    gt_transfer_fn done;
    void *ctx;
    struct curl_slist *headers;
    char *body; /* response body, NUL-terminated */
    size_t body_len, body_cap, body_limit;
    bool body_overflow;
    char *request_id;       /* request_id_buf once a header gave it, else NULL */
    char *request_id_buf;   /* kept across requests: most answers carry one of the same length */
    size_t request_id_cap;  /* request_id_buf's size */
    size_t request_id_rank; /* which of request_id_headers gave it: an earlier one is preferred */
    char *header[GT_HEADER_COUNT];
    gt_sink_fn sink; /* a download's body goes there, not into body */
    void *sink_ctx;
    const char *const *request_id_headers;
    size_t n_request_id_headers;
    const char *cost_header_name; /* the request's cost_header */
    char *cost_header;            /* its value in the response */
    curl_off_t body_size;         /* the request body's length; 0: none */
    bool at_most_once;
    int sends; /* times curl started sending it (PREREQFUNCTION) */
    bool resend_refused;
    CURLcode code; /* how it ended, once finished */
    bool finished; /* ended, its callback not yet called */
    bool aborted;  /* taken off the wire after it ended: no callback */
    char errbuf[CURL_ERROR_SIZE];
    /* what the easy handle's options were last set for (transfer.c): a request of the same shape
     * sets only what differs per request, without curl_easy_reset and setting all again */
    struct gt_transfer_shape {
        bool valid, sink, follow, at_most_once, may_multiplex, has_body;
        char method[16]; /* a custom method ("" for none); a longer one is never reused */
        char *ca_file, *proxy;
        CURLSH *share;
    } shape;
};
CURLcode gt_transfer_prepare(gt_transfer *t, const gt_request *req, CURLSH *share);
void gt_transfer_result_of(gt_transfer *t, CURLcode code, gt_transfer_result *out);
void gt_transfer_cleanup(gt_transfer *t);
bool gt_transfer_body_sent(const gt_transfer *t);
/* the whole body went out */ /* frees everything, the easy handle too */

#endif
