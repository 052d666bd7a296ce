-- One API key on several machines: clients whose journal option names one Redis share the key's
-- cap on tasks in flight and its 429 pause there. Real processes (this same Lua, as two machines
-- would run), a real redis-server (spec/support/redis.lua), the real simulator. Redis stopped or
-- hung mid-batch: submits wait, polls go on, every task ends, none is paid twice, and the loop
-- never stalls.
local gentask = require "gentask"
local Sim = require "support.sim"
local Redis = require "support.redis"

local ENV = "REDIS_SPEC_KEY=" .. Sim.key

if not Redis.installed() then
  describe("Redis", function()
    pending "redis-server is not installed (make deps installs Debian's redis-server)"
  end)
  return
end

local redis

setup(function()
  redis = Redis.start()
end)

teardown(function()
  redis:stop()
end)

describe("two processes on one key and one Redis, each with max_in_flight = 6", function()
  local sim
  setup(function() sim = Sim.start "--max-active 6 --duration-ms 100" end)
  teardown(function() sim:stop() end)

  it("hold at most 6 tasks in flight in all: a batch of 2 x 50 ends 100/100 with no 429", function()
    -- one over TCP, one over the unix socket: the same Redis either way
    local workers = {
      Sim.spawn_batch_worker(sim.url, redis:url "batch", 1, 50),
      Sim.spawn_batch_worker(sim.url, redis:url("batch", true), 51, 100),
    }
    sim:expect_capped_batch(workers, 50)
  end)
end)

describe("a 429 with Retry-After seen by one process", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 100" end)
  teardown(function() sim:stop() end)

  it("pauses the submits of another process on the same Redis for its Retry-After", function()
    local fox = sim:client("foxapi", { journal = redis:url "pause" })
    local refused = fox:submit("flux-dev", { prompt = "x [submit-http=429:1] [retry-after=30]" })
    gentask.run(function()
      while fox:stats().refused < 1 do gentask.sleep(0.01) end
      -- the pause is told to Redis on the client's next round
      while not redis:cli("--scan --pattern 'pause:*:pause'"):match "pause" do gentask.sleep(0.01) end
    end)
    -- the other process: a submit of its own waits for the pause this one met
    local output = Sim.run_script(([[
      local gentask = require "gentask"
      local fox = gentask.client { provider = "foxapi", api_key = os.getenv "REDIS_SPEC_KEY",
        base_url = %q, journal = %q }
      local task = fox:submit("flux-dev", { prompt = "another process" })
      gentask.run(function() gentask.sleep(0.5) end)
      print(("paused %%s state %%s submits %%d"):format(tostring(fox:stats().paused_for > 20), task.state,
        fox:stats().submits))
      task:cancel()
    ]]):format(sim.url .. "/foxapi", redis:url "pause"), { env = ENV })
    assert.truthy(output:match "paused true state queued submits 0", output)
    assert.equal(1, sim:stats().submissions, "only the refused submit reached the simulator")
    refused:cancel()
    fox:close()
  end)
end)

-- A batch of n in this process while something happens to Redis (outage(), after the first
-- acceptances; it returns once Redis is back), with a ticker that counts its wakeups: every task
-- must end, none be submitted twice, and the ticker must keep ticking while Redis is away.
local function batch_through(outage, prefix)
  local sim = Sim.start "--max-active 6 --duration-ms 150"
  local fox = sim:client("foxapi", { journal = redis:url(prefix), max_in_flight = 6, redis_timeout = 0.2 })
  local n = 30
  local tasks = {}
  for i = 1, n do tasks[i] = fox:submit("flux-dev", { prompt = prefix .. " " .. i }) end
  local ticks, ticks_while_away, outcomes = 0, 0, nil
  gentask.run(function()
    local done = false
    gentask.spawn(function()
      while not done do
        ticks = ticks + 1
        gentask.sleep(0.02)
      end
    end)
    while fox:stats().accepted < 3 do gentask.sleep(0.01) end
    local before = ticks
    outage(function(seconds) gentask.sleep(seconds) end)
    ticks_while_away = ticks - before
    outcomes = gentask.settle(tasks)
    done = true
  end)
  local ok = 0
  for _, outcome in ipairs(outcomes) do
    if outcome.ok then ok = ok + 1
    else
      assert.truthy(outcome.error.kind, tostring(outcome.error))
      assert.is_nil(tostring(outcome.error):find(Sim.key, 1, true))
    end
  end
  local stats = sim:stats()
  fox:close()
  sim:stop()
  return { ok = ok, n = n, ticks = ticks_while_away, stats = stats }
