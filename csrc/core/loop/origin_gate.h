/* origin_gate.h — a burst's first TLS connection to an origin goes alone. For engine.c and
 * origin_gate.c alone.
 *
 * curl shares TLS sessions between handles (the engine's share handle), but a session exists only
 * once a connection's handshake is done and its ticket read. A burst of submits to a new origin
 * otherwise sends every ClientHello before the first ticket arrives: N full handshakes, where one
 * full handshake and N - 1 resumptions would do. So the first request to an https origin the
 * engine has not yet connected to goes alone (the pioneer) and the rest of the burst waits for it
 * to end, or (a slow request: a submit may take seconds) for one TLS round trip after its
 * handshake, by when the server's ticket has reached curl: at most one request's latency, once
 * per origin.
 *
 * What it cannot mend: curl 7.88 keeps one session per origin, replaced by each ticket a
 * connection reads, and OpenSSL 3.0 lets a TLS 1.3 session resume once. Bursts of 20 to 60 let
 * through together resumed all but the pioneer; of 80 or 100, some runs did full handshakes for
 * most of them (measured in spec/tls_spec.lua's burst case; waves of 16 did no better). */
#ifndef GENTASK_ORIGIN_GATE_H
#define GENTASK_ORIGIN_GATE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct gt_transfer gt_transfer;
typedef struct gt_origin gt_origin;

/* The gate of url's origin (made on first use); NULL when no gate applies: not https, or no
 * memory for one (a burst then handshakes as it would without the gate). */
gt_origin *gt_origin_of(gt_origin **origins, const char *url);

/* Whether x must wait: false when the origin is open or x becomes its pioneer (x goes now); true
 * when x was queued behind the pioneer (gt_origin_pioneer_ended hands it back to be started). */
bool gt_origin_must_wait(gt_origin *o, gt_transfer *x);

bool gt_origin_is_pioneer(const gt_origin *o, const gt_transfer *x);

/* The pioneer left the wire. connected: it got an answer or completed its handshake, so curl holds
 * a session to resume (or a connection to reuse). Returns the transfers to start now, linked by
 * next_waiting: every waiter when it connected (the gate opens for good), and also when it failed
 * without connecting (a host that is down is not waited for N times over); only the first, as the
 * new pioneer, when it was aborted before it connected. */
gt_transfer *gt_origin_pioneer_ended(gt_origin *o, bool connected, bool aborted);

/* Called from each engine step. A queue whose pioneer is still on the wire goes a while after the
 * pioneer's handshake was first seen done: as long as handshake_ms(pioneer) says it took (-1 while
 * it goes on), by when the server's ticket has reached curl. Returns the queues due now, linked by
 * next_waiting (their gates open for good; each pioneer goes on as any transfer), and sets
 * *next_ms to when the next is due (-1: none known yet). */
gt_transfer *gt_origins_due(gt_origin *origins, int64_t now_ms, int64_t (*handshake_ms)(gt_transfer *x),
                            int64_t *next_ms);

/* A waiting x was aborted: it leaves the queue. */
void gt_origin_leave(gt_origin *o, gt_transfer *x);

/* Frees every gate; the transfers still waiting are handed back, linked by next_waiting. */
gt_transfer *gt_origins_free(gt_origin **origins);

#endif
