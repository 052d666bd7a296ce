/* redis_deliveries.c — webhook deliveries between the key's clients, in Redis: a hash per provider
 * under the key's namespace (NS:deliveries:PROVIDER), a field per delivery ("<post number>:<random
 * id>") holding it as JSON with the time it was posted. A client with tasks waiting for a webhook
 * reads its provider's hash every GT_DELIVERY_CHECK_MS, hands each delivery to its tasks, and
 * deletes the ones it took. A post drops the ones nobody took for GT_DELIVERY_MAX_AGE_MS, then,
 * past GT_DELIVERY_MAX_COUNT deliveries or GT_DELIVERY_MAX_BYTES, the oldest unverified ones, then
 * the oldest verified ones: forged news cannot fill Redis, nor push out a delivery a secret
 * checked. A post costs the same whatever the hash holds (see post_script).
 *
 * Nothing here waits: a post that Redis does not take now (not named yet, unreachable) is owed
 * and sent again on the timer; a read that gets no answer is made again on the next check. */
#include "redis_deliveries.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

enum { N_DELIVERY_KEYS = 4 }; /* H and its companions, below */

/* Besides the provider's hash H (NS:deliveries:PROVIDER: field "<post number>:<id>", value the
 * delivery's JSON), three keys keep a post cheap whatever H holds: H:unverified and H:verified,
 * the fields in the order Redis took them (scores: post numbers; the clocks of the machines
 * posting need not agree), and H:counts (posts, the numbering; bytes, what H's fields and values
 * hold). A post drops from the oldest end only: the ones too old, then, while over a bound, the
 * oldest unverified, then the oldest verified. Every key goes once no post came for the age
 * limit: everything in it is that old by then. */
#define DELIVERY_KEYS                                                              \
    "local H, unverified, verified, counts = KEYS[1], KEYS[2], KEYS[3], KEYS[4]\n" \
    "local function drop(f)\n"                                                     \
    "  local size = redis.call('HSTRLEN', H, f)\n"                                 \
    "  if size > 0 then\n"                                                         \
    "    redis.call('HDEL', H, f)\n"                                               \
    "    redis.call('HINCRBY', counts, 'bytes', -(size + #f))\n"                   \
    "  end\n"                                                                      \
    "  redis.call('ZREM', unverified, f)\n"                                        \
    "  redis.call('ZREM', verified, f)\n"                                          \
    "end\n"

/* KEYS: H, H:unverified, H:verified, H:counts. ARGV: id, the delivery's JSON, now ms, max age ms,
 * max count, max bytes, "1" when verified. */
static gt_redis_script post_script = {
    .source = DELIVERY_KEYS
    "local now, age = tonumber(ARGV[3]), tonumber(ARGV[4])\n"
    "local max_count, max_bytes = tonumber(ARGV[5]), tonumber(ARGV[6])\n"
    "local number = redis.call('HINCRBY', counts, 'posts', 1)\n"
    "local field = number .. ':' .. ARGV[1]\n"
    "redis.call('HSET', H, field, ARGV[2])\n"
    "redis.call('ZADD', ARGV[7] == '1' and verified or unverified, number, field)\n"
    "redis.call('HINCRBY', counts, 'bytes', #field + #ARGV[2])\n"
    "for _, z in ipairs({unverified, verified}) do\n"
    "  while true do\n"
    "    local head = redis.call('ZRANGE', z, 0, 0)[1]\n"
    "    if not head then break end\n"
    "    local ok, d = pcall(cjson.decode, redis.call('HGET', H, head) or '')\n"
    "    local posted = ok and type(d) == 'table' and tonumber(d.posted_ms)\n"
    "    if posted and posted >= now - age then break end\n"
    "    drop(head)\n"
    "  end\n"
    "end\n"
    "while true do\n"
    "  local n_unverified, n_verified = redis.call('ZCARD', unverified), redis.call('ZCARD', verified)\n"
    "  if n_unverified + n_verified == 0 then redis.call('HSET', counts, 'bytes', 0) break end\n"
    "  local bytes = tonumber(redis.call('HGET', counts, 'bytes'))\n"
    "  if n_unverified + n_verified <= max_count and bytes <= max_bytes then break end\n"
    "  drop(redis.call('ZRANGE', n_unverified > 0 and unverified or verified, 0, 0)[1])\n"
    "end\n"
    "for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, age) end\n"
    "return 1\n"};

