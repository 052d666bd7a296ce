/* The router's door into replay mode (replay.h). */
#ifndef GENTASK_SIM_REPLAY_SERVE_H
#define GENTASK_SIM_REPLAY_SERVE_H

#include "replay.h"
#include "request.h"

/* Answers a request under file's mount (subpath: "" or "/…"). */
enum MHD_Result replay_handle(struct request *request, const struct replay_file *file, const char *subpath);

#endif
