/* download_journal.c — where a journaled task's files are to be recorded once its downloads end,
 * so that client:recover() can finish downloads a stopped process left. Not written yet: the
 * journal's schema has no table for files, and recover() fetches nothing; this is the one place
 * download.c tells. */
#include "domain.h"

void gt_task_journal_files(gt_task *t)
{
    (void)t;
}