/* KEYS: the provider's hash. Every delivery in it: {id, json, id, json, ...}. */
static gt_redis_script list_script = {.source = "return redis.call('HGETALL', KEYS[1])\n"};
/* KEYS: H, H:unverified, H:verified, H:counts. ARGV: the fields taken. */
static gt_redis_script drop_script = {.source = DELIVERY_KEYS "for _, f in ipairs(ARGV) do drop(f) end\n"
                                                              "return 1\n"};

static void free_keys(char *keys[N_DELIVERY_KEYS])
{
    for (int i = 0; i < N_DELIVERY_KEYS; i++) {
        free(keys[i]);
        keys[i] = NULL;
    }
}

/* H's name and its companions', in the order the scripts take them as KEYS; false (none kept):
 * out of memory. */
static bool delivery_keys(const char *h, char *keys[N_DELIVERY_KEYS])
{
    keys[0] = gt_strdup(h);
    keys[1] = gt_printf("%s:unverified", h);
    keys[2] = gt_printf("%s:verified", h);
    keys[3] = gt_printf("%s:counts", h);
    if (keys[0] && keys[1] && keys[2] && keys[3]) return true;
    free_keys(keys);
    return false;
}

typedef struct owed_post {
    struct owed_post *next;
    char *provider, *id, *json;
    bool checked; /* verified: kept before the unverified ones */
} owed_post;

struct gt_redis_deliveries {
    gt_engine *engine;
    gt_redis_link *link;
    char *ns; /* NULL until the namespace is known */
    gt_delivery_sink sink;
    char *sink_provider;               /* the sink's provider, copied */
    char *watch_key;                   /* NS:deliveries:<sink's provider> */
    char *watch_keys[N_DELIVERY_KEYS]; /* it and its companions, once a take is dropped */
    bool reading;                      /* a list on the wire */
    owed_post *owed;                   /* posts not taken by Redis yet, oldest first */
    size_t owed_count, owed_bytes;
    bool posting;   /* the oldest owed post is on the wire */
    gt_timer timer; /* the next check, an owed post */
};

static void arm(gt_redis_deliveries *d, int64_t due_ms)
{
    if (d->timer.slot == 0 || due_ms < d->timer.due_ms) gt_engine_arm(d->engine, &d->timer, due_ms);
}

static bool awaiting(const gt_redis_deliveries *d)
{
    return d->sink.take && d->sink.awaiting(d->sink.ctx);
}

static char *key_of(const gt_redis_deliveries *d, const char *provider)
{
    return gt_printf("%s:deliveries:%s", d->ns, provider);
}

static void free_owed(owed_post *o)
{
    free(o->provider);
    free(o->id);
    free(o->json);
    free(o);
}

static owed_post *pop_owed(gt_redis_deliveries *d)
{
    owed_post *o = d->owed;
    d->owed = o->next;
    d->owed_count--;
    d->owed_bytes -= strlen(o->json);
    return o;
}

static void pump(gt_redis_deliveries *d);

static void posted(void *ctx, const redisReply *reply)
{
    gt_redis_deliveries *d = ctx;
    d->posting = false;
    if (reply && reply->type != REDIS_REPLY_ERROR) { /* taken: the next one */
        free_owed(pop_owed(d));
        pump(d);
    } else {
        arm(d, gt_redis_link_ready_at(d->link) > gt_now_ms() ? gt_redis_link_ready_at(d->link)
                                                             : gt_now_ms() + GT_DELIVERY_CHECK_MS);
    }
}

