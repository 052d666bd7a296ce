/* gentask-sim: start the HTTP daemon, announce where it listens, serve until SIGTERM/SIGINT, and
 * then tear everything down so that valgrind sees no leak. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "clock.h"
#include "delays.h"
#include "options.h"
#include "router.h"
#include "sim.h"
#include "store.h"

#define WORKER_THREADS 4
#define CONNECTION_TIMEOUT_S 30
/* Descriptors beyond the connections: the listening socket, MHD's epoll and wake-up pipes, the
 * delay thread, stdio. */
#define SPARE_DESCRIPTORS 64
#define SOMAXCONN_FILE "/proc/sys/net/core/somaxconn"

/* Binding the socket ourselves gives us the port before any worker thread runs, so struct sim is
 * complete and read-only by the time requests arrive. */
static int listen_on_loopback(unsigned port, unsigned backlog, unsigned *bound_port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in address = {
        .sin_family = AF_INET,
        .sin_port = htons((uint16_t)port),
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    socklen_t length = sizeof address;
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || listen(fd, (int)backlog) != 0 ||
        getsockname(fd, (struct sockaddr *)&address, &length) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    *bound_port = ntohs(address.sin_port);
    return fd;
}

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

static void count_connection(void *store, struct MHD_Connection *connection, void **socket_context,
                             enum MHD_ConnectionNotificationCode event)
{
    (void)connection;
    (void)socket_context;
    if (event == MHD_CONNECTION_NOTIFY_STARTED) store_count_connection(store);
}

int main(int argc, char **argv)
{
    struct options options;
    enum options_outcome outcome = options_parse(&options, argc, argv);
    if (outcome != OPTIONS_RUN) {
        options_free(&options);
        return outcome == OPTIONS_EXIT_OK ? 0 : 2;
    }
    if (!descriptors_for(options.max_connections)) {
        options_free(&options);
        return 1;
    }
    note_backlog_cap(options.backlog);
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

    struct sim sim = {
        .api_keys = options.api_keys,
        .api_key_count = options.api_key_count,
        .default_duration_ms = options.default_duration_ms,
        .max_active = options.max_active,
        .store = store_new(),
        .delays = delays_start(),
    };
    if (sim.store == NULL || sim.delays == NULL) {
        fprintf(stderr, "gentask-sim: cannot start: out of memory or threads\n");
        delays_free(sim.delays);
        store_free(sim.store);
        options_free(&options);
        return 1;
    }
    int listen_fd = listen_on_loopback(options.port, options.backlog, &sim.port);
    if (listen_fd < 0) {
        fprintf(stderr, "gentask-sim: cannot listen on 127.0.0.1:%u: %s\n", options.port, strerror(errno));
        delays_free(sim.delays);
        store_free(sim.store);
        options_free(&options);
        return 1;
    }

    struct MHD_Daemon *daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, (uint16_t)sim.port, NULL, NULL,
        router_access, &sim, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
        /* a pool smaller than the limit: MHD gives each worker its share of it */
        MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned int)(options.max_connections < WORKER_THREADS ? options.max_connections : WORKER_THREADS),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)options.max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)CONNECTION_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED, router_request_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, count_connection, sim.store, MHD_OPTION_END);
    if (daemon == NULL) {
        fprintf(stderr, "gentask-sim: cannot start the HTTP daemon on 127.0.0.1:%u\n", sim.port);
        close(listen_fd);
        delays_free(sim.delays);
        store_free(sim.store);
        options_free(&options);
        return 1;
    }

    printf("gentask-sim listening on 127.0.0.1:%u pid %ld\n", sim.port, (long)getpid());
    fflush(stdout);

    int signal_number = 0;
    while (sigwait(&stop_signals, &signal_number) != 0)
        ;

    delays_stop(sim.delays); /* MHD must not stop with connections still suspended */
    MHD_stop_daemon(daemon); /* closes listen_fd too */
    delays_free(sim.delays);
    store_free(sim.store);
    options_free(&options);
    return 0;
}
