/* journal_redis.c — the journal kept in Redis (journal.h's ops), so that the clients of one API
 * key on several machines share one journal: a record written by one is recovered by another
 * when its owner's lease runs out. Each operation is one server-side script
 * (journal_redis_scripts.h), atomic against every other client.
 *
 * A round of records is committed with one script. The engine's loop must never wait on Redis, so
 * a commit goes out on the client's asynchronous link (redis_link.c) and answers later (PENDING);
 * a link that fails or times out answers BUSY, and the round is written again under the same ids
 * (ids are drawn here, at random, so that writing a round twice is harmless). The reads that the
 * journal's interface answers at once — the account check and the sent count at open, a caller's
 * key, recover()'s claim and list — are asked on the link too (journal.h's *_then calls): the
 * client never waits on Redis with the loop stopped. The blocking connection that answers the
 * same reads at once (journal.h's plain calls) is left for callers outside any loop (the journal's
 * own test), each call bounded by the link's timeout. */
#include "journal_redis.h"

#include <cJSON.h>
#include <math.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "journal_redis_scripts.h"
#include "lease.h"

static gt_redis_script commit_script = {.source = GT_REDIS_COMMIT};
static gt_redis_script disown_script = {.source = GT_REDIS_DISOWN};
static gt_redis_script find_key_script = {.source = GT_REDIS_FIND_KEY};
static gt_redis_script claim_script = {.source = GT_REDIS_CLAIM};
static gt_redis_script unended_script = {.source = GT_REDIS_UNENDED};
#define COUNT_SENT_SCRIPT "return redis.call('GET', ARGV[1] .. ':sent') or '0'"
static gt_redis_script count_sent_script = {.source = COUNT_SENT_SCRIPT};
/* a claim that needs no store (a client without an owner name) still answers on the loop */
static gt_redis_script claimed_script = {.source = "return 1"};

typedef struct redis_journal {
    gt_journal base;
    gt_redis_link *link; /* the asynchronous connection, on the engine's loop: owned */
    redisContext *sync;  /* the blocking one, for reads; NULL until needed, or after a failure */
    bool auth_refused;   /* its last connection's AUTH was refused */
    gt_redis_addr address;
    long timeout_ms;
    char *ns;       /* the namespace: prefix and account fingerprint; NULL until Redis gave the salt */
    char *salt;     /* the salt ns was named with: every commit checks that Redis still holds it */
    char *salt_key; /* the prefix's salt, its lost mark, the salt started afresh (journal_redis_scripts.h) */
    char *lost_key;
    char *fresh_key;
    bool lost;                /* the records are gone: nothing is written any more, so nothing is sent */
    bool volatile_ok;         /* the caller accepts a Redis that keeps nothing on disk */
    bool fresh;               /* start afresh on a prefix marked lost */
    bool persistence_checked; /* CONFIG GET answered, and judged */
    char config[4][64];       /* its answers: appendonly, save, maxmemory, maxmemory-policy */
    char config_refusal[256]; /* why Redis would not say; "": it did */
    bool volatile_refused;    /* it keeps nothing, or will not say: every round fails */
    char *api_key;            /* secret: kept until the namespace is known, then wiped */
    bool naming;              /* the salt is asked for on the link */
    char *owner;              /* NULL: none named */
    cJSON *round;             /* the records of the open transaction (JSON texts); NULL: none open */
    bool committing;          /* a round handed to the link, unanswered */
    gt_journal_done_fn done;
    void *done_ctx;
    void (*counted)(void *ctx, int64_t n); /* a count of the submits sent, asked on the link */
    void *counted_ctx;
    bool counting; /* that count is on the link */
} redis_journal;

#define RJ(j) ((redis_journal *)(j))

/* ---- the blocking connection ------------------------------------------------------------------- */

static gt_journal_status sync_failed(redis_journal *j, const char *doing)
{
    if (j->auth_refused) return GT_JOURNAL_ERROR; /* Redis refused us: said already, and no later try helps */
    gt_journal_fail(&j->base, "%s: %s", doing, j->sync && j->sync->err ? j->sync->errstr : "Redis did not answer");
    if (j->sync) redisFree(j->sync);
    j->sync = NULL;
    return GT_JOURNAL_BUSY; /* unreachable now: the caller may try again later */
}

static bool is_prefixed(const redisReply *reply, const char *prefix)
{
    return reply && reply->type == REDIS_REPLY_ERROR && reply->str && strncmp(reply->str, prefix, strlen(prefix)) == 0;
}

/* The records are gone: said, and from now on every round and read fails with it. */
static gt_journal_status lost(redis_journal *j)
{
    j->lost = true;
    return gt_journal_fault(&j->base, GT_JOURNAL_LOST_CODE,
                            "the journal's records in Redis are gone (its account salt changed or vanished: a "
                            "FLUSHALL, a restart without persistence, evicted keys): nothing is sent through it, so "
                            "that no keyed submit pays twice; a client made with journal_fresh = true starts afresh");
}

/* An error reply as what it is: Redis refusing us (a password it wants or refused, a command the
 * ACL user may not run) is the store's fault, "redis"; the records gone, "journal_lost"; the rest
 * a failure of the script. Redis's words never hold the password. */
static gt_journal_status replied_error(redis_journal *j, const char *doing, const redisReply *reply)
{
    if (is_prefixed(reply, GT_REDIS_LOST_REPLY)) return lost(j);
    if (is_prefixed(reply, "NOAUTH") || is_prefixed(reply, "WRONGPASS") || is_prefixed(reply, "NOPERM"))
        return gt_journal_fault(&j->base, "redis", "%s: Redis refused: %s (the password: in the URL, or %s)", doing,
                                reply->str, GT_REDIS_PASSWORD_ENV);
    return gt_journal_fail(&j->base, "%s: Redis answered %s", doing, reply->str);
}

