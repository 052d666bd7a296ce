-- The journal: a client that keeps its tasks in SQLite loses none of them to a crash and pays for
-- none twice. Crashes are real: a child process (this same Lua, with this spec's paths) submits
-- against the simulator and kills itself with SIGKILL; this process recovers from its journal.
local gentask = require "gentask"
local Sim = require "support.sim"

local LUA = arg and arg[-1] or "lua"

local function sh_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local remove_journal = Sim.remove_journal

local function read_all(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local data = f:read "*a"
  f:close()
  return data
end

-- Runs body (Lua source, with JOURNAL and URL set) in a child process that prints "submitted"
-- and kills itself with SIGKILL: nothing of it is closed, flushed or finalized. Returns its output.
local function crash_after(body, journal, url)
  local script = ([[
    local gentask = require "gentask"
    local JOURNAL, URL = %q, %q
    %s
    io.stdout:write("submitted\n")
    io.stdout:flush()
    local pid = io.open("/proc/self/stat"):read("*l"):match("^(%%d+)")
    os.execute("kill -9 " .. pid)
    print("still alive")
  ]]):format(journal, url, body)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(script)
  f:close()
  local pipe = assert(io.popen(("%s -e %s %s 2>&1"):format(LUA,
    sh_quote(("package.path=%q package.cpath=%q"):format(package.path, package.cpath)), path)))
  local output = pipe:read "*a"
  pipe:close()
  os.remove(path)
  assert.truthy(output:match "submitted", output)
  assert.is_nil(output:match "still alive", output)
  return output
end

describe("the journal", function()
  local sim, journal
  setup(function() sim = Sim.start() end)
  teardown(function() sim:stop() end)
  before_each(function()
    sim:reset()
    journal = os.tmpname()
    os.remove(journal) -- the client creates it
  end)
  after_each(function() remove_journal(journal) end)

  it("recovers a killed process's 200 submits: each accepted one ends with its result, none paid twice", function()
    crash_after(([[
      local fox = gentask.client { provider = "foxapi", api_key = %q, base_url = URL, journal = JOURNAL,
                                   max_in_flight = 40, poll_interval = 0.05 }
      local keep = {}
      for i = 1, 200 do
        -- every fourth of the first 40 (max_in_flight) is held by the simulator: killed while "sending"
        local slow = i <= 40 and i %% 4 == 0 and " submit-slow=3000" or ""
        keep[i] = fox:submit("flux-dev", { prompt = ("task %%d [duration=1500%%s]"):format(i, slow) })
      end
      gentask.sleep(0.3)
    ]]):format(Sim.key), journal, sim.url .. "/foxapi")

    local before = sim:stats()
    local fox = sim:foxapi { journal = journal }
    local tasks = fox:recover()
    assert.equal(200, #tasks)
    local accepted, sending, queued = {}, {}, {}
    for _, t in ipairs(tasks) do
      if t.id then accepted[#accepted + 1] = t
      elseif t.done then sending[#sending + 1] = t
      else queued[#queued + 1] = t end
    end
    assert.is_true(#accepted > 0 and #sending >= 10 and #queued > 0,
      ("accepted %d, sending %d, queued %d"):format(#accepted, #sending, #queued))

    print(("    recovered: %d accepted, %d sending, %d queued"):format(#accepted, #sending, #queued))
    local results = gentask.settle(tasks, 15)
    for i, t in ipairs(tasks) do
      local r = results[i]
      if t.state == "failed" then
        assert.equal("network", r.error.kind)
        assert.equal("submit", r.error.phase)
        assert.equal("unknown", r.error.submitted)
        assert.truthy(r.error.message:match "stopped after sending", r.error.message)
        assert.truthy(r.error.message:match "request hash %x+", r.error.message)
      else
        assert.is_true(r.ok, tostring(r.error))
        assert.truthy(r.value.url)
      end
    end
    for _, t in ipairs(sending) do assert.equal("failed", t.state) end
    -- the queued ones were submitted once each; nothing accepted or sending was submitted again
    local after = sim:stats_with_bodies()
    assert.equal(before.accepted + #queued, after.accepted)
    assert.equal(before.submissions + #queued, after.submissions)
    assert.equal(0, after.duplicate_submits)
    for _, submit in pairs(after.submits_by_body) do assert.is_true(submit.accepted <= 1) end
    -- every record ended: nothing is left to recover
    assert.equal(0, #fox:recover())
  end)

  it("resends a FLORA submit that was on its way with the key it carried: one run", function()
    crash_after(([[
      local flora = gentask.client { provider = "flora", api_key = %q, base_url = URL, journal = JOURNAL }
      local t = flora:submit("thumbnail-v3", { prompt = "a fox [duration=200 submit-slow=3000]" })
      gentask.sleep(0.3)
      assert(t.state == "queued" or t.state == "submitting", t.state)
    ]]):format(Sim.key), journal, sim.url .. "/flora")

    local flora = sim:client("flora", { journal = journal, poll_interval = 0.02 })
    local tasks = flora:recover()
    assert.equal(1, #tasks)
    assert.is_false(tasks[1].done)
    local result = tasks[1]:wait(10)
    assert.truthy(result.url)
    local stats = sim:stats()
    assert.equal(1, stats.accepted)
    assert.equal(0, stats.duplicate_submits)
    assert.is_true(stats.duplicates >= 1, "the resend was answered with the run the first send created")
  end)

  it("runs a keyed batch twice and pays once; another request under a used key is a usage error", function()
    local function batch()
      local fox = sim:foxapi { journal = journal }
      local tasks = {}
      for i = 1, 20 do tasks[i] = fox:submit("flux-dev", { prompt = "row " .. i .. " [duration=50]" }, { key = "row-" .. i }) end
      local urls = {}
      for i, result in ipairs(gentask.all(tasks, 10)) do urls[i] = result.url end
      return fox, urls, tasks
    end
    local fox, first, tasks = batch()
    assert.equal(20, sim:stats().accepted)
    -- the same key in this process, the task still held: the same task object
    assert.equal(tasks[3], fox:submit("flux-dev", { prompt = "row 3 [duration=50]" }, { key = "row-3" }))
    tasks = nil -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    local _, second = batch()
    assert.same(first, second)
    assert.equal(20, sim:stats().accepted)

    local ok, err = pcall(fox.submit, fox, "flux-dev", { prompt = "another" }, { key = "row-7" })
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.equal("key row-7 was used for a different request", err.message)
    local plain = sim:foxapi()
    ok, err = pcall(plain.submit, plain, "flux-dev", { prompt = "x" }, { key = "row-1" })
    assert.is_false(ok)
    assert.truthy(err.message:match "key needs a journal", err.message)
    ok, err = pcall(plain.recover, plain)
    assert.is_false(ok)
    assert.equal("usage", err.kind)
  end)

  it("leaves a collected task's record for recover(), and journals a cancel as its end", function()
    local fox = sim:foxapi { journal = journal }
    local dropped = fox:submit("flux-dev", { prompt = "dropped [duration=300]" })
    local cancelled = fox:submit("flux-dev", { prompt = "cancelled [duration=300]" })
    while not (dropped.id and cancelled.id) do gentask.sleep(0.01) end
    cancelled:cancel()
    gentask.sleep(0.05) -- a round: the cancel is written
    dropped = nil -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    local tasks = sim:foxapi { journal = journal }:recover()
    assert.equal(1, #tasks)
    assert.truthy(tasks[1]:wait(5).url)
    assert.equal(2, sim:stats().accepted)
  end)

  it("is a 0600 file that holds no byte of the key, whichever provider takes it where", function()
    for _, provider in ipairs { "modelslab", "foxapi" } do
      local client = sim:client(provider, { journal = journal })
      local model = provider == "modelslab" and "flux" or "flux-dev"
      local tasks = {}
      for i = 1, 5 do tasks[i] = client:submit(model, { prompt = provider .. " " .. i .. " [duration=20]" }) end
      gentask.all(tasks, 10)
      local pipe = assert(io.popen("stat -c %a " .. sh_quote(journal)))
      assert.equal("600", pipe:read "*l")
      pipe:close()
      -- read while the client has it open: the WAL and the shared memory file are there too
      for _, suffix in ipairs { "", "-wal", "-shm" } do
        local data = read_all(journal .. suffix)
        assert.is_nil(data:find(Sim.key, 1, true), provider .. ": the key is in " .. journal .. suffix)
      end
      assert.truthy((read_all(journal) .. read_all(journal .. "-wal")):find(provider .. " 5", 1, true),
        "the records are there to be searched")
    end
  end)

  it("finishes the downloads a killed process left, without submitting again", function()
    local dir = os.tmpname()
    os.remove(dir)
    crash_after(([[
      local fox = gentask.client { provider = "foxapi", api_key = %q, base_url = URL, journal = JOURNAL,
                                   poll_interval = 0.05, download = { dir = %q } }
      local keep = {}
      -- each file's first request is held 5 s: the process dies with every download on the wire
      for i = 1, 3 do keep[i] = fox:submit("flux-dev", { prompt = "saved " .. i .. " [duration=50] [download-slow=5000]" }) end
      local function all_succeeded()
        for _, t in ipairs(keep) do if t.state ~= "succeeded" then return false end end
        return true
      end
      while not all_succeeded() do gentask.sleep(0.02) end
      gentask.sleep(0.2)   -- the successes are journaled
    ]]):format(Sim.key, dir), journal, sim.url .. "/foxapi")
    local function pngs()
      local n = 0
      local pipe = io.popen("ls '" .. dir .. "' 2>/dev/null")
      for name in pipe:lines() do if name:match "%.png$" then n = n + 1 end end
      pipe:close()
      return n
    end
    assert.equal(0, pngs(), "nothing under a final name from the killed process")

    -- the files go only where this caller says they may: under dir
    local tasks = sim:foxapi({ journal = journal }):recover { download = { dir = dir } }
    assert.equal(3, #tasks)
    for _, t in ipairs(tasks) do
      local result = t:wait(10)
      assert.equal(1, #result.files, tostring(result.download_errors and result.download_errors[1]))
      local f = io.open(result.files[1].path, "rb")
      assert.truthy(f, result.files[1].path)
      f:close()
    end
    assert.equal(3, pngs())
    assert.equal(3, sim:stats().submissions)
    -- the files are journaled now: nothing is left to recover
    assert.equal(0, #sim:foxapi({ journal = journal }):recover())
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("counts max_submits over every process that used the journal", function()
    local first = sim:foxapi { journal = journal, max_submits = 3 }
    gentask.all({ first:submit("flux-dev", { prompt = "one [duration=20]" }),
                  first:submit("flux-dev", { prompt = "two [duration=20]" }) }, 10)
    local second = sim:foxapi { journal = journal, max_submits = 3 }
    assert.equal(2, second:stats().submitted)
    local outcomes = gentask.settle({ second:submit("flux-dev", { prompt = "three [duration=20]" }),
                                      second:submit("flux-dev", { prompt = "four [duration=20]" }) }, 10)
    assert.is_true(outcomes[1].ok, tostring(outcomes[1].error))
    assert.equal("budget_exceeded", outcomes[2].error.kind)
    assert.equal("no", outcomes[2].error.submitted)
    assert.equal(3, sim:stats().submissions)
  end)

  it("close() returns once the answers of the submits on the wire are journaled", function()
    crash_after(([[
      local fox = gentask.client { provider = "foxapi", api_key = %q, base_url = URL, journal = JOURNAL }
      local keep = {}
      for i = 1, 5 do keep[i] = fox:submit("flux-dev", { prompt = "closing " .. i .. " [submit-slow=300] [duration=200]" }) end
      gentask.sleep(0.05)
      fox:close()
    ]]):format(Sim.key), journal, sim.url .. "/foxapi")
    local tasks = sim:foxapi({ journal = journal }):recover()
    assert.equal(5, #tasks)
    for _, t in ipairs(tasks) do
      assert.truthy(t.id, "accepted before close() returned, and journaled so")
      assert.truthy(t:wait(10).url)
    end
    assert.equal(5, sim:stats().submissions)
  end)

  -- SQLite keeps a journal in three files while it is open (.db, -wal, -shm); a process that exits
  -- without closing the connection (os.exit, as the command does) leaves the records in the -wal
  it("holds every record in its .db file alone once close() returned, the client still open", function()
    local fox = sim:foxapi { journal = journal }
    local before = {}
    for i = 1, 4 do before[i] = fox:submit("flux-dev", { prompt = "copied " .. i }, { key = "before-" .. i }) end
    for _, t in ipairs(before) do assert.truthy(t:wait(10).url) end
    -- these are still running at close(): their ends are written (and checkpointed) after it
    local after = {}
    for i = 1, 3 do after[i] = fox:submit("flux-dev", { prompt = "late " .. i .. " [duration=300]" }, { key = "after-" .. i }) end
    assert.equal(0, (fox:close()))
    for _, t in ipairs(after) do assert.truthy(t:wait(10).url) end
    local copy_dir = os.tmpname()
    os.remove(copy_dir)
    assert.truthy(os.execute("mkdir " .. sh_quote(copy_dir) .. " && cp " .. sh_quote(journal) .. " " .. sh_quote(copy_dir)))
    local copy = copy_dir .. "/" .. journal:match "[^/]+$"
    local pipe = assert(io.popen(("LD_PRELOAD= sqlite3 %s %s 2>&1"):format(sh_quote(copy),
      sh_quote "SELECT caller_key || ' ' || stage FROM records ORDER BY caller_key")))
    local listed = pipe:read "*a"
    pipe:close()
    remove_journal(copy)
    os.remove(copy_dir)
    assert.equal("after-1 ended\nafter-2 ended\nafter-3 ended\nbefore-1 ended\nbefore-2 ended\nbefore-3 ended\n"
      .. "before-4 ended\n", listed)
    assert.equal(7, sim:stats().submissions)
    -- the tasks (and through them the client) were held throughout: the copy was taken of a live
    -- client's journal, not of one a collection closed; they still give their results
    assert.truthy(before[1]:wait(0).url and after[1]:wait(0).url)
  end)

  -- A script that ends without close(), as most do: the ends of its last tasks are written on the
  -- engine's next round, which a process that exits never runs. Here another process holds the
  -- file's write lock as the task ends, so that the write cannot be made in time: the end of the
  -- process still writes it once the lock is let go.
  it("writes the ends a script's last tasks left unwritten as the process exits, the file busy", function()
    local ready, go = os.tmpname(), os.tmpname()
    os.remove(ready)
    os.remove(go)
    local child = Sim.spawn_script(([[
      local gentask = require "gentask"
      local JOURNAL, URL, READY, GO = %q, %q, %q, %q
      local fox = gentask.client { provider = "foxapi", api_key = os.getenv "GENTASK_SPEC_KEY", base_url = URL,
        journal = JOURNAL, poll_interval = 0.05, poll_max_interval = 0.05 }
      local task = fox:submit("flux-dev", { prompt = "last [duration=500]" }, { key = "last" })
      gentask.run(function()
        while fox:stats().accepted < 1 or fox:stats().journal_pending > 0 do gentask.sleep(0.01) end
      end)
      io.open(READY, "w"):close()
      gentask.run(function() while not io.open(GO) do gentask.sleep(0.01) end end)
      print("ended " .. tostring(task:wait(10).url ~= nil) .. " pending " .. fox:stats().journal_pending)
      io.stdout:flush()
    ]]):format(journal, sim.url .. "/foxapi", ready, go), { env = "GENTASK_SPEC_KEY=" .. Sim.key })
    -- the task is accepted and so journaled: the lock is taken before it ends
    while not io.open(ready) do gentask.sleep(0.01) end
    local release = Sim.lock_journal(journal)
    io.open(go, "w"):close()
    local line = child.read_line() or ""
    -- the script printed its result, its end unwritten, and is exiting: the lock is let go a moment
    -- later (an exit that did not wait for the write has already lost it)
    gentask.sleep(0.3)
    release()
    local rest = child.wait()
    os.remove(ready)
    os.remove(go)
    assert.equal("ended true pending 1", line, rest)
    local pipe = assert(io.popen(("LD_PRELOAD= sqlite3 %s %s 2>&1"):format(sh_quote(journal),
      sh_quote "SELECT caller_key || ' ' || stage FROM records")))
    local listed = pipe:read "*a"
    pipe:close()
    assert.equal("last ended\n", listed)
    assert.equal(1, sim:stats().submissions)
  end)

  it("ends the caller's wait at a paid task's deadline, not the task: the same key polls it again", function()
    local fox = sim:foxapi { journal = journal }
    local prompt = "x [poll-http=503:60] [duration=1500]" -- the fast backoff polls at most 41 times in 0.4 s
    local task = fox:submit("flux-dev", { prompt = prompt }, { key = "deadline", task_timeout = 0.4 })
    local _, err = task:result()
    assert.equal("deadline_exceeded", err.kind)
    assert.equal("yes", err.submitted)
    assert.equal(task.id, err.task_id)
    assert.equal("unavailable", err.cause.kind)
    assert.equal(503, err.cause.status)
    local again = sim:foxapi { journal = journal }
    local res = again:submit("flux-dev", { prompt = prompt }, { key = "deadline" }):wait(10)
    assert.equal(task.id, res.id)
    assert.truthy(res.url)
    assert.equal(1, sim:stats().submissions)
  end)

  it("refuses, at creation, a journal that belongs to another API key, naming the file, not the key", function()
    sim:foxapi { journal = journal }
    local ok, err = pcall(sim.foxapi, sim, { journal = journal, api_key = "sk-other-account" })
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.truthy(err.message:find(journal, 1, true), err.message)
    assert.truthy(err.message:match "another API key", err.message)
    assert.is_nil(tostring(err):find("sk-other-account", 1, true))
    assert.is_nil(tostring(err):find(Sim.key, 1, true))
    collectgarbage()
    collectgarbage()
    -- a file that is no journal
    local f = assert(io.open(journal, "w"))
    f:write "not a database, just text that is long enough to be read as a header by SQLite......."
    f:close()
    os.remove(journal .. "-wal")
    os.remove(journal .. "-shm")
    ok, err = pcall(sim.foxapi, sim, { journal = journal })
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.truthy(err.message:find(journal, 1, true), err.message)
  end)
end)
