-- /metrics of examples/openresty in a real nginx with four workers: each worker publishes its
-- snapshot in a shared dict, /metrics sums them, and the sum is what the simulator counted.
local host = require "support.host"
if not host.this_pass() then return end   -- nginx embeds LuaJIT: one pass is enough

local cjson = require "cjson"
local Sim = require "support.sim"
local Nginx = require "hosts.openresty.nginx"
local prometheus = require "support.prometheus"

local lib_dir = host.luajit_module

local function count(set)
  local n = 0
  for _ in pairs(set) do n = n + 1 end
  return n
end

describe("/metrics of four nginx workers (examples/openresty)", function()
  local found, why = Nginx.find(lib_dir)
  if not found then
    pending(why)
    return
  end

  local sim, nginx
  setup(function()
    sim = Sim.start "--duration-ms 200"
    nginx = Nginx.start {
      found = found, lib_dir = lib_dir, workers = 4, reuseport = true,
      env = { GENTASK_API_KEY = Sim.key, GENTASK_BASE_URL = sim.url .. "/foxapi", GENTASK_WAIT_SECONDS = "30",
              GENTASK_POLL_INTERVAL = "0.05" },
    }
  end)
  teardown(function()
    if nginx then nginx:stop() end
    if sim then sim:stop() end
  end)

  -- /metrics parsed (a strict reader: HELP and TYPE for every family, histograms consistent)
  local function scrape()
    local status, body, headers = nginx:request("GET", "/metrics")
    assert.equal(200, status, body)
    assert.truthy(headers["content-type"]:find("text/plain", 1, true), headers["content-type"])
    return prometheus.parse(body), body
  end

  it("sums every worker's requests and tasks: the simulator's counts", function()
    sim:reset()
    local N = 40
    local paths = {}
    for i = 1, N do paths[i] = "/generate?prompt=metered+fox+" .. i end
    local workers = {}
    for i, r in ipairs(nginx:request_all(paths)) do
      assert.equal(200, r.status, ("request %d: %s\n%s"):format(i, tostring(r.body), nginx:error_log():sub(-3000)))
      workers[cjson.decode(r.body).worker] = true
    end
    assert.is_true(count(workers) >= 2, "every request was answered by one worker: nothing was summed")

    local stats = sim:stats()
    assert.equal(N, stats.accepted)
    -- each worker publishes when its generations end and on its timer: scraped until the sum has
    -- every task, then held to the simulator's numbers
    local parsed, text
    local settled = Sim.until_true(function()
      parsed, text = scrape()
      return prometheus.total(parsed, "gentask_tasks_total", { outcome = "succeeded" }) == N
        and prometheus.total(parsed, "gentask_requests_total", { phase = "poll" }) == stats.polls
    end, 10)
    assert.is_true(settled, text)
    local function requests(where) return prometheus.total(parsed, "gentask_requests_total", where) end
    assert.equal(stats.submissions, requests { provider = "foxapi", phase = "submit" })
    assert.equal(N, requests { provider = "foxapi", phase = "submit", status = 200 })
    assert.equal(stats.polls, requests { provider = "foxapi", phase = "poll", status = 200 })
    assert.equal(N, prometheus.total(parsed, "gentask_tasks_total",
      { provider = "foxapi", model = "flux-dev", outcome = "succeeded" }))
    assert.equal(N, prometheus.total(parsed, "gentask_task_duration_seconds", { outcome = "succeeded" },
      "gentask_task_duration_seconds_count"))
    assert.equal(stats.submissions + stats.polls, prometheus.total(parsed, "http_client_request_duration_seconds",
      {}, "http_client_request_duration_seconds_count"))
    assert.equal(0, prometheus.total(parsed, "gentask_tasks_in_flight"))
    assert.equal(0, prometheus.total(parsed, "gentask_rate_limited_total"))
    assert.is_nil(text:find(Sim.key, 1, true), "the API key is in /metrics")
    print(("    %d generations over %d workers: %d submits and %d polls in /metrics, as the simulator counted")
      :format(N, count(workers), stats.submissions, stats.polls))
  end)
end)