/* AUTH, first thing on the connection. false: refused (the journal's fault says why) or no answer. */
static bool auth_sync(redis_journal *j)
{
    const char *argv[3];
    int n = gt_redis_auth_argv(&j->address, argv);
    if (n == 0) return true;
    redisReply *reply = redisCommandArgv(j->sync, n, argv, NULL);
    bool ok = reply && reply->type != REDIS_REPLY_ERROR;
    j->auth_refused = reply && !ok;
    /* whatever Redis says to it (WRONGPASS; a Redis before 6 refuses a user: ERR wrong number of
     * arguments), a refused AUTH is the store refusing us */
    if (j->auth_refused)
        gt_journal_fault(&j->base, "redis", "AUTH: Redis refused: %s (the password: in the URL, or %s)", reply->str,
                         GT_REDIS_PASSWORD_ENV);
    if (reply) freeReplyObject(reply);
    return ok;
}

static bool connect_sync(redis_journal *j)
{
    struct timeval tv = {.tv_sec = j->timeout_ms / 1000, .tv_usec = (j->timeout_ms % 1000) * 1000};
    const gt_redis_addr *a = &j->address;
    j->auth_refused = false;
    j->sync = a->socket_path ? redisConnectUnixWithTimeout(a->socket_path, tv)
                             : redisConnectWithTimeout(a->host, a->port, tv);
    if (j->sync && !j->sync->err) {
        redisSetTimeout(j->sync, tv);
        gt_redis_keep_from_children(j->sync->fd);
        if (!auth_sync(j) && !j->sync->err) {
            redisFree(j->sync);
            j->sync = NULL;
            return false;
        }
    }
    return j->sync && !j->sync->err;
}

/* One command on the blocking connection; NULL: no answer (sync_failed says why). A connection
 * Redis closed since its last use (a restart) is made again once; one that timed out is not: that
 * would wait twice. */
static redisReply *sync_command(redis_journal *j, int argc, const char **argv)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        bool fresh = !j->sync;
        if (!j->sync && !connect_sync(j)) return NULL;
        redisReply *reply = redisCommandArgv(j->sync, argc, argv, NULL);
        if (reply || fresh || j->sync->err != REDIS_ERR_EOF) return reply;
        redisFree(j->sync);
        j->sync = NULL;
    }
    return NULL;
}

/* ---- the namespace ----------------------------------------------------------------------------- */

/* The journal's keys are under the prefix and an HMAC of the API key under a salt kept in Redis
 * (the first client stores it), as shared_redis.c names the key's shared state: the journal and
 * the key's state are one namespace, and two accounts on one Redis never meet (so there is no
 * "another account's journal" here: another key simply has another namespace). The key never
 * leaves this process; its copy is wiped once the namespace is known. Creating a client does not
 * wait for a Redis that is down: the namespace is then asked for by the first round, on the link. */
static gt_redis_script salt_script = {.source = GT_REDIS_SALT};

static gt_journal_status name_namespace(redis_journal *j, const redisReply *salt)
{
    if (!salt || salt->type != REDIS_REPLY_STRING || salt->len == 0)
        return gt_journal_fail(&j->base, "reading the account's salt: Redis answered %s",
                               salt && salt->type == REDIS_REPLY_ERROR ? salt->str : "no salt");
    j->ns = gt_account_namespace(j->address.prefix, salt->str, salt->len, j->api_key);
    j->salt = gt_strndup(salt->str, salt->len);
    if (!j->ns || !j->salt) {
        free(j->ns);
        j->ns = NULL;
        return gt_journal_fail(&j->base, "naming the journal's keys: out of memory");
    }
    gt_wipe_free(j->api_key);
    j->api_key = NULL;
    return GT_JOURNAL_OK;
}

/* ---- whether Redis keeps its data ------------------------------------------------------------- */

/* A Redis that keeps nothing on disk (no append-only file, no snapshots) forgets every record when
 * it restarts, and one that may evict any key when full (maxmemory with an allkeys-* policy) drops
 * records at will: either way a keyed re-run pays again. Such a Redis is refused, unless the caller
 * said it accepts that (redis_volatile_ok); so is one that will not say (CONFIG refused to this
 * user, or renamed). CONFIG GET's answers are noted as they come, on either connection, and
 * judged together before the journal's keys are named. */
enum { ASK_AOF, ASK_SAVE, ASK_MAXMEMORY, ASK_POLICY, ASK_COUNT };
static const char *config_argv[ASK_COUNT][3] = {
    {"CONFIG", "GET", "appendonly"},
    {"CONFIG", "GET", "save"},
    {"CONFIG", "GET", "maxmemory"},
    {"CONFIG", "GET", "maxmemory-policy"},
};

