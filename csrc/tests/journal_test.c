/* journal_test.c — the journal (csrc/core/store/journal.h) tested from C: it has no Lua face yet.
 *
 *   journal_test CASE     runs one case: exit 0 when it passes, 1 with the reason on stderr
 *   journal_test --list   the cases, one a line
 *
 * spec/journal_store_spec.lua runs each case. Every case works in a temporary directory of its
 * own, removed at the end. It includes the journal's private header to read the connection's
 * settings (synchronous, transaction state) that no other connection can see. */
#define _GNU_SOURCE /* memmem */
#include "store/journal_handle.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* the file's own calls (journal_sqlite.h) take the file behind a handle */
#define FILE_OF(j) gt_sqlite_journal_of(j)

static const char *case_name = "?";
static char dir[512]; /* the case's temporary directory: short enough for every path under it */
static bool in_child; /* a forked child that fails leaves the directory to its parent */

static void remove_dir(void)
{
    if (!dir[0] || in_child) return;
    DIR *d = opendir(dir);
    if (d) {
        for (struct dirent *e; (e = readdir(d));) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            char path[sizeof dir + 256];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
    dir[0] = '\0';
}

static void fail_at(int line, const char *condition, const char *fmt, ...)
{
    fprintf(stderr, "journal_test %s: line %d: %s", case_name, line, condition);
    if (fmt && *fmt) {
        fputs(": ", stderr);
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
    remove_dir();
    exit(1);
}

/* CHECK(condition, "printf format", ...): the case fails with the line, the condition and why */
#define CHECK(condition, ...)                                         \
    do {                                                              \
        if (!(condition)) fail_at(__LINE__, #condition, __VA_ARGS__); \
    } while (0)

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static const char *show(const char *s)
{
    return s ? s : "(null)";
}

static void path_of(char *out, const char *name)
{
    snprintf(out, PATH_MAX, "%s/%s", dir, name);
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static gt_journal *open_ok(const char *path)
{
    char *error = NULL;
    gt_journal *j = gt_sqlite_open(path, &error);
    CHECK(j, "%s", show(error));
    CHECK(!error, "an opened journal gave an error too: %s", error);
    return j;
}

/* The message of a journal that must not open. */
static char *open_refused(const char *path)
{
    char *error = NULL;
    gt_journal *j = gt_sqlite_open(path, &error);
    CHECK(!j, "opened %s", show(path));
    CHECK(error && *error, "refused without a message");
    return error;
}

/* A record as the engine would build it before its submit: every string the record's own. */
static gt_record sample(const char *caller_key, const char *params)
{
    return (gt_record){.stage = GT_RECORD_QUEUED,
                       .caller_key = gt_strdup(caller_key),
                       .provider = gt_strdup("bfl"),
                       .model = gt_strdup("flux-dev"),
                       .path = gt_strdup("/v1/flux-dev"),
                       .params = gt_strdup(params)};
}

static void check_same_record(int line, const gt_record *want, const gt_record *got)
{
    char what[64];
    snprintf(what, sizeof what, "the record read back (compared at line %d)", line);
    CHECK(want->id == got->id, "%s: id %lld, not %lld", what, (long long)got->id, (long long)want->id);
    CHECK(want->stage == got->stage, "%s: stage %s, not %s", what, show(gt_record_stage_name(got->stage)),
          show(gt_record_stage_name(want->stage)));
    const char *names[] = {"caller_key",   "provider",        "model",     "path",     "poll_path", "params",
                           "request_hash", "idempotency_key", "remote_id", "poll_url", "outcome"};
    const char *a[] = {want->caller_key, want->provider, want->model,        want->path,
                       want->poll_path,  want->params,   want->request_hash, want->idempotency_key,
                       want->remote_id,  want->poll_url, want->outcome};
    const char *b[] = {got->caller_key, got->provider, got->model,        got->path,
                       got->poll_path,  got->params,   got->request_hash, got->idempotency_key,
                       got->remote_id,  got->poll_url, got->outcome};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        CHECK(same(a[i], b[i]), "%s: %s is %s, not %s", what, names[i], show(b[i]), show(a[i]));
    CHECK(want->created_ms == got->created_ms, "%s: created_ms", what);
    CHECK(want->updated_ms == got->updated_ms, "%s: updated_ms", what);
}

static char *read_all(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *data = NULL;
    size_t cap = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 65536;
            data = realloc(data, cap);
            CHECK(data, "out of memory");
        }
        size_t got = fread(data + *len, 1, cap - *len, f);
        if (got == 0) break;
        *len += got;
    }
    fclose(f);
    return data;
}

/* Whether the file at path (when it exists) holds needle anywhere. */
static bool file_holds(const char *path, const char *needle)
{
    size_t len, n = strlen(needle);
    char *data = read_all(path, &len);
    bool found = data && memmem(data, len, needle, n) != NULL;
    free(data);
    return found;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static unsigned mode_of(const char *path)
{
    struct stat st;
    CHECK(stat(path, &st) == 0, "%s: %s", path, strerror(errno));
    return (unsigned)(st.st_mode & 0777);
}

/* One value from a connection of the test's own, as another program would see the file. */
static char *query_text(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
    int rc = sqlite3_step(st);
    CHECK(rc == SQLITE_ROW || rc == SQLITE_DONE, "%s: %s", sql, sqlite3_errmsg(db));
    char *value = rc == SQLITE_ROW ? gt_strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return value;
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK, "%s",
          sqlite3_errmsg(db));
    char *error = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &error);
    CHECK(rc == SQLITE_OK, "%s: %s", sql, show(error));
    sqlite3_free(error);
    sqlite3_close(db);
}

static bool is_hex_sha256(const char *s)
{
    if (!s || strlen(s) != 64) return false;
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789abcdef", *p)) return false;
    return true;
}

static char *sha256_hex(const char *text)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    CHECK(EVP_Digest(text, strlen(text), digest, &len, EVP_sha256(), NULL), "EVP_Digest");
    char *out = malloc(len * 2 + 1);
    CHECK(out, "out of memory");
    for (unsigned i = 0; i < len; i++) sprintf(out + 2 * i, "%02x", digest[i]);
    return out;
}

/* ---- the cases ---------------------------------------------------------------------------------- */

