-- Many nginx workers on one key: examples/openresty with four workers whose clients share one
-- journal file (GENTASK_JOURNAL). They hold one cap on tasks in flight between them, and a webhook
-- delivery nginx hands to one worker ends the request waiting on another. Real nginx, the real
-- simulator, one real SQLite file.
local host = require "support.host"
if not host.this_pass() then return end   -- nginx embeds LuaJIT: one pass is enough

local cjson = require "cjson"
local Sim = require "support.sim"
local Nginx = require "hosts.openresty.nginx"

local lib_dir = host.luajit_module

local function decode(body)
  local ok, value = pcall(cjson.decode, body or "")
  return ok and type(value) == "table" and value or nil
end

-- A journal not made yet: the four workers start together and create it, each waiting a moment
-- while another holds the file's lock to create it. The workers run as root here (the helper's
-- `user root`), who may write the file and its directory.
local function new_journal()
  local journal = os.tmpname()
  os.remove(journal)
  return journal
end

local remove_journal = Sim.remove_journal

local function count(set)
  local n = 0
  for _ in pairs(set) do n = n + 1 end
  return n
end

-- /generate answers carry the worker's pid and the task's id: { [i] = { worker =, id = } }
local function answers(nginx, paths)
  local out = {}
  for i, r in ipairs(nginx:request_all(paths)) do
    local decoded = decode(r.body)
    assert.equal(200, r.status, ("request %d: %s\n%s"):format(i, tostring(r.body), nginx:error_log():sub(-3000)))
    assert.is_string(decoded and decoded.url, tostring(r.body))
    out[i] = { worker = decoded.worker, id = decoded.id }
  end
  return out
end

describe("four nginx workers on one key and one journal (examples/openresty)", function()
  local found, why = Nginx.find(lib_dir)
  if not found then
    pending(why)
    return
  end

  local sim, nginx, journal
  setup(function()
    sim = Sim.start "--max-active 6 --duration-ms 100"
    journal = new_journal()
    nginx = Nginx.start {
      found = found, lib_dir = lib_dir, workers = 4, reuseport = true,
      env = { GENTASK_API_KEY = Sim.key, GENTASK_BASE_URL = sim.url .. "/foxapi", GENTASK_WAIT_SECONDS = "60",
              GENTASK_JOURNAL = journal, GENTASK_MAX_IN_FLIGHT = "6", GENTASK_POLL_INTERVAL = "0.05" },
    }
  end)
  teardown(function()
    if nginx then nginx:stop() end
    if sim then sim:stop() end
    if journal then remove_journal(journal) end
  end)

  it("hold at most 6 tasks in flight in all: 200 requests over the workers end 200/200 with no 429", function()
    local paths = {}
    for i = 1, 200 do paths[i] = "/generate?prompt=fleet+" .. i end
    local workers = {}
    for _, answer in ipairs(answers(nginx, paths)) do workers[answer.worker] = true end
    assert.is_true(count(workers) >= 2, "every request was answered by one worker: nothing was shared")
    local stats = sim:stats()
    assert.equal(0, stats.rate_limited)
    assert.equal(200, stats.submissions)
    assert.equal(200, stats.accepted)
    assert.is_true(stats.max_in_flight <= 6, "the simulator saw " .. stats.max_in_flight .. " at once")
    print(("    200 generations over %d workers, at most %d in flight at once"):format(count(workers),
      stats.max_in_flight))
  end)
end)

describe("webhooks across nginx workers (BFL, signed deliveries to any worker's /webhook)", function()
  local found, why = Nginx.find(lib_dir)
  if not found then
    pending(why)
    return
  end
  local SECRET = "whsec-fleet-spec-0b9d"

  local sim, nginx, journal
  setup(function()
    sim = Sim.start "--duration-ms 300"
    journal = new_journal()
    local port = Nginx.free_port()
    -- polls every second, and ten times slower for a task that asked for a webhook: the first
    -- fallback poll is due after the request's 5 s wait. Only a delivery can end these tasks.
    nginx = Nginx.start {
      found = found, lib_dir = lib_dir, log_level = "info", port = port, workers = 4, reuseport = true,
      env = { GENTASK_API_KEY = Sim.key, GENTASK_BASE_URL = sim.url .. "/bfl", GENTASK_PROVIDER = "bfl",
              GENTASK_MODEL = "flux-pro-1.1", GENTASK_WAIT_SECONDS = "5", GENTASK_POLL_INTERVAL = "1",
              GENTASK_JOURNAL = journal, GENTASK_WEBHOOK_SECRET = SECRET,
              GENTASK_WEBHOOK_URL = ("http://127.0.0.1:%d/webhook"):format(port) },
    }
  end)
  teardown(function()
    if nginx then nginx:stop() end
    if sim then sim:stop() end
    if journal then remove_journal(journal) end
  end)

  it("a delivery received by one worker ends the request waiting on another, with no poll", function()
    local paths = {}
    for i = 1, 12 do paths[i] = "/generate?prompt=hooked+fleet+" .. i end
    local owner_of = {}
    for _, answer in ipairs(answers(nginx, paths)) do owner_of[answer.id] = answer.worker end
    assert.equal(12, count(owner_of))
    local stats = sim:stats()
    assert.equal(12, stats.accepted)
    assert.equal(12, stats.webhooks.delivered)
    assert.equal(0, stats.polls, "a task was polled: its delivery did not end it")
    -- nginx's log lines name the worker's pid: "[info] PID#TID: ... webhook for task ID: ..."
    local crossed = 0
    for pid, id, what in nginx:error_log():gmatch "%[info%] (%d+)#%d+: [^\n]-webhook for task (%S+): ([^,\n]+)" do
      if what == "posted for another worker" then
        assert.truthy(owner_of[id], "a delivery for a task no request made: " .. id)
        assert.are_not.equal(owner_of[id], tonumber(pid))
        crossed = crossed + 1
      end
    end
    assert.is_true(crossed >= 1, "every delivery reached the worker that held its task: nothing crossed\n"
      .. nginx:error_log():sub(-3000))
    print(("    12 tasks ended by their webhooks, %d delivered to a worker other than the owner"):format(crossed))
    local logs = nginx:logs()
    assert.is_nil(logs:find(SECRET, 1, true), "the webhook secret is in nginx's logs")
    assert.is_nil(logs:find(Sim.key, 1, true), "the API key is in nginx's logs")
  end)
end)
