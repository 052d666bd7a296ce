/* download_root.c — where a recovered task's files may go. A journal record is data, never an
 * instruction: the directory it names is used only when it lies inside the directory recover()'s
 * caller names now, after every symbolic link and "." in the part that exists is resolved, and
 * with no ".." anywhere (a name that climbs is refused, not followed). The files then go to the
 * resolved directory, the one checked. */
#include "features.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool climbs(const char *path)
{
    for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2) {
        bool starts = p == path || p[-1] == '/';
        bool ends = p[2] == '\0' || p[2] == '/';
        if (starts && ends) return true;
    }
    return false;
}

static char *absolute(const char *path)
{
    if (path[0] == '/') return gt_strdup(path);
    char *cwd = getcwd(NULL, 0);
    char *joined = cwd ? gt_printf("%s/%s", cwd, path) : NULL;
    free(cwd);
    return joined;
}

/* path with its longest existing prefix resolved by realpath() and the rest, which does not
 * exist yet, appended as written; NULL (with *why) for a path that climbs, or a prefix that
 * exists but cannot be resolved (a dangling link, a directory this process may not search). */
static char *resolved(const char *path, const char **why)
{
    if (climbs(path)) {
        *why = "it holds \"..\"";
        return NULL;
    }
    char *whole = absolute(path);
    if (!whole) {
        *why = "out of memory";
        return NULL;
    }
    size_t cut = strlen(whole);
    char *out = NULL;
    *why = NULL;
    while (!out && !*why) {
        char saved = whole[cut];
        whole[cut] = '\0';
        char real[PATH_MAX];
        struct stat st;
        if (realpath(cut ? whole : "/", real)) {
            whole[cut] = saved;
            /* the rest starts at its '/' ("/a/b"), or is empty */
            const char *rest = whole + cut;
            out = gt_printf("%s%s", strcmp(real, "/") == 0 && *rest ? "" : real, rest);
            if (!out) *why = "out of memory";
        } else if (lstat(whole, &st) == 0 || errno != ENOENT) {
            *why = "a part of it that exists cannot be resolved";
        } else {
            whole[cut] = saved;
            while (cut > 0 && whole[cut - 1] != '/') cut--; /* up to the last '/' before it */
            if (cut > 0) cut--;
        }
    }
    free(whole);
    return out;
}

char *gt_download_dir_inside(const char *root, const char *dir, char **refusal)
{
    *refusal = NULL;
    const char *why = NULL;
    char *real_root = resolved(root, &why);
    if (!real_root) {
        *refusal = gt_printf("the download dir %s cannot be used: %s", root, why);
        return NULL;
    }
    char *real_dir = resolved(dir && *dir ? dir : ".", &why);
    size_t n = strlen(real_root);
    bool inside = real_dir && strncmp(real_dir, real_root, n) == 0 &&
                  (real_dir[n] == '\0' || real_dir[n] == '/' || strcmp(real_root, "/") == 0);
    if (!inside && real_dir)
        *refusal = gt_printf("its journal record names the directory %s, outside %s (the download dir recover() "
                             "was given): nothing is written there",
                             dir, root);
    else if (!inside)
        *refusal = gt_printf("its journal record names the directory %s, which is refused (%s): recover() writes "
                             "only under %s",
                             dir, why, root);
    if (!inside) {
        free(real_dir);
        real_dir = NULL;
    }
    free(real_root);
    return real_dir;
}
