/* journal_redis.c — the journal's records in Redis, so that the clients of one key on several
 * machines share them: a worker killed mid-batch has its accepted tasks polled to the end by
 * another machine's recover(), none submitted again.
 *
 * Layout, under the account's namespace NS ("PREFIX:FINGERPRINT:", redis_account.c):
 *   NS rec:ID    a hash per record: journal.h's fields, its owner and updated_ms
 *   NS unended   a sorted set of the ids recover() starts from (not ended, or downloads owed)
 *   NS keys      a hash caller key → id (a key taken by another id is a duplicate)
 *   NS sent      a set of the ids that count as sent (max_submits' budget across processes)
 *   NS held:OWN  the owner's lease (shared_redis.c's count of its places, with a 6 s TTL): a
 *                record whose owner's lease key is gone may be claimed
 *
 * A round of writes (begin … commit) is one script, atomic in Redis, sent on the engine's link:
 * commit answers PENDING and calls done when Redis answered (BUSY when it did not: the round is
 * written again, under the same ids, which this backend draws itself). A write carries its wall
 * time and is dropped by Redis when the record holds a later one, so a round that timed out but
 * ran late never undoes a newer one. The reads journal.h wants at once (the account check, a
 * caller key, recover()'s claim and list) go through a blocking connection that waits at most
 * redis_timeout: client creation, keyed submits and recover() may wait that long; nothing else
 * does. */
#include "journal_redis.h"

#include <cJSON.h>
#include <hiredis/hiredis.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "journal_backend.h"
#include "redis_link.h"

#define LEASE_MS 6000 /* shared_redis.c's: an owner that writes records holds a lease key at least */

/* ARGV: ns, owner, lease ms, the round as JSON [{id, n, t, c, key, set{}, del[], unended, sent}].
 * Every write is a whole record (an update too: a round that failed is written again under the
 * same ids, and its adds then come as updates), created when it is not there. Answers the ids
 * not to go on: a caller key another record holds, or a record not sent yet that another live
 * owner took over (this client was cut off from Redis past its lease and another's recover()
 * claimed it: it is submitted there, and fails here as a conflict rather than be paid twice). A
 * taken-over record already sent is left to its new owner too; the task here goes on polling. */
static gt_redis_script commit_script = {
    .source =
        "local ns, owner, lease = ARGV[1], ARGV[2], ARGV[3]\n"
        "local dups = {}\n"
        "for _, op in ipairs(cjson.decode(ARGV[4])) do\n"
        "  local rk = ns .. 'rec:' .. op.id\n"
        "  local write = true\n"
        "  if op.key then\n"
        "    local other = redis.call('HGET', ns .. 'keys', op.key)\n"
        "    if other and other ~= op.id then\n"
        "      dups[#dups + 1] = op.id\n"
        "      write = false\n"
        "    else\n"
        "      redis.call('HSET', ns .. 'keys', op.key, op.id)\n"
        "    end\n"
        "  end\n"
        "  if write and not op.set.provider and redis.call('EXISTS', rk) == 0 then write = false end\n"
        "  local holder = write and redis.call('HGET', rk, 'owner')\n"
        "  if holder and holder ~= '' and holder ~= owner and redis.call('EXISTS', ns .. 'held:' .. holder) == 1 then\n"
        "    if op.set.stage == 'queued' or op.set.stage == 'sending' then dups[#dups + 1] = op.id end\n"
        "    write = false\n"
        "  end\n"
        "  if write and tonumber(redis.call('HGET', rk, 'updated_ms') or '0') > tonumber(op.t) then\n"
        "    write = false\n"
        "  end\n"
        "  if write then\n"
        "    local args = {rk, 'updated_ms', op.t, 'owner', owner}\n"
        "    for k, v in pairs(op.set) do args[#args + 1] = k; args[#args + 1] = v end\n"
        "    redis.call('HSET', unpack(args))\n"
        "    if #op.del > 0 then redis.call('HDEL', rk, unpack(op.del)) end\n"
        "    redis.call('HSETNX', rk, 'created_ms', op.c)\n"
        "    if op.unended then redis.call('ZADD', ns .. 'unended', op.n, op.id)\n"
        "    else redis.call('ZREM', ns .. 'unended', op.id) end\n"
        "    if op.sent then redis.call('SADD', ns .. 'sent', op.id)\n"
        "    else redis.call('SREM', ns .. 'sent', op.id) end\n"
        "  end\n"
        "end\n"
        "if owner ~= '' then redis.call('SET', ns .. 'held:' .. owner, '0', 'PX', lease, 'NX') end\n"
        "return dups\n"};

