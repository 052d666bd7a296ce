/* redis_fleet.c — the fleet of a journal in Redis (fleet.h), on a blocking connection of its own
 * (the caller is outside any loop: a command, a status page): the prefix's salt is read, never
 * stored, the account's namespace named from it and the key (the key goes nowhere but into that
 * HMAC, and stays the caller's), then one read-only script reads everything at one moment. Redis keeps no host or pid
 * of an owner: its lease (the TTL of P:held:<owner>) and its places alone. */
#include <hiredis/hiredis.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "fleet.h"
#include "journal_redis_scripts.h"
#include "redis_link.h"

#define DEFAULT_TIMEOUT_MS 1000

/* ARGV: P. Every key under P is visited once (SCAN, the namespace's glob characters escaped): the
 * owners whose places key still has a lease ({id, places, ms left} flat), the records counted by
 * provider and stage ({provider, stage, n} flat), the pause's ms left (<= 0: none) and the learned
 * cap ('': none). Reads only. */
#define FLEET_SCRIPT                                                                                              \
    "local P = ARGV[1]\n"                                                                                         \
    "local pattern = (P:gsub('[%*%?%[%]\\\\]', '\\\\%0')) .. ':*'\n"                                              \
    "local held, rec = P .. ':held:', P .. ':rec:'\n"                                                             \
    "local owners, counts, seen, cursor = {}, {}, {}, '0'\n"                                                      \
    "repeat\n"                                                                                                    \
    "  local page = redis.call('SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000)\n"                                \
    "  cursor = page[1]\n"                                                                                        \
    "  for _, key in ipairs(page[2]) do\n"                                                                        \
    "    if not seen[key] then\n"                                                                                 \
    "      seen[key] = true\n"                                                                                    \
    "      if key:sub(1, #held) == held then\n"                                                                   \
    "        local left = redis.call('PTTL', key)\n"                                                              \
    "        if left > 0 then\n"                                                                                  \
    "          owners[#owners + 1] = key:sub(#held + 1)\n"                                                        \
    "          owners[#owners + 1] = redis.call('GET', key) or '0'\n"                                             \
    "          owners[#owners + 1] = tostring(left)\n"                                                            \
    "        end\n"                                                                                               \
    "      elseif key:sub(1, #rec) == rec then\n"                                                                 \
    "        local f = redis.call('HMGET', key, 'provider', 'stage')\n"                                           \
    "        if f[1] and f[2] then\n"                                                                             \
    "          counts[f[1]] = counts[f[1]] or {}\n"                                                               \
    "          counts[f[1]][f[2]] = (counts[f[1]][f[2]] or 0) + 1\n"                                              \
    "        end\n"                                                                                               \
    "      end\n"                                                                                                 \
    "    end\n"                                                                                                   \
    "  end\n"                                                                                                     \
    "until cursor == '0'\n"                                                                                       \
    "local tasks = {}\n"                                                                                          \
    "for provider, stages in pairs(counts) do\n"                                                                  \
    "  for stage, n in pairs(stages) do\n"                                                                        \
    "    tasks[#tasks + 1] = provider; tasks[#tasks + 1] = stage; tasks[#tasks + 1] = tostring(n)\n"              \
    "  end\n"                                                                                                     \
    "end\n"                                                                                                       \
    "local money = {}\n"                                                                                          \
    "for i, name in ipairs {'sent', 'spent_settled', 'spent_held', 'max_cost', 'currency'} do\n"                  \
    "  money[i] = redis.call('GET', P .. ':' .. name) or ''\n"                                                    \
    "end\n"                                                                                                       \
    "return {owners, tasks, tostring(redis.call('PTTL', P .. ':pause')), redis.call('GET', P .. ':cap') or '',\n" \
    "  money}\n"

typedef struct redis_reader {
    gt_redis_addr addr;
    redisContext *c;
    gt_fleet *fleet;
    gt_error *error;
} redis_reader;

/* Redis's words or hiredis's: they name neither the password nor the key. */
static bool fault(redis_reader *r, const char *doing, const redisReply *reply)
{
    const char *why = reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                      : r->c && r->c->err                       ? r->c->errstr
                                                                : "Redis did not answer";
    r->error = gt_fleet_error(GT_UNAVAILABLE, "redis", "Redis %s: %s: %s", r->addr.shown, doing, why);
    return false;
}

static bool out_of_memory(redis_reader *r)
{
    r->error = gt_fleet_error(GT_UNAVAILABLE, "redis", "Redis %s: reading the fleet: out of memory", r->addr.shown);
    return false;
}

/* One command; NULL (r->error set) on no answer or an error reply. */
static redisReply *command(redis_reader *r, const char *doing, int argc, const char **argv)
{
    redisReply *reply = redisCommandArgv(r->c, argc, argv, NULL);
    if (reply && reply->type != REDIS_REPLY_ERROR) return reply;
    fault(r, doing, reply);
    if (reply) freeReplyObject(reply);
    return NULL;
}

static bool connect_to(redis_reader *r, long timeout_ms)
{
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    r->c = r->addr.socket_path ? redisConnectUnixWithTimeout(r->addr.socket_path, tv)
                               : redisConnectWithTimeout(r->addr.host, r->addr.port, tv);
    if (!r->c) return out_of_memory(r);
    if (r->c->err) return fault(r, "connecting", NULL);
    redisSetTimeout(r->c, tv);
    gt_redis_keep_from_children(r->c->fd);
    const char *argv[3];
    int n = gt_redis_auth_argv(&r->addr, argv);
    redisReply *reply = n > 0 ? command(r, "AUTH (the password: in the URL, or " GT_REDIS_PASSWORD_ENV ")", n, argv)
                              : NULL;
    if (reply) freeReplyObject(reply);
    return n == 0 || reply;
}

