-- Webhooks end to end: the simulator pushes a task's end to a small HTTP receiver (LuaSocket, driven
-- beside gentask's loop in the same coroutine scheduler), which hands it to client:webhook. A signed
-- delivery (BFL) ends the waiting task before its next poll; a forged one is refused and changes
-- nothing; an unsigned one (ModelsLab) only makes the task poll at once.
local gentask = require "gentask"
local cjson = require "cjson"
local socket = require "socket"
local http = require "socket.http"
local ltn12 = require "ltn12"
local Sim = require "support.sim"
local Redis = require "support.redis"

local SECRET = "whsec-test-7c1e5b2a9f"
-- another client's secret on the same key: what it signs is a forgery to the client with SECRET
local OTHER_SECRET = "whsec-other-client-41d9e0"
local MAX_BODY = gentask.webhook_max_body

-- "sha256=<hex>" of body keyed with secret, as BFL signs: the simulator computes it (POST
-- /_sim/sign), the secret going in a header over loopback, never on a command line.
local function bfl_signature(sim, secret, body)
  local chunks = {}
  local _, status = http.request {
    method = "POST", url = sim.admin_url .. "/_sim/sign", source = ltn12.source.string(body),
    headers = { ["x-sim-secret"] = secret, ["content-length"] = #body }, sink = ltn12.sink.table(chunks),
  }
  assert(status == 200, "POST /_sim/sign answered " .. tostring(status))
  return "sha256=" .. cjson.decode(table.concat(chunks)).hmac_sha256
end

local until_true = Sim.until_true

-- a receiver on a free loopback port (receiver.url, receiver.next(), receiver.close())
local receiver = require "support.webhook_receiver"

describe("webhooks", function()
  local sim, hooks
  setup(function()
    sim = Sim.start "--duration-ms 5000"
    hooks = receiver()
  end)
  teardown(function()
    hooks.close()
    sim:stop()
  end)
  before_each(function() sim:reset() end)

  -- polls every 0.2 s without a webhook; a task that asked for one every 2 s (webhook_poll_factor 10)
  local function bfl(opts)
    local o = { webhook_url = hooks.url, webhook_secret = SECRET, poll_interval = 0.2, poll_max_interval = 0.2 }
    for k, v in pairs(opts or {}) do o[k] = v end
    return sim:client("bfl", o)
  end

  it("BFL: the signed delivery ends the waiting task before its next poll", function()
    local client = bfl()
    local task, delivery, result
    gentask.run(function()
      task = client:submit("flux-dev", { prompt = "pushed [duration=300]" })
      gentask.spawn(function()
        local received = hooks.next()
        assert.equal("POST /hook HTTP/1.1", received.request_line)
        assert.truthy(received.headers["x-bfl-signature"]:match "^sha256=%x+$")
        delivery = assert(client:webhook(received))
      end)
      result = task:wait()
    end)
    assert.is_true(delivery.verified)
    assert.equal(task, delivery.task)
    assert.equal(task.id, delivery.id)
    assert.equal("succeeded", task.state)
    assert.truthy(result.url:match "%.png$")
    local stats = sim:stats(true)
    assert.equal(1, stats.webhooks.delivered)
    -- the fallback pace (every 2 s) would have polled once by now at least; the webhook needed none
    assert.equal(0, stats.tasks[task.id].polls)
  end)

  it("without a webhook the same client polls: the fallback pace is what the webhook saved", function()
    local client = sim:client("bfl", { poll_interval = 0.2, poll_max_interval = 0.2 })
    local task = client:submit("flux-dev", { prompt = "polled [duration=300]" })
    task:wait()
    local stats = sim:stats(true)
    assert.equal(0, stats.webhooks.scheduled)
    assert.is_true(stats.tasks[task.id].polls >= 1)
  end)

  it("a forged delivery is refused, typed, and does not end the task", function()
    local client = bfl()
    local task = client:submit("flux-dev", { prompt = "waits [duration=5000]" })
    assert.is_true(until_true(function() return task.id ~= nil end, 2), "the provider never took the task")
    local forged = ('{"id":"%s","status":"Ready","result":{"sample":"http://evil.example/x.png"}}'):format(task.id)
    local ok, err = client:webhook { headers = { ["X-BFL-Signature"] = "sha256=" .. ("0"):rep(64) }, body = forged }
    assert.is_nil(ok)
    assert.equal("authentication", err.kind)
    assert.equal("webhook", err.phase)
    assert.equal("webhook_signature_invalid", err.code)
    ok, err = client:webhook { headers = {}, body = forged }
    assert.is_nil(ok)
    assert.equal("webhook_signature_missing", err.code)
    assert.is_false(task.done)
    assert.equal("waiting", task.state)
    task:cancel()
  end)

  -- the failure payload of BFL's webhook guide (docs/providers/bfl.md): "error" and "message"
  it("BFL: a signed failure delivery that says why in \"message\" ends the task with that message", function()
    local client = bfl()
    local task = client:submit("flux-dev", { prompt = "fails elsewhere [duration=60000]" })
    assert.is_true(until_true(function() return task.id ~= nil end, 2), "the provider never took the task")
    local body = ('{"id":"%s","status":"Error","error":"content_policy_violation",'
      .. '"message":"The prompt violated content policy","timestamp":"2025-01-15T10:30:00Z"}'):format(task.id)
    local delivery = assert(client:webhook { headers = { ["X-BFL-Signature"] = bfl_signature(sim, SECRET, body) },
                                             body = body })
    assert.is_true(delivery.verified)
    local _, err = task:result()
    assert.equal("generation_failed", err.kind)
    assert.equal("Error", err.code)
    assert.equal("The prompt violated content policy", err.message)
    assert.equal("failed", task.state)
  end)

  it("never shows the webhook secret: not in errors, results, the journal or tostring", function()
    local journal = os.tmpname()
    os.remove(journal)
    local client = bfl { journal = journal }
    local failed = client:submit("flux-dev", { prompt = "refused [http=422]" })
    local _, err = failed:result()
    assert.equal("invalid_request", err.kind)
    local ok, refusal = client:webhook { headers = { ["x-bfl-signature"] = "sha256=00" }, body = "{}" }
    assert.is_nil(ok)
    local task, result
    gentask.run(function()
      task = client:submit("flux-dev", { prompt = "pushed [duration=100]" })
      gentask.spawn(function() assert(client:webhook(hooks.next())) end)
      result = task:wait()
    end)
    local f = assert(io.open(journal, "rb"))
    local stored = f:read "*a"
    f:close()
    os.remove(journal)
    for _, text in ipairs { tostring(err), err.body or "", tostring(refusal), refusal.message, tostring(client),
                            tostring(task), require("cjson").encode(result.raw), stored } do
      assert.is_nil(text:find(SECRET, 1, true), text)
    end
  end)

  it("ModelsLab signs nothing: a delivery only makes the task poll at once, and the poll ends it", function()
    local client = sim:client("modelslab", { webhook_url = hooks.url, poll_interval = 0.2, poll_max_interval = 0.2 })
    local task, delivery
    gentask.run(function()
      task = client:submit("sd", { prompt = "pushed [duration=300]" })
      gentask.spawn(function() delivery = assert(client:webhook(hooks.next())) end)
      task:wait()
    end)
    assert.is_false(delivery.verified)
    assert.equal(task, delivery.task)
    assert.equal("succeeded", task.state)
    assert.equal(1, sim:stats(true).tasks[task.id].polls)
  end)

  it("refuses a body over gentask.webhook_max_body before reading it: typed, nothing changed", function()
    assert.equal(1024 * 1024, MAX_BODY)
    local client = bfl()
    local task = client:submit("flux-dev", { prompt = "waits [duration=5000]" })
    assert.is_true(until_true(function() return task.id ~= nil end))
    local head = ('{"id":"%s","status":"Ready","result":{"sample":"http://evil.example/x.png"},"pad":"'):format(task.id)
    local over = head .. ("x"):rep(MAX_BODY + 1 - #head - 2) .. '"}'
    assert.equal(MAX_BODY + 1, #over)
    -- the size is refused before the signature is computed: a wrong one is not what is said
    local ok, err = client:webhook { headers = { ["x-bfl-signature"] = "sha256=" .. ("0"):rep(64) }, body = over }
    assert.is_nil(ok)
    assert.equal("invalid_request", err.kind)
    assert.equal("webhook", err.phase)
    assert.equal("webhook_body_too_large", err.code)
    assert.is_false(err.retryable)
    -- one byte less is read: its (missing) signature is what refuses it
    ok, err = client:webhook { headers = {}, body = over:sub(1, MAX_BODY - 2) .. '"}' }
    assert.is_nil(ok)
    assert.equal("webhook_signature_missing", err.code)
    -- a provider that signs nothing: refused the same, no poll made of it
    local ml = sim:client("modelslab", { webhook_url = hooks.url })
    ok, err = ml:webhook { headers = {}, body = over }
    assert.is_nil(ok)
    assert.equal("webhook_body_too_large", err.code)
    assert.is_false(task.done)
    assert.equal(0, sim:stats(true).tasks[task.id].polls)
    task:cancel()
  end)

  it("500 unsigned deliveries in a burst make at most one early poll per poll_interval, and end nothing", function()
    local interval = 5
    local client = sim:client("modelslab", { webhook_url = hooks.url, poll_interval = interval,
                                             poll_max_interval = interval, webhook_poll_factor = 1000 })
    local task = client:submit("sd", { prompt = "nudged [duration=60000]" })
    assert.is_true(until_true(function() return task.id ~= nil end))
    -- a claim of success with a result of the sender's choosing: only news, never the result
    local claim = ('{"status":"success","id":%s,"output":["http://evil.example/x.png"]}'):format(task.id)
    local started = socket.gettime()
    for _ = 1, 500 do
      local delivery = assert(client:webhook { headers = {}, body = claim })
      assert.is_false(delivery.verified)
      assert.equal(task, delivery.task)
      gentask.sleep(0.002)   -- each poll's answer is back before the next delivery: nothing merges them
    end
    local elapsed = socket.gettime() - started
    gentask.sleep(0.1)
    local polls = sim:stats(true).tasks[task.id].polls
    assert.is_true(polls >= 1, "the first delivery makes the task poll at once")
    assert.is_true(polls <= 1 + math.floor(elapsed / interval),
                   ("%d polls for 500 deliveries in %.1f s (one per %d s allowed)"):format(polls, elapsed, interval))
    assert.is_false(task.done)
    assert.equal("waiting", task.state)
    task:cancel()
  end)
end)

-- One key, two processes on one journal — a file, or Redis as two machines would share: the
-- delivery reaches the process that does not hold the task (as nginx hands it to whichever worker
-- it picks). That process checks the signature and posts the delivery to the shared state; the
-- owner's client takes it from there and ends its task, its fallback polls so slow
-- (webhook_poll_factor 1000) that nothing else could end it in time.
for _, store in ipairs { "journal file", "Redis" } do
describe("a webhook received by another process on the same " .. store, function()
  local sim, hooks, journal, redis
  setup(function()
    sim = Sim.start "--duration-ms 300"
    hooks = receiver()
    if store == "Redis" then
      if not Redis.installed() then return end
      redis = Redis.start()
      journal = redis:url "webhooks"
    else
      journal = os.tmpname()
      os.remove(journal)
    end
  end)
  teardown(function()
    hooks.close()
    sim:stop()
    if redis then redis:stop() end
    if store ~= "Redis" then
      for _, suffix in ipairs { "", "-wal", "-shm" } do os.remove(journal .. suffix) end
    end
  end)
  before_each(function()
    if store == "Redis" and not redis then pending "redis-server is not installed (make deps installs it)" end
  end)

  -- The receiving process keeps its loop running until the owner is done: a post that met the
  -- file busy (the owner writing) is written from its timer.
  local function run_until_done(receive, marker)
    gentask.run(function()
      receive()
      for _ = 1, 1500 do
        local f = io.open(marker)
        if f then
          f:close()
          break
        end
        gentask.sleep(0.01)
      end
    end)
    os.remove(marker)
  end

  it("ends the owner's waiting task through the journal, with no poll", function()
    local marker = os.tmpname()
    os.remove(marker)
    local owner = Sim.spawn_script(([[
      local gentask = require "gentask"
      local bfl = gentask.client { provider = "bfl", api_key = os.getenv "WEBHOOK_SPEC_KEY", base_url = %q,
        journal = %q, webhook_url = %q, webhook_secret = os.getenv "WEBHOOK_SPEC_SECRET",
        poll_interval = 1, poll_max_interval = 1, webhook_poll_factor = 1000 }
      local tasks = {}
      for i = 1, 3 do tasks[i] = bfl:submit("flux-dev", { prompt = "pushed elsewhere " .. i }) end
      for _, outcome in ipairs(gentask.settle(tasks, 10)) do
        print(outcome.ok and ("succeeded " .. outcome.value.url) or ("failed " .. tostring(outcome.error)))
      end
      for _, task in ipairs(tasks) do print("id " .. tostring(task.id)) end
      io.open(%q, "w"):close()
    ]]):format(sim.url .. "/bfl", journal, hooks.url, marker),
      { env = "WEBHOOK_SPEC_KEY=" .. Sim.key .. " WEBHOOK_SPEC_SECRET=" .. SECRET })
    -- this process holds no task: each delivery is checked here, then posted for the owner
    local receiver_client = sim:client("bfl", { journal = journal, webhook_secret = SECRET })
    local deliveries = {}
    run_until_done(function()
      for i = 1, 3 do deliveries[i] = assert(receiver_client:webhook(hooks.next())) end
    end, marker)
    for _, delivery in ipairs(deliveries) do
      assert.is_true(delivery.verified)
      assert.is_nil(delivery.task)
      assert.is_true(delivery.posted)
    end
    local output = owner.wait()
    local succeeded = 0
    for _ in output:gmatch "succeeded http[^\n]*%.png" do succeeded = succeeded + 1 end
    assert.equal(3, succeeded, output)
    local stats = sim:stats(true)
    assert.equal(3, stats.webhooks.delivered)
    for id in output:gmatch "id (%S+)" do
      assert.equal(0, stats.tasks[id].polls, "task " .. id .. " was polled: " .. output)
    end
    receiver_client:close()
  end)

  it("ModelsLab signs nothing: the posted delivery only makes the owner poll at once", function()
    sim:reset()
    local marker = os.tmpname()
    os.remove(marker)
    local owner = Sim.spawn_script(([[
      local gentask = require "gentask"
      local ml = gentask.client { provider = "modelslab", api_key = os.getenv "WEBHOOK_SPEC_KEY", base_url = %q,
        journal = %q, webhook_url = %q, poll_interval = 1, poll_max_interval = 1, webhook_poll_factor = 1000 }
      local task = ml:submit("sd", { prompt = "news elsewhere" })
      local result, err = task:result(10)
      print(result and "succeeded" or ("failed " .. tostring(err)), "id " .. tostring(task.id))
      io.open(%q, "w"):close()
    ]]):format(sim.url .. "/modelslab", journal, hooks.url, marker), { env = "WEBHOOK_SPEC_KEY=" .. Sim.key })
    local receiver_client = sim:client("modelslab", { journal = journal })
    local delivery
    run_until_done(function() delivery = assert(receiver_client:webhook(hooks.next())) end, marker)
    assert.is_false(delivery.verified)
    assert.is_nil(delivery.task)
    assert.is_true(delivery.posted)
    local output = owner.wait()
    assert.truthy(output:match "^succeeded", output)
    local id = assert(output:match "id (%S+)", output)
    assert.equal(1, sim:stats(true).tasks[id].polls, "one poll, made on the news: " .. output)
    receiver_client:close()
  end)

  -- Two applications on one key and one journal, each with its own webhook secret: a delivery
  -- signed with B's secret is a forgery to A. It ends nothing; A takes it as news (one poll).
  it("a delivery signed with another client's secret ends nothing; one signed with the owner's does", function()
    sim:reset()
    local a = sim:client("bfl", { journal = journal, webhook_url = hooks.url, webhook_secret = SECRET,
                                  poll_interval = 2, poll_max_interval = 2, webhook_poll_factor = 1000 })
    local b = sim:client("bfl", { journal = journal, webhook_secret = OTHER_SECRET })
    local task = a:submit("flux-dev", { prompt = "signed by another [duration=60000]" })
    assert.is_true(until_true(function() return task.id ~= nil end))
    local forged = ('{"id":"%s","status":"Ready","result":{"sample":"http://evil.example/b.png"}}'):format(task.id)
    local delivery = assert(b:webhook { headers = { ["x-bfl-signature"] = bfl_signature(sim, OTHER_SECRET, forged) },
                                        body = forged })
    assert.is_true(delivery.verified)   -- B's own secret checked it
    assert.is_true(delivery.posted)
    -- A took it (its one early poll shows it), and it ended nothing
    assert.is_true(until_true(function() return task.done or sim:stats(true).tasks[task.id].polls >= 1 end),
                   "the owner never took the delivery")
    gentask.sleep(0.3)
    assert.is_false(task.done, "ended by another client's secret: " .. tostring(task.state))
    assert.equal("waiting", task.state)
    assert.equal(1, sim:stats(true).tasks[task.id].polls)
    -- the control: the same claim signed with A's secret, received by a third client that has it
    local c = sim:client("bfl", { journal = journal, webhook_secret = SECRET })
    local genuine = forged:gsub("evil%.example/b", "cdn.example/a")
    delivery = assert(c:webhook { headers = { ["x-bfl-signature"] = bfl_signature(sim, SECRET, genuine) },
                                  body = genuine })
    assert.is_true(delivery.posted)
    local result = task:wait(10)
    assert.equal("succeeded", task.state)
    assert.equal("http://cdn.example/a.png", result.url)
    for _, client in ipairs { a, b, c } do client:close() end
    -- the shared store holds fingerprints, never a secret (the file and its WAL read by another
    -- process: closing a descriptor of the file here would drop this process's SQLite locks)
    local stored
    if store == "Redis" then
      stored = redis:dump()
    else
      local pipe = assert(io.popen(("cat '%s' '%s-wal' 2>/dev/null"):format(journal, journal)))
      stored = pipe:read "*a"
      pipe:close()
      assert.truthy(#stored > 0)
    end
    assert.is_nil(stored:find(SECRET, 1, true))
    assert.is_nil(stored:find(OTHER_SECRET, 1, true))
  end)

  -- News posted by another client is rate-limited where it is taken, as a client's own is.
  it("500 unsigned deliveries posted by another client make at most one early poll per poll_interval", function()
    sim:reset()
    local interval = 5
    local owner = sim:client("modelslab", { journal = journal, webhook_url = hooks.url, poll_interval = interval,
                                            poll_max_interval = interval, webhook_poll_factor = 1000 })
    local receiver_client = sim:client("modelslab", { journal = journal })
    local task = owner:submit("sd", { prompt = "nudged elsewhere [duration=60000]" })
    assert.is_true(until_true(function() return task.id ~= nil end))
    local claim = ('{"status":"success","id":%s,"output":["http://evil.example/x.png"]}'):format(task.id)
    local started = socket.gettime()
    gentask.run(function()
      for _ = 1, 500 do
        assert.is_true(assert(receiver_client:webhook { headers = {}, body = claim }).posted)
        gentask.sleep(0.004)   -- the owner looks every 150 ms: about 40 looks, each finding news
      end
      gentask.sleep(0.3)
    end)
    local elapsed = socket.gettime() - started
    local polls = sim:stats(true).tasks[task.id].polls
    assert.is_true(polls >= 1, "the owner never took the news")
    assert.is_true(polls <= 1 + math.floor(elapsed / interval),
                   ("%d polls for 500 posted deliveries in %.1f s (one per %d s allowed)"):format(polls, elapsed, interval))
    assert.is_false(task.done)
    task:cancel()
    owner:close()
    receiver_client:close()
  end)

  -- Deliveries for ids nobody holds (forged, or a task that ended) are kept within bounds: 1,200
  -- of them leave at most 1,000 in the store (the oldest gone first).
  it("many forged deliveries leave the shared store bounded", function()
    local receiver_client = sim:client("modelslab", { journal = journal })
    gentask.run(function()
      for i = 1, 1200 do
        local delivery = assert(receiver_client:webhook {
          headers = {}, body = ('{"status":"success","id":"forged-%05d","output":["http://evil.example/x.png"]}'):format(i) })
        assert.is_true(delivery.posted)
        if i % 50 == 0 then gentask.sleep(0.01) end
      end
      -- Redis: the posts owed go out one by one, from the loop; the last one is there, then all are
      if store == "Redis" then
        local function key() return redis:cli("--scan --pattern '*:deliveries:modelslab'"):match "[^\n]+" end
        assert.is_true(until_true(function()
          return key() ~= nil and redis:cli("HVALS " .. key()):find("forged-01200", 1, true) ~= nil
        end, 30), "the last post never reached Redis")
      end
    end)
    local rows
    if store == "Redis" then
      local key = assert(redis:cli("--scan --pattern '*:deliveries:modelslab'"):match "[^\n]+")
      rows = tonumber(redis:cli("HLEN " .. key):match "%d+")
      local kept = redis:cli("HVALS " .. key)
      assert.truthy(kept:find("forged-00201", 1, true), "the oldest of the newest 1,000 is kept")
      assert.is_nil(kept:find("forged-00200", 1, true), "an older one is gone")
    else
      local pipe = assert(io.popen(("LD_PRELOAD= sqlite3 '%s' \"SELECT count(*), min(remote_id), max(remote_id) "
        .. "FROM deliveries WHERE provider = 'modelslab'\""):format(journal)))
      local out = pipe:read "*a"
      pipe:close()
      local count, oldest, newest = out:match "(%d+)|([^|]+)|(%S+)"
      rows = tonumber(count)
      assert.equal("forged-00201", oldest)
      assert.equal("forged-01200", newest)
    end
    assert.equal(1000, rows)
    receiver_client:close()
  end)

  -- What the store holds for a provider, as text to search: its deliveries' ids and bodies.
  local function held(provider)
    if store == "Redis" then
      local key = redis:cli(("--scan --pattern '*:deliveries:%s'"):format(provider)):match "[^\n]+"
      return key and redis:cli("HVALS " .. key) or ""
    end
    local pipe = assert(io.popen(("LD_PRELOAD= sqlite3 '%s' \"SELECT remote_id FROM deliveries WHERE provider = '%s'\"")
      :format(journal, provider)))
    local out = pipe:read "*a"
    pipe:close()
    return out
  end

  -- A flood of forged news drops the oldest unverified deliveries, never one a secret checked.
  it("a flood of unsigned deliveries cannot push out a verified one", function()
    local checker = sim:client("bfl", { journal = journal, webhook_secret = SECRET })
    local body = '{"id":"kept-by-secret","status":"Ready","result":{"sample":"http://cdn.example/k.png"}}'
    local delivery = assert(checker:webhook { headers = { ["x-bfl-signature"] = bfl_signature(sim, SECRET, body) },
                                              body = body })
    assert.is_true(delivery.verified and delivery.posted)
    local unchecked = sim:client("bfl", { journal = journal })   -- no secret: it can only pass news on
    gentask.run(function()
      for i = 1, 1200 do
        delivery = assert(unchecked:webhook { headers = {}, body = ('{"id":"flood-%05d","status":"Ready"}'):format(i) })
        assert.is_false(delivery.verified)
        if i % 50 == 0 then gentask.sleep(0.01) end
      end
      assert.is_true(until_true(function() return held("bfl"):find("flood-01200", 1, true) ~= nil end, 30),
                     "the last post never reached the store")
    end)
    local kept = held "bfl"
    assert.truthy(kept:find("kept-by-secret", 1, true), "the verified delivery was pushed out")
    -- the newest unverified ones beside it (a client that exits right after a take may leave its
    -- verified deliveries behind: they count too, so fewer than 999 may be)
    assert.truthy(kept:find("flood-01200", 1, true))
    assert.is_nil(kept:find("flood-00201", 1, true), "more than 999 unverified ones are kept")
    checker:close()
    unchecked:close()
  end)

  it("past 8 MiB of deliveries the oldest go, verified ones too", function()
    local checker = sim:client("bfl", { journal = journal, webhook_secret = SECRET })
    gentask.run(function()
      for i = 1, 9 do   -- 9 bodies of about 1 MB: one too many
        local head = ('{"id":"big-%d","status":"Ready","result":{"sample":"http://cdn.example/b.png"},"pad":"'):format(i)
        local body = head .. ("x"):rep(1000000 - #head - 2) .. '"}'
        local delivery = assert(checker:webhook { headers = { ["x-bfl-signature"] = bfl_signature(sim, SECRET, body) },
                                                  body = body })
        assert.is_true(delivery.verified and delivery.posted)
        -- Redis: each is taken before the next is posted (a process queues at most 8 MiB of posts)
        if store == "Redis" then
          assert.is_true(until_true(function() return held("bfl"):find(("big-%d"):format(i), 1, true) ~= nil end, 30))
        end
      end
      assert.is_true(until_true(function() return held("bfl"):find("big-9", 1, true) ~= nil end, 30),
                     "the last post never reached the store")
    end)
    local kept = held "bfl"
    for i = 2, 9 do assert.truthy(kept:find(("big%%-%d"):format(i)), "big-" .. i .. " is not kept") end
    assert.is_nil(kept:find("big%-1[^%d]"), "the oldest of 9 MB is still kept")
    assert.is_nil(kept:find("kept-by-secret", 1, true), "older verified deliveries went first")
    checker:close()
  end)
end)
end
