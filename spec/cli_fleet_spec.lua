-- `gentask status --journal FILE|redis://…` shows the journal's fleet: two real processes, each a
-- client with slow tasks on the real simulator, share one journal — a real SQLite file, then a
-- real redis-server — and while they run, status shows two live owners and the tasks by state
-- that the simulator counts; once both ended, no owner and every task ended. Every wait is on a
-- condition, bounded; the processes are stopped at the end whatever happened.
local socket = require "socket"
local Sim = require "support.sim"
local Redis = require "support.redis"
local cli = require "support.cli"
local host = require "support.host"

local EACH = 3 -- tasks per process
-- Long enough that the two processes' tasks are all at the provider together, for a while.
local DURATION_MS = 8000

-- A client with EACH slow tasks on JOURNAL, in a process of its own; the key comes from a file
-- the shell reads into its environment (never a command line).
local WORKER = [[
  local gentask = require "gentask"
  local URL, JOURNAL, NAME, EACH, DURATION = %q, %q, %q, %d, %d
  local fox = gentask.client { provider = "foxapi", api_key = os.getenv "GENTASK_SPEC_KEY",
    base_url = URL .. "/foxapi", journal = JOURNAL, poll_interval = 0.1, poll_max_interval = 0.2 }
  local tasks = {}
  for i = 1, EACH do
    tasks[i] = fox:submit("flux-dev", { prompt = ("%%s %%d [duration=%%d]"):format(NAME, i, DURATION) })
  end
  local ok = 0
  for _, outcome in ipairs(gentask.settle(tasks)) do
    if outcome.ok then ok = ok + 1 else print(tostring(outcome.error)) end
  end
  print("succeeded " .. ok)
]]

local function private_file(text)
  local path = os.tmpname()
  host.write(path, text)
  assert(host.sh("chmod 600 " .. cli.quote(path)))
  return path
end

local function alive(pid)
  local stat = host.read("/proc/" .. pid .. "/stat")
  return stat ~= nil and not stat:match "^%d+ %b() Z"
end

-- Starts a worker; returns { pid, output (its file) }.
local function spawn_worker(sim, journal, name, key_file)
  local script, output, pid_file = os.tmpname(), os.tmpname(), os.tmpname()
  host.write(script, WORKER:format(sim.url, journal, name, EACH, DURATION_MS))
  local command = ("GENTASK_SPEC_KEY=\"$(cat %s)\"; export GENTASK_SPEC_KEY; %s -e %s %s >%s 2>&1 & echo $! >%s")
    :format(cli.quote(key_file), cli.quote(arg[-1]),
      cli.quote(("package.path=%q package.cpath=%q"):format(package.path, package.cpath)),
      cli.quote(script), cli.quote(output), cli.quote(pid_file))
  assert(host.sh(command))
  local pid = tonumber(host.read(pid_file))
  os.remove(pid_file)
  return { pid = assert(pid, "the worker's pid"), output = output, script = script }
end

local function stop_workers(workers)
  for _, w in ipairs(workers) do
    if alive(w.pid) then host.stop_daemon(w.pid) end
    os.remove(w.script)
    os.remove(w.output)
  end
end

-- What status printed, read as its key=value lines say: owners (the count), queued, sending,
-- accepted, ended; out, err and code as they were.
local function status(journal, extra)
  local out, err, code = cli.run(("status --journal %s %s"):format(cli.quote(journal), extra or ""))
  local f = { out = out, err = err, code = code, owners = tonumber(out:match "^fleet: (%d+) live owner") }
  for stage, n in (out:match "\ntasks: ([^\n]*)" or ""):gmatch "(%a+)=(%d+)" do f[stage] = tonumber(n) end
  return f
end

-- Polls until check(status) is true (at most `seconds`): the last status and the sim's stats.
local function wait_for(read, check, seconds)
  local deadline = socket.gettime() + seconds
  local f, stats
  repeat
    f, stats = read()
    if check(f, stats) then return f, stats, true end
    socket.sleep(0.1)
  until socket.gettime() > deadline
  return f, stats, false
end

-- The simulator's tasks still generating (per task: submitted_ms + duration_ms after its now).
local function generating(stats)
  local n = 0
  for _, t in pairs(stats.tasks or {}) do
    if t.submitted_ms + t.duration_ms > stats.now_ms then n = n + 1 end
  end
  return n
end

local function polled(stats)
  local n = 0
  for _, t in pairs(stats.tasks or {}) do
    if t.polls > 0 then n = n + 1 end
  end
  return n
end

-- The whole story on one journal: two workers, status while they run, status after.
local function two_workers_on(journal, status_args, key_file)
  local sim = Sim.start()
  local workers = {}
  finally(function()
    stop_workers(workers)
    sim:stop()
  end)
  workers[1] = spawn_worker(sim, journal, "first", key_file)
  workers[2] = spawn_worker(sim, journal, "second", key_file)
  local total = 2 * EACH
  local read = function() return status(journal, status_args), sim:stats(true) end

  -- while they run: both owners live, and each task the simulator took is an accepted record
  local f, stats, seen = wait_for(read, function(now, sim_now)
    return now.owners == 2 and sim_now.accepted == total and now.queued == 0 and now.sending == 0
      and now.accepted + now.ended == sim_now.accepted and now.accepted == generating(sim_now)
  end, 30)
  assert.is_true(seen, f.out .. f.err .. " / the simulator: " .. tostring(stats.accepted) .. " accepted, "
    .. generating(stats) .. " generating")
  assert.equal(0, f.code)
  assert.equal(total, f.accepted)
  local running, pids = f, { workers[1].pid, workers[2].pid }

  -- after: both processes ended every task, and nobody holds the journal any more
  for _, w in ipairs(workers) do
    local gone = wait_for(function() return not alive(w.pid) end, function(done) return done end, 60)
    assert.is_true(gone, "a worker is still running")
    assert.matches("succeeded " .. EACH, host.read(w.output))
  end
  f, stats, seen = wait_for(read, function(now) return now.owners == 0 end, 15)
  assert.is_true(seen, f.out .. f.err)
  assert.equal(total, f.ended)
  assert.equal(0, f.accepted + f.queued + f.sending)
  assert.equal(total, stats.submissions)   -- each task paid once
  assert.equal(total, polled(stats))       -- and polled by the process that held it
  -- FoxAPI's profile counts no cost: the journal counts what was sent alone
  assert.matches("\ncap: none\nspend: none sent=" .. total .. "\npause: none\n$", f.out)
  return running, f, pids
