/* The replay files compiled into the simulator: the Makefile writes replay_builtin.c in the build
 * directory from the repository's replay/NAME.json (their bytes, by the assembler's .incbin), so
 * that an installed gentask-sim serves them with no data directory to find. */
#ifndef GENTASK_SIM_REPLAY_BUILTIN_H
#define GENTASK_SIM_REPLAY_BUILTIN_H

#include <stddef.h>

struct replay_builtin {
    const char *path; /* "replay/foxapi_replay.json": where it came from */
    const char *text; /* its bytes and a NUL */
};

extern const struct replay_builtin replay_builtins[];
extern const size_t replay_builtin_count;

#endif
