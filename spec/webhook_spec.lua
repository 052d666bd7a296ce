-- Webhooks end to end: the simulator pushes a task's end to a small HTTP receiver (LuaSocket, driven
-- beside gentask's loop in the same coroutine scheduler), which hands it to client:webhook. A signed
-- delivery (BFL) ends the waiting task before its next poll; a forged one is refused and changes
-- nothing; an unsigned one (ModelsLab) only makes the task poll at once.
local gentask = require "gentask"
local socket = require "socket"
local Sim = require "support.sim"
local Redis = require "support.redis"

local SECRET = "whsec-test-7c1e5b2a9f"

-- A receiver on a free loopback port: receiver.url to give the provider, receiver:next() yields
-- (gentask.sleep) until one request came, and returns { headers =, body = } after answering 200.
local function receiver()
  local server = assert(socket.bind("127.0.0.1", 0))
  server:settimeout(0)
  local _, port = server:getsockname()
  local self = { url = ("http://127.0.0.1:%d/hook"):format(port), server = server }
  function self.next()
    for _ = 1, 500 do
      local conn = server:accept()
      if conn then
        conn:settimeout(2)   -- the simulator sent the whole request before waiting for the answer
        local request_line = assert(conn:receive "*l")
        local headers = {}
        while true do
          local line = assert(conn:receive "*l")
          if line == "" then break end
          local name, value = line:match "^([^:]+):%s*(.*)$"
          headers[name:lower()] = value
        end
        local body = assert(conn:receive(tonumber(headers["content-length"])))
        conn:send "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        conn:close()
        return { request_line = request_line, headers = headers, body = body }
      end
      gentask.sleep(0.01)
    end
    error("no webhook came")
  end
  function self.close() server:close() end
  return self
end

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
    for _ = 1, 200 do
      if task.id then break end
      gentask.sleep(0.01)
    end
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
end)
end
