/* journal_open.c — the one place a journal's backend is chosen from the `journal` option: a
 * redis:// address names a journal shared by machines (journal_redis.c); anything else is the
 * SQLite file at that path (journal.c). Everything after asks the handle's ops. */
#include "journal.h"
#include "journal_redis.h"
#include "journal_sqlite.h"

gt_journal *gt_journal_open(gt_engine *e, const char *where, const gt_client_options *opts, char **error)
{
    if (gt_redis_url_is(where)) return gt_journal_redis_open(e, where, opts, error);
    return gt_sqlite_open(where, error);
}
