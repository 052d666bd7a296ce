-- tools/soak.lua — `make soak`: a fault soak of gentask against gentask-sim, checked against the
-- simulator's own record. Run by lua5.4 from the repository root (or with GENTASK_ROOT set).
--
-- SOAK_N tasks (default 10000) spread over the five dialects (foxapi, bfl, flora, modelslab,
-- apixo) are submitted at once from one thread and awaited with gentask.settle. Each prompt carries
-- a seeded random mix (SOAK_SEED, default 1) of the simulator's scenario words — every submit and
-- poll fault `gentask-sim --help` lists, the task words (fail=, eta=, duration=, n=, retry-after=)
-- and each dialect's own — or none (about a quarter of the tasks are clean), plus a tag
-- [soak=I] that the simulator files under the task's "ignored_words": that is how a simulator
-- task is tied to the gentask task that submitted it. The simulator runs with --max-active, so
-- bursts meet 429s too. In the middle of the run:
--   - an outage of 3 s (POST /_sim/outage?ms=3000): refused connects, dropped requests;
--   - a restart: the simulator is closed (an outage, so that nothing new is accepted), its record
--     is read (GET /_sim/stats, tasks and bodies), it is killed, and a new one is started on the
--     SAME port. The new one knows none of the old one's tasks. The rule the soak holds gentask
--     to: a task the old simulator had accepted and gentask had not seen end ends `not_found`
--     (the provider says it has no such task, after the 10 s grace) or `deadline_exceeded` whose
--     cause is `not_found`; a submit on the wire at the kill ends submitted = "unknown" (FLORA:
--     resent under its idempotency key, which the new simulator cannot know: one run in each
--     simulator, counted apart as explained by the restart); never a second paid task otherwise.
--     Ids are never handed out twice, across restarts too (ModelsLab's numbers start at a random
--     point in each simulator process), as a real service's are.
--
-- Checks (each prints its violations; any violation makes the exit status 1):
--   hang        every task ends, within task_timeout plus a margin
--   typed       every error is a gentask error of a known kind (never usage), phase submit|poll,
--               its provider the task's; submit-phase errors say submitted = no|unknown
--   key         the API key appears in no tostring() of an error or result, no field of either
--               (raw bodies included), and nothing this script or the library printed
--   duplicate   no logical submit creates two tasks (duplicate_submits 0 in each simulator, no
--               submits_by_body entry accepted more than once, no tag with two simulator tasks)
--   submitted   a task reported submitted = "no" has no task at either simulator; a success has a
--               simulator task under its id and tag
--   lost        every task the simulator completed, whose id gentask knew, ends succeeded with that
--               task's URLs (http://HOST:PORT/files/ID-I.png), unless its deadline, the restart,
--               or a poll fault that ends a task by docs/errors.md's rules explains it
--   clean       a task without fault words succeeds, unless the outage or the restart explains it
--   restart     tasks the restart caught end as said above
--
-- Settings (environment): SOAK_N (10000), SOAK_SEED (1), SOAK_TIMEOUT (task_timeout, 30 s),
-- GENTASK_BUILD (build: the module and the simulator are found there), SOAK_VERBOSE (1: print every
-- violation, not the first 10 per check).
-- The script runs itself as a child process and scans everything the child prints for the key.
local root = os.getenv "GENTASK_ROOT" or "."
package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
local build = os.getenv "GENTASK_BUILD" or (root .. "/build")
package.cpath = build .. "/5.4/?.so;" .. package.cpath