/* ARGV: ns, caller key. Answers {id, {field, value, ...}} or nil. */
static gt_redis_script find_key_script = {.source = "local id = redis.call('HGET', ARGV[1] .. 'keys', ARGV[2])\n"
                                                    "if not id then return false end\n"
                                                    "return {id, redis.call('HGETALL', ARGV[1] .. 'rec:' .. id)}\n"};

/* ARGV: ns, owner ('' : every owner's). Answers {{id, {field, value, ...}}, ...}, oldest first. */
static gt_redis_script unended_script = {
    .source = "local out = {}\n"
              "for _, id in ipairs(redis.call('ZRANGE', ARGV[1] .. 'unended', 0, -1)) do\n"
              "  local rk = ARGV[1] .. 'rec:' .. id\n"
              "  if ARGV[2] == '' or redis.call('HGET', rk, 'owner') == ARGV[2] then\n"
              "    out[#out + 1] = {id, redis.call('HGETALL', rk)}\n"
              "  end\n"
              "end\n"
              "return out\n"};

/* ARGV: ns, owner, provider ('' : any), id ('' : every unended record), lease ms. Gives owner the
 * records whose owner is gone (none, or its lease key expired); answers how many are now owner's.
 * The claimer's lease is made here if it is not there yet (its heartbeat keeps it): a record it
 * takes must never look orphaned, not even before its first heartbeat. */
static gt_redis_script claim_script = {
    .source = "local ns, me = ARGV[1], ARGV[2]\n"
              "local ids = {ARGV[4]}\n"
              "if ARGV[4] == '' then ids = redis.call('ZRANGE', ns .. 'unended', 0, -1) end\n"
              "redis.call('SET', ns .. 'held:' .. me, '0', 'PX', ARGV[5], 'NX')\n"
              "local n = 0\n"
              "for _, id in ipairs(ids) do\n"
              "  local rk = ns .. 'rec:' .. id\n"
              "  local got = redis.call('HMGET', rk, 'owner', 'provider')\n"
              "  local owner, provider = got[1], got[2]\n"
              "  if provider and (ARGV[3] == '' or provider == ARGV[3]) then\n"
              "    if owner == me then n = n + 1\n"
              "    elseif not owner or owner == '' or redis.call('EXISTS', ns .. 'held:' .. owner) == 0 then\n"
              "      redis.call('HSET', rk, 'owner', me)\n"
              "      n = n + 1\n"
              "    end\n"
              "  end\n"
              "end\n"
              "return n\n"};

/* ARGV: ns, owner, id: the record is let go, if it is owner's. */
static gt_redis_script disown_script = {
    .source = "local rk = ARGV[1] .. 'rec:' .. ARGV[3]\n"
              "if redis.call('HGET', rk, 'owner') == ARGV[2] then redis.call('HDEL', rk, 'owner') end\n"
              "return 1\n"};

typedef struct redis_journal {
    gt_journal base; /* path: the URL */
    gt_redis_addr addr;
    long timeout_ms;
    gt_redis_link *link; /* rounds and lone writes */
    redisContext *sync;  /* the reads wanted at once; NULL until needed, or after a failure */
    char *ns;            /* NULL until the account is checked */
    char *owner;         /* "" until named */
    cJSON *round;        /* the open transaction's writes; NULL: none open */
    bool pending;        /* a round sent, not answered */
    gt_journal_done_fn done;
    void *done_ctx;
    uint64_t next_id; /* low bits of the ids this handle draws */
} redis_journal;

