/* origin_gate.c — the per-origin gate that makes a burst of TLS connections resume one session
 * (origin_gate.h says why). */
#include "origin_gate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "transfer.h"

struct gt_origin {
    gt_origin *next;
    char *authority; /* the URL's authority as written: "host:port" */
    size_t authority_len;
    bool open;                  /* a request to it got through: curl holds a session */
    gt_transfer *pioneer;       /* on the wire, alone, while the gate is shut */
    int64_t release_ms;         /* when the queue goes although the pioneer is still out; 0: not yet known */
    gt_transfer *first, **last; /* waiting behind it, in order */
};

/* The authority of an https URL (between "https://" and the path, query or fragment), or NULL.
 * Taken as written, not parsed: two spellings of one origin ("HOST", "host:443") are two gates,
 * which costs one more full handshake, never a wrong answer; and this runs on every request,
 * where a URL parser would allocate. */
static const char *https_authority(const char *url, size_t *len)
{
    static const char scheme[] = "https://";
    if (!url || strncasecmp(url, scheme, sizeof scheme - 1) != 0) return NULL;
    const char *start = url + sizeof scheme - 1;
    *len = strcspn(start, "/?#");
    return *len ? start : NULL;
}

gt_origin *gt_origin_of(gt_origin **origins, const char *url)
{
    size_t len;
    const char *authority = https_authority(url, &len);
    if (!authority) return NULL;
    for (gt_origin *o = *origins; o; o = o->next)
        if (o->authority_len == len && memcmp(o->authority, authority, len) == 0) return o;
    gt_origin *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->authority = malloc(len + 1);
    if (!o->authority) {
        free(o);
        return NULL;
    }
    memcpy(o->authority, authority, len);
    o->authority[len] = '\0';
    o->authority_len = len;
    o->last = &o->first;
    o->next = *origins;
    *origins = o;
    return o;
}

bool gt_origin_must_wait(gt_origin *o, gt_transfer *x)
{
    if (o->open) return false;
    if (!o->pioneer) {
        o->pioneer = x;
        return false;
    }
    x->next_waiting = NULL;
    *o->last = x;
    o->last = &x->next_waiting;
    return true;
}

/* o's whole queue, with rest behind it (linked by next_waiting); o's queue is then empty. */
static gt_transfer *take_queue(gt_origin *o, gt_transfer *rest)
{
    *o->last = rest;
    gt_transfer *go = o->first;
    o->first = NULL;
    o->last = &o->first;
    return go;
}

gt_transfer *gt_origins_due(gt_origin *origins, int64_t now_ms, int64_t (*handshake_ms)(gt_transfer *x),
                            int64_t *next_ms)
{
    gt_transfer *go = NULL;
    *next_ms = -1;
    for (gt_origin *o = origins; o; o = o->next) {
        if (!o->pioneer || !o->first) continue;
        if (o->release_ms == 0) {
            int64_t round_trip = handshake_ms(o->pioneer);
            if (round_trip < 0) continue; /* still handshaking */
            o->release_ms = now_ms + round_trip;
        }
        if (o->release_ms <= now_ms) { /* the pioneer goes on as any transfer */
            o->open = true;
            o->pioneer = NULL;
            o->release_ms = 0;
            go = take_queue(o, go);
        } else if (*next_ms < 0 || o->release_ms < *next_ms) {
            *next_ms = o->release_ms;
        }
    }
    return go;
}

bool gt_origin_is_pioneer(const gt_origin *o, const gt_transfer *x)
{
    return o && o->pioneer == x;
}

gt_transfer *gt_origin_pioneer_ended(gt_origin *o, bool connected, bool aborted)
{
    o->pioneer = NULL;
    o->release_ms = 0;
    if (!connected && aborted && o->first) { /* no session yet, and no sign the host is down */
        gt_transfer *go = o->first;
        o->pioneer = go; /* it goes ahead alone */
        o->first = go->next_waiting;
        if (!o->first) o->last = &o->first;
        go->next_waiting = NULL;
        return go;
    }
    o->open = connected;
    return take_queue(o, NULL);
}

void gt_origin_leave(gt_origin *o, gt_transfer *x)
{
    for (gt_transfer **p = &o->first; *p; p = &(*p)->next_waiting) {
        if (*p != x) continue;
        *p = x->next_waiting;
        if (o->last == &x->next_waiting) o->last = p;
        x->next_waiting = NULL;
        return;
    }
}

gt_transfer *gt_origins_free(gt_origin **origins)
{
    gt_transfer *waiting = NULL;
    while (*origins) {
        gt_origin *o = *origins;
        *origins = o->next;
        waiting = take_queue(o, waiting);
        free(o->authority);
        free(o);
    }
    return waiting;
}
