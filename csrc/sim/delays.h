/* Slow answers without a sleeping worker: a connection whose response is held back is suspended,
 * and one thread resumes each at its time; MHD then calls the access handler again, which queues
 * the held response (router.c). The worker threads stay free for the other requests meanwhile. */
#ifndef GENTASK_SIM_DELAYS_H
#define GENTASK_SIM_DELAYS_H

#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

struct delays;

/* Starts the thread; NULL when it cannot. */
struct delays *delays_start(void);

/* Suspends the connection (call from its access handler, as MHD requires) and resumes it at
 * due_ms on the simulator's clock. False, without suspending, once delays_stop has run: the
 * caller then answers at once. */
bool delays_suspend_until(struct delays *delays, struct MHD_Connection *connection, int64_t due_ms);

/* Resumes every connection still waiting, refuses new ones and joins the thread. MHD must not be
 * stopped with suspended connections, so this comes first. */
void delays_stop(struct delays *delays);

void delays_free(struct delays *delays);

#endif
