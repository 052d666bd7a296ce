-- What a client trusts of Redis (journal = "redis://..."): it proves who it is (AUTH, with the
-- default user's password or an ACL user's, from the URL or the environment, a password shown
-- nowhere), it refuses a Redis that keeps nothing on disk unless told otherwise, and it notices a
-- Redis that lost the journal (FLUSHALL, a restart without persistence) rather than pay again for
-- what it had recorded. A real redis-server (spec/support/redis.lua), the real simulator.
local gentask = require "gentask"
local Sim = require "support.sim"
local Redis = require "support.redis"

if not Redis.installed() then
  describe("Redis", function()
    pending "redis-server is not installed (make deps installs Debian's redis-server)"
  end)
  return
end

-- the default user's, and an ACL user's that needs percent-encoding in a URL
local PASSWORD = "Default-pw-6d1e0b7c"
local WORKER, WORKER_PASSWORD = "worker", "w@rk:er/pass%word 9f2"

-- Every text the caller could see of err: none may hold a password.
local function assert_no_password(text)
  for _, secret in ipairs { PASSWORD, WORKER_PASSWORD, "wrong-pw-77" } do
    assert.is_nil(tostring(text):find(secret, 1, true), "a password is shown: " .. tostring(text))
  end
end

-- What the client says of url: a URL it cannot read is a usage error at creation; a Redis that
-- refuses it (a password, persistence, a lost journal) is found on the engine's loop, since the
-- client is made without waiting on Redis: its first submit fails unsent, with that error.
local function refused(url, options)
  local opts = { provider = "foxapi", api_key = Sim.key, base_url = "http://127.0.0.1:9/foxapi", journal = url }
  for k, v in pairs(options or {}) do opts[k] = v end
  local ok, client = pcall(gentask.client, opts)
  local err = client
  if ok then
    local _
    _, err = client:submit("flux-dev", { prompt = "refused?" }):result()
    assert.equal("no", err and err.submitted, tostring(err))
    client:close()
  end
  assert.is_true(gentask.errors.is(err), tostring(err))
  assert_no_password(tostring(err))
  assert_no_password(err.message)
  return err
end

describe("a redis:// URL with a user and password", function()
  it("that cannot be read is a usage error that shows neither", function()
    local cases = {
      { "redis://worker@127.0.0.1/x", "needs a password" },
      { "redis://worker:@127.0.0.1/x", "password is empty" },
      { "redis://:Default%00pw@127.0.0.1/x", "decoded" },
      -- not percent-encoded: the '/' ends the user information early, the rest is not shown
      { "redis://:Default/pw@127.0.0.1/x", "percent%-encode" },
      { "redis://:Default-pw@localhost/x", "IP address" },
    }
    for _, case in ipairs(cases) do
      local err = refused(case[1])
      assert.equal("usage", err.kind, tostring(err))
      assert.truthy(err.message:match(case[2]), err.message)
      for _, part in ipairs { "Default", "worker" } do
        assert.is_nil(err.message:find(part, 1, true), err.message)
      end
    end
  end)
end)

