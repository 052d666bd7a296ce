-- task:cancel() reaches the provider where it documents a cancel endpoint (FoxAPI), and only then:
-- over HTTP against the simulator, which counts cancels and stops a cancelled task generating.
local gentask = require "gentask"
local Sim = require "support.sim"

local function entry_of(sim, task)
  return sim:stats(true).tasks[task.id]
end

-- Waits, driving gentask, until the task has an id (its submit was answered).
local function accepted(task)
  for _ = 1, 200 do
    if task.id then return task end
    gentask.sleep(0.01)
  end
  error("the submit was never answered")
end

describe("task:cancel()", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 5000" end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  it("sends FoxAPI's cancel: the simulator stops the task, and wait() returns once the answer came", function()
    local fox = sim:foxapi()
    local task = accepted(fox:submit("flux-dev", { prompt = "to be cancelled" }))
    task:cancel()
    assert.equal("cancelling", task.state)
    assert.equal("cancel", task.phase)
    assert.is_false(task.done)
    assert.is_nil(task.cancel_confirmed)
    local result, err = task:result()
    assert.is_nil(result)
    assert.equal("cancelled", err.kind)
    assert.equal("poll", err.phase)
    assert.equal("cancelled", task.state)
    assert.is_true(task.cancel_confirmed)
    assert.is_nil(task.cancel_error)
    local stats = sim:stats(true)
    assert.equal(1, stats.cancels)
    assert.equal(1, stats.cancelled)
    assert.equal("cancelled", stats.tasks[task.id].state)
    assert.equal(0, stats.in_flight)
  end)

  it("inside run(): the cancel goes out even when nothing waits for the task", function()
    local fox = sim:foxapi()
    local id
    gentask.run(function()
      local task = accepted(fox:submit("flux-dev", { prompt = "cancelled in a coroutine" }))
      id = task.id
      task:cancel()
    end)
    local stats = sim:stats(true)
    assert.equal(1, stats.cancels)
    assert.equal("cancelled", stats.tasks[id].state)
  end)

  it("records a refusal: a task that had already ended cannot be cancelled", function()
    local fox = sim:foxapi()
    -- the task ends at once at the simulator, and the client's first poll waits for a far eta
    local task = accepted(fox:submit("flux-dev", { prompt = "quick [duration=1] [eta=60000]" }))
    gentask.sleep(0.05)
    task:cancel()
    local _, err = task:result()
    assert.equal("cancelled", err.kind)
    assert.is_false(task.cancel_confirmed)
    assert.equal("cancel", task.cancel_error.phase)
    assert.equal("invalid_request", task.cancel_error.kind)
    assert.equal("task_not_cancellable", task.cancel_error.code)
    assert.equal(400, task.cancel_error.status)
    assert.equal(1, sim:stats().cancels)
    assert.equal(0, sim:stats().cancelled)
  end)

  it("records a refusal: a task the provider does not know", function()
    local fox = sim:foxapi()
    local task = accepted(fox:submit("flux-dev", { prompt = "forgotten" }))
    sim:reset()
    task:cancel()
    local _, err = task:result()
    assert.equal("cancelled", err.kind)
    assert.is_false(task.cancel_confirmed)
    assert.equal("cancel", task.cancel_error.phase)
    assert.equal("not_found", task.cancel_error.kind)
    assert.equal(1, sim:stats().cancels)
  end)

  it("sends nothing for a task whose submit was never answered", function()
    local fox = sim:foxapi { max_in_flight = 1 }
    local first = fox:submit("flux-dev", { prompt = "holds the only place [duration=300]" })
    local queued = fox:submit("flux-dev", { prompt = "never sent" })
    assert.equal("queued", queued.state)
    queued:cancel()
    assert.equal("cancelled", queued.state)
    assert.is_nil(queued.cancel_confirmed)
    assert.equal("submit", select(2, queued:result()).phase)
    first:wait()
    local stats = sim:stats()
    assert.equal(0, stats.cancels)
    assert.equal(1, stats.submissions)
  end)

  it("sends nothing where the provider documents no cancel (BFL): polling stops, the task is cancelled", function()
    local bfl = sim:client "bfl"
    local task = accepted(bfl:submit("flux-dev", { prompt = "no cancel endpoint" }))
    task:cancel()
    assert.equal("cancelled", task.state)
    assert.is_nil(task.cancel_confirmed)
    assert.equal(0, sim:stats().cancels)
    assert.is_false(({ cancelled = true, completed = true })[entry_of(sim, task).state] or false)
  end)

  it("is never sent by __gc or client:close()", function()
    local fox = sim:foxapi()
    local task = accepted(fox:submit("flux-dev", { prompt = "collected" }))
    local id = task.id
    task = nil -- luacheck: ignore 311
    collectgarbage()
    collectgarbage()
    local other = accepted(fox:submit("flux-dev", { prompt = "left to close" }))
    fox:close()
    gentask.sleep(0.1)
    local stats = sim:stats(true)
    assert.equal(0, stats.cancels)
    assert.not_equal("cancelled", stats.tasks[id].state)
    assert.not_equal("cancelled", stats.tasks[other.id].state)
    other:cancel()
    assert.equal("cancelled", select(2, other:result()).kind)
  end)

  describe("at the deadline", function()
    local function late(options)
      local fox = sim:foxapi(options)
      local task = accepted(fox:submit("flux-dev", { prompt = "outlives its deadline [duration=30000]" }))
      return fox, task, select(2, task:result())
    end

    it("is not sent by default: the paid task is left to recover()", function()
      local _, task, err = late({ task_timeout = 0.3, poll_interval = 0.05 })
      assert.equal("deadline_exceeded", err.kind)
      assert.equal("yes", err.submitted)
      assert.is_nil(task.cancel_confirmed)
      assert.equal(0, sim:stats().cancels)
      assert.not_equal("cancelled", entry_of(sim, task).state)
    end)

    it("is sent with cancel_at_deadline: the provider stops the task, the wait ends deadline_exceeded", function()
      local journal = os.tmpname()
      os.remove(journal)
      local fox, task, err = late({ task_timeout = 0.3, poll_interval = 0.05, cancel_at_deadline = true,
                                         journal = journal })
      assert.equal("deadline_exceeded", err.kind)
      assert.equal("yes", err.submitted)
      assert.equal(task.id, err.task_id)
      assert.matches("cancel_at_deadline", err.message)
      assert.is_true(task.cancel_confirmed)
      assert.equal(1, sim:stats().cancels)
      assert.equal("cancelled", entry_of(sim, task).state)
      -- confirmed cancelled: nothing is left for recover() to poll
      assert.same({}, fox:recover())
      fox:close()
      Sim.remove_journal(journal)
    end)

    it("refused by the provider leaves the task's record open for recover()", function()
      local journal = os.tmpname()
      os.remove(journal)
      local fox = sim:foxapi { task_timeout = 0.3, poll_interval = 0.05, cancel_at_deadline = true, journal = journal }
      -- the simulator forgets the task before the cancel: the cancel is refused (404)
      local task = accepted(fox:submit("flux-dev", { prompt = "outlives its deadline [duration=30000]" }))
      sim:reset()
      local _, err = task:result()
      assert.equal("deadline_exceeded", err.kind)
      assert.is_false(task.cancel_confirmed)
      local left = fox:recover()
      assert.equal(1, #left)
      assert.equal(task.id, left[1].id)
      left[1]:cancel()
      fox:close()
      Sim.remove_journal(journal)
    end)
  end)
end)