local function sh_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- --- the parent: runs the child, echoes its output, looks for the key in it ----------------------
if os.getenv "SOAK_CHILD" ~= "1" then
  math.randomseed(os.time(), tonumber(tostring({}):match "0x(%x+)" or "1", 16))
  local key = ("sk-soak-%08x%08x"):format(math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
  local script = arg and arg[0] or "tools/soak.lua"
  local lua = arg and arg[-1] or "lua5.4"
  local cmd = ("ulimit -n \"$(ulimit -Hn)\" 2>/dev/null; SOAK_CHILD=1 SOAK_KEY=%s exec %s %s 2>&1")
    :format(sh_quote(key), sh_quote(lua), sh_quote(script))
  local pipe = assert(io.popen(cmd, "r"))
  local leaks = 0
  for line in pipe:lines() do
    if line:find(key, 1, true) then
      leaks = leaks + 1
      line = line:gsub(key:gsub("%p", "%%%0"), "<THE KEY>")
    end
    io.write(line, "\n")
    io.flush()
  end
  local _, _, status = pipe:close()
  if leaks > 0 then
    io.write(("soak: VIOLATION key: the API key appeared in %d line(s) of output\n"):format(leaks))
    os.exit(1)
  end
  io.write(("soak: output scanned for the API key: 0 lines hold it\n"))
  os.exit(status == 0 and 0 or 1)
end

-- --- the child -------------------------------------------------------------------------------------
local cjson = require "cjson"
local gentask = require "gentask"
local simulator = require "gentask.sim"

local KEY = assert(os.getenv "SOAK_KEY")
local N = tonumber(os.getenv "SOAK_N" or "") or 10000
local SEED = tonumber(os.getenv "SOAK_SEED" or "") or 1
local TASK_TIMEOUT = tonumber(os.getenv "SOAK_TIMEOUT" or "") or 30
local SIM_BIN = os.getenv "SOAK_SIM" or (build .. "/gentask-sim")
local VERBOSE = os.getenv "SOAK_VERBOSE" == "1"
local SIM_DURATION_MS = 200
local MAX_ACTIVE = 400
local OUTAGE_MS = 3000
-- the longest a slow word makes the simulator hold a request (submit-slow, poll-slow)
local MAX_SLOW_MS = 4000

local function now()   -- seconds, monotonic enough (10 ms steps)
  local f = assert(io.open("/proc/uptime"))
  local t = f:read "n"
  f:close()
  return t
end

-- --- the simulator -----------------------------------------------------------------------------
local sim_err = os.tmpname()
local Sim = {}
Sim.__index = Sim

-- as many connections as the descriptor limit allows, up to 20,000 (the simulator wants some spare)
local function max_connections()
  local pipe = assert(io.popen "ulimit -Hn")
  local limit = tonumber(pipe:read "*l" or "") or 4096
  pipe:close()
  return math.max(1000, math.min(20000, limit - 100))
end

local function start_sim(port)
  -- tries: a restart takes the old one's port, which may still be held for a moment
  local server = assert(simulator.start { bin = SIM_BIN, port = port, tries = 50, stderr = sim_err,
    args = ("--key %s --duration-ms %d --max-active %d --max-connections %d --backlog 4096"):format(sh_quote(KEY),
      SIM_DURATION_MS, MAX_ACTIVE, max_connections()) })
  return setmetatable(server, Sim)
end

-- SIGTERM lets the simulator answer the requests it holds (poll-slow) before it goes; SIGKILL (a
-- crash) does not: the restart uses it, so that no answer of the old one arrives after it.
function Sim:stop(crash)
  simulator.stop(self, crash and "KILL" or nil)
end

local function http(method, url)
  local pipe = assert(io.popen(("LD_PRELOAD= curl -s -X %s %s"):format(method, sh_quote(url))))
  local body = pipe:read "*a"
  pipe:close()
  return cjson.decode(body)
end

function Sim:stats()   -- the whole record: tasks and submits_by_body
  return http("GET", self.admin_url .. "/_sim/stats?tasks=1&bodies=1")
end

function Sim:outage(ms)
  return http("POST", self.admin_url .. "/_sim/outage?ms=" .. ms)
end

-- --- the fault mix -----------------------------------------------------------------------------
local DIALECTS = { "foxapi", "bfl", "flora", "modelslab", "apixo" }
local MODELS = { foxapi = "flux-dev", bfl = "flux-pro-1.1", flora = "thumbnail-v3", modelslab = "flux",
                 apixo = "gpt-image-1" }
local SUCCESS_STATE = { foxapi = "completed", bfl = "Ready", flora = "completed", modelslab = "success",
                        apixo = "success" }

math.randomseed(SEED)
local function pick(list) return list[math.random(#list)] end
local function r(a, b) return math.random(a, b) end

-- Each entry: weight, and a function (dialect) → words. Words that end tasks on purpose are rarer.
local COMMON = {
  -- submit faults
  { 3, function() return "http=" .. pick { 400, 401, 402, 403, 404, 409, 422, 500, 502, 504 } end },
  -- a 429 or 503 on every attempt is waited out until the deadline, pausing the whole client's
  -- submits each time, and a 429 lowers the client's learned cap: rare, as in life
  { 0.1, function() return "http=" .. pick { 429, 503 } .. " retry-after-ms=" .. r(10, 100) .. " retry-after=none"
  end },
  { 4, function() return "body=" .. pick { "malformed", "truncated", "html", "empty", "wrongtypes", "notobject",
                                           "noid", "unknownstate" } end },
  { 0.2, function() return "body=huge" end },
  { 2, function() return "reset" end },
  { 2, function() return pick { "echo-key", "echo-key=escaped", "echo-key=deep" } end },
  { 3, function() return "submit-http=" .. pick { 503, 503, 503, 429 } .. ":" .. r(1, 3) .. " " ..
                         pick { "retry-after-ms=" .. r(10, 200), "retry-after=none", "retry-after=0" } end },
  { 0.3, function() return "submit-http=429:1 " .. pick { "retry-after=1", "retry-after=date:0" } end },
  { 3, function() return "submit-http=" .. pick { 500, 502, 504, 400 } .. ":" .. r(1, 2) end },
  { 4, function() return "submit-reset=" .. r(1, 3) end },
  { 3, function() return "submit-reset-after=" .. r(1, 2) end },
  { 3, function() return "submit-slow=" .. pick { r(100, 1500), r(2500, MAX_SLOW_MS) } .. ":" .. r(1, 2) end },
  -- poll faults: most for a few polls, some for every poll
  { 6, function() return "poll-http=" .. pick { 500, 502, 503, 504, 429 } .. ":" .. r(1, 4) end },
  { 1, function() return "poll-http=" .. pick { 400, 401, 402, 403, 404, 409, 422 } .. ":" .. r(1, 2) end },
  { 1, function() return "poll-http=" .. pick { 401, 403, 404, 500 } end },
  { 1, function() return "poll-http=429:" .. r(1, 2) .. " " .. pick { "retry-after=1", "retry-after-ms=" .. r(10, 300),
                                                                      "retry-after=date:0" } end },
  { 6, function() return "poll-body=" .. pick { "malformed", "truncated", "html", "empty", "wrongtypes", "notobject",
                                                "noid", "unknownstate" } .. ":" .. r(1, 3) end },
  { 0.2, function() return "poll-body=huge:1" end },
  { 0.5, function() return "poll-body=" .. pick { "malformed", "html", "unknownstate" } end },
  { 5, function() return "poll-reset=" .. r(1, 3) end },
  { 3, function() return "poll-slow=" .. pick { r(50, 1000), r(2500, MAX_SLOW_MS - 500) } .. ":" .. r(1, 2) end },
  -- the task itself
  { 6, function() return "duration=" .. pick { 0, r(10, 100), r(100, 600), r(600, 2500) } end },
  { 3, function() return "eta=" .. pick { 0, r(10, 300), r(300, 1500) } end },
  { 2, function() return "n=" .. r(2, 4) end },
  { 0.3, function() return "n=0" end },
}
local FAIL = {
  foxapi = { "model_unavailable", "content_policy_violation", "generation_failed", "timeout", "invalid_image_url",
             "file_too_large", "unsupported_format", "resource_exhausted", "quota_exceeded", "unknown_error",
             "some_new_code" },
  bfl = { "Request_Moderated", "Content_Moderated", "Error", "Task_not_found" },
  flora = { "model_timeout", "safety_blocked", "input_unreachable", "internal_error", "provider_error", "new_code" },
  modelslab = { "out_of_memory", "NSFW_content_detected", "Something_went_wrong" },
  apixo = { "Task_TimeOut", "Upload_error", "Website_TimeOut", "INVALID_IMAGE_URL", "INVALID_LORA_URL",
            "INVALID_TASK_ID", "CONTENT_VIOLATION", "SensitiveWord", "NSFW", "whatever" },
}
local OWN = {
  foxapi = { { 1, function() return "cancelled" end }, { 2, function() return "shape=output" end } },
  bfl = { { 2, function() return "notfound-first=" .. r(1, 4) end }, { 1, function() return "no-polling-url" end },
          { 1, function() return "regional-polling-url" end }, { 0.3, function() return "n=0" end } },
  flora = { { 2, function() return "case=snake" end } },
  modelslab = { { 2, function() return "instant" end },
                { 1, function() return "error200=" .. pick { "Invalid_API_key", "rate_limit_exceeded", "oops" } end },
                { 1, function() return "messege" end }, { 1, function() return "string-id" end },
                { 0.3, function() return "retry-after-header submit-http=429:1 retry-after=0" end } },
  apixo = { { 1, function() return "envelope=" .. pick { 400, 401, 402, 429, 500, 503 } end },
            { 2, function() return "poll-envelope=" .. pick { 500, 503, 429 } .. ":" .. r(1, 3) end },
            { 0.3, function() return "retry-after-header submit-http=429:1 retry-after=0" end } },
}

local function weighted(list)
  local total = 0
  for _, e in ipairs(list) do total = total + e[1] end
  local x = math.random() * total
  for _, e in ipairs(list) do
    x = x - e[1]
    if x <= 0 then return e[2]() end
  end
  return list[#list][2]()
end

-- A 429 teaches a client a lower cap on tasks in flight (docs/errors.md, Back-pressure), and the cap grows
-- back slowly while tasks that poll until their deadline keep their places: 429 words on a few
-- tasks of every client starved the queues (at 10,000 tasks, seven in ten ended deadline_exceeded
-- in the queue, never submitted). So 429 words go to ModelsLab alone, the dialect that also goes
-- past --max-active; on the others they are drawn and dropped (the seed's sequence stays the same).
local function words_for(dialect)
  if math.random() < 0.25 then return "" end
  local words = {}
  for _ = 1, pick { 1, 1, 2, 2, 3 } do
    local x = math.random()
    local w
    if x < 0.12 then
      w = "fail=" .. pick(FAIL[dialect])
    elseif x < 0.25 then
      w = weighted(OWN[dialect])
    else
      w = weighted(COMMON)
    end
    if dialect == "modelslab" or not w:find "429" then words[#words + 1] = w end
  end
  return table.concat(words, " ")
end

-- --- the run -------------------------------------------------------------------------------------
local wall0, cpu0 = now(), os.clock()
local sim = start_sim(0)
local port = sim.port
io.write(("soak: N=%d seed=%d task_timeout=%gs; gentask-sim on port %d (--duration-ms %d --max-active %d)\n")
  :format(N, SEED, TASK_TIMEOUT, port, SIM_DURATION_MS, MAX_ACTIVE))
io.flush()

local clients = {}
for _, d in ipairs(DIALECTS) do
  clients[d] = gentask.client {
    provider = d, api_key = KEY, base_url = sim.url .. "/" .. d,
    timeout = 2, connect_timeout = 1, poll_interval = 0.1, poll_max_interval = 0.5,
    backoff_initial = 0.05, backoff_max = 0.5, task_timeout = TASK_TIMEOUT,
    -- the simulator's --max-active is per dialect: four clients stay within it, ModelsLab (whose own
    -- cap of 5 would make this a long run) goes past it and meets its 429s, learning a cap. A task
    -- holds its place until it ends: a learned cap far below this would starve the queue.
    max_in_flight = d == "modelslab" and 1000 or MAX_ACTIVE,
  }
end

local specs, tasks, done_at = {}, {}, {}
local events = {}   -- name → { from, to } seconds
local old_record   -- the first simulator's stats, read just before it was killed

for i = 1, N do
  local dialect = DIALECTS[(i - 1) % #DIALECTS + 1]
  local words = words_for(dialect)
  specs[i] = { dialect = dialect, words = words, clean = words == "" }
end

local outcomes = gentask.run(function()
  for i = 1, N do
    local s = specs[i]
    local prompt = ("soak task %d [soak=%d]%s"):format(i, i, s.words ~= "" and (" [" .. s.words .. "]") or "")
    tasks[i] = clients[s.dialect]:submit(MODELS[s.dialect], { prompt = prompt })
    tasks[i]:on("done", function() done_at[i] = now() end)
  end
  local all_done = false
  local function accepted()   -- tasks with an id; all of them once every task has ended
    local k = 0
    for i = 1, N do if tasks[i].id then k = k + 1 end end
    return all_done and N or k
  end
  gentask.spawn(function()   -- progress, every 5 s: what the clients hold
    local next_at = now() + 5
    while not all_done do
      gentask.sleep(0.25)
      if now() >= next_at then
        next_at = now() + 5
        local parts = {}
        for _, d in ipairs(DIALECTS) do
          local st = clients[d]:stats()
          parts[#parts + 1] = ("%s %d/%d cap %d%s"):format(d, st.in_flight, st.queued, st.cap or -1,
            (st.paused_for or 0) > 0 and (" paused %.1fs"):format(st.paused_for) or "")
        end
        io.write(("soak: %.0f s, %d with an id; in flight/queued: %s\n"):format(now() - wall0, accepted(),
          table.concat(parts, ", ")))
        io.flush()
      end
    end
  end)
  gentask.spawn(function()
    while accepted() < N * 0.25 do gentask.sleep(0.1) end
    events.outage = { from = now() }
    sim:outage(OUTAGE_MS)
    events.outage.to = events.outage.from + OUTAGE_MS / 1000
    io.write(("soak: outage of %d ms at %.1f s\n"):format(OUTAGE_MS, events.outage.from - wall0))
    io.flush()
    gentask.sleep(OUTAGE_MS / 1000 + 1)
    while accepted() < N * 0.6 do gentask.sleep(0.1) end
    events.restart = { from = now() }
    sim:outage(600000)        -- nothing more is accepted: the record read next is the whole of it
    -- requests that arrived before the outage are still answered, a slow one when its time comes:
    -- the record is read once the slowest has gone out, so that no answer postdates it
    gentask.sleep(MAX_SLOW_MS / 1000 + 0.3)
    old_record = sim:stats()
    events.restart.kill = now()
    sim:stop(true)
    sim = start_sim(port)
    events.restart.to = now()
    io.write(("soak: restart at %.1f s (%.2f s down)\n"):format(events.restart.from - wall0,
      events.restart.to - events.restart.from))
    io.flush()
  end)
  local settled = gentask.settle(tasks, TASK_TIMEOUT + 120)
  all_done = true
  return settled
end)
local wall, cpu = now() - wall0, os.clock() - cpu0
local new_record = sim:stats()
sim:stop()

-- --- the checks ----------------------------------------------------------------------------------
local CHECKS = { "hang", "typed", "key", "duplicate", "submitted", "lost", "clean", "restart" }
local violations = {}
for _, c in ipairs(CHECKS) do violations[c] = {} end
local function violate(check, i, what)
  local v = violations[check]
  local s = i and specs[i]
  v[#v + 1] = i and ("task %d (%s [%s]): %s"):format(i, s.dialect, s.words, what) or what
end
local explained = {}
local function explain(why) explained[why] = (explained[why] or 0) + 1 end

-- sim tasks by tag, from both records
local by_tag = {}   -- i → { { record = "old"|"new", id =, rec = } ... }
local function file_tasks(record, name)
  for id, rec in pairs(record and record.tasks or {}) do
    local i = tonumber((rec.ignored_words or ""):match "soak=(%d+)")
    if i then
      by_tag[i] = by_tag[i] or {}
      table.insert(by_tag[i], { record = name, id = id, rec = rec })
    end
  end
end
file_tasks(old_record, "old")
file_tasks(new_record, "new")
local new_ids = new_record.tasks or {}

-- key scan of any value, deep
local function holds_key(v, seen)
  seen = seen or {}
  if type(v) == "string" then return v:find(KEY, 1, true) ~= nil end
  if type(v) ~= "table" or seen[v] then return false end
  seen[v] = true
  for k, x in pairs(v) do
    if holds_key(k, seen) or holds_key(x, seen) then return true end
  end
  return false
end

local function words_has(i, pattern) return specs[i].words:find(pattern) ~= nil end
-- a poll fault on every poll that ends the task by docs/errors.md's rules (a refused key, no such
-- task), or keeps it from ever ending well (a garbled answer, an unknown state, a 5xx: retried
-- until the deadline)
local function permanent_poll_fault(i)
  for w in specs[i].words:gmatch "%S+" do
    if w:match "^poll%-http=%d+$" or w:match "^poll%-body=%a+$" or w:match "^poll%-envelope=%d+$" then
      return true
    end
  end
  return false
end
-- a poll answered 401 or 403: a refused key ends a task (docs/errors.md, "What ends a task")
local function refused_key(i) return words_has(i, "poll%-http=40[13]") end
-- a simulator task's state (at the time of its record) that is an end other than success
local function FAILED_STATE(state, dialect)
  return state ~= SUCCESS_STATE[dialect] and not (state == "pending" or state == "processing" or state == "running"
    or state == "Pending")
end
local function in_window(t, slack)
  for _, e in pairs(events) do
    if t and e.to and t >= e.from and t <= e.to + slack then return true end
  end
  return false
end

local KINDS = gentask.errors.kinds
-- docs/errors.md documents no and unknown; the core also says yes where the provider answered the submit
-- (ModelsLab's instant failure): true, so accepted here and checked against the simulator below
local SUBMITTED = { no = true, unknown = true, yes = true }
local kinds_by_dialect, kinds_total, kind_names = {}, {}, {}
for _, d in ipairs(DIALECTS) do kinds_by_dialect[d] = {} end
local restart_caught = {}

for i = 1, N do
  local s, task, o = specs[i], tasks[i], outcomes[i]
  local kind = not o and "none" or o.ok and "succeeded" or (o.error and o.error.kind or "?")
  if not kinds_total[kind] then kind_names[#kind_names + 1] = kind end
  kinds_total[kind] = (kinds_total[kind] or 0) + 1
  kinds_by_dialect[s.dialect][kind] = (kinds_by_dialect[s.dialect][kind] or 0) + 1
  local err = o and not o.ok and o.error
  local sims = by_tag[i] or {}

  -- hang
  if not o or not task.done then violate("hang", i, "did not end: state " .. tostring(task.state)) end

  -- typed
  if err then
    if not gentask.errors.is(err) or KINDS[err.kind] == nil or err.kind == "usage" then
      violate("typed", i, "not a typed error: " .. tostring(err))
    elseif err.phase ~= "submit" and err.phase ~= "poll" then
      violate("typed", i, "phase " .. tostring(err.phase) .. ": " .. tostring(err))
    elseif err.provider ~= s.dialect then
      violate("typed", i, "provider " .. tostring(err.provider) .. ": " .. tostring(err))
    elseif err.phase == "submit" and not SUBMITTED[err.submitted] then
      violate("typed", i, "a submit-phase error with submitted = " .. tostring(err.submitted) .. ": " .. tostring(err))
    end
  end

  -- key
  if o and (holds_key(tostring(err or "")) or holds_key(err or {}) or holds_key(o.value or {})) then
    violate("key", i, "the key is in its " .. (err and "error" or "result"))
  end

  -- duplicate (per tag)
  if #sims > 1 then
    local flora_straddle = s.dialect == "flora" and #sims == 2 and sims[1].record ~= sims[2].record
      and sims[1].rec.idempotency_key and sims[1].rec.idempotency_key == sims[2].rec.idempotency_key
    if flora_straddle then explain "FLORA resend across the restart: one run in each simulator"
    else
      local ids = {}
      for _, x in ipairs(sims) do ids[#ids + 1] = x.record .. ":" .. x.id end
      violate("duplicate", i, ("%d simulator tasks for one submit: %s; outcome %s"):format(#sims,
        table.concat(ids, " "), err and tostring(err) or "succeeded"))
    end
  end

  -- submitted
  if err and err.submitted == "yes" and #sims == 0 then
    violate("submitted", i, "submitted = yes, but no simulator has a task under its tag: " .. tostring(err))
  end
  if err and err.submitted == "no" and #sims > 0 then
    violate("submitted", i, ("submitted = no, but the simulator has task %s (%s): %s"):format(sims[1].id,
      sims[1].record, tostring(err)))
  end
  if o and o.ok then
    local found = false
    for _, x in ipairs(sims) do if x.id == task.id then found = true end end
    if not found then
      violate("submitted", i, "succeeded with task " .. tostring(task.id) .. ", which no simulator has under its tag")
    end
  end

  -- the restart: tasks the old simulator had accepted and gentask had not seen end before it
  local in_old = false
  for _, x in ipairs(sims) do if x.record == "old" then in_old = x end end
  local caught = in_old and events.restart and (done_at[i] or math.huge) > events.restart.kill
  if caught then
    local what = kind
    if err and err.kind == "deadline_exceeded" then
      what = what .. " (cause " .. tostring(err.cause and err.cause.kind) .. ")"
    end
    restart_caught[what] = (restart_caught[what] or 0) + 1
    local ok_end = err and (err.kind == "not_found" or (err.kind == "deadline_exceeded" and err.cause
      and err.cause.kind == "not_found") or err.submitted == "unknown")
    if o.ok and not new_ids[task.id] and in_old.rec.state ~= SUCCESS_STATE[s.dialect] then
      -- (an answer of the old simulator that was on the wire at the kill is read after it: the
      -- record then says the task had succeeded)
      violate("restart", i, ("caught by the restart, succeeded with %s, unknown to the new simulator"):format(task.id))
    elseif err and not ok_end and not permanent_poll_fault(i) and err.kind ~= "deadline_exceeded"
      and not refused_key(i) and not FAILED_STATE(in_old.rec.state, s.dialect) then
      violate("restart", i, "caught by the restart, ended " .. tostring(err))
    end
  end

  -- lost: every completed simulator task whose id gentask knew
  for _, x in ipairs(sims) do
    if x.rec.state == SUCCESS_STATE[s.dialect] and task.id == x.id then
      if o and o.ok then
        local urls = o.value.urls or {}
        local want_n = 1
        for n in (" " .. s.words):gmatch " n=(%d+)" do want_n = tonumber(n) end   -- the last word wins
        if s.dialect == "bfl" then want_n = math.min(want_n, 1) end
        local bad = #urls ~= want_n
        for k, url in ipairs(urls) do
          if url ~= ("http://127.0.0.1:%d/files/%s-%d.png"):format(port, x.id, k - 1) then bad = true end
        end
        if bad then
          violate("lost", i, ("succeeded with URLs %s for task %s (%d wanted)"):format(table.concat(urls, " "), x.id,
            want_n))
        end
      elseif err.kind == "deadline_exceeded" then explain "completed at the simulator, past the deadline at gentask"
      elseif x.record == "old" and caught then explain "completed at the old simulator, not seen before the restart"
      elseif permanent_poll_fault(i) then explain "completed at the simulator behind a poll fault on every poll"
      elseif refused_key(i) and (err.kind == "authentication" or err.kind == "permission_denied") then
        explain "completed at the simulator, a poll answered 401/403 first (a refused key ends a task)"
      elseif words_has(i, "n=0") and err.kind == "protocol" then explain "completed without a URL (n=0): protocol"
      else
        violate("lost", i, ("the simulator completed %s (%s), gentask ended %s"):format(x.id, x.record, tostring(err)))
      end
    end
  end

  -- clean
  if s.clean and err then
    if caught then explain "clean task caught by the restart"
    elseif err.kind == "deadline_exceeded" and err.submitted == "no" then
      explain "clean task queued past its task_timeout behind the client's cap, never submitted"
    elseif err.kind == "deadline_exceeded" and err.phase == "submit" then
      explain "clean task whose submit, let out of the queue late, was on the wire at its task_timeout"
    elseif in_window(done_at[i], TASK_TIMEOUT > 3 and 3 or 1) and err.submitted == "unknown" then
      explain "clean task cut off on the wire by the outage or the restart: submitted unknown"
    else
      local seen = {}
      for _, x in ipairs(sims) do
        seen[#seen + 1] = ("%s simulator: %s, %d polls"):format(x.record, tostring(x.rec.state), x.rec.polls or 0)
      end
      violate("clean", i, ("a clean task failed: %s [%s]"):format(tostring(err),
        #seen > 0 and table.concat(seen, "; ") or "no simulator has it"))
    end
  end
end

-- duplicate: the simulators' own counts
for name, record in pairs { old = old_record, new = new_record } do
  if record.duplicate_submits ~= 0 then
    violate("duplicate", nil, ("%s simulator: duplicate_submits = %d"):format(name, record.duplicate_submits))
  end
  for hash, e in pairs(record.submits_by_body or {}) do
    if e.accepted > 1 then
      violate("duplicate", nil, ("%s simulator: logical submit %s (%s) created %d tasks"):format(name, hash, e.dialect,
        e.accepted))
    end
  end
end

-- --- the summary ---------------------------------------------------------------------------------
local function count(record, field) return record and record[field] or 0 end
local submissions = count(old_record, "submissions") + count(new_record, "submissions")
local accepted = count(old_record, "accepted") + count(new_record, "accepted")
local polls = count(old_record, "polls") + count(new_record, "polls")

table.sort(kind_names, function(a, b) return (kinds_total[a] or 0) > (kinds_total[b] or 0) end)
local out = {}
local function line(...) out[#out + 1] = table.concat({ ... }) end
line ""
line(("soak summary: N = %d, seed %d, task_timeout %g s"):format(N, SEED, TASK_TIMEOUT))
local header = ("  %-18s %7s"):format("outcome", "all")
for _, d in ipairs(DIALECTS) do header = header .. ("%10s"):format(d) end
line(header)
for _, k in ipairs(kind_names) do
  local row = ("  %-18s %7d"):format(k, kinds_total[k])
  for _, d in ipairs(DIALECTS) do row = row .. ("%10d"):format(kinds_by_dialect[d][k] or 0) end
  line(row)
end
local clean = 0
for i = 1, N do if specs[i].clean then clean = clean + 1 end end
line(("  clean tasks (no fault words): %d"):format(clean))
line(("  simulator: %d submit requests (%.2f per task), %d tasks accepted (%.2f per task), %d polls (%.2f per task)")
  :format(submissions, submissions / N, accepted, accepted / N, polls, polls / N))
line(("  outage_refused: %d (old) + %d (new); rate_limited by --max-active: %d + %d")
  :format(count(old_record, "outage_refused"), count(new_record, "outage_refused"),
    count(old_record, "rate_limited"), count(new_record, "rate_limited")))
local rc = {}
for what, n in pairs(restart_caught) do rc[#rc + 1] = ("%s %d"):format(what, n) end
table.sort(rc)
line(("  caught by the restart: %s"):format(#rc > 0 and table.concat(rc, ", ") or "none"))
local ex = {}
for why, n in pairs(explained) do ex[#ex + 1] = ("    %5d  %s"):format(n, why) end
table.sort(ex)
if #ex > 0 then line "  explained, not violations:" for _, e in ipairs(ex) do line(e) end end
line(("  wall %.1f s, CPU %.1f s (this process)"):format(wall, cpu))
line "  checks (violations, 0 expected):"
local total = 0
for _, c in ipairs(CHECKS) do
  local v = violations[c]
  total = total + #v
  line(("    %-10s %d"):format(c, #v))
  local shown = VERBOSE and #v or math.min(#v, 10)
  for k = 1, shown do line("      ", v[k]) end
  if shown < #v then line(("      … %d more (SOAK_VERBOSE=1 shows all)"):format(#v - shown)) end
end
line(("soak: %s"):format(total == 0 and "PASS" or ("FAIL, " .. total .. " violations")))
io.write(table.concat(out, "\n"), "\n")
local f = io.open(sim_err)
local sim_stderr = f and f:read "*a" or ""
if f then f:close() end
os.remove(sim_err)
if sim_stderr ~= "" then io.write("gentask-sim stderr:\n", sim_stderr) end
os.exit(total == 0 and 0 or 1)
