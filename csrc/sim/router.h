/* The HTTP front door: gathers each request's body (capped), then hands the request to whatever
 * owns its path prefix: a provider dialect, the admin endpoints, or the file server. */
#ifndef GENTASK_SIM_ROUTER_H
#define GENTASK_SIM_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "request.h"

#define REQUEST_BODY_MAX (1024 * 1024)

/* MHD_AccessHandlerCallback; cls is the struct sim. */
enum MHD_Result router_access(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size,
                              void **request_context);

/* The names mounted by the simulator itself ("_sim", "files", "foxapi", …), NULL-terminated:
 * no replay file may take one. */
const char *const *router_mount_names(void);

/* MHD_RequestCompletedCallback: frees what router_access allocated. */
void router_request_completed(void *cls, struct MHD_Connection *connection, void **request_context,
                              enum MHD_RequestTerminationCode code);

#endif