static void send_owed(gt_redis_deliveries *d)
{
    if (d->posting || !d->owed || !d->ns) return;
    owed_post *o = d->owed;
    char *key = key_of(d, o->provider), *keys[N_DELIVERY_KEYS] = {NULL};
    char now[24], age[24], count[24], bytes[24];
    snprintf(now, sizeof now, "%lld", (long long)gt_wall_ms());
    snprintf(age, sizeof age, "%d", GT_DELIVERY_MAX_AGE_MS);
    snprintf(count, sizeof count, "%d", GT_DELIVERY_MAX_COUNT);
    snprintf(bytes, sizeof bytes, "%d", GT_DELIVERY_MAX_BYTES);
    if (key && delivery_keys(key, keys)) {
        const char *args[] = {
            keys[0], keys[1], keys[2], keys[3], o->id, o->json, now, age, count, bytes, o->checked ? "1" : "0"};
        d->posting = gt_redis_link_eval(d->link, &post_script, N_DELIVERY_KEYS, 11, args, posted, d);
    }
    free(key);
    free_keys(keys);
    if (!d->posting)
        arm(d, gt_redis_link_ready_at(d->link) > gt_now_ms() ? gt_redis_link_ready_at(d->link)
                                                             : gt_now_ms() + GT_DELIVERY_CHECK_MS);
}

static void dropped(void *ctx, const redisReply *reply)
{
    (void)ctx;
    (void)reply; /* not dropped: the next reader finds its task ended, and changes nothing */
}

/* The deliveries are read whole (into owned copies) before any is handed on: taking one ends a
 * task, which may write to Redis on this same link. */
static void listed(void *ctx, const redisReply *reply)
{
    gt_redis_deliveries *d = ctx;
    d->reading = false;
    size_t n = reply && reply->type == REDIS_REPLY_ARRAY ? reply->elements / 2 : 0;
    char **ids = n ? calloc(n, sizeof *ids) : NULL;
    cJSON **items = n ? calloc(n, sizeof *items) : NULL;
    for (size_t i = 0; ids && items && i < n; i++) {
        const redisReply *id = reply->element[2 * i], *json = reply->element[2 * i + 1];
        if (id->type != REDIS_REPLY_STRING || json->type != REDIS_REPLY_STRING) continue;
        ids[i] = gt_strndup(id->str, id->len);
        items[i] = cJSON_ParseWithLength(json->str, json->len);
    }
    const char **taken = n ? calloc(n, sizeof *taken) : NULL;
    size_t n_taken = 0;
    for (size_t i = 0; ids && items && taken && i < n && d->sink.take; i++) {
        const cJSON *remote_id = cJSON_GetObjectItemCaseSensitive(items[i], "remote_id");
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(items[i], "body");
        const cJSON *verifier = cJSON_GetObjectItemCaseSensitive(items[i], "verifier");
        if (!ids[i] || !cJSON_IsString(remote_id)) continue;
        bool checked = cJSON_IsString(body) && cJSON_IsString(verifier);
        gt_delivery delivery = {.provider = d->sink_provider,
                                .remote_id = remote_id->valuestring,
                                .body = checked ? body->valuestring : NULL,
                                .verifier = checked ? verifier->valuestring : NULL};
        if (d->sink.take(d->sink.ctx, &delivery)) taken[n_taken++] = ids[i];
    }
    if (n_taken > 0) {
        const char **args = malloc((n_taken + N_DELIVERY_KEYS) * sizeof *args);
        if (args && (d->watch_keys[0] || delivery_keys(d->watch_key, d->watch_keys))) {
            memcpy(args, d->watch_keys, N_DELIVERY_KEYS * sizeof *args);
            memcpy(args + N_DELIVERY_KEYS, taken, n_taken * sizeof *taken);
            gt_redis_link_eval(d->link, &drop_script, N_DELIVERY_KEYS, (int)n_taken + N_DELIVERY_KEYS, args, dropped,
                               NULL);
        }
        free(args);
    }
    for (size_t i = 0; ids && items && i < n; i++) {
        free(ids[i]);
        cJSON_Delete(items[i]);
    }
    free(ids);
    free(items);
    free(taken);
    if (awaiting(d)) arm(d, gt_now_ms() + GT_DELIVERY_CHECK_MS);
}

