-- Starts gentask-sim on a free loopback port for a spec, reads its admin counters and starts outages.
-- Admin calls go to the simulator's admin port, which stays open through an outage.
local cjson = require "cjson"
local gentask = require "gentask"
local simulator = require "gentask.sim"
local host = require "support.host"
local luassert = require "luassert"

local Sim = {}
Sim.__index = Sim
Sim.key = simulator.key
-- the secret a simulator started with { jwt = true } checks tokens with (sim.secret_file holds it)
Sim.jwt_secret = simulator.jwt_secret

local sh_quote = host.quote

--- Sim.start("--duration-ms 200") → a running simulator (gentask.sim); stop it with sim:stop().
--- secret_files: { NAME = path }, variables its shell reads from files (--jwt-issuer's secret).
--- options: more of gentask.sim's start options ({ jwt = true }: tokens signed with its test
--- secret, in sim.secret_file).
function Sim.start(args, secret_files, options)
  local o = { bin = os.getenv "GENTASK_SIM" or "build/gentask-sim", args = args, secret_files = secret_files }
  for k, v in pairs(options or {}) do o[k] = v end
  local server = assert(simulator.start(o))
  return setmetatable(server, Sim)
end

--- A simulator serving one replay file given as text (a spec's own exchanges, under its "name"),
--- and the file removed when it stops.
function Sim.start_replay(text, args)
  local path = os.tmpname()
  host.write(path, text)
  local server = Sim.start(("--replay %s %s"):format(sh_quote(path), args or ""))
  local stop = server.stop
  server.stop = function(self, ...)
    stop(self, ...)
    os.remove(path)
  end
  return server
end

--- The replay counters, after checking that every request the simulator was sent matched an
--- exchange of its replay files (a missing header or a wrong path is an unmatched request).
function Sim:replay_matched()
  local replay = self:stats().replay
  luassert.equal(0, replay.unmatched, table.concat(replay.unmatched_requests, ", "))
  return replay
end

--- Runs gentask's loop until done() says so (at most `seconds`, 10 by default): false when it
--- never did.
function Sim.until_true(done, seconds)
  for _ = 1, (seconds or 10) * 100 do
    if done() then return true end
    gentask.sleep(0.01)
  end
  return done()
end

--- The built-in profile `name` with some of its fields replaced: a provider as a spec needs it.
function Sim.profile_with(name, fields)
  local profile = {}
  for k, v in pairs(require("gentask.providers." .. name)) do profile[k] = v end
  for k, v in pairs(fields) do profile[k] = v end
  return profile
end

--- task, once its submit was answered (it has an id), driving gentask while it waits.
function Sim.accepted(task)
  for _ = 1, 500 do
    if task.id then return task end
    gentask.sleep(0.01)
  end
  error("the submit was never answered")
end

--- Removes a journal file and the files SQLite keeps beside it.
function Sim.remove_journal(path)
  for _, suffix in ipairs { "", "-wal", "-shm", "-journal" } do os.remove(path .. suffix) end
end

--- Another process (sqlite3) takes the journal file's write lock and holds it; returns once it is
--- held, with the function that lets it go. A spec's own process must not wait on the engine
--- meanwhile for a write of its own: the lock is another process's, as in a shared journal.
function Sim.lock_journal(path)
  local flag, said = os.tmpname(), os.tmpname()
  os.execute(("(echo 'BEGIN IMMEDIATE;'; echo '.print locked'; while [ -e %s ]; do sleep 0.02; done; "
    .. "echo 'COMMIT;') | LD_PRELOAD= sqlite3 %s > %s 2>&1 &"):format(sh_quote(flag), sh_quote(path), sh_quote(said)))
  local function locked()
    local f = io.open(said)
    local text = f and f:read "*a" or ""
    if f then f:close() end
    return text:find "locked"
  end
  while not locked() do os.execute "sleep 0.02" end
  return function()
    os.remove(flag)
    os.remove(said)
  end
end

Sim.stop = simulator.stop

local function http(method, url)
  local pipe = assert(io.popen(("LD_PRELOAD= curl -s -X %s %s"):format(method, sh_quote(url))))
  local body = pipe:read "*a"
  pipe:close()
  return cjson.decode(body)
end

--- The simulator's counters: submissions, accepted, polls, in_flight, max_in_flight, tasks{}.
function Sim:stats(with_tasks)
  return http("GET", self.admin_url .. "/_sim/stats" .. (with_tasks and "" or "?tasks=0"))
end

--- The same, with submits_by_body: every logical submit's attempts, statuses and tasks created.
function Sim:stats_with_bodies()
  return http("GET", self.admin_url .. "/_sim/stats?tasks=0&bodies=1")
end

function Sim:reset()
  return http("POST", self.admin_url .. "/_sim/reset")
end

--- Closes the main port for ms milliseconds (0: ends an outage now): { ok = true, until_ms = … },
--- or the 400's error table for a length out of range.
function Sim:outage(ms)
  return http("POST", self.admin_url .. "/_sim/outage?ms=" .. tostring(ms))
end

--- Starts a Lua script in a new process of this same interpreter, with this process's module paths
--- (a script a user would run, or a process that crashes), and returns at once: :wait() gives what
--- it printed, stderr included. opts: env (assignments put before the command), stderr_only (what
--- it printed on stderr alone), secret_env ({ NAME = file }: variables the shell reads from files
--- and exports, so that a secret is on no command line).
function Sim.spawn_script(source, opts)
  opts = opts or {}
  local lua = arg and arg[-1] or "lua"
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(source)
  f:close()
  local exports = ""
  for name, file in pairs(opts.secret_env or {}) do
    exports = exports .. ("%s=\"$(cat %s)\"; export %s; "):format(name, sh_quote(file), name)
  end
  local pipe = assert(io.popen((exports .. "%s %s -e %q %s " .. (opts.stderr_only and "2>&1 >/dev/null" or "2>&1")):format(
    opts.env and "env " .. opts.env or "", lua,
    ("package.path=%q package.cpath=%q"):format(package.path, package.cpath), path)))
  return {
    -- one line of what it printed so far (nil: it ended), for a spec that acts on what it says
    read_line = function() return pipe:read "*l" end,
    wait = function()
      local output = pipe:read "*a"
      pipe:close()
      os.remove(path)
      return output
    end,
  }
end

-- A worker of a batch, in a process of its own: its share FROM..TO of FoxAPI tasks through a
-- client of max_in_flight 6 on JOURNAL (a file or a redis:// address shared with other workers);
-- it prints how many succeeded, and why any other did not. The key comes from the environment.
local BATCH_WORKER = [[
  local gentask = require "gentask"
  local URL, JOURNAL, FROM, TO = %q, %q, %d, %d
  local fox = gentask.client { provider = "foxapi", api_key = os.getenv "GENTASK_SPEC_KEY",
    base_url = URL .. "/foxapi", journal = JOURNAL, max_in_flight = 6,
    poll_interval = 0.05, poll_max_interval = 0.1, backoff_initial = 0.01, backoff_max = 0.05 }
  local tasks = {}
  for i = FROM, TO do tasks[#tasks + 1] = fox:submit("flux-dev", { prompt = "worker " .. i }) end
  local ok = 0
  for _, outcome in ipairs(gentask.settle(tasks)) do
    if outcome.ok then ok = ok + 1 else print(tostring(outcome.error)) end
  end
  print("succeeded " .. ok)
  fox:close()
]]

--- Sim.spawn_batch_worker(url, journal, from, to) → { wait = fn → output }: see BATCH_WORKER.
function Sim.spawn_batch_worker(url, journal, from, to)
  return Sim.spawn_script(BATCH_WORKER:format(url, journal, from, to), { env = "GENTASK_SPEC_KEY=" .. Sim.key })
end

--- Waits for batch workers of EACH tasks apiece and checks what their shared cap promises: every
--- task succeeded, each was submitted once, none met a 429, and the simulator never held more
--- than the workers' max_in_flight (6) at once.
function Sim:expect_capped_batch(workers, each)
  -- every worker is waited for before any assertion: one left running on a failed assertion
  -- would wait for a stopped simulator until its tasks' deadline, and hold busted's exit
  local outputs = {}
  for i, worker in ipairs(workers) do outputs[i] = worker.wait() end
  local succeeded = 0
  for _, output in ipairs(outputs) do
    local n = tonumber(output:match "succeeded (%d+)")
    luassert.truthy(n, output)
    luassert.equal(each, n, output)
    succeeded = succeeded + n
  end
  local total = each * #workers
  luassert.equal(total, succeeded)
  local stats = self:stats()
  luassert.equal(0, stats.rate_limited)
  luassert.equal(total, stats.accepted)
  luassert.equal(total, stats.submissions)
  luassert.is_true(stats.max_in_flight <= 6, "the simulator saw " .. stats.max_in_flight .. " at once")
end

--- The same, waited for: what it printed.
function Sim.run_script(source, opts)
  return Sim.spawn_script(source, opts).wait()
end

--- A client of this simulator for one provider's dialect (a name, or a profile table served under
--- its name); opts override the defaults (fast polls).
function Sim:client(provider, opts)
  -- fast polls and retries: tests wait for behaviour, not for production-sized pauses
  local mount = type(provider) == "table" and provider.name or provider   -- a profile table: its name
  local o = { provider = provider, api_key = Sim.key, base_url = self.url .. "/" .. mount, poll_interval = 0.05,
              poll_max_interval = 0.1, backoff_initial = 0.01, backoff_max = 0.05 }
  for k, v in pairs(opts or {}) do o[k] = v end
  return gentask.client(o)
end

function Sim:foxapi(opts)
  return self:client("foxapi", opts)
end

return Sim