static void note_config(redis_journal *j, int ask, const redisReply *reply)
{
    const redisReply *value = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 ? reply->element[1]
                                                                                                : NULL;
    if (!value || value->type != REDIS_REPLY_STRING) {
        snprintf(j->config_refusal, sizeof j->config_refusal, "%s",
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no answer");
        return;
    }
    snprintf(j->config[ask], sizeof j->config[ask], "%s", value->str);
}

static bool keeps_data(const redis_journal *j) /* appendonly yes, or any save rule ("3600 1 300 100") */
{
    return strcmp(j->config[ASK_AOF], "yes") == 0 || j->config[ASK_SAVE][0] != '\0';
}

static bool evicts_any_key(const redis_journal *j) /* a memory limit, and any key may go to keep it */
{
    return strcmp(j->config[ASK_MAXMEMORY], "0") != 0 && strncmp(j->config[ASK_POLICY], "allkeys-", 8) == 0;
}

static gt_journal_status persistence_fault(redis_journal *j)
{
    if (j->config_refusal[0])
        return gt_journal_fault(&j->base, "redis",
                                "Redis will not say whether it keeps its data (CONFIG GET: %s): a Redis that "
                                "forgets the journal pays keyed re-runs again; say redis_volatile_ok = true to "
                                "accept that",
                                j->config_refusal);
    if (!keeps_data(j))
        return gt_journal_fault(&j->base, "redis",
                                "Redis keeps nothing on disk (appendonly no, no save rules): a restart forgets the "
                                "journal, and keyed re-runs pay again; run it with appendonly yes, or say "
                                "redis_volatile_ok = true to accept that");
    return gt_journal_fault(&j->base, "redis",
                            "Redis may evict any key when full (maxmemory-policy %s): an evicted record is a keyed "
                            "re-run paid again; use noeviction or a volatile-* policy, or say redis_volatile_ok = "
                            "true to accept that",
                            j->config[ASK_POLICY]);
}

/* Every answer noted: OK, or ERROR (a fault) for a Redis that may lose records or will not say,
 * which then refuses every round. */
static gt_journal_status judge_persistence(redis_journal *j)
{
    j->persistence_checked = true;
    j->volatile_refused = j->config_refusal[0] || !keeps_data(j) || evicts_any_key(j);
    return j->volatile_refused ? persistence_fault(j) : GT_JOURNAL_OK;
}

static bool persistence_asked(const redis_journal *j)
{
    return j->volatile_ok || j->persistence_checked;
}

static void forget_config(redis_journal *j)
{
    memset(j->config, 0, sizeof j->config);
    j->config_refusal[0] = '\0';
}

/* On the blocking connection: OK, BUSY (no answer) or ERROR. */
static gt_journal_status check_persistence(redis_journal *j)
{
    if (persistence_asked(j)) return j->volatile_refused ? persistence_fault(j) : GT_JOURNAL_OK;
    forget_config(j);
    for (int ask = 0; ask < ASK_COUNT; ask++) {
        redisReply *reply = sync_command(j, 3, config_argv[ask]);
        if (!reply) return sync_failed(j, "asking whether Redis keeps its data");
        if (is_prefixed(reply, "NOAUTH")) { /* no password given, and Redis asks for one */
            gt_journal_status status = replied_error(j, "asking whether Redis keeps its data", reply);
            freeReplyObject(reply);
            return status;
        }
        note_config(j, ask, reply);
        freeReplyObject(reply);
    }
    return judge_persistence(j);
}

static void config_answered(redis_journal *j, int ask, const redisReply *reply)
{
    if (reply) note_config(j, ask, reply);
}

static void aof_answered(void *j, const redisReply *reply)
{
    config_answered(j, ASK_AOF, reply);
}

static void save_answered(void *j, const redisReply *reply)
{
    config_answered(j, ASK_SAVE, reply);
}

static void maxmemory_answered(void *j, const redisReply *reply)
{
    config_answered(j, ASK_MAXMEMORY, reply);
}

static void policy_answered(void *j, const redisReply *reply)
{
    config_answered(j, ASK_POLICY, reply);
}

/* On the link, all asked in a row, answered before whatever is sent next (hiredis answers in
 * order). false: not all sent (one sent alone is answered harmlessly: all are asked again). */
static bool ask_persistence_async(redis_journal *j)
{
    static const gt_redis_reply_fn answered[ASK_COUNT] = {aof_answered, save_answered, maxmemory_answered,
                                                          policy_answered};
    forget_config(j);
    for (int ask = 0; ask < ASK_COUNT; ask++)
        if (!gt_redis_link_command(j->link, 3, config_argv[ask], answered[ask], j)) return false;
    return true;
}

/* ---- the namespace, continued ------------------------------------------------------------------ */

/* On the blocking connection: OK once named, BUSY when Redis does not answer, ERROR (a fault)
 * when it refuses us, keeps nothing, or lost the records. */
static gt_journal_status namespace_sync(redis_journal *j)
{
    if (j->lost) return lost(j);
    gt_journal_status status = check_persistence(j);
    if (status != GT_JOURNAL_OK || j->ns) return status;
    if (!j->api_key) return gt_journal_fail(&j->base, "the account was not checked first");
    char salt[2 * GT_ACCOUNT_SALT_BYTES + 1], *key = gt_account_salt_args(j->address.prefix, salt);
    if (!key) return gt_journal_fail(&j->base, "naming the journal's keys: no random bytes, or out of memory");
    const char *argv[] = {"EVAL", GT_REDIS_SALT, "3", key, j->lost_key, j->fresh_key, salt, j->fresh ? "1" : "0"};
    redisReply *reply = sync_command(j, 8, argv);
    free(key);
    if (!reply) return sync_failed(j, "reading the account's salt");
    status = reply->type == REDIS_REPLY_ERROR ? replied_error(j, "reading the account's salt", reply)
                                              : name_namespace(j, reply);
    freeReplyObject(reply);
    return status;
}

static void ask_count(redis_journal *j);

/* The salt's answer on the link comes after CONFIG GET's two (hiredis answers in order): they
 * are judged first, and a Redis that keeps nothing names no keys. */
static void salt_answered(void *journal, const redisReply *reply)
{
    redis_journal *j = journal;
    j->naming = false;
    if (!reply) return; /* the connection went: all is asked again */
    if (!persistence_asked(j) && judge_persistence(j) != GT_JOURNAL_OK) return;
    if (reply->type == REDIS_REPLY_ERROR) replied_error(j, "reading the account's salt", reply);
    else if (!j->ns && name_namespace(j, reply) == GT_JOURNAL_OK) ask_count(j);
}

/* On the link, for the rounds: false while the namespace is not known yet. Whether Redis keeps
 * its data is asked in the same breath when the blocking connection has not asked it (Redis was
 * down when the client was made). */
static bool namespace_async(redis_journal *j)
{
    if (j->ns) return true;
    if (j->naming || !j->api_key) return false;
    if (!persistence_asked(j) && !ask_persistence_async(j)) return false;
    char salt[2 * GT_ACCOUNT_SALT_BYTES + 1], *key = gt_account_salt_args(j->address.prefix, salt);
    const char *args[] = {key, j->lost_key, j->fresh_key, salt, j->fresh ? "1" : "0"};
    j->naming = key && gt_redis_link_eval(j->link, &salt_script, 3, 5, args, salt_answered, j);
    free(key);
    return false;
}

/* Runs script with argv (ARGV[1] the namespace, ARGV[2..] args) on the blocking connection. *out
 * the reply to freeReplyObject. */
static gt_journal_status run_sync(redis_journal *j, const char *script, const char *doing, int argc, const char **args,
                                  redisReply **out)
{
    *out = NULL;
    gt_journal_status named = namespace_sync(j);
    if (named != GT_JOURNAL_OK) return named;
    const char *argv[16] = {"EVAL", script, "0", j->ns};
    int n = 4;
    for (int i = 0; i < argc && n < 16; i++) argv[n++] = args[i];
    redisReply *reply = sync_command(j, n, argv);
    if (!reply) return sync_failed(j, doing);
    if (reply->type == REDIS_REPLY_ERROR) {
        replied_error(j, doing, reply);
        freeReplyObject(reply);
        return GT_JOURNAL_ERROR;
    }
    *out = reply;
    return GT_JOURNAL_OK;
}

/* ---- records as JSON --------------------------------------------------------------------------- */

static void add_text(cJSON *o, const char *name, const char *value)
{
    if (value) cJSON_AddStringToObject(o, name, value);
}

/* A record as a JSON object (a round is an array of them, sent as one argument: a script takes
 * only so many arguments, and a round has as many records as a batch). */
static cJSON *record_json(const gt_record *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)r->id);
    add_text(o, "id", id);
    add_text(o, "stage", gt_record_stage_name(r->stage));
    add_text(o, "caller_key", r->caller_key);
    add_text(o, "provider", r->provider);
    add_text(o, "model", r->model);
    add_text(o, "path", r->path);
    add_text(o, "poll_path", r->poll_path);
    add_text(o, "params", r->params);
    add_text(o, "request_hash", r->request_hash);
    add_text(o, "idempotency_key", r->idempotency_key);
    add_text(o, "remote_id", r->remote_id);
    add_text(o, "poll_url", r->poll_url);
    add_text(o, "outcome", r->outcome);
    add_text(o, "download", r->download);
    add_text(o, "files", r->files);
    /* amounts as text, as Redis keeps every field; %.17g reads back to the same double */
    char amount[40];
    if (r->reserved > 0) {
        snprintf(amount, sizeof amount, "%.17g", r->reserved);
        add_text(o, "reserved", amount);
    }
    if (r->cost_source) {
        snprintf(amount, sizeof amount, "%.17g", r->cost);
        add_text(o, "cost", amount);
        add_text(o, "cost_source", r->cost_source);
    }
    return o;
}