/* The account's namespace (malloc'd), or NULL: no salt under the prefix means no client ever used
 * it (the caller's mistake: another address or prefix), and none is made here. */
static char *read_namespace(redis_reader *r, const char *api_key)
{
    char *salt_key = gt_account_salt_key(r->addr.prefix);
    if (!salt_key) return out_of_memory(r), NULL;
    const char *argv[] = {"GET", salt_key};
    redisReply *salt = command(r, "reading the account's salt", 2, argv);
    free(salt_key);
    if (!salt) return NULL;
    char *ns = NULL;
    if (salt->type != REDIS_REPLY_STRING || salt->len == 0)
        r->error = gt_fleet_error(GT_USAGE, NULL, "no gentask journal at %s: no client has used prefix %s",
                                  r->addr.shown, r->addr.prefix);
    else if (!(ns = gt_account_namespace(r->addr.prefix, salt->str, salt->len, api_key))) out_of_memory(r);
    freeReplyObject(salt);
    return ns;
}

static const char *element_text(const redisReply *a, size_t i)
{
    const redisReply *e = a && a->type == REDIS_REPLY_ARRAY && i < a->elements ? a->element[i] : NULL;
    return e && e->type == REDIS_REPLY_STRING ? e->str : NULL;
}

/* The journal's counts for the budget (journal_redis_scripts.h: amounts in millionths). */
static double millionths(const char *text)
{
    double n = text ? strtod(text, NULL) : 0;
    return isfinite(n) ? n / GT_REDIS_MONEY_UNITS : 0;
}

static bool take_money(redis_reader *r, const redisReply *money)
{
    if (!money || money->type != REDIS_REPLY_ARRAY || money->elements != 5)
        return fault(r, "reading the fleet's spend: an answer of another shape", NULL);
    r->fleet->sent = atoll(element_text(money, 0) ?: "0");
    r->fleet->spent_settled = millionths(element_text(money, 1));
    r->fleet->spent_held = millionths(element_text(money, 2));
    r->fleet->max_cost = millionths(element_text(money, 3));
    const char *currency = element_text(money, 4);
    if (currency && *currency && !(r->fleet->currency = gt_strdup(currency))) return out_of_memory(r);
    return true;
}

static bool take_answer(redis_reader *r, const redisReply *answer)
{
    const redisReply *owners = answer->type == REDIS_REPLY_ARRAY && answer->elements == 5 ? answer->element[0] : NULL;
    const redisReply *tasks = owners ? answer->element[1] : NULL;
    const char *pause = element_text(answer, 2), *cap = element_text(answer, 3);
    if (!owners || owners->type != REDIS_REPLY_ARRAY || !tasks || tasks->type != REDIS_REPLY_ARRAY || !pause || !cap)
        return fault(r, "reading the fleet: an answer of another shape", NULL);
    for (size_t i = 0; i + 2 < owners->elements; i += 3)
        if (!gt_fleet_add_owner(r->fleet, element_text(owners, i), NULL, 0, atoll(element_text(owners, i + 2) ?: "0"),
                                atoll(element_text(owners, i + 1) ?: "0")))
            return out_of_memory(r);
    for (size_t i = 0; i + 2 < tasks->elements; i += 3)
        if (!gt_fleet_add_tasks(r->fleet, element_text(tasks, i), element_text(tasks, i + 1),
                                atoll(element_text(tasks, i + 2) ?: "0")))
            return out_of_memory(r);
    long long pause_left = atoll(pause);
    r->fleet->paused_until_ms = pause_left > 0 ? gt_wall_ms() + pause_left : 0;
    r->fleet->pause_left_ms = pause_left > 0 ? pause_left : 0;
    r->fleet->has_cap = cap[0] != '\0';
    r->fleet->cap = r->fleet->has_cap ? strtod(cap, NULL) : 0;
    return take_money(r, answer->element[4]);
}

static bool read_fleet(redis_reader *r, const char *api_key)
{
    char *ns = read_namespace(r, api_key);
    if (!ns) return false;
    const char *argv[] = {"EVAL", FLEET_SCRIPT, "0", ns};
    redisReply *answer = command(r, "reading the fleet", 4, argv);
    free(ns);
    bool ok = answer && take_answer(r, answer);
    if (answer) freeReplyObject(answer);
    return ok;
}

gt_fleet *gt_redis_fleet(const char *url, const char *api_key, long timeout_ms, gt_error **error)
{
    redis_reader r = {0};
    char *why = NULL;
    if (!api_key || !*api_key) {
        *error = gt_fleet_error(GT_USAGE, NULL, "a journal in Redis is found by its API key: give the key");
        return NULL;
    }
    if (!gt_redis_addr_parse(url, &r.addr, &why)) {
        *error = gt_fleet_error(GT_USAGE, NULL, "%s", why ? why : "out of memory");
        free(why);
        return NULL;
    }
    bool ok = (r.fleet = gt_fleet_new())
                  ? connect_to(&r, timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS) && read_fleet(&r, api_key)
                  : out_of_memory(&r);
    if (r.c) redisFree(r.c);
    gt_redis_addr_clear(&r.addr);
    if (ok) return r.fleet;
    gt_fleet_free(r.fleet);
    *error = r.error;
    return NULL;
}
