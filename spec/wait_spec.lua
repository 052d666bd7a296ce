-- wait(timeout), result(), cancel(), callbacks, and run/spawn/all/any/settle.
local gentask = require "gentask"
local Sim = require "support.sim"

describe("waiting", function()
  local sim, fox
  setup(function()
    sim = Sim.start "--duration-ms 100"
    fox = sim:foxapi { poll_interval = 0.02 }
  end)
  teardown(function() sim:stop() end)

  describe("wait(timeout)", function()
    it("raises deadline_exceeded when the task outlives it, and the task goes on", function()
      local task = fox:submit("flux-dev", { prompt = "slow [duration=600]" })
      local ok, err = pcall(task.wait, task, 0.1)
      assert.is_false(ok)
      assert.equal("deadline_exceeded", err.kind)
      assert.is_false(err.retryable)
      assert.equal("foxapi", err.provider)
      assert.is_false(task.done)
      local result = task:wait()
      assert.equal(1, #result.urls)
    end)

    it("works inside a coroutine without blocking the others", function()
      local order = {}
      gentask.run(function()
        local slow = fox:submit("flux-dev", { prompt = "slow [duration=500]" })
        gentask.spawn(function()
          local _, err = slow:result(0.05)
          order[#order + 1] = err.kind
        end)
        local quick = fox:submit("flux-dev", { prompt = "quick [duration=10]" })
        quick:wait()
        order[#order + 1] = "quick"
        slow:wait()
        order[#order + 1] = "slow"
      end)
      -- the deadline and the quick task both came and went while the slow task kept running
      assert.equal(3, #order)
      assert.equal("slow", order[3])
      table.sort(order)
      assert.same({ "deadline_exceeded", "quick", "slow" }, order)
    end)

    it("treats math.huge as no deadline at all", function()
      local task = fox:submit("flux-dev", { prompt = "x [duration=30]" })
      assert.equal(1, #task:wait(math.huge).urls)
    end)

    it("returns at once for a finished task, even with a zero timeout", function()
      local task = fox:submit("flux-dev", { prompt = "x [duration=10]" })
      task:wait()
      assert.equal(1, #task:wait(0).urls)
    end)
  end)

  describe("cancel()", function()
    it("ends the task as cancelled and stops polling", function()
      sim:reset()
      local task = fox:submit("flux-dev", { prompt = "long [duration=2000]" })
      gentask.sleep(0.1)
      task:cancel()
      -- FoxAPI documents a cancel endpoint: the task is cancelling until the provider answered
      assert.equal("cancelling", task.state)
      local _, err = task:result()
      assert.equal("cancelled", task.state)
      assert.is_true(task.cancel_confirmed)
      assert.equal("cancelled", err.kind)
      local polls = sim:stats().polls
      gentask.sleep(0.15)
      assert.equal(polls, sim:stats().polls)
    end)

    it("wakes a coroutine that waits on the task", function()
      local kind
      gentask.run(function()
        local task = fox:submit("flux-dev", { prompt = "long [duration=2000]" })
        gentask.spawn(function()
          -- result(), not pcall(task.wait): PUC 5.1 cannot yield across pcall
          local _, err = task:result()
          kind = err.kind
        end)
        gentask.sleep(0.05)
        task:cancel()
      end)
      assert.equal("cancelled", kind)
    end)

    if _VERSION == "Lua 5.4" then
      it("happens when a <close> variable leaves scope", function()
        local closed = assert(load [[
          local fox = ...
          local task <close> = fox:submit("flux-dev", { prompt = "long [duration=2000]" })
          return task
        ]])(fox)
        assert.equal("cancelled", closed.state)
      end)
    end
  end)

  describe("callbacks", function()
    it("on('done') receives the result, and keeps an unreferenced task alive", function()
      local got
      fox:submit("flux-dev", { prompt = "cb [duration=20]" }):on("done", function(result, err, task)
        got = { result = result, err = err, task = task }
      end)
      collectgarbage()
      collectgarbage()
      gentask.run(function()
        while not got do gentask.sleep(0.02) end
      end)
      assert.is_nil(got.err)
      assert.equal("succeeded", got.task.state)
      assert.equal(1, #got.result.urls)
    end)

    it("on('done') receives the error of a failed task", function()
      local got
      local task = fox:submit("flux-dev", { prompt = "cb [fail=timeout]" })
      task:on("done", function(result, err) got = { result = result, err = err } end)
      task:result()
      assert.is_nil(got.result)
      assert.equal("timeout", got.err.kind)
    end)

    it("a callback may itself wait, and run() waits for it", function()
      local chained
      gentask.run(function()
        fox:submit("flux-dev", { prompt = "first [duration=10]" }):on("done", function(result)
          chained = fox:submit("flux-dev", { prompt = "then [duration=10]" }):wait().url ~= result.url
        end)
      end)
      assert.is_true(chained)
    end)

    it("a callback registered on a finished task runs at once, in its own coroutine", function()
      local task = fox:submit("flux-dev", { prompt = "x [duration=10]" })
      task:wait()
      local inner
      gentask.run(function()
        task:on("done", function() inner = fox:submit("flux-dev", { prompt = "y [duration=10]" }):wait() end)
      end)
      assert.equal(1, #inner.urls)
    end)

    it("run() inside a callback works and does not disturb the outer run", function()
      local inner_result
      local outer = gentask.run(function()
        local a = fox:submit("flux-dev", { prompt = "a [duration=10]" })
        a:on("done", function()
          inner_result = gentask.run(function() return fox:submit("flux-dev", { prompt = "b [duration=10]" }):wait() end)
        end)
        return a:wait()
      end)
      assert.equal(1, #outer.urls)
      assert.equal(1, #inner_result.urls)
    end)

    it("an error raised in a callback surfaces from the driver", function()
      local task = fox:submit("flux-dev", { prompt = "cb [duration=10]" })
      task:on("done", function() error("callback broke") end)
      local ok, err = pcall(gentask.run, function() task:wait() end)
      assert.is_false(ok)
      assert.truthy(tostring(err):match "callback broke")
    end)
  end)

  describe("run, spawn, all, any, settle", function()
    it("run returns what its function returns and waits for what it spawned", function()
      local spawned_done = false
      local a, b = gentask.run(function(x)
        gentask.spawn(function()
          fox:submit("flux-dev", { prompt = "s [duration=50]" }):wait()
          spawned_done = true
        end)
        return x, "two"
      end, "one")
      assert.equal("one", a)
      assert.equal("two", b)
      assert.is_true(spawned_done)
    end)

    it("run waits only for what its own function started", function()
      local loose = fox:submit("flux-dev", { prompt = "loose [duration=400]" })
      local loose_done = false
      gentask.spawn(function()
        loose:wait()
        loose_done = true
      end)
      gentask.run(function()
        fox:submit("flux-dev", { prompt = "mine [duration=10]" }):wait()
      end)
      assert.is_false(loose_done, "run() returned without waiting for a coroutine it did not start")
      loose:wait()
      assert.is_true(loose_done, "a blocking wait drives every coroutine")
    end)

    it("a failed run leaves nothing behind that blocks the next one", function()
      local ok = pcall(gentask.run, function()
        gentask.spawn(function() gentask.sleep(1) end)
        error("boom")
      end)
      assert.is_false(ok)
      local polls_before = sim:stats().polls
      assert.equal("second", gentask.run(function()
        fox:submit("flux-dev", { prompt = "x [duration=10]" }):wait()
        return "second"
      end))
      assert.is_true(sim:stats().polls - polls_before <= 3, "the second run did not wait out the first one's sleeper")
    end)

    it("run re-raises an error from a spawned coroutine", function()
      local ok, err = pcall(gentask.run, function()
        gentask.spawn(function()
          fox:submit("flux-dev", { prompt = "boom [fail=generation_failed]" }):wait()
        end)
      end)
      assert.is_false(ok)
      assert.equal("generation_failed", err.kind)
    end)

    it("all returns results in order, and raises the first failure as soon as it happens", function()
      local results = gentask.run(function()
        local tasks = {}
        for i = 1, 5 do tasks[i] = fox:submit("flux-dev", { prompt = ("n%d [duration=%d]"):format(i, 100 - 10 * i) }) end
        return gentask.all(tasks)
      end)
      assert.equal(5, #results)
      for _, r in ipairs(results) do assert.equal(1, #r.urls) end

      local slow = fox:submit("flux-dev", { prompt = "slow [duration=3000]" })
      local bad = fox:submit("flux-dev", { prompt = "bad [fail=timeout] [duration=20]" })
      local ok, err = pcall(gentask.all, { slow, bad })
      assert.is_false(ok)
      assert.equal("timeout", err.kind)
      assert.is_false(slow.done, "all() did not wait for the slow task")
      slow:cancel()
    end)

    it("any returns the first success and its index", function()
      local slow = fox:submit("flux-dev", { prompt = "slow [duration=3000]" })
      local bad = fox:submit("flux-dev", { prompt = "bad [fail=timeout] [duration=10]" })
      local quick = fox:submit("flux-dev", { prompt = "quick [duration=50]" })
      local result, index = gentask.any { slow, bad, quick }
      assert.equal(3, index)
      assert.equal(quick.id, result.id)
      slow:cancel()
      local ok, err = pcall(gentask.any, { bad, slow })
      assert.is_false(ok)
      assert.equal("timeout", err.kind)
    end)

    it("settle never raises and reports each outcome", function()
      local out = gentask.run(function()
        return gentask.settle {
          fox:submit("flux-dev", { prompt = "ok [duration=10]" }),
          fox:submit("flux-dev", { prompt = "no [http=402]" }),
          fox:submit("flux-dev", { prompt = "later [duration=200]" }),
        }
      end)
      assert.is_true(out[1].ok)
      assert.equal(1, #out[1].value.urls)
      assert.is_false(out[2].ok)
      assert.equal("payment_required", out[2].error.kind)
      assert.is_true(out[3].ok)
    end)

    it("settle with a timeout reports unfinished tasks as deadline_exceeded", function()
      local out = gentask.settle({ fox:submit("flux-dev", { prompt = "slow [duration=3000]" }) }, 0.05)
      assert.is_false(out[1].ok)
      assert.equal("deadline_exceeded", out[1].error.kind)
    end)

    it("a bare coroutine.yield() inside run lets the others go on", function()
      local ticks = 0
      gentask.run(function()
        gentask.spawn(function()
          for _ = 1, 3 do
            ticks = ticks + 1
            coroutine.yield()
          end
        end)
        fox:submit("flux-dev", { prompt = "x [duration=50]" }):wait()
      end)
      assert.equal(3, ticks)
    end)

    it("wait() in a coroutine gentask does not own blocks instead of yielding", function()
      local co = coroutine.wrap(function()
        return fox:submit("flux-dev", { prompt = "x [duration=20]" }):wait()
      end)
      assert.equal(1, #co().urls)
    end)

    it("update() advances tasks without blocking, for hosts with their own frame loop", function()
      local task = fox:submit("flux-dev", { prompt = "frames [duration=50]" })
      local frames = 0
      while not task.done do
        gentask.update()
        frames = frames + 1
        os.execute "sleep 0.01"
      end
      assert.equal("succeeded", task.state)
      assert.is_true(frames > 1)
    end)
  end)
end)
