-- One API key, many processes: the clients of one machine that name the same journal share the
-- key's cap on tasks in flight and its 429 pause through that file, as the provider's limits
-- belong to the account, not to the process. Real processes (this same Lua, with this spec's
-- paths), one real SQLite file, the real simulator.
local gentask = require "gentask"
local Sim = require "support.sim"

local function remove_journal(path)
  for _, suffix in ipairs { "", "-wal", "-shm" } do os.remove(path .. suffix) end
end

local ENV = "SHARED_SPEC_KEY=" .. Sim.key

describe("four processes on one key and one journal, each with max_in_flight = 6", function()
  local sim, journal
  setup(function()
    sim = Sim.start "--max-active 6 --duration-ms 100"
    journal = os.tmpname()
    os.remove(journal)
    -- made before the workers start: creating a journal takes its write lock, and a client that
    -- finds it taken at open is refused rather than kept waiting (see docs/journal.md)
    sim:client("foxapi", { journal = journal }):close()
  end)
  teardown(function()
    sim:stop()
    remove_journal(journal)
  end)

  it("hold at most 6 tasks in flight in all: a batch of 200 ends 200/200 with no 429", function()
    local workers = {}
    for w = 0, 3 do
      workers[#workers + 1] = Sim.spawn_batch_worker(sim.url, journal, w * 50 + 1, w * 50 + 50)
    end
    sim:expect_capped_batch(workers, 50)
  end)
end)

describe("a 429 with Retry-After seen by one process", function()
  local sim, journal
  setup(function()
    sim = Sim.start "--duration-ms 100"
    journal = os.tmpname()
    os.remove(journal)
  end)
  teardown(function()
    sim:stop()
    remove_journal(journal)
  end)

  it("pauses the submits of another process on the same journal for its Retry-After", function()
    local fox = sim:client("foxapi", { journal = journal })
    local refused = fox:submit("flux-dev", { prompt = "x [submit-http=429:1] [retry-after=30]" })
    gentask.run(function()
      while fox:stats().refused < 1 do gentask.sleep(0.01) end
    end)
    -- the other process: a submit of its own waits for the pause this one met, without asking
    local output = Sim.run_script(([[
      local gentask = require "gentask"
      local fox = gentask.client { provider = "foxapi", api_key = os.getenv "SHARED_SPEC_KEY",
        base_url = %q, journal = %q }
      local paused_before = fox:stats().paused_for
      local task = fox:submit("flux-dev", { prompt = "another process" })
      gentask.run(function() gentask.sleep(0.5) end)
      print(("paused %%s %%s state %%s submits %%d"):format(tostring(paused_before > 20),
        tostring(fox:stats().paused_for > 20), task.state, fox:stats().submits))
    ]]):format(sim.url .. "/foxapi", journal), { env = ENV })
    assert.truthy(output:match "paused true true state queued submits 0", output)
    assert.equal(1, sim:stats().submissions, "only the refused submit reached the simulator")
    refused:cancel()
    fox:close()
  end)
end)

describe("recover() on a journal shared with live processes", function()
  local sim, journal, marker
  setup(function()
    sim = Sim.start "--duration-ms 300"
    journal = os.tmpname()
    os.remove(journal)
    sim:client("foxapi", { journal = journal }):close()
    marker = os.tmpname()
    os.remove(marker)
  end)
  teardown(function()
    sim:stop()
    remove_journal(journal)
    os.remove(marker)
  end)

  it("takes over a killed worker's tasks, none submitted again, and leaves a live worker's alone, keyed or not",
     function()
    -- the live worker: five long tasks, a mark once they are all accepted, then their results
    local live = Sim.spawn_script(([[
      local gentask = require "gentask"
      local fox = gentask.client { provider = "foxapi", api_key = os.getenv "SHARED_SPEC_KEY",
        base_url = %q, journal = %q, poll_interval = 0.05, poll_max_interval = 0.1 }
      local tasks = {}
      for i = 1, 5 do
        tasks[i] = fox:submit("flux-dev", { prompt = "live " .. i .. " [duration=4000]" }, { key = "live-" .. i })
      end
      gentask.run(function() while fox:stats().accepted < 5 do gentask.sleep(0.01) end end)
      io.open(%q, "w"):close()
      local ok = 0
      for _, outcome in ipairs(gentask.settle(tasks)) do if outcome.ok then ok = ok + 1 end end
      print("succeeded " .. ok)
    ]]):format(sim.url .. "/foxapi", journal, marker), { env = ENV })
    while not io.open(marker) do gentask.sleep(0.02) end
    -- the killed worker: ten tasks accepted, then SIGKILL: nothing closed, nothing given back
    local killed = Sim.run_script(([[
      local gentask = require "gentask"
      local fox = gentask.client { provider = "foxapi", api_key = os.getenv "SHARED_SPEC_KEY",
        base_url = %q, journal = %q }
      local tasks = {}
      for i = 1, 10 do tasks[i] = fox:submit("flux-dev", { prompt = "killed " .. i }) end
      gentask.run(function() while fox:stats().accepted < 10 do gentask.sleep(0.01) end end)
      gentask.sleep(0.05) -- a round: the acceptances are written
      print("submitted")
      io.stdout:flush()
      os.execute("kill -9 " .. io.open("/proc/self/stat"):read("*l"):match("^(%%d+)"))
      print("still alive")
    ]]):format(sim.url .. "/foxapi", journal), { env = ENV })
    assert.truthy(killed:match "submitted", killed)
    assert.is_nil(killed:match "still alive", killed)

    local fox = sim:client("foxapi", { journal = journal })
    local tasks = fox:recover()
    assert.equal(10, #tasks, "the killed worker's ten, not the live worker's five")
    for _, task in ipairs(tasks) do assert.truthy(task:wait(10).url) end
    -- the live worker's key, asked for here: refused, not resumed a second time
    local ok, err = pcall(fox.submit, fox, "flux-dev", { prompt = "live 1 [duration=4000]" }, { key = "live-1" })
    assert.is_false(ok)
    assert.truthy(tostring(err):match "another live client", tostring(err))
    local output = live.wait()
    assert.truthy(output:match "succeeded 5", output)
    local stats = sim:stats()
    assert.equal(15, stats.submissions)
    assert.equal(15, stats.accepted)
    fox:close()
  end)
end)

describe("processes that start together on a journal not made yet", function()
  local sim, journal, go
  setup(function()
    sim = Sim.start "--duration-ms 50"
    journal = os.tmpname()
    os.remove(journal)
    go = os.tmpname()
    os.remove(go)
  end)
  teardown(function()
    sim:stop()
    remove_journal(journal)
    os.remove(go)
  end)

  it("are all admitted: the one that creates the file holds its lock a moment, the others wait for it", function()
    -- each waits for one marker file, then makes its client at once: four first looks at one new file
    local STARTER = [[
      local gentask = require "gentask"
      local GO, URL, JOURNAL = %q, %q, %q
      while not io.open(GO) do gentask.run(function() gentask.sleep(0.002) end) end
      local ok, fox = pcall(gentask.client, { provider = "foxapi", api_key = os.getenv "SHARED_SPEC_KEY",
        base_url = URL .. "/foxapi", journal = JOURNAL, poll_interval = 0.05, poll_max_interval = 0.1 })
      if not ok then print("refused " .. tostring(fox)) return end
      local tasks = {}
      for i = 1, 3 do tasks[i] = fox:submit("flux-dev", { prompt = "start " .. i }) end
      local n = 0
      for _, outcome in ipairs(gentask.settle(tasks)) do if outcome.ok then n = n + 1 end end
      print("succeeded " .. n)
    ]]
    local starters = {}
    for i = 1, 4 do starters[i] = Sim.spawn_script(STARTER:format(go, sim.url, journal), { env = ENV }) end
    local f = assert(io.open(go, "w"))
    f:close()
    for _, starter in ipairs(starters) do
      local output = starter.wait()
      assert.truthy(output:match "succeeded 3", output)
    end
    assert.equal(12, sim:stats().accepted)
  end)
end)
