/* journal_redis_scripts.h — the Redis journal's operations, each one server-side Lua script, so
 * that each is atomic against every other client of the same Redis (journal_redis.c runs them).
 *
 * Every key is under the journal's namespace P (ARGV[1]): the URL's prefix and the fingerprint of
 * the API key (shared_redis.c's: the key's state and its journal are one namespace, and two
 * accounts on one Redis never see each other's records):
 *   P:rec:<id>          hash: one record, the fields of gt_record, its owner, and "sent"
 *   P:keys              hash: caller_key -> id (a caller's key names one record)
 *   P:live              sorted set: the ids of records not ended (or whose downloads did not end),
 *                       scored by creation time, oldest first: what recover() starts from
 *   P:sent              the number of records whose submit went out (max_submits' count)
 *   P:spent_settled     the journal's spend, settled and held (journal.h's gt_journal_budget), in
 *   P:spent_held        millionths of the currency: whole numbers, so that no float drifts
 *   P:currency          the latest writing client's cost currency, and max_cost (millionths) of
 *   P:max_cost          the latest with one: what the fleet's view compares the spend with
 *   P:held:<owner>      a live client's places, under its lease (shared_redis.c renews it while
 *                       the client has tasks, a commit here too): gone, the owner is gone
 * Records come and go as JSON (cjson on both sides); ids travel as strings (a Lua number would
 * print a large one as 1.2e+15). */
#ifndef GENTASK_JOURNAL_REDIS_SCRIPTS_H
#define GENTASK_JOURNAL_REDIS_SCRIPTS_H

/* Money in Redis is counted in whole units of this many to the currency (millionths): the scripts'
 * counts, the budget the commit passes, and the fleet's read all use it. */
#define GT_REDIS_MONEY_UNITS 1e6
#define GT_REDIS_MONEY_UNITS_TEXT "1000000"

/* ARGV: P, owner, now_ms, lease_ms, the records as one JSON array (one argument: a script takes
 * only so many), the prefix's salt key, the salt P was named with, the prefix's lost mark, the
 * salt a client started afresh with, max_submits and max_cost in millionths (0: no limit), the
 * client's cost currency ('': none; with max_cost, kept for the fleet's view). First, the salt must still
 * be the one P was named with: gone or another (a FLUSHALL, a restart without persistence, lost keys), the journal's
 * records went with it, and nothing is written: the prefix is marked lost (with the time it was noticed) and the script
 * answers GENTASK_JOURNAL_LOST. So it answers to a client that named its keys after the loss, under a new salt, once
 * another marked the prefix: its journal is as empty, and its keyed submits would pay again. A client that finds the
 * salt one a client started afresh with (journal_fresh) stops alike but leaves no mark: the loss it saw was dealt with,
 * and a mark would stop the fresh clients. Adds or updates each record (an upsert: a round written again after a
 * timeout writes the same ids again, harmlessly), and keeps the counts of sent records and of the spend by the
 * difference each write makes. Returns the records not written, each as {id, why}: "duplicate", its caller_key another
 * record's; "over_budget" or "budget_held", a record that would become sent past max_submits or max_cost (journal.h's
 * gt_journal_budget, the same rule as the file's). Two writes are dropped: one older than what the record holds (a
 * round that timed out but ran late must not undo the round written again after it), and one to a record another live
 * client took over (this client was cut off from Redis past its lease, and another's recover() claimed it: the record
 * goes on there) — or that another client took over and sent, live or not, its name on the record or not (a client that
 * closes before the end of a task is written lets the record go): its submit went out, and this one must never go too.
 * Such a write of a record not sent yet is answered as a duplicate, so that the task here fails rather than be
 * submitted twice; one already sent is left to be polled by both. */
