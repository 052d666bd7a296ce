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
