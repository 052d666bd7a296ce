/* Everything the router can hand a request to, one entry point per file. */
#ifndef GENTASK_SIM_ROUTES_H
#define GENTASK_SIM_ROUTES_H

#include "router.h"

route_handler_fn admin_handle;      /* admin.c:  /_sim/stats, /_sim/reset */
route_handler_fn files_handle;      /* files.c:  /files/<anything>.png */
route_handler_fn foxapi_handle;     /* foxapi.c: the FoxAPI dialect */
route_handler_fn bfl_handle;        /* bfl.c: Black Forest Labs FLUX */
route_handler_fn flora_handle;      /* flora.c: FLORA techniques and runs */
route_handler_fn modelslab_handle;  /* modelslab.c: ModelsLab */
route_handler_fn apixo_handle;      /* apixo.c: APIXO */
route_handler_fn acme_handle;       /* acme.c: ACME, made up to test provider profiles */

#endif