static bool copy_field(const cJSON *o, const char *name, char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsString(item)) return true;
    *out = gt_strdup(item->valuestring);
    return *out != NULL;
}

static int64_t number_field(const cJSON *o, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(item) ? strtoll(item->valuestring, NULL, 10) : 0;
}

/* An amount of money: a finite number >= 0, else 0 (a record is data: nothing else is taken). */
static double amount_field(const cJSON *o, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, name);
    double amount = cJSON_IsString(item) ? strtod(item->valuestring, NULL) : 0;
    return isfinite(amount) && amount > 0 ? amount : 0;
}

/* A record read back (every field a string, as Redis keeps them) into *r. */
static gt_journal_status record_from_json(redis_journal *j, const char *text, size_t len, gt_record *r)
{
    *r = (gt_record){0};
    cJSON *o = cJSON_ParseWithLength(text, len);
    const cJSON *stage = cJSON_GetObjectItemCaseSensitive(o, "stage");
    bool ok = o && cJSON_IsString(stage) && gt_record_stage_from_name(stage->valuestring, &r->stage);
    r->id = number_field(o, "id");
    r->created_ms = number_field(o, "created_ms");
    r->updated_ms = number_field(o, "updated_ms");
    ok = ok && r->id > 0 && copy_field(o, "caller_key", &r->caller_key) && copy_field(o, "provider", &r->provider) &&
         copy_field(o, "model", &r->model) && copy_field(o, "path", &r->path) &&
         copy_field(o, "poll_path", &r->poll_path) && copy_field(o, "params", &r->params) &&
         copy_field(o, "request_hash", &r->request_hash) && copy_field(o, "idempotency_key", &r->idempotency_key) &&
         copy_field(o, "remote_id", &r->remote_id) && copy_field(o, "poll_url", &r->poll_url) &&
         copy_field(o, "outcome", &r->outcome) && copy_field(o, "download", &r->download) &&
         copy_field(o, "files", &r->files) && copy_field(o, "cost_source", &r->cost_source);
    r->reserved = amount_field(o, "reserved");
    r->cost = amount_field(o, "cost");
    cJSON_Delete(o);
    if (ok && r->provider && r->model && r->path && r->params) return GT_JOURNAL_OK;
    gt_record_clear(r);
    return gt_journal_fail(&j->base, "a record in Redis cannot be read (written by something else?)");
}

/* ---- transactions ------------------------------------------------------------------------------ */

/* Redis refuses us for good, as the link found: the records gone, a Redis that keeps nothing, a
 * password it refused. Every round and read fails with it (the submits unsent), rather than wait
 * for an answer that will not change. OK: none. */