static void read_deliveries(gt_redis_deliveries *d)
{
    if (d->reading || !d->ns || !awaiting(d)) return;
    if (!d->watch_key) d->watch_key = key_of(d, d->sink_provider);
    const char *args[] = {d->watch_key};
    d->reading = d->watch_key && gt_redis_link_eval(d->link, &list_script, 1, 1, args, listed, d);
    if (!d->reading) arm(d, gt_now_ms() + GT_DELIVERY_CHECK_MS);
}

static void pump(gt_redis_deliveries *d)
{
    send_owed(d);
    read_deliveries(d);
}

static void tick(void *ctx)
{
    pump(ctx);
}

gt_redis_deliveries *gt_redis_deliveries_new(gt_engine *e, gt_redis_link *link)
{
    gt_redis_deliveries *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->engine = e;
    d->link = link;
    gt_timer_init(&d->timer, tick, d);
    return d;
}

void gt_redis_deliveries_named(gt_redis_deliveries *d, const char *ns)
{
    if (d->ns) return;
    d->ns = gt_strdup(ns);
    pump(d);
}

/* Owed at once, sent from the timer: a post never calls back into the client that made it. The
 * queue holds what Redis itself would keep: past that (Redis away a long while), a new post is
 * refused, and the task it was for polls as without a webhook. */
bool gt_redis_deliveries_post(gt_redis_deliveries *d, const gt_delivery *delivery)
{
    if (!delivery->remote_id || strlen(delivery->remote_id) > GT_DELIVERY_MAX_ID) return false;
    bool checked = delivery->body && delivery->verifier; /* otherwise only the news that it came */
    cJSON *o = cJSON_CreateObject();
    if (!o) return false;
    cJSON_AddStringToObject(o, "remote_id", delivery->remote_id);
    if (checked) cJSON_AddStringToObject(o, "body", delivery->body);
    if (checked) cJSON_AddStringToObject(o, "verifier", delivery->verifier);
    cJSON_AddNumberToObject(o, "posted_ms", (double)gt_wall_ms());
    owed_post *post = calloc(1, sizeof *post);
    if (post) {
        post->json = cJSON_PrintUnformatted(o);
        post->provider = gt_strdup(delivery->provider);
        post->id = gt_random_key("delivery-");
        post->checked = checked;
    }
    cJSON_Delete(o);
    if (!post || !post->json || !post->provider || !post->id || d->owed_count >= GT_DELIVERY_MAX_COUNT ||
        d->owed_bytes + strlen(post->json) > GT_DELIVERY_MAX_BYTES) {
        if (post) free_owed(post);
        return false;
    }
    owed_post **tail = &d->owed;
    while (*tail) tail = &(*tail)->next;
    *tail = post;
    d->owed_count++;
    d->owed_bytes += strlen(post->json);
    arm(d, gt_now_ms());
    return true;
}

void gt_redis_deliveries_watch(gt_redis_deliveries *d, const gt_delivery_sink *sink)
{
    d->sink = *sink;
    free(d->sink_provider);
    d->sink_provider = gt_strdup(sink->provider);
    d->sink.provider = d->sink_provider;
}

void gt_redis_deliveries_await(gt_redis_deliveries *d)
{
    if (d->sink.take) arm(d, gt_now_ms() + GT_DELIVERY_CHECK_MS);
}

void gt_redis_deliveries_free(gt_redis_deliveries *d)
{
    if (!d) return;
    gt_engine_disarm(d->engine, &d->timer);
    while (d->owed) free_owed(pop_owed(d));
    free(d->ns);
    free(d->sink_provider);
    free(d->watch_key);
    free_keys(d->watch_keys);
    free(d);
}