static const gt_journal_ops redis_ops;

#define RJ(j) ((redis_journal *)(j))

const char *gt_redis_journal_namespace(gt_journal *j)
{
    return j && j->ops == &redis_ops ? RJ(j)->ns : NULL;
}

/* ---- the blocking connection, for the reads journal.h wants at once ------------------------------ */

static gt_journal_status unreachable(redis_journal *j, const char *doing, const char *why)
{
    gt_journal_fail(&j->base, "%s: Redis did not answer (%s)", doing, why && *why ? why : "no reason given");
    if (j->sync) redisFree(j->sync);
    j->sync = NULL;
    return GT_JOURNAL_ERROR;
}

static bool sync_ready(redis_journal *j, const char *doing)
{
    if (j->sync) return true;
    struct timeval tv = {j->timeout_ms / 1000, (j->timeout_ms % 1000) * 1000};
    j->sync = j->addr.host ? redisConnectWithTimeout(j->addr.host, j->addr.port, tv)
                           : redisConnectUnixWithTimeout(j->addr.socket_path, tv);
    if (!j->sync) return unreachable(j, doing, "out of memory") == GT_JOURNAL_OK;
    if (j->sync->err || redisSetTimeout(j->sync, tv) != REDIS_OK) {
        char why[128];
        snprintf(why, sizeof why, "%s", j->sync->errstr);
        return unreachable(j, doing, why) == GT_JOURNAL_OK;
    }
    return true;
}

/* One command on the blocking connection: its reply (to freeReplyObject, an error reply included),
 * or NULL with the error set. A connection Redis closed since its last use (a restart) is made
 * again once; one that timed out is not (that would wait twice). */
static redisReply *sync_command(redis_journal *j, int argc, const char **argv, const char *doing)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        bool fresh = j->sync == NULL;
        if (!sync_ready(j, doing)) return NULL;
        redisReply *reply = redisCommandArgv(j->sync, argc, argv, NULL);
        if (reply) return reply;
        bool closed = j->sync->err == REDIS_ERR_EOF;
        char why[128];
        snprintf(why, sizeof why, "%s", j->sync->errstr);
        unreachable(j, doing, why);
        if (fresh || !closed) return NULL;
    }
    return NULL;
}

/* The script's reply (to freeReplyObject), or NULL with the error set. */
static redisReply *sync_eval(redis_journal *j, gt_redis_script *script, int n, const char *const *args,
                             const char *doing)
{
    gt_redis_script_sha(script);
    const char *argv[3 + 8];
    if (n > 8) return NULL;
    argv[0] = "EVALSHA";
    argv[1] = script->sha;
    argv[2] = "0";
    for (int i = 0; i < n; i++) argv[3 + i] = args[i];
    redisReply *reply = sync_command(j, 3 + n, argv, doing);
    if (reply && reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(reply);
        argv[0] = "EVAL";
        argv[1] = script->source;
        reply = sync_command(j, 3 + n, argv, doing);
    }
    if (!reply) return NULL;
    if (reply->type == REDIS_REPLY_ERROR) {
        gt_journal_fail(&j->base, "%s: %s", doing, reply->str);
        freeReplyObject(reply);
        return NULL;
    }
    return reply;
}

static bool need_ns(redis_journal *j)
{
    if (!j->ns) gt_journal_fail(&j->base, "the account is not checked yet");
    return j->ns != NULL;
}

/* ---- records as Redis keeps them ---------------------------------------------------------------- */

static const char *const stage_names[] = {"queued", "sending", "accepted", "ended"};