static gt_journal_status refused_on_link(redis_journal *j)
{
    if (j->lost) return lost(j);
    if (j->volatile_refused) return persistence_fault(j);
    const char *auth = gt_redis_link_refusal(j->link);
    if (auth)
        return gt_journal_fault(&j->base, "redis", "Redis refused the password: %s (the password: in the URL, or %s)",
                                auth, GT_REDIS_PASSWORD_ENV);
    return GT_JOURNAL_OK;
}

static gt_journal_status rj_begin(gt_journal *base)
{
    redis_journal *j = RJ(base);
    gt_journal_status refused = refused_on_link(j); /* every round fails, its submits unsent */
    if (refused != GT_JOURNAL_OK) return refused;
    if (j->round) return gt_journal_fail(base, "begin: a transaction is open already");
    if (j->committing) return GT_JOURNAL_BUSY; /* one round on the wire at a time */
    if (!namespace_async(j)) return GT_JOURNAL_BUSY;
    ask_count(j); /* a count that Redis did not answer before */
    j->round = cJSON_CreateArray();
    return j->round ? GT_JOURNAL_OK : gt_journal_fail(base, "begin: out of memory");
}

static void rj_rollback(gt_journal *base)
{
    redis_journal *j = RJ(base);
    cJSON_Delete(j->round);
    j->round = NULL;
}

/* One record the script did not write: {id, why}. false: not that shape. */
static bool read_refusal(const redisReply *item, gt_journal_refusal *out)
{
    if (item->type != REDIS_REPLY_ARRAY || item->elements != 2 || item->element[0]->type != REDIS_REPLY_STRING ||
        item->element[1]->type != REDIS_REPLY_STRING)
        return false;
    static const struct {
        const char *name;
        gt_journal_status why;
    } reasons[] = {{"duplicate", GT_JOURNAL_DUPLICATE},
                   {"over_budget", GT_JOURNAL_OVER_BUDGET},
                   {"budget_held", GT_JOURNAL_BUDGET_HELD}};
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        if (strcmp(item->element[1]->str, reasons[i].name) != 0) continue;
        out->id = strtoll(item->element[0]->str, NULL, 10);
        out->why = reasons[i].why;
        return true;
    }
    return false;
}

/* The link's answer to a round: the records it did not write, or a failure. */
static void round_answered(void *journal, const redisReply *reply)
{
    redis_journal *j = journal;
    j->committing = false;
    gt_journal_done_fn done = j->done;
    j->done = NULL;
    gt_journal_status status = GT_JOURNAL_OK;
    gt_journal_refusal stack[16], *refused = stack;
    size_t n = 0;
    if (!reply) {
        gt_journal_fail(&j->base, "commit: Redis did not answer in time (the round is written again)");
        status = GT_JOURNAL_BUSY;
    } else if (reply->type == REDIS_REPLY_ERROR) {
        status = replied_error(j, "commit", reply);
    } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0) {
        if (reply->elements > 16) refused = malloc(reply->elements * sizeof *refused);
        for (size_t i = 0; refused && i < reply->elements; i++)
            if (read_refusal(reply->element[i], &refused[n])) n++;
        if (!refused) status = gt_journal_fail(&j->base, "commit: out of memory");
    }
    if (done) done(j->done_ctx, status, refused, n);
    if (refused != stack) free(refused);
}

static void ignore(void *ctx, const redisReply *reply)
{
    (void)ctx;
    (void)reply;
}

/* The round goes out as one script: its arguments are the records' JSON texts. */
static gt_journal_status send_round(redis_journal *j, cJSON *round, bool answered)
{
    char now[32], lease[32], max_submits[32], max_cost[32], *records = cJSON_PrintUnformatted(round);
    if (!records) return gt_journal_fail(&j->base, "commit: out of memory");
    snprintf(now, sizeof now, "%lld", (long long)gt_wall_ms());
    snprintf(lease, sizeof lease, "%d", GT_LEASE_MS);
    /* the budget in whole millionths: the script's counts are integers */
    snprintf(max_submits, sizeof max_submits, "%ld", j->base.budget.max_submits);
    snprintf(max_cost, sizeof max_cost, "%.0f",
             j->base.budget.max_cost > 0 ? j->base.budget.max_cost * GT_REDIS_MONEY_UNITS : 0);
    const char *currency = j->base.budget.currency ? j->base.budget.currency : "";
    const char *args[] = {j->ns,        j->owner ? j->owner : "",
                          now,          lease,
                          records,      j->salt_key,
                          j->salt,      j->lost_key,
                          j->fresh_key, max_submits,
                          max_cost,     currency};
    bool sent = gt_redis_link_eval(j->link, &commit_script, 0, 12, args, answered ? round_answered : ignore, j);
    free(records);
    return sent ? GT_JOURNAL_PENDING : GT_JOURNAL_BUSY;
}

static gt_journal_status rj_commit(gt_journal *base, gt_journal_done_fn done, void *ctx)
{
    redis_journal *j = RJ(base);
    if (!j->round) return gt_journal_fail(base, "commit: no transaction is open");
    if (!done) return GT_JOURNAL_BUSY; /* only a caller that can wait commits here */
    if (cJSON_GetArraySize(j->round) == 0) {
        rj_rollback(base);
        return GT_JOURNAL_OK;
    }
    gt_journal_status status = send_round(j, j->round, true);
    if (status == GT_JOURNAL_PENDING) {
        j->committing = true;
        j->done = done;
        j->done_ctx = ctx;
        cJSON_Delete(j->round);
        j->round = NULL;
    }
    return status;
}

/* Within a transaction the record joins the round; outside one it goes out alone, unanswered (a
 * task dropped with a stage still to write: recover() reads whatever Redis kept). */
