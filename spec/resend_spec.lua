-- A submit goes out at most once, even when its connection is dropped after the request went out
-- and before any answer byte: the simulator has created the task by then, so a second send is a
-- second paid generation.
--
-- libcurl 7.88 resends a request on its own when a connection it *reused* dies before the first
-- answer byte. gentask opens every submit on a fresh connection (CURLOPT_FRESH_CONNECT), but over
-- HTTP/2 that is not enough: once the submit's connection is up, the polls of other tasks
-- multiplex onto it (libcurl picks the oldest connection that can take another stream), and that
-- marks the connection reused. If it then dies with a reset, libcurl resends the submit on a new
-- connection; the pre-request guard (csrc/core/loop/transfer.c) is what refuses that second send. With
-- the guard switched off, the arrangement of the first test below makes the simulator count two
-- attempts and create two tasks, and the task "succeeds" with the second.
--
-- The drop is real: nginx (spec/support/tls_proxy.lua) fronts the simulator over HTTPS and HTTP/2,
-- the simulator holds the submit's answer (submit-slow) after creating the task, and the spec
-- kills nginx's worker process with SIGKILL (its master starts a new one). A worker killed while
-- requests wait unread in its socket makes the kernel answer with a reset, which libcurl reads as
-- a receive error (and may resend); one killed with nothing unread closes with a FIN, which libcurl
-- 7.88 reports as an HTTP/2 stream not closed cleanly (and never resends). The spec makes the reset
-- on purpose: it stops the worker (SIGSTOP), waits until a poll lies unread in the worker's socket,
-- then kills it.
--
-- Over plain HTTP/1.1 the simulator drops the connection itself (submit-reset-after). A lone
-- dropped submit is in spec/retry_spec.lua (the ambiguous failures) and spec/errors_spec.lua (a
-- kept-alive connection); here it is dropped while other tasks poll over kept-alive connections.
local gentask = require "gentask"
local Sim = require "support.sim"
local TlsProxy = require "support.tls_proxy"
local host = require "support.host"
local socket = require "socket"

local RETRIES = { { name = "default max_retries", opts = {} }, { name = "max_retries = 5", opts = { max_retries = 5 } } }

local capture = host.capture

-- Waits (driving the engine: gentask.sleep outside a coroutine) until fn() is true; fails with
-- `what` after `seconds`.
local function wait_until(what, seconds, fn)
  local deadline = socket.gettime() + seconds
  while not fn() do
    assert(socket.gettime() < deadline, "waited " .. seconds .. " s for " .. what)
    gentask.sleep(0.01)
  end
end

