-- A deadline ends the caller's wait, never a paid task. A process stopped past its tasks'
-- deadline (a laptop lid, Ctrl-Z, a host that blocked: here a real SIGSTOP) delivers on waking
-- what the provider finished meanwhile; what is still running ends the wait with submitted "yes"
-- and is delivered later by recover(). A task queued with too little time left is never paid for.
local Sim = require "support.sim"

local remove_journal = Sim.remove_journal

-- The stalled process: 10 tasks that finish during the stall and 10 that outlive it, on a journal.
-- It says "accepted PID" once the provider took all 20, then waits; after the stall it prints
-- one line per task: its number, "ok" or the error's kind and submitted.
local STALLED = [[
  local gentask = require "gentask"
  local URL, JOURNAL = %q, %q
  local fox = gentask.client { provider = "foxapi", api_key = os.getenv "GENTASK_SPEC_KEY",
    base_url = URL .. "/foxapi", journal = JOURNAL, task_timeout = 2, poll_interval = 0.05,
    poll_max_interval = 0.1, backoff_initial = 0.01, backoff_max = 0.05 }
  local tasks = {}
  for i = 1, 20 do
    local duration = i <= 10 and 1000 or 5000
    tasks[i] = fox:submit("flux-dev", { prompt = ("stall %%d [duration=%%d]"):format(i, duration) },
                          { key = "stall-" .. i })
  end
  gentask.run(function()
    while fox:stats().accepted < 20 do gentask.sleep(0.01) end
  end)
  local pid = io.open("/proc/self/stat"):read("*l"):match("^(%%d+)")
  io.stdout:write("accepted ", pid, "\n")
  io.stdout:flush()
  for i, outcome in ipairs(gentask.settle(tasks)) do
    if outcome.ok then print(i, "ok")
    else print(i, outcome.error.kind, outcome.error.submitted, outcome.error.task_id == tasks[i].id) end
  end
  fox:close()
]]

describe("a process stopped past its tasks' deadline", function()
  local sim, journal
  setup(function()
    sim = Sim.start "--duration-ms 1000"
    journal = os.tmpname()
    remove_journal(journal)
  end)
  teardown(function()
    sim:stop()
    remove_journal(journal)
  end)

  it("delivers on waking what finished meanwhile; recover() delivers the rest, each paid once", function()
    local child = Sim.spawn_script(STALLED:format(sim.url, journal), { env = "GENTASK_SPEC_KEY=" .. Sim.key })
    local first = child.read_line() or ""
    local pid = first:match "^accepted (%d+)"
    if not pid then error("the child did not start: " .. first .. child.wait()) end
    os.execute("kill -STOP " .. pid)
    os.execute "sleep 3" -- past the 2 s task_timeout, and past the fast tasks' 1 s at the provider
    os.execute("kill -CONT " .. pid)
    local output = child.wait()
    local lines = {}
    for i, rest in output:gmatch "(%d+)\t([^\n]*)" do lines[tonumber(i)] = rest end
    for i = 1, 10 do assert.equal("ok", lines[i], output) end
    for i = 11, 20 do assert.equal("deadline_exceeded\tyes\ttrue", lines[i], output) end

    -- the other ten are still the provider's: recover() takes their open records and polls them
    local fox = sim:foxapi { journal = journal }
    local recovered = fox:recover()
    assert.equal(10, #recovered)
    for _, task in ipairs(recovered) do assert.truthy(task:wait(10).url) end
    assert.equal(20, sim:stats().submissions)
  end)
end)

describe("a queued task with too little time left", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 1500" end)
  teardown(function() sim:stop() end)

  before_each(function() sim:reset() end)

  -- One place: the second task waits behind the first (1.5 s), then is let out with less time
  -- left than it needs — min_submit_time, or the eta FoxAPI gave for the first task of its model
  -- (estimated_time 1.5 s), whichever is longer. Either way it is never paid for.
  local rows = {
    { "by min_submit_time: 0.5 s of its 2 s left, 1 s needed", { task_timeout = 2, min_submit_time = 1 }, "first" },
    { "by its model's eta, longer than min_submit_time: 1.4 s of 3 s left, 1.5 s needed",
      { task_timeout = 3, min_submit_time = 0.1 }, "first [eta=1500]" },
  }
  for _, row in ipairs(rows) do
    it("is never submitted, " .. row[1], function()
      local options = { max_in_flight = 1 }
      for k, v in pairs(row[2]) do options[k] = v end
      local fox = sim:foxapi(options)
      local first = fox:submit("flux-dev", { prompt = row[3] })
      local second = fox:submit("flux-dev", { prompt = "second" })
      assert.truthy(first:wait(5).url)
      local _, err = second:result()
      assert.equal("deadline_exceeded", err.kind)
      assert.equal("no", err.submitted)
      assert.truthy(err.message:find("never submitted", 1, true), err.message)
      assert.equal(1, sim:stats().submissions)
    end)
  end
end)