#define GT_REDIS_COMMIT                                                                                         \
    "local P, owner, now, lease = ARGV[1], ARGV[2], ARGV[3], ARGV[4]\n"                                         \
    "local max_submits, max_cost = tonumber(ARGV[10]), tonumber(ARGV[11])\n"                                    \
    "local salt = redis.call('GET', ARGV[6])\n"                                                                 \
    "if salt ~= ARGV[7] or redis.call('EXISTS', ARGV[8]) == 1 then\n"                                           \
    "  if salt ~= ARGV[7] and (not salt or redis.call('GET', ARGV[9]) ~= salt) then\n"                          \
    "    redis.call('SET', ARGV[8], now, 'NX')\n"                                                               \
    "  end\n"                                                                                                   \
    "  return redis.error_reply('GENTASK_JOURNAL_LOST records gone')\n"                                         \
    "end\n"                                                                                                     \
    "local NULLABLE = {'idempotency_key', 'remote_id', 'poll_url', 'outcome', 'download', 'files',\n"           \
    "  'reserved', 'cost', 'cost_source'}\n"                                                                    \
    "local FIXED = {'caller_key', 'provider', 'model', 'path', 'poll_path', 'params', 'request_hash'}\n"        \
    "local function micro(x) return math.floor((tonumber(x) or 0) * " GT_REDIS_MONEY_UNITS_TEXT " + 0.5) end\n" \
    "local function spend(stage, source, cost, reserved)\n"                                                     \
    "  if not stage or stage == 'queued' then return 0, 0 end\n"                                                \
    "  if source then return micro(cost), 0 end\n"                                                              \
    "  if stage == 'ended' then return micro(reserved), 0 end\n"                                                \
    "  return 0, micro(reserved)\n"                                                                             \
    "end\n"                                                                                                     \
    "local function counter(name) return tonumber(redis.call('GET', P .. name) or '0') end\n"                   \
    "local function over_budget(r)\n"                                                                           \
    "  if max_submits > 0 and counter(':sent') >= max_submits then return 'over_budget' end\n"                  \
    "  if max_cost <= 0 then return nil end\n"                                                                  \
    "  local settled, held = counter(':spent_settled') + micro(r.reserved), counter(':spent_held')\n"           \
    "  if settled > max_cost + 1 then return 'over_budget' end\n"                                               \
    "  if settled + held > max_cost + 1 then return 'budget_held' end\n"                                        \
    "end\n"                                                                                                     \
    "if owner ~= '' and redis.call('PEXPIRE', P .. ':held:' .. owner, lease) == 0 then\n"                       \
    "  redis.call('SET', P .. ':held:' .. owner, '0', 'PX', lease)\n"                                           \
    "end\n"                                                                                                     \
    "if ARGV[12] ~= '' then redis.call('SET', P .. ':currency', ARGV[12]) end\n"                                \
    "if max_cost > 0 then redis.call('SET', P .. ':max_cost', ARGV[11]) end\n"                                  \
    "local refused = {}\n"                                                                                      \
    "for _, r in ipairs(cjson.decode(ARGV[5])) do\n"                                                            \
    "  local key = P .. ':rec:' .. r.id\n"                                                                      \
    "  local exists = redis.call('EXISTS', key) == 1\n"                                                         \
    "  local taken, skip, why = false, false, nil\n"                                                            \
    "  local holder = exists and redis.call('HGET', key, 'owner') or ''\n"                                      \
    "  local old = exists and redis.call('HMGET', key, 'stage', 'cost_source', 'cost', 'reserved') or {}\n"     \
    "  local unsent = r.stage == 'queued' or r.stage == 'sending'\n"                                            \
    "  if unsent and exists and holder ~= owner and old[1] ~= 'queued' then\n"                                  \
    "    skip, taken = true, true\n"                                                                            \
    "  elseif holder ~= '' and holder ~= owner and\n"                                                           \
    "         redis.call('EXISTS', P .. ':held:' .. holder) == 1 then\n"                                        \
    "    skip = true\n"                                                                                         \
    "    if unsent then taken = true end\n"                                                                     \
    "  elseif exists and tonumber(redis.call('HGET', key, 'updated_ms') or '0') > tonumber(now) then\n"         \
    "    skip = true\n"                                                                                         \
    "    if unsent then taken = true end\n"                                                                     \
    "  end\n"                                                                                                   \
    "  if not skip and (r.stage == 'sending' or r.stage == 'accepted') and\n"                                   \
    "     (not exists or old[1] == 'queued') then\n"                                                            \
    "    why = over_budget(r)\n"                                                                                \
    "    if why then skip = true end\n"                                                                         \
    "  end\n"                                                                                                   \
    "  if not skip and not exists and type(r.caller_key) == 'string' then\n"                                    \
    "    local other = redis.call('HGET', P .. ':keys', r.caller_key)\n"                                        \
    "    if other and other ~= r.id then taken = true\n"                                                        \
    "    else redis.call('HSET', P .. ':keys', r.caller_key, r.id) end\n"                                       \
    "  end\n"                                                                                                   \
    "  if taken then why = 'duplicate' end\n"                                                                   \
    "  if why then refused[#refused + 1] = {r.id, why} elseif not skip then\n"                                  \
    "    local created = exists and redis.call('HGET', key, 'created_ms') or now\n"                             \
    "    local set = {'id', r.id, 'stage', r.stage, 'updated_ms', now, 'created_ms', created}\n"                \
    "    if owner ~= '' then set[#set + 1] = 'owner'; set[#set + 1] = owner end\n"                              \
    "    if not exists then\n"                                                                                  \
    "      for _, f in ipairs(FIXED) do\n"                                                                      \
    "        if type(r[f]) == 'string' then set[#set + 1] = f; set[#set + 1] = r[f] end\n"                      \
    "      end\n"                                                                                               \
    "    end\n"                                                                                                 \
    "    for _, f in ipairs(NULLABLE) do\n"                                                                     \
    "      if type(r[f]) == 'string' then set[#set + 1] = f; set[#set + 1] = r[f]\n"                            \
    "      else redis.call('HDEL', key, f) end\n"                                                               \
    "    end\n"                                                                                                 \
    "    redis.call('HSET', key, unpack(set))\n"                                                                \
    "    local settled_was, held_was = spend(old[1], old[2], old[3], old[4])\n"                                 \
    "    local settled, held = spend(r.stage, r.cost_source, r.cost, r.reserved)\n"                             \
    "    if settled ~= settled_was then\n"                                                                      \
    "      redis.call('INCRBY', P .. ':spent_settled', settled - settled_was)\n"                                \
    "    end\n"                                                                                                 \
    "    if held ~= held_was then redis.call('INCRBY', P .. ':spent_held', held - held_was) end\n"              \
    "    local ok, o = pcall(cjson.decode, type(r.outcome) == 'string' and r.outcome or 'null')\n"              \
    "    if not ok or type(o) ~= 'table' then o = {} end\n"                                                     \
    "    local e = type(o.error) == 'table' and o.error or {}\n"                                                \
    "    local sent = r.stage == 'sending' or r.stage == 'accepted' or (r.stage == 'ended' and\n"               \
    "      (type(r.remote_id) == 'string' or e.submitted == 'yes' or e.submitted == 'unknown'))\n"              \
    "    local was = redis.call('HGET', key, 'sent') == '1'\n"                                                  \
    "    if sent ~= was then\n"                                                                                 \
    "      redis.call('HSET', key, 'sent', sent and '1' or '0')\n"                                              \
    "      redis.call('INCRBY', P .. ':sent', sent and 1 or -1)\n"                                              \
    "    end\n"                                                                                                 \
    "    local live = r.stage ~= 'ended' or (type(r.download) == 'string' and type(r.files) ~= 'string'\n"      \
    "      and o.state == 'succeeded')\n"                                                                       \
    "    if live then redis.call('ZADD', P .. ':live', tonumber(created), r.id)\n"                              \
    "    else redis.call('ZREM', P .. ':live', r.id) end\n"                                                     \
    "  end\n"                                                                                                   \
    "end\n"                                                                                                     \
    "return refused\n"

