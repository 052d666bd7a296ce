-- A paid generation is never given up: polls go on through an outage until the task's deadline, a
-- provider's "not now" (429, 503, a refused connection) is waited out instead of failing, a task
-- is picked up by its id in another process, and deadlines hold for queued and silent tasks.
-- Everything against the real simulator over loopback, with default options unless said.
local gentask = require "gentask"
local Sim = require "support.sim"

-- A client with the library's defaults (sim:client's are tuned for fast tests).
local function default_client(sim, provider)
  return gentask.client { provider = provider, api_key = Sim.key, base_url = sim.url .. "/" .. provider }
end

describe("through an outage", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 3000" end)
  teardown(function() sim:stop() end)

  it("500 tasks with default options all succeed, each submitted once", function()
    local fox = default_client(sim, "foxapi")
    local tasks = {}
    for i = 1, 500 do tasks[i] = fox:submit("flux-dev", { prompt = "outage " .. i }) end
    -- every submit taken before the outage: one cut off on the wire would be "unknown", rightly
    gentask.run(function()
      while fox:stats().accepted < 500 do gentask.sleep(0.05) end
    end)
    sim:outage(10000)   -- refused connections, dropped requests on open ones, for 10 s
    local outcomes = gentask.settle(tasks)
    local ok = 0
    for _, outcome in ipairs(outcomes) do
      if outcome.ok then ok = ok + 1 else print(tostring(outcome.error)) end
    end
    assert.equal(500, ok)
    local stats = sim:stats()
    assert.equal(500, stats.accepted)
    assert.equal(500, stats.submissions)
    assert.is_true(stats.outage_refused > 0, "polls met the outage")
  end)
end)

describe("a poll answered 400, 402, 409 or 422", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 200" end)
  teardown(function() sim:stop() end)

  -- They say something about the poll request, not about the task, which may be paid for.
  local cases = { { "foxapi", "flux-dev", 400 }, { "apixo", "gpt-image-1", 402 }, { "flora", "thumbnail-v3", 409 },
                  { "bfl", "flux-pro-1.1", 422 }, { "modelslab", "flux", 400 } }
  for _, case in ipairs(cases) do
    local provider, model, status = case[1], case[2], case[3]
    it(("is no answer: %s polls on to the result"):format(provider), function()
      sim:reset()
      local c = sim:client(provider)
      local task = c:submit(model, { prompt = ("x [poll-http=%d:2]"):format(status) })
      local result, err = task:result()
      assert.is_nil(err, tostring(err))
      assert.truthy(result.url)
      local stats = sim:stats()
      assert.equal(1, stats.submissions)
      assert.is_true(stats.polls >= 3, "two refused polls, then the answer")
    end)
  end
end)

describe("back-pressure", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 300 --max-active 3" end)
  teardown(function() sim:stop() end)

  it("20 tasks against a provider that takes 3 at once all succeed, in few submit requests", function()
    local fox = default_client(sim, "foxapi")
    local tasks = {}
    for i = 1, 20 do tasks[i] = fox:submit("flux-dev", { prompt = "pressure " .. i }) end
    for _, outcome in ipairs(gentask.settle(tasks)) do assert.is_true(outcome.ok, tostring(outcome.error)) end
    local stats = sim:stats()
    assert.equal(20, stats.accepted)
    assert.is_true(stats.submissions < 45, "submit requests: " .. stats.submissions)
    local client = fox:stats()
    assert.is_true(client.refused > 0, "the provider refused some")
    assert.is_true(client.cap >= 1 and client.cap <= 6, "the learned cap is near the provider's 3: " .. client.cap)
    assert.equal(client.submits, stats.submissions)
  end)

  it("a refused submit is never failed for max_retries: it waits its turn", function()
    local fox = sim:foxapi { max_retries = 0 }
    local tasks = {}
    for i = 1, 8 do tasks[i] = fox:submit("flux-dev", { prompt = "no retries " .. i }) end
    for _, outcome in ipairs(gentask.settle(tasks)) do assert.is_true(outcome.ok, tostring(outcome.error)) end
  end)
end)

describe("attach", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 800" end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  it("in a new process returns the result of a task another submitted, without a submit", function()
    local fox = sim:foxapi()
    local task = fox:submit("flux-dev", { prompt = "attach me" })
    gentask.run(function()
      while not task.id do gentask.sleep(0.02) end
    end)
    local script = ([[
      local gentask = require "gentask"
      local fox = gentask.client { provider = "foxapi", api_key = %q, base_url = %q }
      local task = fox:attach(%q)
      io.write(task:wait().url)
    ]]):format(Sim.key, sim.url .. "/foxapi", task.id)
    local printed = Sim.run_script(script)
    assert.equal(task:wait().url, printed)
    local stats = sim:stats()
    assert.equal(1, stats.submissions)
    assert.equal(1, stats.accepted)
  end)

  it("needs the model where the poll path depends on it, and refuses a poll URL on another host", function()
    local flora = sim:client "flora"
    local ok, err = pcall(flora.attach, flora, "run-1")
    assert.is_false(ok)
    assert.is_true(gentask.errors.is(err, "usage"), tostring(err))
    local fox = sim:foxapi()
    local _, refused = fox:attach("task-1", { poll_url = "http://attacker.example/v1/tasks/task-1" }):result()
    assert.equal("usage", refused.kind)
    assert.equal(0, sim:stats().polls)
  end)

  it("of an id the provider does not know ends not_found after the grace, never submitted", function()
    local fox = sim:foxapi { poll_interval = 0.05, poll_max_interval = 0.1, task_timeout = 0.5 }
    local _, err = fox:attach("task-unified-nope"):result()
    -- within the grace a "no such task" is the provider catching up: the deadline names it
    assert.equal("deadline_exceeded", err.kind)
    assert.equal("not_found", err.cause.kind)
    assert.equal(0, sim:stats().submissions)
  end)