static bool stage_of(const char *name, gt_record_stage *stage)
{
    for (int i = 0; name && i < 4; i++) {
        if (strcmp(name, stage_names[i]) == 0) {
            *stage = (gt_record_stage)i;
            return true;
        }
    }
    return false;
}

/* {id, {field, value, ...}} into *r (overwritten). */
static gt_journal_status read_record(redis_journal *j, const redisReply *pair, gt_record *r)
{
    *r = (gt_record){0};
    if (pair->type != REDIS_REPLY_ARRAY || pair->elements != 2 || pair->element[0]->type != REDIS_REPLY_STRING ||
        pair->element[1]->type != REDIS_REPLY_ARRAY)
        return gt_journal_fail(&j->base, "a record Redis answered cannot be read");
    r->id = strtoll(pair->element[0]->str, NULL, 10);
    const redisReply *fields = pair->element[1];
    struct {
        const char *name;
        char **field;
    } strings[] = {{"caller_key", &r->caller_key},
                   {"provider", &r->provider},
                   {"model", &r->model},
                   {"path", &r->path},
                   {"poll_path", &r->poll_path},
                   {"params", &r->params},
                   {"request_hash", &r->request_hash},
                   {"idempotency_key", &r->idempotency_key},
                   {"remote_id", &r->remote_id},
                   {"poll_url", &r->poll_url},
                   {"outcome", &r->outcome},
                   {"download", &r->download},
                   {"files", &r->files}};
    bool staged = false;
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        const char *name = fields->element[i]->str, *value = fields->element[i + 1]->str;
        if (!name || !value) continue;
        if (strcmp(name, "stage") == 0) staged = stage_of(value, &r->stage);
        else if (strcmp(name, "created_ms") == 0) r->created_ms = strtoll(value, NULL, 10);
        else if (strcmp(name, "updated_ms") == 0) r->updated_ms = strtoll(value, NULL, 10);
        for (size_t s = 0; s < sizeof strings / sizeof strings[0]; s++)
            if (strcmp(name, strings[s].name) == 0 && !*strings[s].field) *strings[s].field = gt_strdup(value);
    }
    if (!staged || !r->provider || !r->params) {
        long long id = (long long)r->id;
        gt_record_clear(r);
        return gt_journal_fail(&j->base, "record %lld is damaged (no stage, provider or params)", id);
    }
    return GT_JOURNAL_OK;
}

static const char *outcome_text(const cJSON *o, const char *path1, const char *path2)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, path1);
    if (path2) item = cJSON_GetObjectItemCaseSensitive(item, path2);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* What journal_records.c's queries select, decided here per record: whether recover() lists it,
 * and whether max_submits counts it as sent. */
static void classify(const gt_record *r, bool *unended, bool *sent)
{
    cJSON *o = r->outcome ? cJSON_Parse(r->outcome) : NULL;
    const char *state = outcome_text(o, "state", NULL), *submitted = outcome_text(o, "error", "submitted");
    bool ended = r->stage == GT_RECORD_ENDED;
    *unended = !ended || (r->download && !r->files && state && strcmp(state, "succeeded") == 0);
    *sent = r->stage == GT_RECORD_SENDING || r->stage == GT_RECORD_ACCEPTED ||
            (ended &&
             (r->remote_id || (submitted && (strcmp(submitted, "yes") == 0 || strcmp(submitted, "unknown") == 0))));
    cJSON_Delete(o);
}

static void put(cJSON *set, cJSON *del, const char *name, const char *value)
{
    if (value) cJSON_AddStringToObject(set, name, value);
    else cJSON_AddItemToArray(del, cJSON_CreateString(name));
}

/* One write of a round, as the commit script takes it: every field the record has, so that it
 * creates the record if its add was lost. NULL: out of memory. */