static gt_journal_status write_record(redis_journal *j, const gt_record *r)
{
    cJSON *item = record_json(r);
    if (!item) return gt_journal_fail(&j->base, "out of memory");
    if (j->round) {
        cJSON_AddItemToArray(j->round, item);
        return GT_JOURNAL_OK;
    }
    cJSON *alone = cJSON_CreateArray();
    if (!alone) {
        cJSON_Delete(item);
        return gt_journal_fail(&j->base, "out of memory");
    }
    cJSON_AddItemToArray(alone, item);
    gt_journal_status status = j->ns ? send_round(j, alone, false) : GT_JOURNAL_ERROR;
    cJSON_Delete(alone);
    return status == GT_JOURNAL_PENDING ? GT_JOURNAL_OK : status;
}

/* An id of 53 random bits: exact as a Lua number on every runtime, and never handed out twice in
 * practice, so that no counter on the server has to be asked first. */
static int64_t random_id(void)
{
    uint64_t bits = 0;
    while (bits == 0) {
        if (RAND_bytes((unsigned char *)&bits, sizeof bits) != 1) return 0;
        bits &= (UINT64_C(1) << 53) - 1;
    }
    return (int64_t)bits;
}

static gt_journal_status rj_add(gt_journal *base, gt_record *r)
{
    redis_journal *j = RJ(base);
    if (!r->provider || !r->model || !r->path || !r->params)
        return gt_journal_fail(base, "add: provider, model, path and params are required");
    if (!gt_record_stage_name(r->stage)) return gt_journal_fail(base, "add: unknown stage %d", (int)r->stage);
    if (!r->request_hash && !(r->request_hash = gt_request_hash(r->provider, r->model, r->params)))
        return gt_journal_fail(base, "add: params is not JSON (or out of memory)");
    r->id = random_id();
    if (!r->id) return gt_journal_fail(base, "add: no random bytes for an id");
    r->created_ms = r->updated_ms = gt_wall_ms();
    return write_record(j, r);
}

static gt_journal_status rj_update(gt_journal *base, gt_record *r)
{
    if (!gt_record_stage_name(r->stage)) return gt_journal_fail(base, "update: unknown stage %d", (int)r->stage);
    r->updated_ms = gt_wall_ms();
    return write_record(RJ(base), r);
}

/* ---- reads ------------------------------------------------------------------------------------- */

static gt_journal_status rj_find_key(gt_journal *base, const char *caller_key, gt_record *out)
{
    redis_journal *j = RJ(base);
    redisReply *reply;
    const char *args[] = {caller_key};
    gt_journal_status status = run_sync(j, GT_REDIS_FIND_KEY, "finding a key", 1, args, &reply);
    if (status != GT_JOURNAL_OK) return status;
    if (reply->type == REDIS_REPLY_STRING) status = record_from_json(j, reply->str, reply->len, out);
    else status = GT_JOURNAL_NOT_FOUND;
    freeReplyObject(reply);
    return status;
}

static gt_journal_status rj_unended(gt_journal *base, gt_record **out, size_t *n)
{
    redis_journal *j = RJ(base);
    *out = NULL;
    *n = 0;
    redisReply *reply;
    const char *args[] = {j->owner ? j->owner : ""};
    gt_journal_status status = run_sync(j, GT_REDIS_UNENDED, "listing the records not ended", 1, args, &reply);
    if (status != GT_JOURNAL_OK) return status;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0) {
        *out = calloc(reply->elements, sizeof **out);
        if (!*out) status = gt_journal_fail(base, "out of memory");
        for (size_t i = 0; status == GT_JOURNAL_OK && i < reply->elements; i++) {
            const redisReply *item = reply->element[i];
            if (item->type != REDIS_REPLY_STRING) continue;
            status = record_from_json(j, item->str, item->len, &(*out)[*n]);
            if (status == GT_JOURNAL_OK) (*n)++;
        }
    }
    freeReplyObject(reply);
    if (status != GT_JOURNAL_OK) {
        gt_records_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return status;
}

static gt_journal_status rj_count_sent(gt_journal *base, int64_t *n)
{
    redis_journal *j = RJ(base);
    redisReply *reply;
    *n = 0;
    if (!j->ns) return GT_JOURNAL_OK; /* Redis was down at creation: the count starts from here */
    gt_journal_status status = run_sync(j, COUNT_SENT_SCRIPT, "counting the submits sent", 0, NULL, &reply);
    if (status != GT_JOURNAL_OK) return status;
    *n = reply->type == REDIS_REPLY_STRING ? strtoll(reply->str, NULL, 10) : 0;
    freeReplyObject(reply);
    return GT_JOURNAL_OK;
}

static gt_journal_status rj_check_account(gt_journal *base, const char *api_key)
{
    redis_journal *j = RJ(base);
    if (!api_key || !*api_key) return gt_journal_fail(base, "check_account: no API key");
    if (j->api_key) gt_wipe_free(j->api_key);
    j->api_key = gt_strdup(api_key);
    if (!j->api_key) return gt_journal_fail(base, "out of memory");
    /* asked on the link: a client is made without waiting on Redis (another key simply has
     * another namespace, so there is nothing to refuse here) */
    namespace_async(j);
    return GT_JOURNAL_OK;
}

/* ---- reads on the link ------------------------------------------------------------------------- */

/* What a read's answer says: OK, or BUSY (no answer: the link was dropped, or timed out) or ERROR
 * (Redis refused the script), with the journal's error saying so. */
static gt_journal_status answer_status(redis_journal *j, const redisReply *reply, const char *doing)
{
    if (!reply) {
        gt_journal_fail(&j->base, "%s: Redis did not answer in time", doing);
        return GT_JOURNAL_BUSY;
    }
    if (reply->type == REDIS_REPLY_ERROR) return gt_journal_fail(&j->base, "%s: Redis answered %s", doing, reply->str);
    return GT_JOURNAL_OK;
}