/* ARGV: P, owner, provider, id, lease_ms. Gives owner the live records of provider (or record id
 * alone, whatever its stage, when id is not '') that no live client works on: no owner, or one
 * whose lease expired. Returns how many it took (a record owner holds already counts). The
 * claimer's lease is made first if it has none yet (its heartbeat keeps it from there): a record
 * it took must never look orphaned, to the client it was taken from least of all. */
#define GT_REDIS_CLAIM                                                                              \
    "local P, owner, provider, id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]\n"                           \
    "redis.call('SET', P .. ':held:' .. owner, '0', 'PX', ARGV[5], 'NX')\n"                         \
    "local ids = id ~= '' and {id} or redis.call('ZRANGE', P .. ':live', 0, -1)\n"                  \
    "local n = 0\n"                                                                                 \
    "for _, rid in ipairs(ids) do\n"                                                                \
    "  local key = P .. ':rec:' .. rid\n"                                                           \
    "  local f = redis.call('HMGET', key, 'owner', 'provider')\n"                                   \
    "  if f[2] and (id ~= '' or f[2] == provider) then\n"                                           \
    "    local o = f[1]\n"                                                                          \
    "    if not o or o == '' or o == owner or redis.call('EXISTS', P .. ':held:' .. o) == 0 then\n" \
    "      redis.call('HSET', key, 'owner', owner)\n"                                               \
    "      n = n + 1\n"                                                                             \
    "    end\n"                                                                                     \
    "  end\n"                                                                                       \
    "end\n"                                                                                         \
    "return n\n"

