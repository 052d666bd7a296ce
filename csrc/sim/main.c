/* gentask-sim: start the HTTP daemon, announce where it listens, serve until SIGTERM/SIGINT, and
 * then tear everything down so that valgrind sees no leak. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <microhttpd.h>

#include "clock.h"
#include "delays.h"
#include "jwt.h"
#include "listener.h"
#include "options.h"
#include "outage.h"
#include "replays.h"
#include "router.h"
#include "signing.h"
#include "sim.h"
#include "store.h"
#include "webhooks.h"

#define WORKER_THREADS 4
#define CONNECTION_TIMEOUT_S 30
/* Descriptors beyond the connections: the listening sockets, MHD's epoll and wake-up pipes, the
 * delay and listener threads, stdio. */
#define SPARE_DESCRIPTORS 64
#define SOMAXCONN_FILE "/proc/sys/net/core/somaxconn"

/* Thousands of keep-alive connections need more descriptors than the usual soft limit of 1024:
 * raised to the hard limit, which must then hold --max-connections. False, with a complaint,
 * when it cannot. */
static bool descriptors_for(unsigned max_connections)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return true; /* unknown: MHD will say if it runs short */
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur == RLIM_INFINITY || (rlim_t)max_connections + SPARE_DESCRIPTORS <= limit.rlim_cur) return true;
    fprintf(stderr,
            "gentask-sim: --max-connections %u needs %u file descriptors, but this process may "
            "open %llu (ulimit -n): raise the limit or lower --max-connections\n",
            max_connections, max_connections + SPARE_DESCRIPTORS, (unsigned long long)limit.rlim_cur);
    return false;
}

/* listen() silently takes min(backlog, somaxconn): say so when the caller asked for more. */
static void note_backlog_cap(unsigned backlog)
{
    FILE *file = fopen(SOMAXCONN_FILE, "r");
    unsigned somaxconn;
    if (file == NULL) return;
    if (fscanf(file, "%u", &somaxconn) == 1 && backlog > somaxconn)
        fprintf(stderr, "gentask-sim: --backlog %u is capped by the kernel at %u (%s)\n", backlog, somaxconn,
                SOMAXCONN_FILE);
    fclose(file);
}

/* Counts every connection in the stats, and tells the listener when one closes: it keeps the
 * connection limit. */
static void count_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                             enum MHD_ConnectionNotificationCode event)
{
    (void)connection;
    (void)socket_context;
    struct sim *sim = cls;
    if (event == MHD_CONNECTION_NOTIFY_STARTED) store_count_connection(sim->store);
    if (event == MHD_CONNECTION_NOTIFY_CLOSED) listener_connection_closed(sim->listener);
}

/* Everything main started, in the order it must stop: no new connections, then no suspended ones
 * (MHD must not stop with connections suspended), then MHD, whose last notifications still reach
 * the listener. Each part may be NULL. */
static void stop_all(struct sim *sim, struct MHD_Daemon *daemon, struct options *options)
{
    listener_stop(sim->listener);
    delays_stop(sim->delays);
    if (daemon != NULL) MHD_stop_daemon(daemon);
    webhooks_free(sim->webhooks); /* after MHD: no request schedules one any more */
    listener_free(sim->listener);
    delays_free(sim->delays);
    store_free(sim->store);
    sim_jwt_free(sim->jwt);
    replays_free(sim->replays);
    signing_free(sim->signing);
    options_free(options);
}

int main(int argc, char **argv)
{
    struct options options;
    enum options_outcome outcome = options_parse(&options, argc, argv);
    if (outcome != OPTIONS_RUN) {
        options_free(&options);
        return outcome == OPTIONS_EXIT_OK ? 0 : 2;
    }
    if (options.die_with_parent) {
        /* its parent's end (a SIGKILL included) sends it SIGTERM: it stops as when told to; a
         * parent that ended while this was being set leaves it re-parented, and it stops now */
        pid_t parent = getppid();
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent) {
            options_free(&options);
            return 0;
        }
    }
    if (!descriptors_for(options.max_connections)) {
        options_free(&options);
        return 1;
    }
    note_backlog_cap(options.backlog);
    /* a malformed replay file is refused before anything starts: replays_load said which and why */
    struct replays *replays = replays_load(options.replay_paths, options.replay_path_count, router_mount_names());
    if (replays == NULL) {
        options_free(&options);
        return 2;
    }
    sim_clock_start();

    /* A client that hangs up mid-response must cost one connection, not the process. */
    signal(SIGPIPE, SIG_IGN);
    /* Blocked here, before any thread exists, so every MHD thread inherits the mask and the
     * signals reach only sigwait() below. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

    struct outage outage = {0};
    struct sim sim = {
        .api_keys = options.api_keys,
        .api_key_count = options.api_key_count,
        .default_duration_ms = options.default_duration_ms,
        .max_active = options.max_active,
        .store = store_new(),
        .delays = delays_start(),
        .outage = &outage,
        .replays = replays,
    };
    if (options.jwt_issuer != NULL) {
        const char *why = NULL;
        if ((sim.jwt = sim_jwt_new(options.jwt_issuer, &why)) == NULL) {
            fprintf(stderr, "gentask-sim: %s\n", why);
            stop_all(&sim, NULL, &options);
            return 2;
        }
    }
    sim.webhooks = webhooks_start(&sim);
    sim.signing = signing_start();
    if (sim.store == NULL || sim.delays == NULL || sim.webhooks == NULL || sim.signing == NULL) {
        fprintf(stderr, "gentask-sim: cannot start: out of memory or threads\n");
        stop_all(&sim, NULL, &options);
        return 1;
    }
    sim.listener = listener_open(options.port, options.backlog, &outage);
    if (sim.listener == NULL) {
        fprintf(stderr, "gentask-sim: cannot listen on 127.0.0.1:%u: %s\n", options.port, strerror(errno));
        stop_all(&sim, NULL, &options);
        return 1;
    }
    sim.port = listener_port(sim.listener);

    /* A pool smaller than the limit: MHD gives each worker its share of it. The listener keeps
     * --max-connections over all of them; MHD's own limit, that many per worker, is never the one
     * reached, so that it never closes a connection the listener accepted. */
    unsigned workers = options.max_connections < WORKER_THREADS ? options.max_connections : WORKER_THREADS;
    struct MHD_Daemon *daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_NO_LISTEN_SOCKET, 0, NULL,
        NULL, router_access, &sim, MHD_OPTION_THREAD_POOL_SIZE, workers, MHD_OPTION_CONNECTION_LIMIT,
        options.max_connections * workers, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S,
        MHD_OPTION_NOTIFY_COMPLETED, router_request_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION, count_connection,
        &sim, MHD_OPTION_END);
    if (daemon == NULL || !listener_start(sim.listener, daemon, options.max_connections)) {
        fprintf(stderr, "gentask-sim: cannot start the HTTP daemon on 127.0.0.1:%u\n", sim.port);
        stop_all(&sim, daemon, &options);
        return 1;
    }

    printf("gentask-sim listening on 127.0.0.1:%u pid %ld admin 127.0.0.1:%u\n", sim.port, (long)getpid(),
           listener_admin_port(sim.listener));
    fflush(stdout);

    int signal_number = 0;
    while (sigwait(&stop_signals, &signal_number) != 0)
        ;

    stop_all(&sim, daemon, &options);
    return 0;
}
