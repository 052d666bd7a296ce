/* download_journal.c — the files of a journaled task's results, kept in its journal so that a
 * process that stopped mid-download can finish the job (client:recover()). */
#include "domain.h"

void gt_task_journal_files(gt_task *t)
{
    (void)t;
}