end)

describe("budgets and closing", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 300" end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  it("max_submits refuses the tasks beyond it before anything is sent", function()
    local fox = sim:foxapi { max_submits = 3 }
    local tasks = {}
    for i = 1, 5 do tasks[i] = fox:submit("flux-dev", { prompt = "budget " .. i }) end
    local ok, over = 0, 0
    for _, outcome in ipairs(gentask.settle(tasks)) do
      if outcome.ok then ok = ok + 1 else
        assert.equal("budget_exceeded", outcome.error.kind)
        assert.equal("no", outcome.error.submitted)
        over = over + 1
      end
    end
    assert.same({ 3, 2 }, { ok, over })
    assert.equal(3, sim:stats().submissions)
    assert.equal(3, fox:stats().submitted)
  end)

  it("close() ends the unsent tasks, lets the submit on the wire be answered, and takes no more", function()
    local fox = sim:foxapi { max_in_flight = 1 }
    local sent = fox:submit("flux-dev", { prompt = "on the wire [submit-slow=300]" })
    local waiting = fox:submit("flux-dev", { prompt = "never sent" })
    gentask.run(function()
      while fox:stats().submits_on_wire == 0 do gentask.sleep(0.01) end
    end)
    fox:close()
    assert.equal(0, fox:stats().submits_on_wire)
    local _, err = waiting:result()
    assert.equal("cancelled", err.kind)
    assert.equal("no", err.submitted)
    assert.truthy(sent:wait().url)   -- accepted before close returned: it polls on to its result
    local ok, refused = pcall(fox.submit, fox, "flux-dev", { prompt = "too late" })
    assert.is_false(ok)
    assert.is_true(gentask.errors.is(refused, "usage"), tostring(refused))
    assert.equal(1, sim:stats().submissions)
  end)
end)

describe("deadlines", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 1500" end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  it("a queued task whose deadline passes is never submitted", function()
    local fox = sim:foxapi { max_in_flight = 1 }
    local first = fox:submit("flux-dev", { prompt = "holds the only place" })
    local late = fox:submit("flux-dev", { prompt = "waits behind it" }, { task_timeout = 0.3 })
    local _, err = late:result()
    assert.equal("deadline_exceeded", err.kind)
    assert.equal("no", err.submitted)
    assert.is_nil(err.attempts)
    assert.truthy(first:wait().url)
    assert.equal(1, sim:stats().submissions)
  end)

  it("a task that waited behind the client's 429 pause names the 429 as its deadline's cause", function()
    local fox = sim:foxapi { task_timeout = 0.5 }
    local refused = fox:submit("flux-dev", { prompt = "x [submit-http=429:1] [retry-after=30]" })
    gentask.run(function()
      while fox:stats().refused == 0 do gentask.sleep(0.01) end
    end)
    local _, err = fox:submit("flux-dev", { prompt = "queued behind the pause" }):result()
    assert.equal("deadline_exceeded", err.kind)
    assert.equal("no", err.submitted)
    assert.equal("rate_limited", err.cause.kind)
    assert.equal(30, err.cause.retry_after)
    assert.equal("rate_limited", select(2, refused:result()).cause.kind)
  end)

  it("a task whose first poll (the provider's eta) would come after its deadline is polled before it", function()
    local modelslab = sim:client("modelslab")   -- its submit answer carries the eta
    local result, err = modelslab:submit("flux", { prompt = "x [eta=60000] [duration=100]" }, { task_timeout = 1.5 }):result()
    assert.is_nil(err, tostring(err))
    assert.truthy(result.url)
    assert.equal(1, sim:stats().polls)
  end)

  it("a silent server cannot keep a task past its task_timeout", function()
    local fox = sim:foxapi()
    local _, err = fox:submit("flux-dev", { prompt = "x [submit-slow=8000]" }, { task_timeout = 0.5 }):result()
    assert.equal("deadline_exceeded", err.kind)
    -- ended before the simulator's answer: had it come, the task would be accepted (submitted
    -- "yes", phase poll); it went out whole, so it may have been paid
    assert.equal("submit", err.phase)
    assert.equal("unknown", err.submitted)
  end)

  it("an ambiguous submit resent under its key ends unknown, with the key to resend it safely", function()
    local flora = sim:client("flora", { backoff_initial = 0.01, backoff_max = 0.02, max_retries = 1 })
    local _, err = flora:submit("thumbnail-v3", { prompt = "x [submit-http=500:5]" }):result()
    assert.equal("server_error", err.kind)
    assert.equal("unknown", err.submitted)
    assert.equal(2, err.attempts)
    assert.matches("^gentask%-", err.idempotency_key)
  end)
end)