end

describe("gentask status on a journal file", function()
  it("shows the two processes sharing it and their tasks by state, then none and every task ended", function()
    local journal = host.temp_path()
    local key_file = private_file(Sim.key)
    finally(function()
      Sim.remove_journal(journal)
      os.remove(key_file)
    end)
    local running, after, pids = two_workers_on(journal, "", key_file)
    -- the file keeps each owner's host and pid: the two workers'
    local shown = {}
    for pid, places in running.out:gmatch "\nowner %S+ host=%S+ pid=(%d+) lease_ms=%d+ places=(%d+)" do
      shown[#shown + 1] = tonumber(pid)
      assert.equal(EACH, tonumber(places))
    end
    table.sort(shown)
    table.sort(pids)
    assert.same(pids, shown)
    assert.not_matches("lines:", after.out)   -- no batch record beside it: the fleet alone, and exit 0
  end)

  it("shows the key's pause and learned cap that a 429 left, as gentask.fleet reads them", function()
    local gentask = require "gentask"
    local sim = Sim.start "--duration-ms 100"
    local journal = host.temp_path()
    local task
    finally(function()
      if task then task:cancel() end
      sim:stop()
      Sim.remove_journal(journal)
    end)
    local fox = sim:client("foxapi", { journal = journal })
    task = fox:submit("flux-dev", { prompt = "x [submit-http=429:1] [retry-after=30]" })
    local fleet
    assert.is_true(Sim.until_true(function()
      fleet = gentask.fleet { journal = journal }
      return fleet.pause_left ~= nil and fleet.cap ~= nil
    end), "no pause or cap in the journal")
    assert.equal(fox:stats().cap, fleet.cap)
    assert.is_true(fleet.pause_left > 0 and fleet.pause_left <= 30)
    assert.equal(1, fleet.tasks.queued)   -- refused, not sent: it waits in the queue
    assert.equal(1, #fleet.owners)
    local f = status(journal)
    assert.equal(0, f.code)
    assert.matches(("\ncap: %g\n"):format(fleet.cap), f.out)
    local left = tonumber(f.out:match "\npause: until=%d+%-%d+%-%d+T%d+:%d+:%d+Z left_ms=(%d+)\n")
    assert.is_true(left ~= nil and left > 0 and left <= 30000, f.out)
    assert.equal(1, f.owners)
  end)

  it("reads without writing: a journal that is not there stays not there, a usage error", function()
    local journal = host.temp_path()
    local f = status(journal)
    assert.equal(2, f.code)
    assert.matches("no journal at", f.err)
    assert.is_nil(host.read(journal))
  end)
end)

if not Redis.installed() then
  describe("gentask status on a journal in Redis", function()
    pending "redis-server is not installed (make deps installs Debian's redis-server)"
  end)
  return
end

describe("gentask status on a journal in Redis", function()
  local redis
  local key_file
  setup(function()
    redis = Redis.start()
    key_file = private_file(Sim.key)
  end)
  teardown(function()
    redis:stop()
    os.remove(key_file)
  end)

  it("shows the two processes sharing it and their tasks by state, the key never printed", function()
    local running, after = two_workers_on(redis:url "fleet", "--key-file " .. cli.quote(key_file), key_file)
    -- Redis keeps no host or pid: each owner's lease and places alone
    local owners = 0
    for places in running.out:gmatch "\nowner %S+ host=%- pid=%- lease_ms=%d+ places=(%d+)" do
      owners = owners + 1
      assert.equal(EACH, tonumber(places))
    end
    assert.equal(2, owners)
    for _, f in ipairs { running, after } do
      assert.is_nil((f.out .. f.err):find(Sim.key, 1, true))
    end
  end)

  it("needs the key, and finds nothing under a prefix nobody used: usage errors that name no key", function()
    local no_key = status(redis:url "fleet")
    assert.equal(2, no_key.code)
    assert.matches("found by its API key", no_key.err)
    local unused = status(redis:url "nobody", "--key-file " .. cli.quote(key_file))
    assert.equal(2, unused.code)
    assert.matches("no gentask journal", unused.err)
    assert.is_nil((unused.out .. unused.err):find(Sim.key, 1, true))
    assert.is_nil(redis:cli("--scan --pattern 'nobody:*'"):match "nobody")   -- nothing was written
  end)

  it("says a password Redis refused without the password or the key", function()
    local guarded = Redis.start { password = "fleet-spec-password" }
    finally(function() guarded:stop() end)
    local refused = status(guarded:url("fleet", false, "", "not-the-password"), "--key-file " .. cli.quote(key_file))
    assert.equal(3, refused.code)
    assert.matches("AUTH", refused.err)
    local said = refused.out .. refused.err
    for _, secret in ipairs { "not-the-password", "fleet-spec-password", Sim.key } do
      assert.is_nil(said:find(secret, 1, true), said)
    end
  end)
end)