describe("Redis with a password and an ACL user", function()
  local redis, sim
  setup(function()
    redis = Redis.start { password = PASSWORD, users = { { name = WORKER, password = WORKER_PASSWORD } } }
    sim = Sim.start "--duration-ms 50"
  end)
  teardown(function()
    sim:stop()
    redis:stop()
  end)

  local function one_task_through(url, key)
    local fox = sim:client("foxapi", { journal = url })
    assert_no_password(tostring(fox))
    local result, err = fox:submit("flux-dev", { prompt = key }, { key = key }):result()
    assert.is_nil(err, tostring(err))
    assert.truthy(result.url)
    fox:close()
  end

  it("works with the default user's password, over TCP and over the unix socket", function()
    one_task_through(redis:url("auth", false, "", PASSWORD), "default tcp")
    one_task_through(redis:url("auth", true, "", PASSWORD), "default unix")
    assert.truthy(redis:cli("--scan --pattern 'auth:*:keys'"):match "auth:", "the journal is in Redis")
  end)

  it("works as an ACL user whose password is percent-encoded in the URL", function()
    one_task_through(redis:url("auth", false, WORKER, WORKER_PASSWORD), "acl user")
    assert.equal(3, sim:stats().submissions)
  end)

  it("with a wrong password, or none, fails the client's submits unsent: unavailable, code redis", function()
    local cases = {
      redis:url("auth", false, "", "wrong-pw-77"),
      redis:url("auth", true, "", "wrong-pw-77"),
      redis:url("auth", false, WORKER, "wrong-pw-77"),
      redis:url("auth", false, WORKER, PASSWORD), -- the default user's password is not the worker's
      redis:url "auth", -- none at all: Redis asks for one
    }
    for _, url in ipairs(cases) do
      local err = refused(url)
      assert.equal("unavailable", err.kind, tostring(err))
      assert.equal("redis", err.code, tostring(err))
      assert.is_false(err.retryable)
      -- the address is named, without its user information, and what Redis refused
      assert.truthy(err.message:find("redis://" .. (url:match "@(.*)$" or url:sub(9)), 1, true), err.message)
      assert.truthy(err.message:match "WRONGPASS" or err.message:match "NOAUTH", err.message)
    end
  end)

  it("takes the password from GENTASK_REDIS_PASSWORD and GENTASK_REDIS_USER; the URL's wins", function()
    local secret = os.tmpname()
    local f = assert(io.open(secret, "w"))
    f:write(WORKER_PASSWORD)
    f:close()
    local user = os.tmpname()
    f = assert(io.open(user, "w"))
    f:write(WORKER)
    f:close()
    local output = Sim.run_script(([[
      local gentask = require "gentask"
      local function client(journal)
        return pcall(gentask.client, { provider = "foxapi", api_key = os.getenv "REDIS_SPEC_KEY", base_url = %q,
          journal = journal, poll_interval = 0.05 })
      end
      local ok, fox = client(%q)
      local result, err = fox:submit("flux-dev", { prompt = "from the environment" }):result()
      print("env " .. tostring(result and "succeeded" or err))
      fox:close()
      -- a password in the URL is the one used, the environment's notwithstanding
      local _, other = client(%q)
      local _, err2 = other:submit("flux-dev", { prompt = "with the URL's password" }):result()
      print("url wins " .. tostring(err2 and err2.code))
      print(tostring(err2))
    ]]):format(sim.url .. "/foxapi", redis:url("auth", true), redis:url("auth", false, WORKER, "wrong-pw-77")),
      { env = "REDIS_SPEC_KEY=" .. Sim.key, secret_env = { GENTASK_REDIS_PASSWORD = secret, GENTASK_REDIS_USER = user } })
    os.remove(secret)
    os.remove(user)
    assert.truthy(output:match "env succeeded", output)
    assert.truthy(output:match "url wins redis", output)
    assert_no_password(output)
  end)

  it("sends AUTH again on every connection made again: Redis killed and started mid-batch, every task ends once", function()
    local fox = sim:client("foxapi", { journal = redis:url("again", false, WORKER, WORKER_PASSWORD), max_in_flight = 3,
                                       redis_timeout = 0.2 })
    local before = sim:stats().submissions
    local tasks = {}
    for i = 1, 12 do tasks[i] = fox:submit("flux-dev", { prompt = "again " .. i }) end
    local outcomes
    gentask.run(function()
      while fox:stats().accepted < 3 do gentask.sleep(0.01) end
      redis:signal "KILL"
      redis:wait_gone()
      gentask.sleep(0.3)
      redis:launch()
      outcomes = gentask.settle(tasks)
    end)
    for _, outcome in ipairs(outcomes) do
      assert.is_true(outcome.ok, tostring(outcome.error))
    end
    assert.equal(12, sim:stats().submissions - before, "none sent twice")
    fox:close()
  end)

  -- made while Redis is down: the submits wait for it; once it answers and refuses the password,
  -- they fail unsent, saying so
  it("refused once Redis answers (a wrong password, Redis down at creation): nothing is sent", function()
    local later = Redis.start { password = PASSWORD, later = true }
    local ok, err = pcall(function()
      local fox = sim:client("foxapi", { journal = later:url("late", false, "", "wrong-pw-77"), redis_timeout = 0.2 })
      local before = sim:stats().submissions
      local task = fox:submit("flux-dev", { prompt = "refused on the link" })
      gentask.run(function() gentask.sleep(0.3) end)
      assert.equal("queued", task.state)
      later:launch()
      local _, failure = task:result()
      assert.equal("unavailable", failure and failure.kind, tostring(failure))
      assert.equal("redis", failure.code, tostring(failure))
      assert.equal("no", failure.submitted)
      assert_no_password(tostring(failure))
      assert.equal(0, sim:stats().submissions - before)
      fox:close()
    end)
    later:stop()
    assert(ok, err)
  end)

  it("keeps the passwords out of Redis's keys and values", function()
    assert_no_password(redis:dump())
  end)
end)

