/* The replay files the simulator serves and their flows' state, behind one mutex (replay.h says
 * what a flow is). replay_state.c keeps it; replay_serve.c answers requests with it. */
#ifndef GENTASK_SIM_REPLAYS_H
#define GENTASK_SIM_REPLAYS_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "replay.h"

struct replays;

/* The built-in files (replay_builtin.c, made from replay/NAME.json), then each of extra_paths (a file
 * of the same name replaces a built-in one); reserved: the mounts taken by the simulator. NULL,
 * with a complaint on stderr naming the file and what is wrong, when any file is refused. */
struct replays *replays_load(const char *const *extra_paths, size_t extra_count, const char *const *reserved);
void replays_free(struct replays *replays);

/* The file mounted at the start of path ("/NAME" or "/NAME/…"), with *subpath after it; NULL when
 * none is. */
const struct replay_file *replays_find(const struct replays *replays, const char *path, const char **subpath);

enum replay_answer_kind {
    REPLAY_EXCHANGE,         /* an exchange answers */
    REPLAY_AUTH_REFUSED,     /* the file's auth refusal answers */
    REPLAY_UNKNOWN_TASK,     /* the file's unknown_task answers */
    REPLAY_UNMATCHED,        /* nothing answers: the simulator's 404 */
    REPLAY_UNKNOWN_SCENARIO, /* replay:WORD names no scenario of the file: the simulator's 400 */
};

struct replay_answer {
    enum replay_answer_kind kind;
    const cJSON *response; /* of an exchange, or the refusal; NULL for the simulator's own */
    const struct replay_exchange *exchange;
    char id[REPLAY_ID_MAX];              /* the task's ("" none) */
    char scenario[REPLAY_WORD_MAX];      /* the flow's, or the word that named none */
    const struct replay_scenario *tried; /* unmatched: the scenario that was searched */
};

/* Decides the answer and moves the flow on (counted; a new task made; a goto followed). */
void replays_answer(struct replays *replays, const struct replay_file *file, const struct replay_request *request,
                    struct replay_answer *answer);

/* POST /_sim/reset: every flow and counter starts again. */
void replays_reset(struct replays *replays);

/* {"requests", "matched", "unmatched", "auth_refused", "tasks", "by_status": {"200": n, …} (the
 * file's answers served), "unmatched_requests": [the first 16 "METHOD /NAME/path"],
 * "files": [{"name", "origin"}]} into stats as "replay". */
void replays_stats_json(struct replays *replays, cJSON *stats);

#endif