/* Sends script on the link with ARGV[1] the namespace, then args: PENDING, or BUSY when the
 * namespace is not known yet (it is asked for now) or the link takes nothing at the moment. */
static gt_journal_status send_read(redis_journal *j, gt_redis_script *script, int argc, const char **args,
                                   gt_redis_reply_fn fn, void *ctx, const char *doing)
{
    gt_journal_status refused = refused_on_link(j);
    if (refused != GT_JOURNAL_OK) return refused;
    if (!namespace_async(j)) {
        gt_journal_fail(&j->base, "%s: Redis has not answered yet", doing);
        return GT_JOURNAL_BUSY;
    }
    const char *argv[8] = {j->ns};
    int n = 1;
    for (int i = 0; i < argc && n < 8; i++) argv[n++] = args[i];
    if (gt_redis_link_eval(j->link, script, 0, n, argv, fn, ctx)) return GT_JOURNAL_PENDING;
    gt_journal_fail(&j->base, "%s: Redis is not reachable", doing);
    return GT_JOURNAL_BUSY;
}

static void key_found(void *ctx, const redisReply *reply)
{
    gt_journal_read *rd = ctx;
    redis_journal *j = RJ(rd->journal);
    gt_record r = {0};
    gt_journal_status status = answer_status(j, reply, "finding a key");
    if (status == GT_JOURNAL_OK)
        status = reply->type == REDIS_REPLY_STRING ? record_from_json(j, reply->str, reply->len, &r)
                                                   : GT_JOURNAL_NOT_FOUND;
    rd->found(rd, status, status == GT_JOURNAL_OK ? &r : NULL);
    gt_record_clear(&r);
}

static gt_journal_status rj_find_key_then(gt_journal *base, const char *caller_key, gt_journal_read *rd)
{
    const char *args[] = {caller_key};
    return send_read(RJ(base), &find_key_script, 1, args, key_found, rd, "finding a key");
}

static void record_claimed(void *ctx, const redisReply *reply)
{
    gt_journal_read *rd = ctx;
    redis_journal *j = RJ(rd->journal);
    gt_journal_status status = answer_status(j, reply, "claiming a record");
    bool claimed = status == GT_JOURNAL_OK && (!j->owner || (reply->type == REDIS_REPLY_INTEGER && reply->integer > 0));
    rd->claimed(rd, status, claimed);
}

static gt_journal_status rj_claim_record_then(gt_journal *base, gt_journal_read *rd)
{
    redis_journal *j = RJ(base);
    char id[32], lease[32];
    snprintf(id, sizeof id, "%lld", (long long)rd->id);
    snprintf(lease, sizeof lease, "%d", GT_LEASE_MS);
    const char *args[] = {j->owner, "", id, lease};
    if (!j->owner) return send_read(j, &claimed_script, 0, NULL, record_claimed, rd, "claiming a record");
    return send_read(j, &claim_script, 4, args, record_claimed, rd, "claiming a record");
}

static void records_listed(void *ctx, const redisReply *reply)
{
    gt_journal_read *rd = ctx;
    redis_journal *j = RJ(rd->journal);
    gt_journal_status status = answer_status(j, reply, "listing the records not ended");
    gt_record *records = NULL;
    size_t n = 0;
    if (status == GT_JOURNAL_OK && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0) {
        records = calloc(reply->elements, sizeof *records);
        if (!records) status = gt_journal_fail(&j->base, "out of memory");
        for (size_t i = 0; status == GT_JOURNAL_OK && i < reply->elements; i++) {
            const redisReply *item = reply->element[i];
            if (item->type != REDIS_REPLY_STRING) continue;
            status = record_from_json(j, item->str, item->len, &records[n]);
            if (status == GT_JOURNAL_OK) n++;
        }
    }
    rd->listed(rd, status, status == GT_JOURNAL_OK ? records : NULL, status == GT_JOURNAL_OK ? n : 0);
    gt_records_free(records, n);
}

/* The owners that are gone lose their records of provider to this one; then this one's are listed. */
static void gone_claimed(void *ctx, const redisReply *reply)
{
    gt_journal_read *rd = ctx;
    redis_journal *j = RJ(rd->journal);
    gt_journal_status status = answer_status(j, reply, "claiming the records of owners that are gone");
    const char *args[] = {j->owner ? j->owner : ""};
    if (status == GT_JOURNAL_OK)
        status = send_read(j, &unended_script, 1, args, records_listed, rd, "listing the records not ended");
    if (status != GT_JOURNAL_PENDING) rd->listed(rd, status == GT_JOURNAL_OK ? GT_JOURNAL_ERROR : status, NULL, 0);
}

static gt_journal_status rj_unended_then(gt_journal *base, const char *provider, gt_journal_read *rd)
{
    redis_journal *j = RJ(base);
    char lease[32];
    snprintf(lease, sizeof lease, "%d", GT_LEASE_MS);
    const char *claim_args[] = {j->owner, provider, "", lease}, *list_args[] = {""};
    if (!j->owner) return send_read(j, &unended_script, 1, list_args, records_listed, rd, "listing the records");
    return send_read(j, &claim_script, 4, claim_args, gone_claimed, rd, "claiming the records of owners that are gone");
}

static void sent_counted(void *journal, const redisReply *reply)
{
    redis_journal *j = journal;
    j->counting = false;
    void (*fn)(void *, int64_t) = j->counted;
    if (answer_status(j, reply, "counting the submits sent") != GT_JOURNAL_OK || !fn) return; /* asked again */
    j->counted = NULL;
    fn(j->counted_ctx, reply->type == REDIS_REPLY_STRING ? strtoll(reply->str, NULL, 10) : 0);
}