/* A new journal is a 0600 file (even under umask 0, where SQLite alone would make it 0644), in
 * WAL mode with synchronous = NORMAL, its -wal and -shm files 0600 too, marked with a schema
 * version. */
static void case_create(void)
{
    char path[PATH_MAX], wal[PATH_MAX + 8], shm[PATH_MAX + 8];
    path_of(path, "new.journal");
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    mode_t old_mask = umask(0);
    gt_journal *j = open_ok(path);
    gt_record r = sample("row-1", "{\"prompt\":\"a fox\"}");
    CHECK(gt_journal_add(j, &r) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    umask(old_mask);

    CHECK(mode_of(path) == 0600, "the journal's mode is %o", mode_of(path));
    CHECK(exists(wal), "no -wal file while the journal is open");
    CHECK(mode_of(wal) == 0600, "the -wal file's mode is %o", mode_of(wal));
    CHECK(mode_of(shm) == 0600, "the -shm file's mode is %o", mode_of(shm));

    char *mode = query_text(path, "PRAGMA journal_mode");
    CHECK(same(mode, "wal"), "journal_mode is %s", show(mode));
    free(mode);
    char *version = query_text(path, "PRAGMA user_version");
    CHECK(version && atoi(version) >= 1, "user_version is %s", show(version));
    free(version);

    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(gt_sqlite_journal_of(j)->db, "PRAGMA synchronous", -1, &st, NULL) == SQLITE_OK, "");
    CHECK(sqlite3_step(st) == SQLITE_ROW, "");
    int synchronous = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    CHECK(synchronous == 1, "synchronous is %d, not 1 (NORMAL)", synchronous);

    gt_record_clear(&r);
    gt_journal_close(j);
    CHECK(!exists(wal), "the -wal file outlived the last connection (not checkpointed)");
    CHECK(mode_of(path) == 0600, "closing changed the mode");
}

/* add, update, find_key and unended give back what was written; duplicates, unknown ids and bad
 * records are refused; rollback keeps nothing, commit keeps everything, across a reopen. */