describe("a Redis that may lose the journal (nothing kept on disk, or any key evicted)", function()
  local redis
  setup(function() redis = Redis.start { volatile = true } end)
  teardown(function() redis:stop() end)

  it("is refused (unavailable, code redis, nothing sent), unless redis_volatile_ok = true", function()
    local err = refused(redis:url "volatile")
    assert.equal("unavailable", err.kind, tostring(err))
    assert.equal("redis", err.code, tostring(err))
    assert.truthy(err.message:match "appendonly", err.message)
    local fox = gentask.client { provider = "foxapi", api_key = Sim.key, base_url = "http://127.0.0.1:9/foxapi",
                                 journal = redis:url "volatile", redis_volatile_ok = true }
    fox:close()
  end)

  it("found so once Redis answers, when it was down at creation: submits fail unsent, code redis", function()
    local later = Redis.start { volatile = true, later = true }
    local sim = Sim.start "--duration-ms 50"
    local ok, err = pcall(function()
      local fox = sim:client("foxapi", { journal = later:url "down", redis_timeout = 0.2 })
      local task = fox:submit("flux-dev", { prompt = "waits for Redis" })
      later:launch()
      local _, failure = task:result()
      assert.equal("unavailable", failure and failure.kind, tostring(failure))
      assert.equal("redis", failure.code, tostring(failure))
      assert.equal("no", failure.submitted)
      assert.truthy(failure.message:match "appendonly", failure.message)
      assert.equal(0, sim:stats().submissions)
      fox:close()
    end)
    sim:stop()
    later:stop()
    assert(ok, err)
  end)

  it("and one that may evict any key when full (allkeys-*) is refused alike; volatile-* is not", function()
    local evicting = Redis.start()
    local ok, err = pcall(function()
      evicting:cli "CONFIG SET maxmemory 100mb"
      evicting:cli "CONFIG SET maxmemory-policy allkeys-lru"
      local refusal = refused(evicting:url "evicting")
      assert.equal("unavailable", refusal.kind, tostring(refusal))
      assert.equal("redis", refusal.code, tostring(refusal))
      assert.truthy(refusal.message:match "allkeys%-lru", refusal.message)
      -- accepted, the journal is written: the submit then meets no provider at port 9, and waits out
      -- the refused connection until its deadline
      local function accepted(options)
        options.task_timeout = 1
        local err = refused(evicting:url "evicting", options)
        assert.equal("deadline_exceeded", err.kind, tostring(err))
        assert.equal("network", err.cause and err.cause.kind, tostring(err))
      end
      accepted { redis_volatile_ok = true }
      -- only keys with a time to live go (our leases): the records stay
      evicting:cli "CONFIG SET maxmemory-policy volatile-lru"
      accepted {}
    end)
    evicting:stop()
    assert(ok, err)
  end)

  it("takes true or false, nothing else, for the option", function()
    local ok, err = pcall(gentask.client, { provider = "foxapi", api_key = Sim.key, journal = redis:url "volatile",
                                            redis_volatile_ok = 1 })
    assert.is_false(ok)
    assert.is_true(gentask.errors.is(err, "usage"), tostring(err))
    assert.matches("redis_volatile_ok must be true or false", err.message, 1, true)
  end)
end)

-- A keyed batch of 12 under a cap of 4 while Redis loses the journal (loss(), once 4 are accepted
-- and written): the live client notices at its next round. What was accepted finishes (paid: never
-- failed for the loss), what was not sent fails unavailable / journal_lost, submitted "no". A new
-- client is refused until one starts afresh; then the rows that were not sent are run again, and
-- no row is paid twice.
-- The same keyed batch run again by a script of its own, as a caller would after a crash: it
-- prints what its client creation said, or how many rows it got.
local RERUN = [[
  local gentask = require "gentask"
  local fox = gentask.client { provider = "foxapi", api_key = os.getenv "REDIS_SPEC_KEY",
    base_url = %q, journal = %q, redis_volatile_ok = %s, max_in_flight = 4 }
  local tasks = {}
  for i = 1, 12 do tasks[i] = fox:submit("flux-dev", { prompt = "row " .. i }, { key = "row-" .. i }) end
  local refusals = {}
  for _, outcome in ipairs(gentask.settle(tasks)) do
    local e = outcome.error
    if e then refusals[tostring(e.kind) .. " " .. tostring(e.code) .. " " .. tostring(e.submitted)] = tostring(e) end
  end
  for what, text in pairs(refusals) do print("refused " .. what) print(text) end
  fox:close()
]]

local function rerun(sim, redis, prefix, options)
  local source = RERUN:format(sim.url .. "/foxapi", redis:url(prefix), tostring(options.redis_volatile_ok == true))
  return Sim.run_script(source, { env = "REDIS_SPEC_KEY=" .. Sim.key,
                                  secret_env = redis.password and { GENTASK_REDIS_PASSWORD = redis.dir .. "/auth" } })
end