/* The count asked for and not answered yet goes out (again), once the namespace is known. */
static void ask_count(redis_journal *j)
{
    if (!j->counted || j->counting) return;
    j->counting = send_read(j, &count_sent_script, 0, NULL, sent_counted, j, "counting the submits sent") ==
                  GT_JOURNAL_PENDING;
}

static void rj_count_sent_then(gt_journal *base, void (*fn)(void *ctx, int64_t n), void *ctx)
{
    redis_journal *j = RJ(base);
    j->counted = fn;
    j->counted_ctx = ctx;
    ask_count(j);
}

/* ---- owners ------------------------------------------------------------------------------------ */

static bool rj_set_owner(gt_journal *base, const char *owner)
{
    redis_journal *j = RJ(base);
    free(j->owner);
    j->owner = gt_strdup(owner);
    return j->owner != NULL;
}

static gt_journal_status claim(redis_journal *j, const char *provider, const char *id, long long *taken)
{
    *taken = 0;
    if (!j->owner) return GT_JOURNAL_OK;
    redisReply *reply;
    char lease[32];
    snprintf(lease, sizeof lease, "%d", GT_LEASE_MS);
    const char *args[] = {j->owner, provider, id, lease};
    gt_journal_status status = run_sync(j, GT_REDIS_CLAIM, "claiming the records of owners that are gone", 4, args,
                                        &reply);
    if (status != GT_JOURNAL_OK) return status;
    if (reply->type == REDIS_REPLY_INTEGER) *taken = reply->integer;
    freeReplyObject(reply);
    return GT_JOURNAL_OK;
}

/* now_ms is the file's clock for leases; here Redis's own key expiry keeps them */
static gt_journal_status rj_claim(gt_journal *base, const char *provider, int64_t now_ms)
{
    (void)now_ms;
    long long taken;
    return claim(RJ(base), provider, "", &taken);
}

static gt_journal_status rj_claim_record(gt_journal *base, int64_t id, int64_t now_ms, bool *claimed)
{
    (void)now_ms;
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)id);
    long long taken;
    gt_journal_status status = claim(RJ(base), "", text, &taken);
    *claimed = !RJ(base)->owner || taken > 0;
    return status;
}

/* Let go without waiting: on the link, unanswered (a lost one leaves the record this owner's
 * until its lease runs out, when any client's recover() takes it anyway). */
static gt_journal_status rj_disown(gt_journal *base, int64_t id)
{
    redis_journal *j = RJ(base);
    if (!j->owner) return GT_JOURNAL_OK;
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)id);
    const char *args[] = {j->ns, j->owner, text};
    if (!j->ns) return GT_JOURNAL_OK;
    return gt_redis_link_eval(j->link, &disown_script, 0, 3, args, ignore, NULL)
               ? GT_JOURNAL_OK
               : gt_journal_fail(base, "letting a record go: Redis is not reachable");
}

/* ---- the handle -------------------------------------------------------------------------------- */

static void rj_close(gt_journal *base)
{
    redis_journal *j = RJ(base);
    gt_redis_link_free(j->link); /* answers nothing more: a round on the wire is left to Redis */
    if (j->sync) redisFree(j->sync);
    cJSON_Delete(j->round);
    gt_redis_addr_clear(&j->address);
    free(j->ns);
    free(j->salt);
    free(j->salt_key);
    free(j->lost_key);
    free(j->fresh_key);
    if (j->api_key) gt_wipe_free(j->api_key);
    free(j->owner);
    free(j->base.path);
    free(j);
}

static const gt_journal_ops redis_ops = {
    .close = rj_close,
    .begin = rj_begin,
    .commit = rj_commit,
    .rollback = rj_rollback,
    .add = rj_add,
    .update = rj_update,
    .find_key = rj_find_key,
    .unended = rj_unended,
    .count_sent = rj_count_sent,
    .check_account = rj_check_account,
    .set_owner = rj_set_owner,
    .claim = rj_claim,
    .claim_record = rj_claim_record,
    .disown = rj_disown,
    .find_key_then = rj_find_key_then,
    .claim_record_then = rj_claim_record_then,
    .unended_then = rj_unended_then,
    .count_sent_then = rj_count_sent_then,
    .keeps_ids = true,
};

gt_journal *gt_journal_redis_open(gt_engine *e, const char *url, const gt_client_options *opts, char **error)
{
    *error = NULL;
    redis_journal *j = calloc(1, sizeof *j);
    if (!j) {
        *error = gt_strdup("journal: out of memory");
        return NULL;
    }
    j->base.ops = &redis_ops;
    j->timeout_ms = opts->redis_timeout_ms > 0 ? opts->redis_timeout_ms : 1000;
    j->volatile_ok = opts->redis_volatile_ok;
    j->fresh = opts->journal_fresh;
    if (!gt_redis_addr_parse(url, &j->address, error)) {
        rj_close(&j->base);
        return NULL;
    }
    j->base.path = gt_strdup(j->address.shown); /* messages name it: never the password */
    j->salt_key = gt_account_salt_key(j->address.prefix);
    j->lost_key = gt_account_lost_key(j->address.prefix);
    j->fresh_key = gt_account_fresh_key(j->address.prefix);
    j->link = gt_redis_link_new(e, &j->address, j->timeout_ms);
    if (!j->base.path || !j->link || !j->salt_key || !j->lost_key || !j->fresh_key) {
        rj_close(&j->base);
        *error = gt_strdup("journal: out of memory");
        return NULL;
    }
    return &j->base;
}

const gt_redis_addr *gt_journal_redis_address(const gt_journal *j)
{
    return j && j->ops == &redis_ops ? &RJ(j)->address : NULL;
}