static void case_round_trip(void)
{
    char path[PATH_MAX];
    path_of(path, "round.journal");
    gt_journal *j = open_ok(path);

    int64_t before = wall_ms();
    gt_record r1 = sample("row-1", "{\"seed\": 7, \"prompt\": \"a red fox\"}");
    gt_record r2 = sample(NULL, "{\"prompt\":\"a lighthouse\"}");
    r2.poll_path = gt_strdup("/v1/get_result?id={id}");
    gt_record r3 = sample("row-3", "{\"prompt\":\"a storm\"}");
    r3.idempotency_key = gt_strdup("idem-3");
    CHECK(gt_journal_add(j, &r1) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    CHECK(gt_journal_add(j, &r2) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    CHECK(gt_journal_add(j, &r3) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    int64_t after = wall_ms();
    CHECK(r1.id > 0 && r2.id > r1.id && r3.id > r2.id, "ids %lld %lld %lld", (long long)r1.id, (long long)r2.id,
          (long long)r3.id);
    CHECK(r1.created_ms >= before && r1.created_ms <= after, "created_ms is not the wall clock's now");
    CHECK(r1.updated_ms == r1.created_ms, "a new record's updated_ms is not its created_ms");
    char *hash = gt_request_hash("bfl", "flux-dev", "{\"prompt\":\"a red fox\",\"seed\":7}");
    CHECK(same(r1.request_hash, hash), "add filled request_hash with %s, not %s", show(r1.request_hash), show(hash));
    free(hash);

    gt_record dup = sample("row-1", "{}");
    CHECK(gt_journal_add(j, &dup) == GT_JOURNAL_DUPLICATE, "a second row-1: %s", gt_journal_error(j));
    CHECK(strstr(gt_journal_error(j), "caller key"), "%s", gt_journal_error(j));
    gt_record_clear(&dup);
    gt_record bad = sample("row-bad", "not json");
    CHECK(gt_journal_add(j, &bad) == GT_JOURNAL_ERROR, "params that are not JSON");
    free(bad.params);
    bad.params = NULL;
    CHECK(gt_journal_add(j, &bad) == GT_JOURNAL_ERROR, "no params");
    gt_record_clear(&bad);

    r1.stage = GT_RECORD_SENDING;
    r1.idempotency_key = gt_strdup("idem-1");
    CHECK(gt_journal_update(j, &r1) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    r3.stage = GT_RECORD_ACCEPTED;
    r3.remote_id = gt_strdup("task-3");
    r3.poll_url = gt_strdup("https://api.example/v1/get_result?id=task-3");
    CHECK(gt_journal_update(j, &r3) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    r2.stage = GT_RECORD_ENDED;
    r2.remote_id = gt_strdup("task-2");
    r2.outcome = gt_strdup("{\"state\":\"succeeded\",\"urls\":[\"https://cdn.example/2.png\"]}");
    CHECK(gt_journal_update(j, &r2) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    CHECK(r2.updated_ms >= r2.created_ms, "update did not set updated_ms");
    gt_record ghost = {.id = r3.id + 1000, .stage = GT_RECORD_ENDED};
    CHECK(gt_journal_update(j, &ghost) == GT_JOURNAL_NOT_FOUND, "an update of no record: %s", gt_journal_error(j));

    gt_record got = {0};
    CHECK(gt_journal_find_key(j, "row-1", &got) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    check_same_record(__LINE__, &r1, &got);
    gt_record_clear(&got);
    CHECK(gt_journal_find_key(j, "row-3", &got) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    check_same_record(__LINE__, &r3, &got);
    gt_record_clear(&got);
    CHECK(gt_journal_find_key(j, "row-404", &got) == GT_JOURNAL_NOT_FOUND, "a key never added");

    gt_record *list = NULL;
    size_t n = 0;
    CHECK(gt_journal_unended(j, &list, &n) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    CHECK(n == 2, "%zu unended records, not 2 (row-1 sending, row-3 accepted)", n);
    check_same_record(__LINE__, &r1, &list[0]);
    check_same_record(__LINE__, &r3, &list[1]);
    gt_records_free(list, n);

    /* a round that is rolled back leaves nothing; one that is committed, everything */
    CHECK(gt_journal_begin(j) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    CHECK(gt_journal_begin(j) == GT_JOURNAL_ERROR, "a begin inside a transaction");
    gt_record r4 = sample("row-4", "{\"prompt\":\"4\"}");
    CHECK(gt_journal_add(j, &r4) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    gt_journal_rollback(j);
    CHECK(gt_journal_find_key(j, "row-4", &got) == GT_JOURNAL_NOT_FOUND, "row-4 outlived its rollback");
    gt_journal_rollback(j); /* nothing open: nothing happens */
    gt_record_clear(&r4);
    CHECK(gt_journal_begin(j) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    gt_record r5 = sample("row-5", "{\"prompt\":\"5\"}"), r6 = sample("row-6", "{\"prompt\":\"6\"}");
    CHECK(gt_journal_add(j, &r5) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    CHECK(gt_journal_add(j, &r6) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    CHECK(gt_journal_commit(j) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    CHECK(gt_journal_commit(j) == GT_JOURNAL_ERROR, "a commit with no transaction open");
    gt_journal_close(j);

    /* all of it is in the file */
    j = open_ok(path);
    CHECK(gt_journal_unended(j, &list, &n) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    CHECK(n == 4, "%zu unended records after the reopen, not 4", n);
    check_same_record(__LINE__, &r1, &list[0]);
    check_same_record(__LINE__, &r3, &list[1]);
    check_same_record(__LINE__, &r5, &list[2]);
    check_same_record(__LINE__, &r6, &list[3]);
    gt_records_free(list, n);
    gt_journal_close(j);
    gt_record_clear(&r1);
    gt_record_clear(&r2);
    gt_record_clear(&r3);
    gt_record_clear(&r5);
    gt_record_clear(&r6);
}

/* A process killed (SIGKILL: no atexit, no close, no checkpoint) right after committing a round
 * loses none of it; what it had not committed is gone. */
static void case_killed(void)
{
    char path[PATH_MAX], wal[PATH_MAX + 8];
    path_of(path, "killed.journal");
    snprintf(wal, sizeof wal, "%s-wal", path);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        in_child = true;
        gt_journal *j = open_ok(path);
        CHECK(gt_journal_begin(j) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
        const char *keys[] = {"row-a", "row-b", "row-c"};
        gt_record r[3];
        for (int i = 0; i < 3; i++) {
            r[i] = sample(keys[i], "{\"prompt\":\"kept\"}");
            CHECK(gt_journal_add(j, &r[i]) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
        }
        r[1].stage = GT_RECORD_ACCEPTED;
        r[1].remote_id = gt_strdup("task-b");
        CHECK(gt_journal_update(j, &r[1]) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
        CHECK(gt_journal_commit(j) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
        CHECK(gt_journal_begin(j) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
        gt_record lost = sample("row-uncommitted", "{\"prompt\":\"lost\"}");
        CHECK(gt_journal_add(j, &lost) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
        raise(SIGKILL);
        _exit(3); /* not reached */
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the child was not killed (exit status %d)",
          WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    CHECK(exists(wal), "no -wal file after the kill: the round was not left for recovery to find");

    gt_journal *j = open_ok(path);
    gt_record *list = NULL;
    size_t n = 0;
    CHECK(gt_journal_unended(j, &list, &n) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    CHECK(n == 3, "%zu records recovered, not 3", n);
    CHECK(same(list[0].caller_key, "row-a") && same(list[1].caller_key, "row-b") && same(list[2].caller_key, "row-c"),
          "recovered %s, %s, %s", show(list[0].caller_key), show(list[1].caller_key), show(list[2].caller_key));
    CHECK(list[1].stage == GT_RECORD_ACCEPTED && same(list[1].remote_id, "task-b"), "row-b's update was lost");
    CHECK(list[0].stage == GT_RECORD_QUEUED, "row-a is %s", show(gt_record_stage_name(list[0].stage)));
    gt_records_free(list, n);
    gt_record got = {0};
    CHECK(gt_journal_find_key(j, "row-uncommitted", &got) == GT_JOURNAL_NOT_FOUND,
          "a record of a transaction never committed survived");
    gt_journal_close(j);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* While another connection holds the write lock, every write answers BUSY at once (no busy
 * timeout: it must never stall a host's loop) and changes nothing; reads go on (WAL); once the
 * lock is released the same calls succeed. */
static void case_busy(void)
{
    char path[PATH_MAX];
    path_of(path, "busy.journal");
    gt_journal *a = open_ok(path), *b = open_ok(path);
    gt_record seen = sample("row-seen", "{\"prompt\":\"before\"}");
    CHECK(gt_journal_add(a, &seen) == GT_JOURNAL_OK, "%s", gt_journal_error(a));

    CHECK(gt_journal_begin(b) == GT_JOURNAL_OK, "%s", gt_journal_error(b));
    gt_record held = sample("row-b", "{\"prompt\":\"b\"}");
    CHECK(gt_journal_add(b, &held) == GT_JOURNAL_OK, "%s", gt_journal_error(b));

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    gt_journal_status status = gt_journal_begin(a);
    double waited = seconds_since(&t0);
    CHECK(status == GT_JOURNAL_BUSY, "begin under another's lock gave %d: %s", (int)status, gt_journal_error(a));
    CHECK(waited < 0.5, "begin waited %.3f s for the lock", waited);
    CHECK(sqlite3_get_autocommit(gt_sqlite_journal_of(a)->db), "a BUSY begin left a transaction open");
    CHECK(strstr(gt_journal_error(a), "lock"), "the message: %s", gt_journal_error(a));

    gt_record r = sample("row-a", "{\"prompt\":\"a\"}");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    status = gt_journal_add(a, &r);
    waited = seconds_since(&t0);
    CHECK(status == GT_JOURNAL_BUSY, "add under another's lock gave %d: %s", (int)status, gt_journal_error(a));
    CHECK(waited < 0.5, "add waited %.3f s for the lock", waited);
    seen.stage = GT_RECORD_SENDING;
    CHECK(gt_journal_update(a, &seen) == GT_JOURNAL_BUSY, "update: %s", gt_journal_error(a));
    CHECK(gt_journal_check_account(a, "sk-test-busy-key") == GT_JOURNAL_BUSY, "check_account's first store: %s",
          gt_journal_error(a));

    /* readers are not blocked by a writer, and see only what is committed */
    gt_record got = {0};
    CHECK(gt_journal_find_key(a, "row-seen", &got) == GT_JOURNAL_OK, "a read under another's lock: %s",
          gt_journal_error(a));
    CHECK(got.stage == GT_RECORD_QUEUED, "the BUSY update changed row-seen");
    gt_record_clear(&got);
    CHECK(gt_journal_find_key(a, "row-b", &got) == GT_JOURNAL_NOT_FOUND, "an uncommitted record was read");

    CHECK(gt_journal_commit(b) == GT_JOURNAL_OK, "%s", gt_journal_error(b));

    /* the lock is free: the same calls succeed, and nothing of the BUSY ones had been written */
    CHECK(gt_journal_find_key(a, "row-a", &got) == GT_JOURNAL_NOT_FOUND, "the BUSY add was written after all");
    CHECK(gt_journal_begin(a) == GT_JOURNAL_OK, "%s", gt_journal_error(a));
    CHECK(gt_journal_add(a, &r) == GT_JOURNAL_OK, "%s", gt_journal_error(a));
    CHECK(gt_journal_update(a, &seen) == GT_JOURNAL_OK, "%s", gt_journal_error(a));
    CHECK(gt_journal_commit(a) == GT_JOURNAL_OK, "%s", gt_journal_error(a));
    CHECK(gt_journal_check_account(a, "sk-test-busy-key") == GT_JOURNAL_OK, "%s", gt_journal_error(a));
    CHECK(gt_journal_find_key(b, "row-a", &got) == GT_JOURNAL_OK, "the other connection: %s", gt_journal_error(b));
    gt_record_clear(&got);
    CHECK(gt_journal_find_key(a, "row-b", &got) == GT_JOURNAL_OK, "%s", gt_journal_error(a));
    gt_record_clear(&got);

    gt_record_clear(&seen);
    gt_record_clear(&held);
    gt_record_clear(&r);
    gt_journal_close(a);
    gt_journal_close(b);
}

/* A journal written by a newer schema is refused, saying so, and left as it was. */
static void case_newer_schema(void)
{
    char path[PATH_MAX];
    path_of(path, "newer.journal");
    gt_journal *j = open_ok(path);
    gt_record r = sample("row-1", "{\"prompt\":\"x\"}");
    CHECK(gt_journal_add(j, &r) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    gt_record_clear(&r);
    gt_journal_close(j);

    char *version = query_text(path, "PRAGMA user_version");
    CHECK(version, "no user_version");
    int newer = atoi(version) + 1;
    free(version);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", newer);
    exec_sql(path, sql);

    char *error = open_refused(path);
    CHECK(strstr(error, "newer gentask") && strstr(error, path), "the message: %s", error);
    free(error);
    version = query_text(path, "PRAGMA user_version");
    CHECK(version && atoi(version) == newer, "the refused journal's version changed to %s", show(version));
    free(version);
    char *count = query_text(path, "SELECT count(*) FROM records");
    CHECK(same(count, "1"), "the refused journal's records changed: %s", show(count));
    free(count);
}

/* What is not a journal is refused and left as it was: another program's database, a text file,
 * a directory, no path, an in-memory database. */
static void case_not_a_journal(void)
{
    char path[PATH_MAX];
    path_of(path, "other-program.db");
    exec_sql(path, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')");
    char *error = open_refused(path);
    CHECK(strstr(error, "not a gentask journal"), "the message: %s", error);
    free(error);
    char *mode = query_text(path, "PRAGMA journal_mode");
    CHECK(same(mode, "delete"), "the other program's database was switched to %s", show(mode));
    free(mode);
    char *tables = query_text(path, "SELECT group_concat(name) FROM sqlite_master");
    CHECK(same(tables, "notes"), "the other program's database has tables %s", show(tables));
    free(tables);

    path_of(path, "notes.txt");
    const char text[] = "these are not the pages of a database, but they are long enough to be read as a header\n";
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(text, 1, sizeof text - 1, f) == sizeof text - 1 && fclose(f) == 0, "writing %s", path);
    error = open_refused(path);
    CHECK(strstr(error, "not a database"), "the message: %s", error);
    free(error);
    size_t len;
    char *data = read_all(path, &len);
    CHECK(data && len == sizeof text - 1 && memcmp(data, text, len) == 0, "the text file changed");
    free(data);

    free(open_refused(dir));
    free(open_refused(""));
    free(open_refused(NULL));
    free(open_refused(":memory:"));
    CHECK(!exists(":memory:"), "a file named :memory: was created");
}

/* The account check: the first key is fingerprinted, the same key matches (after a reopen too),
 * another key mismatches; the key's bytes, or a plain hash of them, are nowhere in the files, and
 * the same key fingerprints differently in two journals (salted). */
static void case_account(void)
{
    static const char key[] = "sk-live/VERY+secret/4242-journal";
    char path[PATH_MAX], wal[PATH_MAX + 8], shm[PATH_MAX + 8], path2[PATH_MAX];
    path_of(path, "account.journal");
    path_of(path2, "account-2.journal");
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);

    gt_journal *j = open_ok(path);
    CHECK(gt_journal_check_account(j, NULL) == GT_JOURNAL_ERROR, "no key");
    CHECK(gt_journal_check_account(j, "") == GT_JOURNAL_ERROR, "an empty key");
    CHECK(gt_journal_check_account(j, key) == GT_JOURNAL_OK, "first use: %s", gt_journal_error(j));
    CHECK(gt_journal_check_account(j, key) == GT_JOURNAL_OK, "the same key: %s", gt_journal_error(j));
    CHECK(gt_journal_check_account(j, "sk-live/someone-else") == GT_JOURNAL_MISMATCH, "another key: %s",
          gt_journal_error(j));
    CHECK(strstr(gt_journal_error(j), "another API key"), "the message: %s", gt_journal_error(j));
    CHECK(!strstr(gt_journal_error(j), "someone-else"), "the message shows the key: %s", gt_journal_error(j));
    gt_record r = sample("row-1", "{\"prompt\":\"a fox\"}");
    CHECK(gt_journal_add(j, &r) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    gt_record_clear(&r);

    char *plain_hash = sha256_hex(key);
    const char *files[] = {path, wal, shm};
    CHECK(exists(wal), "no -wal file to search while the journal is open");
    for (int i = 0; i < 3; i++) {
        CHECK(!file_holds(files[i], key), "the key is in %s", files[i]);
        CHECK(!file_holds(files[i], plain_hash), "the key's unsalted SHA-256 is in %s", files[i]);
    }
    gt_journal_close(j);

    j = open_ok(path);
    CHECK(gt_journal_check_account(j, key) == GT_JOURNAL_OK, "the same key after a reopen: %s", gt_journal_error(j));
    CHECK(gt_journal_check_account(j, "sk-live/someone-else") == GT_JOURNAL_MISMATCH, "another key after a reopen");
    gt_journal_close(j);
    CHECK(!file_holds(path, key), "the key is in the closed journal");
    CHECK(!file_holds(path, plain_hash), "the key's unsalted SHA-256 is in the closed journal");
    free(plain_hash);

    j = open_ok(path2);
    CHECK(gt_journal_check_account(j, key) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    gt_journal_close(j);
    const char *sql = "SELECT value FROM meta WHERE name = 'account_fingerprint'";
    char *fp1 = query_text(path, sql), *fp2 = query_text(path2, sql);
    CHECK(is_hex_sha256(fp1), "the fingerprint is %s", show(fp1));
    CHECK(!same(fp1, fp2), "one key, two journals, one fingerprint: not salted");
    free(fp1);
    free(fp2);
}

/* The request hash: key order and spacing do not matter at any depth, every value does; it is the
 * SHA-256 of exactly the documented canonical text; NULL for what is not JSON. */
static void case_request_hash(void)
{
    char *h1 = gt_request_hash(
        "bfl", "flux-dev", "{\"prompt\":\"a fox\",\"size\":{\"w\":1024,\"h\":768},\"tags\":[\"a\",{\"y\":1,\"x\":2}]}");
    char *h2 = gt_request_hash("bfl", "flux-dev",
                               " { \"tags\" : [ \"a\", { \"x\": 2, \"y\": 1 } ],\n \"size\": {\"h\": 768, \"w\": 1024},"
                               " \"prompt\": \"a fox\" } ");
    CHECK(is_hex_sha256(h1), "the hash is %s", show(h1));
    CHECK(same(h1, h2), "the same params in another order: %s and %s", show(h1), show(h2));

    const char *differs[][3] = {
        {"bfl", "flux-dev",
         "{\"prompt\":\"a fox!\",\"size\":{\"w\":1024,\"h\":768},\"tags\":[\"a\",{\"y\":1,\"x\":2}]}"},
        {"bfl", "flux-dev",
         "{\"prompt\":\"a fox\",\"size\":{\"w\":1024,\"h\":769},\"tags\":[\"a\",{\"y\":1,\"x\":2}]}"},
        {"bfl", "flux-dev",
         "{\"prompt\":\"a fox\",\"size\":{\"w\":1024,\"h\":768},\"tags\":[{\"y\":1,\"x\":2},\"a\"]}"},
        {"bfl", "flux-pro",
         "{\"prompt\":\"a fox\",\"size\":{\"w\":1024,\"h\":768},\"tags\":[\"a\",{\"y\":1,\"x\":2}]}"},
        {"fox", "flux-dev",
         "{\"prompt\":\"a fox\",\"size\":{\"w\":1024,\"h\":768},\"tags\":[\"a\",{\"y\":1,\"x\":2}]}"},
        {"bfl", "flux-dev", "{\"prompt\":\"a fox\",\"size\":{\"w\":1024,\"h\":768}}"},
    };
    for (size_t i = 0; i < sizeof differs / sizeof differs[0]; i++) {
        char *h = gt_request_hash(differs[i][0], differs[i][1], differs[i][2]);
        CHECK(h && !same(h, h1), "%s %s %s hashes like the original", differs[i][0], differs[i][1], differs[i][2]);
        free(h);
    }

    /* the canonical text, spelled out: keys sorted at every depth, no spaces, 1.0 printed 1 */
    char *want = sha256_hex("{\"model\":\"flux-dev\",\"params\":{\"a\":1,\"b\":[2,{\"c\":3,\"d\":\"\\u00e9\"}]},"
                            "\"provider\":\"bfl\"}");
    char *got = gt_request_hash("bfl", "flux-dev", "{\"b\":[2,{\"d\":\"\\u00e9\",\"c\":3}],\"a\":1.0}");
    /* cJSON prints é as UTF-8, not \u00e9: the expected text is hashed from that spelling */
    char *want_utf8 = sha256_hex("{\"model\":\"flux-dev\",\"params\":{\"a\":1,\"b\":[2,{\"c\":3,\"d\":\"\xc3\xa9\"}]},"
                                 "\"provider\":\"bfl\"}");
    CHECK(same(got, want_utf8), "the hash of the canonical text is %s, not %s", show(got), show(want_utf8));
    CHECK(!same(got, want), "escapes were kept as written");
    free(want);
    free(want_utf8);
    free(got);

    const char *not_json[] = {"not json", "{\"a\":1} trailing", "", "{\"a\":}", "{'a':1}"};
    for (size_t i = 0; i < sizeof not_json / sizeof not_json[0]; i++) {
        char *h = gt_request_hash("bfl", "flux-dev", not_json[i]);
        CHECK(!h, "'%s' hashed to %s", not_json[i], h);
    }
    CHECK(!gt_request_hash("bfl", "flux-dev", NULL), "no params");
    CHECK(!gt_request_hash(NULL, "flux-dev", "{}"), "no provider");
    CHECK(!gt_request_hash("bfl", NULL, "{}"), "no model");
    free(h1);
    free(h2);
}

/* The key's shared state between two connections, as two processes hold it: the cap counts both
 * owners' places, a place given back or an owner whose lease ran out frees one, and the pause and
 * the learned cap one writes the other reads. Times are passed in: no clock is waited for. */
static void case_shared(void)
{
    char path[PATH_MAX];
    path_of(path, "shared.journal");
    gt_journal *a = open_ok(path), *b = open_ok(path);
    bool taken = false;
    /* a's lease runs to 7000; b's to 9000 */
    for (int i = 0; i < 2; i++) {
        CHECK(gt_sqlite_take_slot(FILE_OF(a), "owner-a", 3, 1000, 7000, &taken) == GT_JOURNAL_OK, "%s",
              gt_journal_error(a));
        CHECK(taken, "a's place %d of 3 was refused", i + 1);
    }
    CHECK(gt_sqlite_take_slot(FILE_OF(b), "owner-b", 3, 1000, 9000, &taken) == GT_JOURNAL_OK, "%s",
          gt_journal_error(b));
    CHECK(taken, "b's place, the third of 3, was refused");
    CHECK(gt_sqlite_take_slot(FILE_OF(b), "owner-b", 3, 1000, 9000, &taken) == GT_JOURNAL_OK, "%s",
          gt_journal_error(b));
    CHECK(!taken, "a fourth place of 3 was taken");
    CHECK(gt_sqlite_take_slot(FILE_OF(b), "owner-b", 0, 1000, 9000, &taken) == GT_JOURNAL_OK && taken,
          "a task already at the provider (cap 0) was refused its place");
    CHECK(gt_sqlite_add_slots(FILE_OF(b), "owner-b", -1, 9000) == GT_JOURNAL_OK, "%s", gt_journal_error(b));

    CHECK(gt_sqlite_add_slots(FILE_OF(a), "owner-a", -1, 7000) == GT_JOURNAL_OK, "%s", gt_journal_error(a));
    CHECK(gt_sqlite_take_slot(FILE_OF(b), "owner-b", 3, 2000, 9000, &taken) == GT_JOURNAL_OK && taken,
          "the place a gave back was not free for b");
    CHECK(gt_sqlite_take_slot(FILE_OF(b), "owner-b", 3, 2000, 9000, &taken) == GT_JOURNAL_OK && !taken,
          "a gave back one place, b took two");
    /* past a's lease its place is free, though a never gave it back; b's own always count */
    CHECK(gt_sqlite_take_slot(FILE_OF(b), "owner-b", 3, 8000, 9000, &taken) == GT_JOURNAL_OK && taken,
          "an expired owner's place still counted");
    CHECK(gt_sqlite_take_slot(FILE_OF(b), "owner-b", 3, 8000, 9000, &taken) == GT_JOURNAL_OK && !taken,
          "b's own three places did not count");
    CHECK(gt_sqlite_leave(FILE_OF(b), "owner-b") == GT_JOURNAL_OK, "%s", gt_journal_error(b));
    char *rows = query_text(path, "SELECT count(*) FROM owners WHERE owner = 'owner-b'");
    CHECK(same(rows, "0"), "b left %s rows", show(rows));
    free(rows);

    int64_t paused_until = -1;
    double cap = 0;
    CHECK(gt_sqlite_shared(FILE_OF(b), &paused_until, &cap) == GT_JOURNAL_OK, "%s", gt_journal_error(b));
    CHECK(paused_until == 0 && cap < 0, "a new journal is paused until %lld with cap %g", (long long)paused_until, cap);
    CHECK(gt_sqlite_pause(FILE_OF(a), 5000) == GT_JOURNAL_OK && gt_sqlite_pause(FILE_OF(b), 3000) == GT_JOURNAL_OK,
          "pausing failed");
    CHECK(gt_sqlite_set_cap(FILE_OF(a), 3.5) == GT_JOURNAL_OK, "%s", gt_journal_error(a));
    CHECK(gt_sqlite_shared(FILE_OF(b), &paused_until, &cap) == GT_JOURNAL_OK, "%s", gt_journal_error(b));
    CHECK(paused_until == 5000, "the later pause is kept, not the last written: %lld", (long long)paused_until);
    CHECK(cap == 3.5, "b reads the cap a learned as %g", cap);
    gt_journal_close(a);
    gt_journal_close(b);
}

static const gt_delivery_limits a_minute = {.max_age_ms = 60000, .max_count = 1000, .max_bytes = 1 << 20};

/* Deliveries posted by one connection are read by another, per provider, oldest first, with the
 * verifier they were posted with; a taken one is gone; one nobody took is dropped by a later post
 * once older than its age limit. */
static void case_deliveries(void)
{
    char path[PATH_MAX];
    path_of(path, "deliveries.journal");
    gt_journal *a = open_ok(path), *b = open_ok(path);
    CHECK(gt_sqlite_post_delivery(FILE_OF(a), "bfl", "t-1", "{\"id\":\"t-1\"}", "fp-a", 1000, &a_minute) ==
              GT_JOURNAL_OK,
          "%s", gt_journal_error(a));
    CHECK(gt_sqlite_post_delivery(FILE_OF(a), "modelslab", "9", NULL, NULL, 1000, &a_minute) == GT_JOURNAL_OK, "%s",
          gt_journal_error(a));
    CHECK(gt_sqlite_post_delivery(FILE_OF(a), "bfl", "t-2", NULL, NULL, 2000, &a_minute) == GT_JOURNAL_OK, "%s",
          gt_journal_error(a));
    gt_journal_delivery *list = NULL;
    size_t n = 0;
    CHECK(gt_sqlite_deliveries(FILE_OF(b), "bfl", &list, &n) == GT_JOURNAL_OK, "%s", gt_journal_error(b));
    CHECK(n == 2, "b reads %zu deliveries for bfl, not 2", n);
    CHECK(same(list[0].remote_id, "t-1") && same(list[0].body, "{\"id\":\"t-1\"}") && same(list[0].verifier, "fp-a"),
          "the first: %s %s %s", show(list[0].remote_id), show(list[0].body), show(list[0].verifier));
    CHECK(same(list[1].remote_id, "t-2") && !list[1].body && !list[1].verifier, "the second: %s %s",
          show(list[1].remote_id), show(list[1].body));
    CHECK(gt_sqlite_drop_delivery(FILE_OF(b), list[0].id) == GT_JOURNAL_OK, "%s", gt_journal_error(b));
    gt_journal_deliveries_free(list, n);
    CHECK(gt_sqlite_deliveries(FILE_OF(a), "bfl", &list, &n) == GT_JOURNAL_OK, "%s", gt_journal_error(a));
    CHECK(n == 1 && same(list[0].remote_id, "t-2"), "after the take a reads %zu, the first %s", n,
          n ? show(list[0].remote_id) : "none");
    gt_journal_deliveries_free(list, n);
    /* at 61500 with 60 s of age, those posted at 1000 go (t-2, posted at 2000, stays) */
    CHECK(gt_sqlite_post_delivery(FILE_OF(b), "bfl", "t-3", NULL, NULL, 61500, &a_minute) == GT_JOURNAL_OK, "%s",
          gt_journal_error(b));
    char *left = query_text(path, "SELECT group_concat(remote_id, ',') FROM (SELECT remote_id FROM deliveries "
                                  "ORDER BY id)");
    CHECK(same(left, "t-2,t-3"), "left after the old ones were dropped: %s", show(left));
    free(left);
    /* a gentask of schema 4 on the same file reads verified: never 1, whatever the verifier */
    char *trusted = query_text(path, "SELECT count(*) FROM deliveries WHERE verified <> 0");
    CHECK(same(trusted, "0"), "rows an older gentask would trust: %s", show(trusted));
    free(trusted);
    gt_journal_close(a);
    gt_journal_close(b);
}

/* A flood of unverified posts leaves a provider's rows within the count and the bytes, the newest
 * kept; the verified ones stay whatever the flood; another provider's rows are not counted. */
static void case_delivery_bounds(void)
{
    char path[PATH_MAX];
    path_of(path, "bounds.journal");
    gt_journal *j = open_ok(path);
    const gt_delivery_limits ten = {.max_age_ms = 60000, .max_count = 10, .max_bytes = 1 << 20};
    CHECK(gt_sqlite_post_delivery(FILE_OF(j), "modelslab", "other", NULL, NULL, 1000, &ten) == GT_JOURNAL_OK, "%s",
          gt_journal_error(j));
    for (int i = 0; i < 3; i++) {
        char id[32];
        snprintf(id, sizeof id, "signed-%d", i);
        CHECK(gt_sqlite_post_delivery(FILE_OF(j), "bfl", id, "{}", "fp", 1000, &ten) == GT_JOURNAL_OK, "%s",
              gt_journal_error(j));
    }
    for (int i = 0; i < 50; i++) {
        char id[32];
        snprintf(id, sizeof id, "forged-%02d", i);
        CHECK(gt_sqlite_post_delivery(FILE_OF(j), "bfl", id, NULL, NULL, 1000 + i, &ten) == GT_JOURNAL_OK, "%s",
              gt_journal_error(j));
    }
    char *kept = query_text(path, "SELECT group_concat(remote_id, ',') FROM (SELECT remote_id FROM deliveries "
                                  "WHERE provider = 'bfl' ORDER BY id)");
    CHECK(
        same(kept, "signed-0,signed-1,signed-2,forged-43,forged-44,forged-45,forged-46,forged-47,forged-48,forged-49"),
        "kept after 50 forged posts: %s", show(kept));
    free(kept);
    char *other = query_text(path, "SELECT count(*) FROM deliveries WHERE provider = 'modelslab'");
    CHECK(same(other, "1"), "the other provider's rows: %s", show(other));
    free(other);
    /* bytes: ids of 100 bytes under a bound of 1000 bytes keep at most 10 rows' worth */
    const gt_delivery_limits small = {.max_age_ms = 60000, .max_count = 1000, .max_bytes = 1000};
    char id[101];
    for (int i = 0; i < 30; i++) {
        snprintf(id, sizeof id, "%0100d", i);
        CHECK(gt_sqlite_post_delivery(FILE_OF(j), "apixo", id, NULL, NULL, 1000, &small) == GT_JOURNAL_OK, "%s",
              gt_journal_error(j));
    }
    char *bytes = query_text(path,
                             "SELECT sum(length(CAST(remote_id AS BLOB))) FROM deliveries WHERE provider = 'apixo'");
    CHECK(same(bytes, "1000"), "bytes kept for apixo: %s", show(bytes));
    free(bytes);
    gt_journal_close(j);
}

/* What schema 6 added (money: the records' columns, the totals and their triggers) taken away again:
 * the file as a gentask of schema 5 left it. */
static void back_to_schema_5(const char *path)
{
    exec_sql(path, "DROP TRIGGER records_totals_insert; DROP TRIGGER records_totals_update; "
                   "DROP TRIGGER records_totals_delete; DROP TABLE totals; ALTER TABLE records DROP COLUMN reserved; "
                   "ALTER TABLE records DROP COLUMN cost; ALTER TABLE records DROP COLUMN cost_source; "
                   "PRAGMA user_version = 5");
}

/* A journal of an earlier schema (3: no deliveries; 4: deliveries without a verifier; 5: no money)
 * is migrated on open, its records kept, its totals counted from them. */
static void case_migrate(void)
{
    char path[PATH_MAX];
    path_of(path, "old.journal");
    gt_journal *j = open_ok(path);
    gt_record r = sample("row-1", "{\"prompt\":\"x\"}");
    CHECK(gt_journal_add(j, &r) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    r.stage = GT_RECORD_ACCEPTED;
    CHECK(gt_journal_update(j, &r) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    gt_record_clear(&r);
    gt_journal_close(j);
    back_to_schema_5(path);

    j = open_ok(path);
    char *version = query_text(path, "PRAGMA user_version");
    CHECK(same(version, "6"), "the journal of schema 5 is now %s", show(version));
    free(version);
    int64_t sent = 0;
    CHECK(gt_journal_count_sent(j, &sent) == GT_JOURNAL_OK && sent == 1, "sent records after the migration: %lld",
          (long long)sent);
    gt_journal_close(j);

    back_to_schema_5(path);
    exec_sql(path, "DROP TABLE deliveries; PRAGMA user_version = 3");
    j = open_ok(path);
    version = query_text(path, "PRAGMA user_version");
    CHECK(same(version, "6"), "the migrated journal's version is %s", show(version));
    free(version);
    CHECK(gt_sqlite_post_delivery(FILE_OF(j), "bfl", "t-1", NULL, NULL, 1000, &a_minute) == GT_JOURNAL_OK, "%s",
          gt_journal_error(j));
    char *count = query_text(path, "SELECT count(*) FROM records");
    CHECK(same(count, "1"), "the migrated journal's records: %s", show(count));
    free(count);
    gt_journal_close(j);

    back_to_schema_5(path);
    exec_sql(path, "ALTER TABLE deliveries DROP COLUMN verifier; PRAGMA user_version = 4");
    j = open_ok(path);
    version = query_text(path, "PRAGMA user_version");
    CHECK(same(version, "6"), "the journal of schema 4 is now %s", show(version));
    free(version);
    CHECK(gt_sqlite_post_delivery(FILE_OF(j), "bfl", "t-2", "{}", "fp", 2000, &a_minute) == GT_JOURNAL_OK, "%s",
          gt_journal_error(j));
    char *verifier = query_text(path, "SELECT verifier FROM deliveries WHERE remote_id = 't-2'");
    CHECK(same(verifier, "fp"), "the verifier written after the migration: %s", show(verifier));
    free(verifier);
    gt_journal_close(j);
}

static void check_totals(int line, gt_journal *j, int64_t want_sent, double want_settled, double want_held)
{
    int64_t sent;
    double settled, held;
    CHECK(gt_sqlite_totals(FILE_OF(j), &sent, &settled, &held) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    CHECK(sent == want_sent && fabs(settled - want_settled) < 1e-9 && fabs(held - want_held) < 1e-9,
          "totals at line %d: sent %lld, settled %g, held %g; wanted %lld, %g, %g", line, (long long)sent, settled,
          held, (long long)want_sent, want_settled, want_held);
}

/* A record becomes sent only within the journal's budget: max_cost against what ended tasks spent
 * (OVER_BUDGET) and what tasks in flight hold (BUDGET_HELD), max_submits against the records sent.
 * A refused record is not written; the totals follow every write. */
static void case_budget(void)
{
    char path[PATH_MAX];
    path_of(path, "budget.journal");
    gt_journal *j = open_ok(path);
    j->budget = (gt_journal_budget){.max_cost = 1.0};
    gt_record a = sample("a", "{\"prompt\":\"a\"}");
    a.stage = GT_RECORD_SENDING;
    a.reserved = 0.6;
    CHECK(gt_journal_add(j, &a) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    check_totals(__LINE__, j, 1, 0, 0.6);

    gt_record b = sample("b", "{\"prompt\":\"b\"}");
    b.stage = GT_RECORD_SENDING;
    b.reserved = 0.5;
    CHECK(gt_journal_add(j, &b) == GT_JOURNAL_BUDGET_HELD, "b while a holds 0.6: %s", gt_journal_error(j));
    char *count = query_text(path, "SELECT count(*) FROM records");
    CHECK(same(count, "1"), "records after a refusal: %s", show(count));
    free(count);

    a.stage = GT_RECORD_ENDED; /* answered with an id: it went out */
    a.remote_id = gt_strdup("t-a");
    a.cost = 0.7;
    a.cost_source = gt_strdup("reported");
    CHECK(gt_journal_update(j, &a) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    check_totals(__LINE__, j, 1, 0.7, 0);
    CHECK(gt_journal_add(j, &b) == GT_JOURNAL_OVER_BUDGET, "b after a spent 0.7: %s", gt_journal_error(j));

    gt_record c = sample("c", "{\"prompt\":\"c\"}");
    c.stage = GT_RECORD_SENDING;
    c.reserved = 0.3; /* 0.7 + 0.3: the budget to the last cent, a float's rounding forgiven */
    CHECK(gt_journal_add(j, &c) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    c.stage = GT_RECORD_ENDED; /* ended, its cost unknown: its bound stays spent */
    c.remote_id = gt_strdup("t-c");
    CHECK(gt_journal_update(j, &c) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    check_totals(__LINE__, j, 2, 1.0, 0);

    gt_record found = {0};
    CHECK(gt_journal_find_key(j, "a", &found) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    CHECK(same(found.cost_source, "reported") && found.cost == 0.7 && found.reserved == 0.6,
          "a read back: cost %g (%s), reserved %g", found.cost, show(found.cost_source), found.reserved);
    gt_record_clear(&found);

    /* max_submits: two records sent already; a queued one may be written, not sent */
    j->budget = (gt_journal_budget){.max_submits = 2};
    gt_record d = sample("d", "{\"prompt\":\"d\"}");
    CHECK(gt_journal_add(j, &d) == GT_JOURNAL_OK, "%s", gt_journal_error(j));
    d.stage = GT_RECORD_SENDING;
    CHECK(gt_journal_update(j, &d) == GT_JOURNAL_OVER_BUDGET, "d past max_submits: %s", gt_journal_error(j));
    char *stage = query_text(path, "SELECT stage FROM records WHERE caller_key = 'd'");
    CHECK(same(stage, "queued"), "d after the refusal: %s", show(stage));
    free(stage);
    gt_record_clear(&a);
    gt_record_clear(&b);
    gt_record_clear(&c);
    gt_record_clear(&d);
    gt_journal_close(j);
}

static const struct {
    const char *name;
    void (*run)(void);
} cases[] = {
    {"create", case_create},
    {"round_trip", case_round_trip},
    {"killed", case_killed},
    {"busy", case_busy},
    {"newer_schema", case_newer_schema},
    {"not_a_journal", case_not_a_journal},
    {"account", case_account},
    {"request_hash", case_request_hash},
    {"shared", case_shared},
    {"deliveries", case_deliveries},
    {"delivery_bounds", case_delivery_bounds},
    {"migrate", case_migrate},
    {"budget", case_budget},
};

int main(int argc, char **argv)
{
    size_t n = sizeof cases / sizeof cases[0];
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++) puts(cases[i].name);
        return 0;
    }
    for (size_t i = 0; argc == 2 && i < n; i++) {
        if (strcmp(argv[1], cases[i].name) != 0) continue;
        case_name = cases[i].name;
        const char *tmp = getenv("TMPDIR");
        int len = snprintf(dir, sizeof dir, "%s/gentask-journal-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (len < 0 || (size_t)len >= sizeof dir) {
            dir[0] = '\0';
            CHECK(false, "TMPDIR is too long");
        }
        CHECK(mkdtemp(dir), "mkdtemp %s: %s", dir, strerror(errno));
        cases[i].run();
        remove_dir();
        return 0;
    }
    fprintf(stderr, "usage: journal_test CASE | --list\n");
    return 2;
}
