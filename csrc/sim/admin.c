/* What tests ask the simulator about itself: counters to prove that nothing was lost or paid
 * twice, and a reset so that each test starts from zero without restarting the process. */
#include <string.h>

#include "clock.h"
#include "reply.h"
#include "request.h"
#include "routes.h"
#include "store.h"

static enum MHD_Result stats(struct request *request)
{
    if (!request_method_is(request, MHD_HTTP_METHOD_GET)) return reply_method_not_allowed(request, "GET, HEAD");
    const char *tasks = request_query(request, "tasks");
    const char *bodies = request_query(request, "bodies");
    bool include_tasks = tasks == NULL || (strcmp(tasks, "0") != 0 && strcmp(tasks, "false") != 0);
    /* submits_by_body can be as large as tasks: it follows ?tasks= unless ?bodies= says */
    bool include_bodies = bodies == NULL ? include_tasks : strcmp(bodies, "0") != 0 && strcmp(bodies, "false") != 0;
    cJSON *body = store_stats_json(request->sim->store, sim_clock_ms(), include_tasks, include_bodies);
    enum MHD_Result result = reply_json(request->connection, MHD_HTTP_OK, body);
    cJSON_Delete(body);
    return result;
}

static enum MHD_Result reset(struct request *request)
{
    if (!request_method_is(request, MHD_HTTP_METHOD_POST)) return reply_method_not_allowed(request, "POST");
    store_reset(request->sim->store);
    return reply_text(request->connection, MHD_HTTP_OK, "application/json", "{\"ok\":true}");
}

enum MHD_Result admin_handle(struct request *request, const char *subpath)
{
    if (strcmp(subpath, "/stats") == 0) return stats(request);
    if (strcmp(subpath, "/reset") == 0) return reset(request);
    return reply_not_found(request);
}
