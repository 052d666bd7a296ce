-- Many tasks on one thread: they overlap at the simulator, which is what proves concurrency.
local gentask = require "gentask"
local Sim = require "support.sim"

describe("200 tasks of 1 s each in one gentask.run", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 1000" end)
  teardown(function() sim:stop() end)

  it("all finish, and were all in flight at the simulator at once", function()
    local fox = sim:foxapi { poll_interval = 0.25 }
    sim:reset()
    local outcomes = gentask.run(function()
      local tasks = {}
      for i = 1, 200 do tasks[i] = fox:submit("flux-dev", { prompt = "fox number " .. i }) end
      return gentask.settle(tasks)
    end)
    local succeeded = 0
    for _, o in ipairs(outcomes) do
      if o.ok then succeeded = succeeded + 1 else print(o.error) end
    end
    assert.equal(200, succeeded)
    local stats = sim:stats()
    assert.equal(200, stats.accepted)
    assert.equal(200, stats.submissions)     -- nothing submitted twice
    assert.equal(200, stats.max_in_flight)   -- every generation overlapped every other
  end)
end)

describe("a model the provider caps lower than its other models (BFL's flux-kontext-max: 6)", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 300" end)
  teardown(function() sim:stop() end)

  local function in_flight(tasks)
    local n = 0
    for _, t in ipairs(tasks) do
      if t.state ~= "queued" and not t.done then n = n + 1 end
    end
    return n
  end

  local function all_done(tasks)
    for _, t in ipairs(tasks) do
      if not t.done then return false end
    end
    return true
  end

  it("has at most that many of its tasks in flight while the others go on beside them", function()
    local bfl = sim:client "bfl"
    local kontext, pro = {}, {}
    for i = 1, 14 do kontext[i] = bfl:submit("flux-kontext-max", { prompt = "kontext " .. i }) end
    for i = 1, 10 do pro[i] = bfl:submit("flux-pro-1.1", { prompt = "pro " .. i }) end
    local most, others_beside = 0, 0
    gentask.run(function()
      repeat
        local k = in_flight(kontext)
        most = math.max(most, k)
        if k == 6 then others_beside = math.max(others_beside, in_flight(pro)) end
        gentask.sleep(0.01)
      until all_done(kontext) and all_done(pro)
    end)
    for _, t in ipairs(kontext) do assert.truthy(t:wait().url) end
    for _, t in ipairs(pro) do assert.truthy(t:wait().url) end
    assert.equal(6, most)
    assert.equal(10, others_beside, "the other model's tasks are not held behind the capped one")
    assert.equal(24, sim:stats().accepted)
  end)
end)
