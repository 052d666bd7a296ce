/* journal_open.c — the one place a journal's backend is chosen from the `journal` option: a
 * redis:// address names a journal shared by machines (journal_redis.c); anything else is the
 * SQLite file at that path (journal.c). Everything after asks the handle's ops. The fleet read
 * (fleet.h) is chosen here too. */
#include "fleet.h"
#include "journal.h"
#include "journal_redis.h"
#include "journal_sqlite.h"

gt_journal *gt_journal_open(gt_engine *e, const char *where, const gt_client_options *opts, char **error)
{
    if (gt_redis_url_is(where)) return gt_journal_redis_open(e, where, opts, error);
    return gt_sqlite_open(where, error);
}

/* The same choice for a look at the journal that writes nothing (fleet.h). */
gt_fleet *gt_fleet_read(const char *where, const char *api_key, long timeout_ms, gt_error **error)
{
    *error = NULL;
    if (!where || !*where) {
        *error = gt_fleet_error(GT_USAGE, NULL, "the fleet of which journal? give its file or redis:// address");
        return NULL;
    }
    if (gt_redis_url_is(where)) return gt_redis_fleet(where, api_key, timeout_ms, error);
    return gt_sqlite_fleet(where, timeout_ms, error);
}