/* ARGV: P, owner. The live records of owner (every live one when owner is ''), oldest first, each
 * as JSON. */
#define GT_REDIS_UNENDED                                                                         \
    "local P, owner = ARGV[1], ARGV[2]\n"                                                        \
    "local out = {}\n"                                                                           \
    "for _, rid in ipairs(redis.call('ZRANGE', P .. ':live', 0, -1)) do\n"                       \
    "  local flat = redis.call('HGETALL', P .. ':rec:' .. rid)\n"                                \
    "  local r = {}\n"                                                                           \
    "  for i = 1, #flat, 2 do r[flat[i]] = flat[i + 1] end\n"                                    \
    "  if r.id and (owner == '' or r.owner == owner) then out[#out + 1] = cjson.encode(r) end\n" \
    "end\n"                                                                                      \
    "return out\n"

/* ARGV: P, caller_key. The record of that key as JSON, or nil. */
#define GT_REDIS_FIND_KEY                                      \
    "local P, k = ARGV[1], ARGV[2]\n"                          \
    "local id = redis.call('HGET', P .. ':keys', k)\n"         \
    "if not id then return false end\n"                        \
    "local flat = redis.call('HGETALL', P .. ':rec:' .. id)\n" \
    "if #flat == 0 then return false end\n"                    \
    "local r = {}\n"                                           \
    "for i = 1, #flat, 2 do r[flat[i]] = flat[i + 1] end\n"    \
    "return cjson.encode(r)\n"

/* ARGV: P, owner, id: the record is let go (any client's recover() may take it), if owner has it. */
#define GT_REDIS_DISOWN                                                                          \
    "local key = ARGV[1] .. ':rec:' .. ARGV[3]\n"                                                \
    "if redis.call('HGET', key, 'owner') == ARGV[2] then redis.call('HDEL', key, 'owner') end\n" \
    "return 1\n"

/* KEYS: the prefix's salt key, its lost mark, the salt a client started afresh with. ARGV: a new
 * salt, '1' to start afresh. The salt of the prefix: this one, unless another client stored one
 * first. The journal and the key's shared state (shared_redis.c) both name their keys with it. A
 * prefix whose records a client found gone (GT_REDIS_COMMIT) is marked lost: its salt is refused
 * (a new salt would name an empty journal, and a keyed re-run would pay again) until a client
 * starts afresh, which clears the mark and vouches for the salt it names its keys with. */
#define GT_REDIS_SALT                                                   \
    "if ARGV[2] == '1' then redis.call('DEL', KEYS[2])\n"               \
    "elseif redis.call('EXISTS', KEYS[2]) == 1 then\n"                  \
    "  return redis.error_reply('GENTASK_JOURNAL_LOST records gone')\n" \
    "end\n"                                                             \
    "redis.call('SET', KEYS[1], ARGV[1], 'NX')\n"                       \
    "local salt = redis.call('GET', KEYS[1])\n"                         \
    "if ARGV[2] == '1' then redis.call('SET', KEYS[3], salt) end\n"     \
    "return salt\n"

/* What a script answers when the prefix's records are gone (GT_REDIS_SALT, GT_REDIS_COMMIT): the
 * error's first word (Redis would put "ERR" before an error of one word). */
#define GT_REDIS_LOST_REPLY "GENTASK_JOURNAL_LOST"

#endif
