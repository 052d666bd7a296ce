/* Everything the router can hand a request to, one entry point per file. */
#ifndef GENTASK_SIM_ROUTES_H
#define GENTASK_SIM_ROUTES_H

#include "router.h"

route_handler_fn admin_handle;      /* admin.c:  /_sim/stats, /_sim/reset */
route_handler_fn files_handle;      /* files.c:  /files/<anything>.png */
route_handler_fn foxapi_handle;     /* foxapi.c: the FoxAPI dialect */

#endif
