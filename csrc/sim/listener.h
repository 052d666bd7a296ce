/* The simulator's listening sockets, and the thread that accepts on them and hands each connection
 * to the HTTP daemon (started with MHD_USE_NO_LISTEN_SOCKET). Accepting here rather than in MHD is
 * what lets an outage close the port: a client then gets ECONNREFUSED, as from a server that is
 * down, which tells it that its request never arrived; MHD cannot give its listening socket back
 * and take a new one while it runs. Two ports: the main one, closed during an outage (and bound
 * again on the same port number when it ends), and an admin port that never closes, so that tests
 * can read /_sim/stats or end the outage meanwhile. It also keeps --max-connections: past the
 * limit nothing is accepted, and new connections wait in the kernel's backlog. */
#ifndef GENTASK_SIM_LISTENER_H
#define GENTASK_SIM_LISTENER_H

#include <stdbool.h>

#include <microhttpd.h>

#include "outage.h"

struct listener;

/* Listens on 127.0.0.1:port (0: a free port) and on a free admin port, with that backlog each.
 * NULL, with errno set, when it cannot. */
struct listener *listener_open(unsigned port, unsigned backlog, struct outage *outage);

unsigned listener_port(const struct listener *listener);
unsigned listener_admin_port(const struct listener *listener);

/* Starts the thread that accepts into `daemon`, at most max_connections open at once. False when
 * the thread cannot start. */
bool listener_start(struct listener *listener, struct MHD_Daemon *daemon, unsigned max_connections);

/* From MHD_OPTION_NOTIFY_CONNECTION: a connection this listener handed over has closed. */
void listener_connection_closed(struct listener *listener);

/* Returns once the thread has looked at the outage afresh, so that the main port is closed (or
 * open again) when the caller answers the admin request that changed it. */
void listener_settle(struct listener *listener);

/* Stops accepting and joins the thread; the sockets are closed. Before MHD_stop_daemon. */
void listener_stop(struct listener *listener);

/* After MHD_stop_daemon, whose last notifications still reach the listener. */
void listener_free(struct listener *listener);

#endif