local function keyed_batch_through(sim, redis, prefix, loss, options)
  options = options or {}
  local url = redis:url(prefix, false, "", redis.password)
  local n = 12
  local function opts(extra)
    local o = { journal = url, max_in_flight = 4, redis_timeout = 0.2 }
    for k, v in pairs(options or {}) do o[k] = v end
    for k, v in pairs(extra or {}) do o[k] = v end
    return o
  end
  local fox = sim:client("foxapi", opts())
  local idle = sim:client("foxapi", opts()) -- named its keys before the loss, writes nothing until the end
  local tasks = {}
  for i = 1, n do tasks[i] = fox:submit("flux-dev", { prompt = "row " .. i }, { key = "row-" .. i }) end
  local outcomes
  gentask.run(function()
    while fox:stats().accepted < 4 or fox:stats().journal_pending > 0 do gentask.sleep(0.01) end
    loss(function(seconds) gentask.sleep(seconds) end)
    outcomes = gentask.settle(tasks)
  end)
  local succeeded, unsent = 0, {}
  for i, outcome in ipairs(outcomes) do
    if outcome.ok then succeeded = succeeded + 1
    else
      local e = outcome.error
      assert.equal("unavailable", e.kind, tostring(e))
      assert.equal("journal_lost", e.code, tostring(e))
      assert.equal("no", e.submitted, tostring(e))
      assert_no_password(tostring(e))
      unsent[#unsent + 1] = i
    end
  end
  assert.equal(4, succeeded, "the tasks accepted before the loss finish")
  assert.equal(n - 4, #unsent)
  assert.equal(4, sim:stats().submissions, "nothing was sent after the loss")

  -- the live client sends nothing more, keyed or not, and says why
  for _, key in ipairs { "row-new", false } do
    local _, err = fox:submit("flux-dev", { prompt = "after" }, { key = key or nil }):result()
    assert.equal("journal_lost", err and err.code, tostring(err))
    assert.equal("no", err.submitted)
  end
  local recovered, recover_err = pcall(fox.recover, fox)
  assert.is_false(recovered)
  assert.equal("unavailable", recover_err.kind, tostring(recover_err))
  assert.equal("journal_lost", recover_err.code, tostring(recover_err))
  fox:close()

  -- the same keyed batch again, from a new client: refused, not paid again
  local err = refused(url, opts { provider = "foxapi" })
  assert.equal("unavailable", err.kind, tostring(err))
  assert.equal("journal_lost", err.code, tostring(err))
  local output = rerun(sim, redis, prefix, options)
  assert.truthy(output:match "refused unavailable journal_lost no", output)
  assert.is_nil(output:match "refused %S+ %S+ yes", output)
  assert_no_password(output)
  assert.equal(4, sim:stats().submissions, "the re-run paid for no row again")

  -- the caller, told, starts afresh and runs again what was not sent: every row is paid once
  local fresh = sim:client("foxapi", opts { journal_fresh = true })
  local again = {}
  for _, i in ipairs(unsent) do again[#again + 1] = fresh:submit("flux-dev", { prompt = "row " .. i }, { key = "row-" .. i }) end
  for _, outcome in ipairs(gentask.settle(again)) do assert.is_true(outcome.ok, tostring(outcome.error)) end
  local stats = sim:stats()
  assert.equal(n, stats.submissions, "each row paid once")
  assert.equal(n, stats.accepted)

  -- a client of before the loss that writes only now finds it: it stops, unsent, and marks nothing
  -- (the loss was dealt with: a mark would stop the fresh clients)
  local _, stale = idle:submit("flux-dev", { prompt = "stale" }, { key = "row-stale" }):result()
  assert.equal("journal_lost", stale and stale.code, tostring(stale))
  assert.equal("no", stale.submitted)
  idle:close()
  local result, err_after = fresh:submit("flux-dev", { prompt = "fresh goes on" }, { key = "row-13" }):result()
  assert.is_nil(err_after, tostring(err_after))
  assert.truthy(result.url)
  fresh:close()
  -- the mark is gone: a client needs no journal_fresh any more
  sim:client("foxapi", opts()):close()
  assert.equal(n + 1, sim:stats().submissions)
end

describe("a Redis journal that loses its records mid-run", function()
  local sim
  before_each(function() sim = Sim.start "--duration-ms 400" end)
  after_each(function() sim:stop() end)

  it("FLUSHALL: the live client stops, a new one is refused, no keyed re-run pays twice", function()
    local redis = Redis.start { password = PASSWORD }
    local ok, err = pcall(keyed_batch_through, sim, redis, "flushed", function()
      redis:cli "FLUSHALL"
    end)
    redis:stop()
    assert(ok, err)
  end)

  it("a restart without persistence (redis_volatile_ok = true): noticed alike", function()
    local redis = Redis.start { volatile = true }
    local ok, err = pcall(keyed_batch_through, sim, redis, "restarted", function(sleep)
      redis:signal "KILL"
      redis:wait_gone()
      sleep(0.2)
      redis:launch()
    end, { redis_volatile_ok = true })
    redis:stop()
    assert(ok, err)
  end)
end)