static cJSON *op_of(const gt_record *r)
{
    cJSON *op = cJSON_CreateObject();
    char id[24], t[24], created[24];
    snprintf(id, sizeof id, "%lld", (long long)r->id);
    snprintf(t, sizeof t, "%lld", (long long)r->updated_ms);
    snprintf(created, sizeof created, "%lld", (long long)r->created_ms);
    bool unended, sent;
    classify(r, &unended, &sent);
    cJSON_AddStringToObject(op, "id", id);
    cJSON_AddNumberToObject(op, "n", (double)r->id);
    cJSON_AddStringToObject(op, "t", t);
    cJSON_AddStringToObject(op, "c", created);
    if (r->caller_key) cJSON_AddStringToObject(op, "key", r->caller_key);
    cJSON_AddBoolToObject(op, "unended", unended);
    cJSON_AddBoolToObject(op, "sent", sent);
    cJSON *set = cJSON_AddObjectToObject(op, "set"), *del = cJSON_AddArrayToObject(op, "del");
    if (!set || !del) {
        cJSON_Delete(op);
        return NULL;
    }
    put(set, del, "stage", stage_names[r->stage]);
    /* what a record is never changes: set where known, never deleted */
    const char *names0[] = {"caller_key", "provider", "model", "path", "poll_path", "params", "request_hash"};
    const char *values0[] = {r->caller_key, r->provider, r->model, r->path, r->poll_path, r->params, r->request_hash};
    for (size_t i = 0; i < sizeof names0 / sizeof names0[0]; i++)
        if (values0[i]) cJSON_AddStringToObject(set, names0[i], values0[i]);
    const char *names[] = {"idempotency_key", "remote_id", "poll_url", "outcome", "download", "files"};
    const char *values[] = {r->idempotency_key, r->remote_id, r->poll_url, r->outcome, r->download, r->files};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) put(set, del, names[i], values[i]);
    return op;
}

/* ---- rounds -------------------------------------------------------------------------------------- */

static void on_commit(void *ctx, const redisReply *reply)
{
    redis_journal *j = ctx;
    j->pending = false;
    gt_journal_status status = GT_JOURNAL_OK;
    int64_t stack[16], *dups = stack;
    size_t n = 0;
    if (!reply) {
        gt_journal_fail(&j->base, "Redis did not answer the round in time: written again");
        status = GT_JOURNAL_BUSY;
    } else if (reply->type == REDIS_REPLY_ERROR) {
        gt_journal_fail(&j->base, "writing a round: %s", reply->str);
        status = GT_JOURNAL_ERROR;
    } else if (reply->type == REDIS_REPLY_ARRAY) {
        if (reply->elements > 16 && !(dups = malloc(reply->elements * sizeof *dups))) {
            dups = stack;
            status = GT_JOURNAL_ERROR;
        }
        for (size_t i = 0; status == GT_JOURNAL_OK && i < reply->elements; i++)
            if (reply->element[i]->str) dups[n++] = strtoll(reply->element[i]->str, NULL, 10);
    }
    gt_journal_done_fn done = j->done;
    j->done = NULL;
    if (done) done(j->done_ctx, status, dups, n);
    if (dups != stack) free(dups);
}

static void ignore(void *ctx, const redisReply *reply)
{
    (void)ctx;
    (void)reply;
}

/* Sends ops (taken) as one script; false: not sent (Redis unreachable a moment ago). */
static bool send_round(redis_journal *j, cJSON *ops, gt_redis_reply_fn fn, void *ctx)
{
    char *json = cJSON_PrintUnformatted(ops);
    cJSON_Delete(ops);
    if (!json) return false;
    char lease[16];
    snprintf(lease, sizeof lease, "%d", LEASE_MS);
    const char *args[] = {j->ns, j->owner, lease, json};
    bool sent = gt_redis_link_eval(j->link, &commit_script, 0, 4, args, fn, ctx);
    free(json);
    return sent;
}

/* A write outside a round is sent on its own, not waited for: a record it misses is read as it
 * was (the task that wrote it is going away). */
