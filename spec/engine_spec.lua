-- The engine under the API: it reports when it next wants to run, and step(0) never waits.
local gentask = require "gentask"
local Sim = require "support.sim"
local engine = require("gentask.scheduler").engine

describe("the engine", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 100" end)
  teardown(function() sim:stop() end)

  it("has nothing to do when no task is in flight", function()
    collectgarbage()
    collectgarbage()
    assert.equal(0, gentask.stats().live_tasks)
    assert.is_nil(engine:timeout())
  end)

  it("between two polls, waits for the poll timer and step(0) changes nothing", function()
    local fox = sim:foxapi()
    local task = fox:submit("flux-dev", { prompt = "x [duration=30000]" })
    while task.state == "submitting" do gentask.update() end
    assert.equal("waiting", task.state)
    assert.is_true(engine:timeout() > 20, "the first poll waits for the provider's eta, about 30 s away")
    assert.equal(0, engine:step(0))
    assert.equal("waiting", task.state)
    task:cancel()
    task:result()   -- FoxAPI documents a cancel: the task ends once the provider answered it
  end)

  it("counts a task as live until it is collected, however it ended", function()
    collectgarbage()
    collectgarbage()
    -- counted from what this busted process still holds: an earlier spec file's task may not be
    -- collected yet (LuaJIT's collector takes its time with objects that have finalizers)
    local before = gentask.stats().live_tasks
    local fox = sim:foxapi()
    local t = fox:submit("flux-dev", { prompt = "x [duration=1]" })
    t:wait()
    assert.equal(before + 1, gentask.stats().live_tasks)
    t = nil   -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    assert.equal(before, gentask.stats().live_tasks)
  end)
end)
