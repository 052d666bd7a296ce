-- Tasks collected while in flight are cancelled cleanly: no crash, no growth, no zombie polling.
local gentask = require "gentask"
local Sim = require "support.sim"

describe("garbage collection of in-flight tasks", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 5000" end)
  teardown(function() sim:stop() end)

  it("submitting and dropping 1,000 tasks neither leaks nor keeps polling", function()
    local fox = sim:foxapi { poll_interval = 0.01 }
    sim:reset()
    local function churn(n)
      for i = 1, n do
        local task = fox:submit("flux-dev", { prompt = "dropped " .. i })   -- luacheck: ignore 231
        -- let some get past their submit so that both submitting and waiting tasks are collected
        if i % 4 == 0 then gentask.update() end
        task = nil   -- luacheck: ignore
        if i % 50 == 0 then collectgarbage() end
      end
      collectgarbage()
      collectgarbage()
    end
    churn(100)   -- warm up: caches, the connection pool, interned strings
    local memory_before = collectgarbage "count"
    churn(900)
    local memory_after = collectgarbage "count"
    assert.equal(0, gentask.stats().live_tasks, "the core freed every task")
    assert.is_true(memory_after - memory_before < 256,
      ("Lua memory grew by %.0f KiB"):format(memory_after - memory_before))

    local before = sim:stats()
    assert.is_true(before.submissions <= 1000)
    gentask.run(function() gentask.sleep(0.2) end)   -- long enough for 20 poll intervals
    assert.equal(before.polls, sim:stats().polls, "no collected task is still polled")
  end)

  it("collecting a finished task, a failed task and a client is safe in any order", function()
    -- in a coroutine of its own, dropped before the final collection: LuaJIT may still see the
    -- last round's values in stack slots of a frame that returned (one task was seen alive past
    -- the final collection when the rounds ran on the test's own stack), a dead coroutine's
    -- stack is garbage as a whole
    local rounds = coroutine.wrap(function()
      for _ = 1, 20 do
        local fox = sim:foxapi()
        local ok = fox:submit("flux-dev", { prompt = "x [duration=1]" })
        local bad = fox:submit("flux-dev", { prompt = "x [http=500]" })
        ok:result()
        bad:result()
        fox, ok, bad = nil, nil, nil   -- luacheck: ignore
        collectgarbage()
      end
    end)
    rounds()
    rounds = nil   -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    assert.equal(0, gentask.stats().live_tasks)
  end)
end)