static gt_journal_status write_now(redis_journal *j, cJSON *op)
{
    cJSON *ops = cJSON_CreateArray();
    if (!ops || !op) {
        cJSON_Delete(ops);
        cJSON_Delete(op);
        return gt_journal_fail(&j->base, "out of memory");
    }
    cJSON_AddItemToArray(ops, op);
    return send_round(j, ops, ignore, NULL) ? GT_JOURNAL_OK : GT_JOURNAL_BUSY;
}

static gt_journal_status rj_begin(gt_journal *base)
{
    redis_journal *j = RJ(base);
    if (j->pending) return GT_JOURNAL_BUSY; /* one round at a time */
    if (j->round) return gt_journal_fail(base, "begin: a transaction is open already");
    if (!need_ns(j)) return GT_JOURNAL_ERROR;
    j->round = cJSON_CreateArray();
    return j->round ? GT_JOURNAL_OK : gt_journal_fail(base, "out of memory");
}

static gt_journal_status rj_commit(gt_journal *base, gt_journal_done_fn done, void *ctx)
{
    redis_journal *j = RJ(base);
    if (!j->round) return gt_journal_fail(base, "commit: no transaction is open");
    if (cJSON_GetArraySize(j->round) == 0) {
        cJSON_Delete(j->round);
        j->round = NULL;
        return GT_JOURNAL_OK;
    }
    if (!done) return GT_JOURNAL_BUSY; /* only Redis's answer says: a caller that cannot wait tries again */
    cJSON *ops = j->round;
    j->round = NULL;
    if (!send_round(j, ops, on_commit, j)) {
        gt_journal_fail(base, "Redis is unreachable: the round waits");
        return GT_JOURNAL_BUSY;
    }
    j->pending = true;
    j->done = done;
    j->done_ctx = ctx;
    return GT_JOURNAL_PENDING;
}

static void rj_rollback(gt_journal *base)
{
    redis_journal *j = RJ(base);
    cJSON_Delete(j->round);
    j->round = NULL;
}

/* An id of this handle's own: the wall clock's ms, then 20 bits that start at random and count, so
 * ids grow with time and two handles drawing in the same ms almost never meet. */
static int64_t draw_id(redis_journal *j)
{
    return (int64_t)(((uint64_t)gt_wall_ms() << 20) | (j->next_id++ & 0xFFFFF));
}

static gt_journal_status rj_write(gt_journal *base, gt_record *r, bool add)
{
    redis_journal *j = RJ(base);
    if (!need_ns(j)) return GT_JOURNAL_ERROR;
    if ((unsigned)r->stage > GT_RECORD_ENDED) return gt_journal_fail(base, "unknown stage %d", (int)r->stage);
    int64_t now = gt_wall_ms();
    if (add) {
        if (!r->provider || !r->model || !r->path || !r->params)
            return gt_journal_fail(base, "add: provider, model, path and params are required");
        if (!r->request_hash && !(r->request_hash = gt_request_hash(r->provider, r->model, r->params)))
            return gt_journal_fail(base, "add: params is not JSON (or out of memory)");
        if (!r->id) r->id = draw_id(j); /* a round written again keeps its ids */
        r->created_ms = now;
    }
    r->updated_ms = now;
    if (!r->created_ms) r->created_ms = now;
    cJSON *op = op_of(r);
    if (!j->round) return write_now(j, op);
    if (!op) return gt_journal_fail(base, "out of memory");
    cJSON_AddItemToArray(j->round, op);
    return GT_JOURNAL_OK;
}

static gt_journal_status rj_add(gt_journal *base, gt_record *r)
{
    return rj_write(base, r, true);
}

static gt_journal_status rj_update(gt_journal *base, gt_record *r)
{
    return rj_write(base, r, false);
}

/* ---- reads ----------------------------------------------------------------------------------------- */