-- nginx's worker processes: the master's children, by parent PID, read from /proc (a fresh
-- machine may have no pgrep: procps is not in Debian's minimal base).
local function workers(proxy)
  local master = tostring(assert(proxy:pid(), "no nginx master"))
  local list = {}
  for pid in capture("ls /proc"):gmatch "%d+" do
    local stat = host.read("/proc/" .. pid .. "/stat")
    -- "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis
    local ppid = stat and stat:match "%) %S+ (%d+)"
    if ppid == master then list[#list + 1] = pid end
  end
  assert(#list >= 1, "nginx has no worker process")
  return list
end

local function signal(pids, name)
  for _, pid in ipairs(pids) do os.execute("kill -" .. name .. " " .. pid .. " 2>/dev/null") end
end

-- Established IPv4 connections whose local port is `port` with bytes the server has not read yet.
local function unread_connections(port)
  local n = 0
  for line in io.lines "/proc/net/tcp" do
    local lport, st, rx = line:match "^%s*%d+: %x+:(%x+) %x+:%x+ (%x+) %x+:(%x+)"
    if lport and tonumber(lport, 16) == port and st == "01" and tonumber(rx, 16) > 0 then n = n + 1 end
  end
  return n
end

-- The connection whose first request (the submit, still unanswered) nginx has not logged but which
-- has logged others: polls multiplexed onto the submit's connection. nil while there is none.
local function shared_connection(proxy)
  local seen, first = {}, {}
  for _, r in ipairs(proxy:requests()) do
    seen[r.connection] = seen[r.connection] or r
    if r.requests == 1 then first[r.connection] = true end
  end
  for id, r in pairs(seen) do
    if not first[id] then return id, r end
  end
end

-- The simulator's view: every logical submit was sent once and created one task; `n` of them.
local function assert_each_submit_once(sim, n)
  local stats = sim:stats_with_bodies()
  local count = 0
  for hash, e in pairs(stats.submits_by_body) do
    count = count + 1
    assert.equal(1, #e.attempts, "logical submit " .. hash .. " was sent " .. #e.attempts .. " times")
    assert.equal(1, e.accepted, "logical submit " .. hash .. " created " .. e.accepted .. " tasks")
  end
  assert.equal(n, count, "logical submits")
  assert.equal(n, stats.submissions, "submit requests the simulator received")
  assert.equal(n, stats.accepted, "tasks the simulator created")
  assert.equal(0, stats.duplicate_submits)
  return stats
end

local function assert_unknown(task, err)
  assert.equal("failed", task.state)
  assert.is_table(err, "the submit succeeded although its connection was dropped")
  assert.equal("network", err.kind, tostring(err))
  assert.equal("submit", err.phase)
  assert.equal("unknown", err.submitted, tostring(err))
  assert.is_true(err.retryable)
  assert.equal(1, err.attempts, tostring(err))
end

describe("a submit whose HTTPS + HTTP/2 connection nginx drops", function()
  local why = TlsProxy.missing()
  if not why and not io.open "/proc/net/tcp" then why = "/proc/net/tcp is not readable (the spec reads socket queues there)" end
  if why then
    pending(why)
    return
  end

  local sim, proxy
  setup(function() sim = Sim.start "--duration-ms 300" end)
  teardown(function() if sim then sim:stop() end end)
  -- an nginx of its own per test: a new port is a new set of connections in libcurl's cache, so
  -- the submit's connection is the oldest one, the one polls multiplex onto
  before_each(function()
    sim:reset()
    proxy = TlsProxy.start { upstream = sim.url }
  end)
  after_each(function()
    if proxy then proxy:stop() end   -- also ends a worker a failed test left stopped
    proxy = nil
  end)

  -- FoxAPI without its cancel endpoint: the poller's cancel() below must only let its stream go,
  -- not send a cancel onto the very connection the drop is about
  local foxapi_here = {}
  for k, v in pairs(require "gentask.providers.foxapi") do foxapi_here[k] = v end
  foxapi_here.cancel = nil

  local function client(opts)
    local o = { provider = foxapi_here, api_key = Sim.key, base_url = proxy.url .. "/foxapi", ca_file = proxy.ca_file,
                poll_interval = 0.05, poll_max_interval = 0.05, backoff_initial = 0.01, backoff_max = 0.05 }
    for k, v in pairs(opts or {}) do o[k] = v end
    return gentask.client(o)
  end

  -- The submit is on the wire, the simulator has created its task and holds the answer.
  local function slow_submit(c)
    local task = c:submit("flux-dev", { prompt = "a fox paid for once [submit-slow=5000]" })
    wait_until("the simulator to receive the submit", 5, function() return sim:stats().submissions >= 1 end)
    assert.equal("submitting", task.state)
    return task
  end

  -- Stops the worker, waits until a request lies unread in its socket, runs before_kill, kills it.
  -- From proxy:mark() on, nginx's log holds only what the new worker answered.
  local function drop_with_reset(before_kill)
    local pids = workers(proxy)
    signal(pids, "STOP")
    local ok, err = pcall(function()
      wait_until("a request unread by the stopped nginx worker", 5, function() return unread_connections(proxy.port) > 0 end)
      if before_kill then before_kill() end
    end)
    proxy:mark()
    signal(pids, "KILL")
    assert(ok, err)
  end

  local function assert_no_post_since_mark()
    for _, r in ipairs(proxy:requests()) do assert.not_equal("POST", r.method, "a submit after the drop: " .. r.line) end
  end

  for _, retries in ipairs(RETRIES) do
    it(("libcurl resends it on a new connection and the guard refuses (%s)"):format(retries.name), function()
      local c = client(retries.opts)
      local task = slow_submit(c)
      -- another task's polls multiplex onto the submit's connection: libcurl now counts it as reused
      local poller = c:submit("flux-dev", { prompt = "a poller [duration=60000] [eta=0]" })
      wait_until("a poll on the submit's connection", 5, function() return shared_connection(proxy) ~= nil end)
      -- its next poll goes out while the worker is stopped; cancelled, it leaves the submit the
      -- only stream on the connection, the one to read the reset
      drop_with_reset(function() poller:cancel() end)

      local result, err = task:result(20)
      assert.is_nil(result)
      assert_unknown(task, err)
      -- libcurl tried to send it again (the guard runs just before a send) and was refused
      assert.equal("curl:42", err.code, tostring(err))   -- CURLE_ABORTED_BY_CALLBACK
      assert.truthy(err.message:find("it was not sent again", 1, true), err.message)
      assert.equal("cancelled", poller.state)
      assert_each_submit_once(sim, 2)
      assert_no_post_since_mark()
    end)

    it(("other tasks polling on the same client through the drop: one attempt, the others finish (%s)")
      :format(retries.name), function()
      local N = 6
      local c = client(retries.opts)
      local task = slow_submit(c)
      local others = {}
      for i = 1, N do others[i] = c:submit("flux-dev", { prompt = "fox " .. i .. " polled through [duration=1500] [eta=0]" }) end
      -- every other task accepted before the drop: a submit still on the wire would be cut too
      wait_until("the other tasks accepted", 5, function()
        for _, o in ipairs(others) do if o.state == "queued" or o.state == "submitting" then return false end end
        return true
      end)
      wait_until("a poll on the submit's connection", 5, function() return shared_connection(proxy) ~= nil end)
      drop_with_reset()

      local _, err = task:result(20)
      assert_unknown(task, err)
      -- whichever stream reads the reset first gets a receive error, the others an end of stream:
      -- the submit either had libcurl try a resend (refused) or failed without one
      print(("    %s: %s"):format(retries.name, tostring(err)))
      -- polls are free to resend: every other task is polled to the end by the new worker
      for i, o in ipairs(gentask.settle(others, 20)) do assert.is_true(o.ok, ("task %d: %s"):format(i, tostring(o.error))) end
      assert_each_submit_once(sim, N + 1)
      assert_no_post_since_mark()
      local polls = 0
      for _, r in ipairs(proxy:requests()) do if r.method == "GET" then polls = polls + 1 end end
      assert.is_true(polls >= N, ("%d polls answered by the new worker"):format(polls))
    end)
  end

  -- FLORA answers a submit sent again under its idempotency key with the first one's run: there
  -- a submit shares connections like a poll, libcurl's own resend is let through, and the drop
  -- costs nothing — one run, the task succeeds, no error at all.
  it("under an idempotency key the provider honours, libcurl's resend goes through: one run, paid once", function()
    local c = gentask.client { provider = "flora", api_key = Sim.key, base_url = proxy.url .. "/flora",
                               ca_file = proxy.ca_file, poll_interval = 0.05, poll_max_interval = 0.05 }
    local task = c:submit("thumbnail-v3", { prompt = "a fox paid for once [submit-slow=3000]" })
    wait_until("the simulator to receive the submit", 5, function() return sim:stats().submissions >= 1 end)
    -- a second run's submit and polls share the first submit's connection: libcurl counts it reused
    local poller = c:submit("thumbnail-v3", { prompt = "a poller [duration=60000] [eta=0]" })
    wait_until("a second request on the submit's connection", 5, function() return shared_connection(proxy) ~= nil end)
    drop_with_reset(function() poller:cancel() end)

    local result, err = task:result(20)
    assert.is_nil(err, tostring(err))
    assert.is_table(result)
    local stats = sim:stats_with_bodies()
    local resent
    for _, e in pairs(stats.submits_by_body) do
      assert.equal(1, e.accepted, "a logical submit created more than one run")
      if #e.attempts == 2 then resent = e end
    end
    assert.is_table(resent, "libcurl did not send the dropped submit again")
    assert.equal(2, stats.accepted, "runs the simulator created: the slow one and the poller's")
    assert.is_true(stats.duplicates >= 1, "the resend was answered with the first run")
    assert.equal(0, stats.duplicate_submits)
    -- libcurl's resend, within the first attempt: gentask itself had nothing to send again
    -- (with the at-most-once rule the guard refuses it, and gentask's own retry resends instead)
    assert.equal(0, c:metrics().resends)
  end)

  it("killed with nothing unread (a FIN, no reset): a network error, no resend attempted", function()
    local c = client { max_retries = 5 }
    local task = slow_submit(c)
    proxy:mark()
    signal(workers(proxy), "KILL")
    local _, err = task:result(20)
    assert_unknown(task, err)
    -- the submit's connection was never reused, and an end of stream is not retried by libcurl
    assert.is_nil(err.message:find("not sent again", 1, true), err.message)
    assert_each_submit_once(sim, 1)
    assert_no_post_since_mark()
  end)
end)

describe("a submit whose HTTP/1.1 connection the simulator drops after creating the task", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 300" end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  for _, retries in ipairs(RETRIES) do
    it(("while other tasks poll over kept-alive connections: one task, submitted unknown (%s)"):format(retries.name), function()
      local N = 6
      local fox = sim:foxapi(retries.opts)
      local others = {}
      for i = 1, N do others[i] = fox:submit("flux-dev", { prompt = "fox " .. i .. " [duration=800] [eta=0]" }) end
      -- the others' submits are answered and their polls are under way on kept-alive connections
      wait_until("the other tasks' first polls", 5, function()
        local tasks = sim:stats(true).tasks
        local polled = 0
        for _, t in pairs(tasks) do if t.polls >= 1 then polled = polled + 1 end end
        return polled == N
      end)
      local task = fox:submit("flux-dev", { prompt = "a fox paid for once [submit-reset-after]" })
      local _, err = task:result(20)
      assert_unknown(task, err)
      -- a fresh HTTP/1.1 connection carries nothing else: libcurl has nothing to resend
      assert.is_nil(err.message:find("not sent again", 1, true), err.message)
      for i, o in ipairs(gentask.settle(others, 20)) do assert.is_true(o.ok, ("task %d: %s"):format(i, tostring(o.error))) end
      local stats = assert_each_submit_once(sim, N + 1)
      local dropped = 0
      for _, e in pairs(stats.submits_by_body) do if e.statuses[1] == 0 then dropped = dropped + 1 end end
      assert.equal(1, dropped, "the simulator dropped one submit's connection")
    end)
  end
end)