end

describe("Redis going away mid-batch", function()
  local function check(got)
    assert.equal(got.n, got.ok, "every task ends with its result")
    assert.equal(got.n, got.stats.submissions, "none submitted twice")
    assert.equal(got.n, got.stats.accepted)
    assert.is_true(got.stats.max_in_flight <= 6)
    assert.is_true(got.ticks > 5, "the loop kept running while Redis was away: " .. got.ticks .. " ticks")
  end

  it("killed (SIGKILL), then started again: submits wait, polls go on, every task ends once", function()
    check(batch_through(function(sleep)
      redis:signal "KILL"
      redis:wait_gone()
      sleep(1)
      redis:launch()
    end, "killed"))
  end)

  it("stopped (SIGTERM), then started again", function()
    check(batch_through(function(sleep)
      redis:signal "TERM"
      redis:wait_gone()
      sleep(0.5)
      redis:launch()
    end, "stopped"))
  end)

  it("hung (SIGSTOP), then resumed (SIGCONT): the host loop never stalls", function()
    check(batch_through(function(sleep)
      redis:signal "STOP"
      sleep(1.5)
      redis:signal "CONT"
    end, "hung"))
  end)

  -- The audit's case: each keyed submit used to block the whole process for redis_timeout, and the
  -- accepted tasks then passed their deadline. Now a keyed submit returns at once and asks Redis
  -- on the loop: the paid tasks finish while Redis hangs, the new ones wait, and none is paid twice.
  it("hung (SIGSTOP) during a keyed batch: keyed submits return at once, paid tasks finish, none paid twice",
     function()
    local sim = Sim.start "--duration-ms 600"
    local url = redis:url "hung-keyed"
    local fox = sim:client("foxapi", { journal = url, redis_timeout = 0.2 })
    local first, later, outcomes_first, ticks, sent_while_hung, queued = {}, {}, nil, 0, nil, 0
    for i = 1, 10 do first[i] = fox:submit("flux-dev", { prompt = "keyed " .. i }, { key = "keyed-" .. i }) end
    gentask.run(function()
      while fox:stats().accepted < 10 or fox:stats().journal_pending > 0 do gentask.sleep(0.01) end
      redis:signal "STOP"
      -- twenty keyed submits while Redis hangs: each one a task at once, queued behind its key
      for i = 11, 30 do later[#later + 1] = fox:submit("flux-dev", { prompt = "keyed " .. i }, { key = "keyed-" .. i }) end
      for _, task in ipairs(later) do queued = queued + (task.state == "queued" and 1 or 0) end
      local done = false
      gentask.spawn(function()
        while not done do ticks = ticks + 1 gentask.sleep(0.02) end
      end)
      -- the ten the provider took end while Redis still hangs: polls need no Redis
      outcomes_first = gentask.settle(first)
      done = true
      sent_while_hung = sim:stats().submissions
      redis:signal "CONT"
    end)
    assert.equal(20, queued, "every keyed submit made while Redis hung was a task at once, queued")
    assert.equal(10, sent_while_hung, "nothing new was sent while Redis hung")
    for _, outcome in ipairs(outcomes_first) do assert.is_true(outcome.ok, tostring(outcome.error)) end
    assert.is_true(ticks > 5, "the loop kept running while Redis hung: " .. ticks .. " ticks")
    for _, outcome in ipairs(gentask.settle(later)) do assert.is_true(outcome.ok, tostring(outcome.error)) end
    assert.equal(30, sim:stats().submissions, "each task paid once")
    fox:close()
    -- the same keyed batch again, in a new client: answered from the journal, nothing paid
    local again = sim:client("foxapi", { journal = url })
    local tasks = {}
    for i = 1, 30 do tasks[i] = again:submit("flux-dev", { prompt = "keyed " .. i }, { key = "keyed-" .. i }) end
    for _, outcome in ipairs(gentask.settle(tasks)) do assert.is_true(outcome.ok, tostring(outcome.error)) end
    assert.equal(30, sim:stats().submissions)
    again:close()
    sim:stop()
  end)

  it("hung (SIGSTOP), then killed and started again", function()
    check(batch_through(function(sleep)
      redis:signal "STOP"
      sleep(1)
      redis:signal "KILL"
      redis:signal "CONT"
      redis:wait_gone()
      redis:launch()
    end, "hungkilled"))
  end)
end)

describe("a host loop (gentask.loop.uv on luv) with the key's state in Redis", function()
  local have_luv = pcall(require, "luv")
  if not have_luv then
    pending("luv is not installed for " .. _VERSION)
    return
  end
  local sim
  setup(function() sim = Sim.start "--max-active 3 --duration-ms 100" end)
  teardown(function() sim:stop() end)

  -- The Redis link's socket is reported to the host like curl's, and its readiness comes back
  -- through socket_action: with max_in_flight 3, nine of the twelve submits wait for places that
  -- only Redis's answers, read by the host's loop, let in. Hung Redis: the host's timer keeps firing.
  it("runs a batch, every place granted through the host's watch on the link's socket", function()
    local output = Sim.run_script(([[
      local gentask = require "gentask"
      local uv = require "luv"
      require("gentask.loop.uv").start(uv)
      local fox = gentask.client { provider = "foxapi", api_key = os.getenv "REDIS_SPEC_KEY",
        base_url = %q, journal = %q, max_in_flight = 3, redis_timeout = 0.2,
        poll_interval = 0.05, poll_max_interval = 0.1 }
      local done, ok, ticks = 0, 0, 0
      for i = 1, 12 do
        fox:submit("flux-dev", { prompt = "uv " .. i }):on("done", function(result)
          done = done + 1
          if result then ok = ok + 1 end
        end)
      end
      local hung = false
      local check = uv.new_timer()
      check:start(10, 10, function()
        if hung then ticks = ticks + 1 end
        if done == 12 then uv.stop() end
        if done >= 3 and not hung then
          hung = true
          os.execute("kill -STOP " .. %q)
          local resume = uv.new_timer()
          resume:start(1000, 0, function()
            os.execute("kill -CONT " .. %q)
            resume:close()
          end)
        end
      end)
      local guard = uv.new_timer()
      guard:start(60000, 0, function() print("gave up") uv.stop() end)
      uv.run()
      print(("succeeded %%d ticks %%d"):format(ok, ticks))
      fox:close()
    ]]):format(sim.url .. "/foxapi", redis:url "uv", redis.pid, redis.pid), { env = ENV })
    assert.truthy(output:match "succeeded 12", output)
    assert.is_true(tonumber(output:match "ticks (%d+)") > 5, output)
    local stats = sim:stats()
    assert.equal(12, stats.submissions)
    assert.equal(0, stats.rate_limited)
    assert.is_true(stats.max_in_flight <= 3)
  end)
end)

describe("a redis:// journal that cannot be used", function()
  local function refused(url)
    local ok, err = pcall(gentask.client, { provider = "foxapi", api_key = Sim.key,
                                             base_url = "http://127.0.0.1:9/foxapi", journal = url })
    assert.is_false(ok, url)
    assert.equal("usage", err.kind, tostring(err))
    assert.is_nil(tostring(err):find(Sim.key, 1, true))
    return tostring(err)
  end

  it("is refused at client creation as a usage error", function()
    assert.truthy(refused("redis://localhost:6379/x"):match "IP address")
    assert.truthy(refused("redis://redis.example.com/x"):match "IP address")
    assert.truthy(refused("redis://127.0.0.1:0/x"):match "port")
    assert.truthy(refused("redis://127.0.0.1:http/x"):match "port")
    assert.truthy(refused("redis://[::1/x"):match "brackets")
    assert.truthy(refused("redis:///tmp/no-socket-here/x"):match "%.sock")
    assert.truthy(refused("redis://127.0.0.1/bad prefix"):match "prefix")
    assert.truthy(refused("redis://127.0.0.1/x?db=1"):match "query")
    -- a URL with a password names the address without it (redis_trust_spec: AUTH itself)
    local with_password = refused("redis://user:hunter2@localhost/x")
    assert.truthy(with_password:match "IP address", with_password)
    assert.is_nil(with_password:find("hunter2", 1, true), with_password)
    assert.is_nil(refused("redis://user@127.0.0.1/x"):find("user@", 1, true))
  end)

  it("is accepted while Redis is down: nothing waits at creation", function()
    local fox = gentask.client { provider = "foxapi", api_key = Sim.key, base_url = "http://127.0.0.1:9/foxapi",
                                 journal = "redis://127.0.0.1:9/nobody" }
    assert.equal(0, fox:stats().in_flight)
    fox:close()
  end)
end)

describe("the journal in Redis, shared by two machines", function()
  local sim
  before_each(function() sim = Sim.start "--duration-ms 300" end)
  after_each(function() sim:stop() end)

  -- a worker that submits COUNT tasks under a cap of 4, says so once 4 are accepted (the rest wait
  -- queued behind the cap: none is on the wire), and is killed there: nothing closed, nothing given back
  local KILLED = [[
    local gentask = require "gentask"
    local fox = gentask.client { provider = "foxapi", api_key = os.getenv "REDIS_SPEC_KEY",
      base_url = %q, journal = %q, max_in_flight = 4 }
    local tasks = {}
    for i = 1, 12 do tasks[i] = fox:submit("flux-dev", { prompt = "taken over " .. i .. " [duration=3000]" }) end
    gentask.run(function()
      while fox:stats().accepted < 4 or fox:stats().journal_pending > 0 do gentask.sleep(0.01) end
    end)
    print("accepted " .. fox:stats().accepted)
    io.stdout:flush()
    os.execute("kill -9 " .. io.open("/proc/self/stat"):read("*l"):match("^(%%d+)"))
    print("still alive")
  ]]

  it("a worker killed mid-batch: another's recover() finishes every task it had, none submitted again", function()
    local url = redis:url "takeover"
    local killed = Sim.run_script(KILLED:format(sim.url .. "/foxapi", url), { env = ENV })
    assert.truthy(killed:match "accepted 4", killed)
    assert.is_nil(killed:match "still alive", killed)
    assert.equal(4, sim:stats().submissions)

    local fox = sim:client("foxapi", { journal = url })
    -- at once: the dead worker's lease still runs, so its records are not taken yet
    assert.equal(0, #fox:recover())
    local tasks
    gentask.run(function()
      repeat
        gentask.sleep(0.25)
        tasks = fox:recover()
      until #tasks > 0
    end)
    assert.equal(12, #tasks, "the killed worker's twelve: 4 accepted, 8 queued")
    local accepted_before = 0
    for _, task in ipairs(tasks) do
      if task.id then accepted_before = accepted_before + 1 end
    end
    assert.equal(4, accepted_before, "the accepted ones are polled by the id they had")
    for _, outcome in ipairs(gentask.settle(tasks)) do assert.truthy(outcome.ok, tostring(outcome.error)) end
    local stats = sim:stats()
    assert.equal(12, stats.submissions, "the 4 accepted were not submitted again")
    assert.equal(12, stats.accepted)
    gentask.run(function() while fox:stats().journal_pending > 0 do gentask.sleep(0.01) end end)
    assert.equal(0, #fox:recover(), "every record ended")
    fox:close()
  end)

  -- Waits until no client holds a lease under prefix (bounded, 30 s: a failure must not hang the run).
  local function leases_run_out(prefix)
    gentask.run(function()
      for _ = 1, 150 do
        if not redis:cli("--scan --pattern '" .. prefix .. ":*:held:*'"):match "held" then break end
        gentask.sleep(0.2)
      end
    end)
  end

  -- A worker stopped past its lease loses its tasks to another's recover(): none is paid twice,
  -- whether the one that took them over is still alive when the worker wakes (its lease says so),
  -- or gone by then too (the records say that it sent them), with its name on the records or not
  -- (let_go: a client that closes before the end of a task is written lets that record go).
  local function stopped_worker(prefix, taker_gone, let_go)
    local url, marker = redis:url(prefix), os.tmpname()
    os.remove(marker)
    local start = sim:stats().submissions
    -- three tasks accepted, three queued behind max_in_flight = 3 (recorded, never sent)
    local worker = Sim.spawn_script(([[
      local gentask = require "gentask"
      local fox = gentask.client { provider = "foxapi", api_key = os.getenv "REDIS_SPEC_KEY",
        base_url = %q, journal = %q, max_in_flight = 3, poll_interval = 0.05, poll_max_interval = 0.1 }
      local tasks = {}
      for i = 1, 6 do tasks[i] = fox:submit("flux-dev", { prompt = "takeover " .. i .. " [duration=3000]" }) end
      gentask.run(function() while fox:stats().accepted < 3 do gentask.sleep(0.01) end end)
      gentask.sleep(0.1) -- a round: the acceptances are written
      local f = io.open(%q, "w")
      f:write(io.open("/proc/self/stat"):read("*l"):match("^(%%d+)"))
      f:close()
      local ok, conflicts = 0, 0
      for _, outcome in ipairs(gentask.settle(tasks)) do
        if outcome.ok then ok = ok + 1
        elseif outcome.error.kind == "conflict" then conflicts = conflicts + 1
        else print(tostring(outcome.error)) end
      end
      print(("succeeded %%d conflicts %%d"):format(ok, conflicts))
    ]]):format(sim.url .. "/foxapi", url, marker), { env = ENV })
    local pid
    gentask.run(function()
      while not pid do
        local f = io.open(marker)
        pid = f and f:read "*l"
        if f then f:close() end
        if not pid or pid == "" then pid = nil gentask.sleep(0.02) end
      end
    end)
    os.remove(marker)
    local before = sim:stats().submissions
    os.execute("kill -STOP " .. pid)
    leases_run_out(prefix) -- its lease runs out while it is stopped
    local fox = sim:client("foxapi", { journal = url })
    local tasks = fox:recover()
    assert.equal(6, #tasks)
    if taker_gone then
      -- the taker ends every task, closes, and is collected: its lease runs out too
      for _, task in ipairs(tasks) do assert.truthy(task:wait(30).url) end
      fox:close()
      tasks, fox = nil, nil
      collectgarbage()
      collectgarbage()
      leases_run_out(prefix)
    end
    if let_go then
      local records = 0
      for key in redis:cli("--scan --pattern '" .. prefix .. ":*:rec:*'"):gmatch "[^\n]+" do
        redis:cli("HDEL " .. key .. " owner")
        records = records + 1
      end
      assert.equal(6, records)
    end
    os.execute("kill -CONT " .. pid)
    for _, task in ipairs(tasks or {}) do assert.truthy(task:wait(30).url) end
    local output = worker.wait()
    -- its three sent tasks it polled to the end as well; its three unsent ones it did not send
    assert.truthy(output:match "succeeded 3 conflicts 3", output)
    assert.equal(3, before - start)
    assert.equal(6, sim:stats().submissions - start, "each task paid for once")
    if fox then fox:close() end
  end

  it("let a worker stopped past its lease lose its tasks to another's recover(): none is paid twice", function()
    stopped_worker("stopped-worker", false)
  end)

  it("a worker that wakes after the one that took its tasks is gone too: the records it sent are not sent again",
     function()
    stopped_worker("taker-gone", true)
  end)

  it("a worker that wakes after the one that took its tasks let them go and is gone: none is sent again", function()
    stopped_worker("taker-let-go", true, true)
  end)

  it("recover() right after Redis restarted: the blocking connection is made again, not failed", function()
    local fox = sim:client("foxapi", { journal = redis:url "restarted" })
    assert.equal(0, #fox:recover()) -- the blocking connection is open now
    redis:signal "TERM"
    redis:wait_gone()
    redis:launch()
    assert.equal(0, #fox:recover())
    fox:close()
  end)

  it("a caller's key names one task on every machine: the same request returns its outcome, none sent twice", function()
    local url = redis:url "keys"
    local code = ([[
      local gentask = require "gentask"
      local fox = gentask.client { provider = "foxapi", api_key = os.getenv "REDIS_SPEC_KEY",
        base_url = %q, journal = %q, poll_interval = 0.05, poll_max_interval = 0.1 }
      local tasks = {}
      for i = 1, 5 do tasks[i] = fox:submit("flux-dev", { prompt = "keyed " .. i }, { key = "row-" .. i }) end
      local urls = {}
      for i, outcome in ipairs(gentask.settle(tasks)) do urls[i] = outcome.ok and outcome.value.url or "-" end
      print(table.concat(urls, " "))
      fox:close()
    ]]):format(sim.url .. "/foxapi", url)
    local first = Sim.run_script(code, { env = ENV })
    local second = Sim.run_script(code, { env = ENV })
    -- the URLs alone: a sanitizer's run may add lines of its own to a process's output
    local function urls(output)
      local list = {}
      for found in output:gmatch "http%S+" do list[#list + 1] = found end
      return list
    end
    assert.equal(5, #urls(first), first)
    assert.same(urls(first), urls(second))
    assert.equal(5, sim:stats().submissions)
    local fox = sim:client("foxapi", { journal = url })
    -- Redis is asked on the engine's loop: the task learns there that its key names another request
    local _, err = fox:submit("flux-dev", { prompt = "another request" }, { key = "row-1" }):result()
    assert.equal("usage", err.kind, tostring(err))
    assert.equal("no", err.submitted)
    assert.equal(5, sim:stats().submissions)
    fox:close()
  end)

  -- A script that ends without close() while Redis is stopped for a moment (SIGSTOP): its task's
  -- acceptance is unanswered and its end still to write as the script returns; once Redis runs
  -- again both are in, the end last (journal_spec holds the same for a file another process locks).
  it("has the end of a script's last task written as the process exits without close(), Redis slow", function()
    local url, ready, go = redis:url "exit-without-close", os.tmpname(), os.tmpname()
    os.remove(ready)
    os.remove(go)
    local child = Sim.spawn_script(([[
      local gentask = require "gentask"
      local READY, GO = %q, %q
      local fox = gentask.client { provider = "foxapi", api_key = os.getenv "REDIS_SPEC_KEY",
        base_url = %q, journal = %q, poll_interval = 0.05, poll_max_interval = 0.05 }
      local task = fox:submit("flux-dev", { prompt = "last [submit-slow=300] [duration=100]" }, { key = "last" })
      -- its "sending" is written and the submit is on the wire: Redis is stopped before the answer
      gentask.run(function()
        while fox:stats().submits_on_wire < 1 or fox:stats().journal_pending > 0 do gentask.sleep(0.005) end
      end)
      io.open(READY, "w"):close()
      gentask.run(function() while not io.open(GO) do gentask.sleep(0.005) end end)
      print("ended " .. tostring(task:wait(10).url ~= nil) .. " pending " .. fox:stats().journal_pending)
      io.stdout:flush()
    ]]):format(ready, go, sim.url .. "/foxapi", url), { env = ENV })
    gentask.run(function() while not io.open(ready) do gentask.sleep(0.005) end end)
    redis:signal "STOP"
    io.open(go, "w"):close()
    local line = child.read_line() or ""
    -- the script got its result, its acceptance unanswered and its end behind it, and is exiting
    gentask.sleep(0.3)
    redis:signal "CONT"
    local rest = child.wait()
    os.remove(ready)
    os.remove(go)
    assert.equal("ended true pending 2", line, rest)
    local fleet = gentask.fleet { journal = url, api_key = Sim.key }
    assert.same({ queued = 0, sending = 0, accepted = 0, ended = 1 },
      { queued = fleet.tasks.queued, sending = fleet.tasks.sending, accepted = fleet.tasks.accepted,
        ended = fleet.tasks.ended })
    assert.equal(1, sim:stats().submissions)
  end)
end)

describe("the API key", function()
  it("never reaches Redis: no key, value or member holds it", function()
    local dump = redis:dump()
    assert.truthy(dump:match "account_salt", dump) -- the specs above did write there
    assert.truthy(dump:match ":rec:%d+ hash", dump) -- journal records among them, their requests too
    assert.is_nil(dump:find(Sim.key, 1, true), dump)
    assert.is_nil(dump:find(Sim.key:sub(4), 1, true), dump) -- nor its part after "sk-"
  end)
end)
