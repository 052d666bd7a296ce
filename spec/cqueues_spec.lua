-- cqueues: wait() inside cqueues coroutines yields to the controller, which keeps running its
-- other coroutines; the engine is watched through one fd, so waiting wakes on events only.
local Sim = require "support.sim"

local have_cqueues, cqueues = pcall(require, "cqueues")

describe("cqueues (gentask.loop.cqueues)", function()
  if not have_cqueues then
    pending("cqueues is not installed for " .. _VERSION .. " (make deps installs Debian's lua-cqueues)")
    return
  end
  local adapter = require "gentask.loop.cqueues"
  local sim
  setup(function() sim = Sim.start "--duration-ms 500" end)
  teardown(function()
    adapter.stop()
    sim:stop()
  end)

  it("runs 20 tasks in cqueues coroutines while a 10 ms ticker keeps ticking, and fires callbacks", function()
    local cq = cqueues.new()
    adapter.start(cq)
    local fox = sim:foxapi()
    local results, called = {}, nil
    local ticks, max_gap, finished = 0, 0, false
    cq:wrap(function()
      local last = cqueues.monotime()
      while not finished do
        cqueues.sleep(0.01)
        local now = cqueues.monotime()
        max_gap = math.max(max_gap, now - last)
        last, ticks = now, ticks + 1
      end
    end)
    local waiting = 20
    for i = 1, 20 do
      cq:wrap(function()
        results[i] = { fox:submit("flux-dev", { prompt = "cqueues " .. i }):result() }
        waiting = waiting - 1
        finished = waiting == 0 and called ~= nil
      end)
    end
    -- nobody waits for this one: the adapter's driver fires its callback
    fox:submit("flux-dev", { prompt = "callback" }):on("done", function(result, err)
      called = result or err
      finished = waiting == 0
    end)
    local wakeups = adapter.wakeups
    assert(cq:loop(30))
    for i = 1, 20 do assert.truthy(results[i][1], tostring(results[i][2])) end
    assert.truthy(called and called.url, "callback: " .. tostring(called))
    -- the generation took 0.5 s: a controller that was never blocked ticked all through it
    assert.is_true(ticks >= 30, "ticks: " .. ticks)
    assert.is_true(max_gap < 0.25, "longest pause between ticks: " .. max_gap .. " s")
    -- waiting woke on events (answers, poll timers), not in a spin
    assert.is_true(adapter.wakeups - wakeups < 2000, "wake-ups: " .. (adapter.wakeups - wakeups))
    assert.equal(21, sim:stats().max_in_flight)
  end)

  it("a wait with a deadline ends with deadline_exceeded inside a cqueues coroutine", function()
    local cq = cqueues.new()
    adapter.start(cq)
    local fox = sim:foxapi()
    local ok, err
    cq:wrap(function()
      local task = fox:submit("flux-dev", { prompt = "slow duration=5000" })
      ok, err = task:result(0.1)
      task:cancel()
    end)
    assert(cq:loop(10))
    assert.falsy(ok)
    assert.equal("deadline_exceeded", err.kind)
  end)
end)
