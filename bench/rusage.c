/* bench/rusage.c OUTFILE COMMAND [ARG...] — runs COMMAND and writes to OUTFILE one line
 * "USER_S SYS_S WALL_S MAXRSS_KB": the CPU time and peak RSS of COMMAND (and of any child it
 * waited for), from wait4(2), to the microsecond (/usr/bin/time -f "%U %S %e %M" says the same
 * to the centisecond). The exit status is COMMAND's. A TERM or INT to this process is passed on
 * to COMMAND. */
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child;

static void pass_on(int sig)
{
    if (child > 0) kill(child, sig);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: rusage OUTFILE COMMAND [ARG...]\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    child = fork();
    if (child < 0) return perror("fork"), 1;
    if (child == 0) {
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    signal(SIGTERM, pass_on);
    signal(SIGINT, pass_on);
    int status;
    struct rusage usage;
    while (wait4(child, &status, 0, &usage) < 0)
        ;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    FILE *out = fopen(argv[1], "w");
    if (!out) return perror(argv[1]), 1;
    fprintf(out, "%.6f %.6f %.6f %ld\n", usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6,
            usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6,
            (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, usage.ru_maxrss);
    fclose(out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