static gt_journal_status rj_find_key(gt_journal *base, const char *caller_key, gt_record *out)
{
    redis_journal *j = RJ(base);
    *out = (gt_record){0};
    if (!caller_key) return gt_journal_fail(base, "find_key: no key");
    if (!need_ns(j)) return GT_JOURNAL_ERROR;
    const char *args[] = {j->ns, caller_key};
    redisReply *reply = sync_eval(j, &find_key_script, 2, args, "finding a key");
    if (!reply) return GT_JOURNAL_ERROR;
    gt_journal_status status = GT_JOURNAL_NOT_FOUND;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 && reply->element[1]->elements > 0)
        status = read_record(j, reply, out);
    freeReplyObject(reply);
    return status;
}

static gt_journal_status rj_unended(gt_journal *base, gt_record **out, size_t *n)
{
    redis_journal *j = RJ(base);
    *out = NULL;
    *n = 0;
    if (!need_ns(j)) return GT_JOURNAL_ERROR;
    const char *args[] = {j->ns, j->owner};
    redisReply *reply = sync_eval(j, &unended_script, 2, args, "listing the records not ended");
    if (!reply) return GT_JOURNAL_ERROR;
    gt_journal_status status = GT_JOURNAL_OK;
    gt_record *records = reply->type == REDIS_REPLY_ARRAY && reply->elements > 0
                             ? calloc(reply->elements, sizeof *records)
                             : NULL;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 && !records)
        status = gt_journal_fail(base, "unended: out of memory");
    size_t count = 0;
    for (size_t i = 0; records && status == GT_JOURNAL_OK && i < reply->elements; i++) {
        status = read_record(j, reply->element[i], &records[count]);
        if (status == GT_JOURNAL_OK) count++;
    }
    freeReplyObject(reply);
    if (status != GT_JOURNAL_OK) {
        gt_records_free(records, count);
        return status;
    }
    *out = records;
    *n = count;
    return GT_JOURNAL_OK;
}

static gt_journal_status rj_count_sent(gt_journal *base, int64_t *n)
{
    redis_journal *j = RJ(base);
    *n = 0;
    if (!need_ns(j)) return GT_JOURNAL_ERROR;
    char *key = gt_printf("%ssent", j->ns);
    const char *argv[] = {"SCARD", key};
    redisReply *reply = key ? sync_command(j, 2, argv, "counting the submits sent") : NULL;
    free(key);
    if (!reply) return GT_JOURNAL_ERROR;
    gt_journal_status status = GT_JOURNAL_OK;
    if (reply->type == REDIS_REPLY_INTEGER) *n = reply->integer;
    else status = gt_journal_fail(base, "counting the submits sent: %s", reply->str ? reply->str : "?");
    freeReplyObject(reply);
    return status;
}

/* The account's namespace, from the prefix's salt (stored by the first client): each account has
 * its own records, so a key cannot meet another account's tasks here. */
static gt_journal_status rj_check_account(gt_journal *base, const char *api_key)
{
    redis_journal *j = RJ(base);
    char salt[65];
    gt_redis_new_salt(salt);
    char *salt_key = gt_redis_salt_key(j->addr.prefix);
    if (!salt[0] || !salt_key) {
        free(salt_key);
        return gt_journal_fail(base, "no random bytes for the account salt");
    }
    const char *args[] = {salt_key, salt};
    /* the salt script takes its key as KEYS[1] (sync_eval sends none), and runs once per client */
    gt_journal_status status = GT_JOURNAL_ERROR;
    const char *argv[] = {"EVAL", gt_redis_salt_script.source, "1", args[0], args[1]};
    redisReply *reply = sync_command(j, 5, argv, "checking the account");
    if (reply && (reply->type != REDIS_REPLY_STRING || reply->len == 0)) {
        gt_journal_fail(base, "checking the account: %s", reply->str ? reply->str : "no salt");
    } else if (reply) {
        free(j->ns);
        j->ns = gt_redis_namespace(j->addr.prefix, reply->str, reply->len, api_key);
        status = j->ns ? GT_JOURNAL_OK : gt_journal_fail(base, "out of memory");
    }
    if (reply) freeReplyObject(reply);
    free(salt_key);
    return status;
}

