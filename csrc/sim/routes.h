/* Everything the router can hand a request to: the six dialects (data and hooks for dialect.c),
 * the admin endpoints and the file server. */
#ifndef GENTASK_SIM_ROUTES_H
#define GENTASK_SIM_ROUTES_H

#include "dialect.h"
#include "request.h"

extern const struct dialect foxapi_dialect;    /* foxapi.c */
extern const struct dialect bfl_dialect;       /* bfl.c: Black Forest Labs FLUX */
extern const struct dialect flora_dialect;     /* flora.c: FLORA techniques and runs */
extern const struct dialect modelslab_dialect; /* modelslab.c */
extern const struct dialect apixo_dialect;     /* apixo.c */
extern const struct dialect acme_dialect;      /* acme.c: made up to test provider profiles */

#define ADMIN_PREFIX "/_sim"
route_handler_fn admin_handle; /* admin.c:  /_sim/stats, /_sim/reset, /_sim/outage */
route_handler_fn files_handle; /* files.c:  /files/<anything>.png */

#endif