static bool rj_set_owner(gt_journal *base, const char *owner)
{
    redis_journal *j = RJ(base);
    char *copy = gt_strdup(owner ? owner : "");
    if (!copy) return false;
    free(j->owner);
    j->owner = copy;
    return true;
}

static gt_journal_status claim(redis_journal *j, const char *provider, int64_t id, int64_t *n)
{
    *n = 0;
    if (!need_ns(j)) return GT_JOURNAL_ERROR;
    if (!j->owner[0]) return GT_JOURNAL_OK;
    char id_text[24] = "";
    if (id) snprintf(id_text, sizeof id_text, "%lld", (long long)id);
    char lease[16];
    snprintf(lease, sizeof lease, "%d", LEASE_MS);
    const char *args[] = {j->ns, j->owner, provider ? provider : "", id_text, lease};
    redisReply *reply = sync_eval(j, &claim_script, 5, args, "claiming the records of owners that are gone");
    if (!reply) return GT_JOURNAL_ERROR;
    if (reply->type == REDIS_REPLY_INTEGER) *n = reply->integer;
    freeReplyObject(reply);
    return GT_JOURNAL_OK;
}

/* Gone means the owner's lease key expired (6 s after its last heartbeat): Redis sees no pid. */
static gt_journal_status rj_claim(gt_journal *base, const char *provider, int64_t now_ms)
{
    (void)now_ms;
    int64_t n;
    return claim(RJ(base), provider, 0, &n);
}

static gt_journal_status rj_claim_record(gt_journal *base, int64_t id, int64_t now_ms, bool *claimed)
{
    (void)now_ms;
    int64_t n = 0;
    gt_journal_status status = claim(RJ(base), NULL, id, &n);
    *claimed = !RJ(base)->owner[0] || n > 0;
    return status;
}

/* Sent, not waited for: a disown lost with Redis leaves the record this owner's until its lease ends. */
static gt_journal_status rj_disown(gt_journal *base, int64_t id)
{
    redis_journal *j = RJ(base);
    if (!j->ns || !j->owner[0]) return GT_JOURNAL_OK;
    char id_text[24];
    snprintf(id_text, sizeof id_text, "%lld", (long long)id);
    const char *args[] = {j->ns, j->owner, id_text};
    return gt_redis_link_eval(j->link, &disown_script, 0, 3, args, ignore, NULL) ? GT_JOURNAL_OK : GT_JOURNAL_BUSY;
}

/* A round still unanswered is dropped with the link: its done is never called. */
static void rj_close(gt_journal *base)
{
    redis_journal *j = RJ(base);
    gt_redis_link_free(j->link);
    if (j->sync) redisFree(j->sync);
    cJSON_Delete(j->round);
    gt_redis_addr_clear(&j->addr);
    free(j->ns);
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
    .keeps_ids = true, /* drawn here: a round written again is the same records */
};

gt_journal *gt_redis_journal_open(gt_engine *e, const char *url, const gt_redis_addr *addr, long timeout_ms)
{
    redis_journal *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->base.ops = &redis_ops;
    j->base.path = gt_strdup(url);
    j->timeout_ms = timeout_ms > 0 ? timeout_ms : 1000;
    j->addr.host = gt_strdup(addr->host);
    j->addr.port = addr->port;
    j->addr.socket_path = gt_strdup(addr->socket_path);
    j->addr.prefix = gt_strdup(addr->prefix);
    j->owner = gt_strdup("");
    j->link = gt_redis_link_new(e, addr, j->timeout_ms);
    unsigned char start[4] = {0};
    RAND_bytes(start, sizeof start);
    j->next_id = ((uint64_t)start[0] << 16) | ((uint64_t)start[1] << 8) | start[2];
    if (!j->base.path || !j->addr.prefix || !j->owner || !j->link) {
        rj_close(&j->base);
        return NULL;
    }
    return &j->base;
}
