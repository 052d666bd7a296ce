-- Metrics: what client:metrics() and gentask.metrics() count is what the simulator saw (requests
-- by phase, 429s, resends), histograms count every request and task once, the Prometheus text
-- parses, and no secret reaches either.
local gentask = require "gentask"
local metrics = require "gentask.metrics"
local Sim = require "support.sim"
local prometheus = require "support.prometheus"

-- requests of a snapshot (a client's) with the given labels, summed
local function requests(snap, where)
  local n = 0
  for _, r in ipairs(snap.requests) do
    local fits = true
    for k, v in pairs(where) do fits = fits and r[k] == v end
    if fits then n = n + r.count end
  end
  return n
end

local function tasks(snap, outcome)
  local n = 0
  for _, t in ipairs(snap.tasks) do if t.outcome == outcome then n = n + t.count end end
  return n
end

-- every series' histogram: buckets cumulative and never above count
local function check_histograms(list, bounds)
  for _, s in ipairs(list) do
    assert.equal(#bounds, #s.buckets)
    for i = 2, #s.buckets do assert.is_true(s.buckets[i] >= s.buckets[i - 1]) end
    assert.is_true(s.buckets[#s.buckets] <= s.count)
    assert.is_true(s.count >= 1)
    assert.is_true(s.sum >= 0)
  end
end

local function settle_all(list)
  for _, outcome in ipairs(gentask.settle(list)) do assert.is_true(outcome.ok, tostring(outcome.error)) end
end

describe("metrics over the simulator", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 150" end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  it("count a batch's requests and tasks as the simulator counted them", function()
    local dir = os.tmpname()
    os.remove(dir)
    local fox = sim:foxapi { download = { dir = dir } }
    local batch = {}
    for i = 1, 6 do batch[i] = fox:submit("flux-dev", { prompt = "fox " .. i }) end
    settle_all(batch)
    assert.is_true(Sim.until_true(function() return tasks(fox:metrics(), "succeeded") == 6 end))
    for _, t in ipairs(batch) do t:wait() end   -- downloads are done once every task settled
    local m, stats = fox:metrics(), sim:stats()
    assert.equal("foxapi", m.provider)
    assert.equal(stats.submissions, requests(m, { phase = "submit" }))
    assert.equal(6, requests(m, { phase = "submit", status = 200 }))
    assert.equal(stats.polls, requests(m, { phase = "poll" }))
    assert.equal(stats.polls, requests(m, { phase = "poll", status = 200 }))
    assert.equal(stats.downloads, requests(m, { phase = "download", status = 200 }))
    assert.equal(6, tasks(m, "succeeded"))
    assert.equal(0, m.resends)
    assert.equal(0, m.rate_limited)
    assert.equal(0, m.in_flight)
    assert.equal(0, m.queued)
    check_histograms(m.requests, m.bounds.request)
    check_histograms(m.tasks, m.bounds.task)
    os.execute("rm -rf " .. dir)
  end)

  it("count a task's end by its outcome, and a budget refusal", function()
    local fox = sim:foxapi { max_submits = 1 }
    local failed = fox:submit("flux-dev", { prompt = "x [fail=content_policy_violation]" })
    local refused = fox:submit("flux-dev", { prompt = "never sent" })
    assert.is_false(gentask.settle { failed, refused }[1].ok)
    local m = fox:metrics()
    assert.equal(1, tasks(m, "moderated"))
    assert.equal(1, tasks(m, "budget_exceeded"))
    assert.equal(1, m.budget_refusals)
    assert.equal(1, sim:stats().submissions)
  end)

  it("count submits sent again after Cloudflare's 'web server down' page as resends", function()
    local fox = sim:foxapi()
    local batch = {}
    for i = 1, 3 do batch[i] = fox:submit("flux-dev", { prompt = "cut " .. i .. " [cdn=521:2]" }) end
    settle_all(batch)
    local m, stats = fox:metrics(), sim:stats()
    assert.equal(9, stats.submissions)
    assert.equal(3, stats.accepted)
    assert.equal(stats.submissions - stats.accepted, m.resends)
    assert.equal(6, requests(m, { phase = "submit", status = 521 }))
    assert.equal(0, m.rate_limited)
  end)

  it("count the provider's cancel as a request of phase cancel, and the task as cancelled", function()
    local fox = sim:foxapi()
    local task = Sim.accepted(fox:submit("flux-dev", { prompt = "x [duration=30000]" }))
    task:cancel()
    local _, err = task:result()
    assert.equal("cancelled", err.kind)
    local m, stats = fox:metrics(), sim:stats()
    assert.equal(1, stats.cancels)
    assert.equal(stats.cancels, requests(m, { phase = "cancel", status = 200 }))
    assert.equal(1, tasks(m, "cancelled"))
  end)

  it("count requests that got no answer under status 0 and a word for why", function()
    local fox = sim:foxapi()
    local _, err = fox:submit("flux-dev", { prompt = "x [reset]" }):result()
    assert.equal("network", err.kind)
    local m = fox:metrics()
    assert.equal(1, requests(m, { phase = "submit", status = 0, error = "receive" }))
  end)

  it("keep at most 64 models per client: the others' tasks are counted under \"other\"", function()
    local fox = sim:foxapi()
    local batch = {}
    for i = 1, 70 do batch[i] = fox:submit("model-" .. i, { prompt = "x [http=400]" }) end
    gentask.settle(batch)
    local models, other = {}, 0
    for _, t in ipairs(fox:metrics().tasks) do
      models[t.model] = true
      if t.model == "other" then other = other + t.count end
    end
    local n = 0
    for _ in pairs(models) do n = n + 1 end
    assert.equal(65, n)
    assert.equal(6, other)
  end)
end)

describe("metrics of a rate-limited key", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 200 --max-active 2" end)
  teardown(function() sim:stop() end)

  it("count the 429s, the pauses and the resends the simulator saw", function()
    local fox = sim:foxapi { max_in_flight = 100 }
    local batch = {}
    for i = 1, 6 do batch[i] = fox:submit("flux-dev", { prompt = "busy " .. i .. " [retry-after=0]" }) end
    settle_all(batch)
    local m, stats = fox:metrics(), sim:stats()
    assert.is_true(stats.rate_limited > 0, "the scenario met no 429")
    assert.equal(stats.rate_limited, m.rate_limited)
    assert.equal(stats.rate_limited, requests(m, { phase = "submit", status = 429 }))
    assert.equal(stats.submissions, requests(m, { phase = "submit" }))
    assert.equal(stats.submissions - stats.accepted, m.resends)
    assert.is_true(m.pauses >= 1 and m.pauses <= stats.rate_limited)
    assert.equal(6, tasks(m, "succeeded"))
  end)
end)

describe("gentask.metrics() and the Prometheus text", function()
  local SECRET = "sk-metrics-SECRET-5ee7c0de"
  local sim
  setup(function() sim = Sim.start("--duration-ms 100 --key " .. SECRET) end)
  teardown(function() sim:stop() end)

  it("sums every client per provider and renders text a strict reader accepts", function()
    -- the earlier tests' clients, let go of, leave the sum when collected: gone before it is taken
    collectgarbage()
    collectgarbage()
    local before = gentask.metrics().providers.foxapi
    local submits_before = before and requests(before, { phase = "submit" }) or 0
    local a = sim:foxapi { api_key = SECRET }
    local b = sim:foxapi { api_key = SECRET }
    local bfl = sim:client("bfl", { api_key = SECRET })
    settle_all { a:submit("flux-dev", { prompt = "a" }), b:submit("flux-dev", { prompt = "b" }),
                 bfl:submit("flux-dev", { prompt = "c" }) }
    local all = gentask.metrics()
    assert.equal(submits_before + 2, requests(all.providers.foxapi, { phase = "submit" }))
    assert.is_true(requests(all.providers.bfl, { phase = "submit" }) >= 1)

    local parsed = prometheus.parse(metrics.prometheus(all))
    local foxes = a:metrics()
    assert.equal(requests(foxes, { phase = "poll" }) + requests(b:metrics(), { phase = "poll" }),
      prometheus.total(parsed, "gentask_requests_total", { provider = "foxapi", phase = "poll" })
        - (before and requests(before, { phase = "poll" }) or 0))
    -- a histogram counts each request once: its _count is gentask_requests_total, series by series
    for _, s in ipairs(parsed.families.gentask_requests_total.samples) do
      assert.equal(s.value, prometheus.total(parsed, "http_client_request_duration_seconds", s.labels,
        "http_client_request_duration_seconds_count"))
    end
    for _, s in ipairs(parsed.families.gentask_tasks_total.samples) do
      assert.equal(s.value, prometheus.total(parsed, "gentask_task_duration_seconds", s.labels,
        "gentask_task_duration_seconds_count"))
    end
    for _, name in ipairs { "gentask_tasks_in_flight", "gentask_tasks_queued", "gentask_resends_total",
                            "gentask_rate_limited_total", "gentask_pauses_total", "gentask_budget_refusals_total" } do
      assert.is_table(parsed.families[name], name)
    end
    -- one client's snapshot renders alone, too
    assert.equal(1, prometheus.total(prometheus.parse(metrics.prometheus(foxes)), "gentask_requests_total",
      { provider = "foxapi", phase = "submit" }))
  end)

  it("reads the engine's clients while the collector frees those let go of", function()
    -- each snapshot's tables may run the collector, which frees clients nobody holds: the list
    -- read must not name a freed one (a busted run once crashed so). A collector that never
    -- pauses and takes big steps runs at nearly every allocation, which makes the race likely,
    -- not certain.
    local pause = collectgarbage("setpause", 0)
    local stepmul = collectgarbage("setstepmul", 1000)
    for _ = 1, 30 do
      for _ = 1, 30 do sim:foxapi { api_key = SECRET } end
      assert.is_table(gentask.metrics().providers)
    end
    collectgarbage("setpause", pause)
    collectgarbage("setstepmul", stepmul)
    collectgarbage()
    collectgarbage()
    assert.is_table(gentask.metrics().providers)
  end)

  it("escapes a label value's backslash, quote and newline", function()
    local fox = sim:foxapi { api_key = SECRET }
    local model = 'odd "model"\\ with\na newline'
    gentask.settle { fox:submit(model, { prompt = "x [http=400]" }) }
    local text = metrics.prometheus(fox:metrics())
    assert.truthy(text:find('model="odd \\"model\\"\\\\ with\\na newline"', 1, true), text)
    local parsed = prometheus.parse(text)
    assert.equal(1, prometheus.total(parsed, "gentask_tasks_total", { model = model }))
  end)

  it("never hold the key, even where the provider echoes it", function()
    local fox = sim:foxapi { api_key = SECRET }
    local _, err = fox:submit("flux-dev", { prompt = "x [echo-key]" }):result()
    assert.equal("invalid_request", err.kind)
    local text = metrics.prometheus()
    assert.is_nil(text:find(SECRET, 1, true))
    assert.is_nil(require("cjson").encode(gentask.metrics()):find(SECRET, 1, true))
    assert.is_nil(require("cjson").encode(fox:metrics()):find(SECRET, 1, true))
  end)

  it("sums snapshots that went through JSON, as OpenResty's workers hand them over", function()
    local cjson = require "cjson"
    local fox = sim:foxapi { api_key = SECRET }
    settle_all { fox:submit("flux-dev", { prompt = "json" }) }
    local one = cjson.decode(cjson.encode(fox:metrics()))
    local sum = metrics.sum { one, cjson.decode(cjson.encode(metrics.sum { one })) }
    assert.equal(2 * requests(fox:metrics(), { phase = "submit" }), requests(sum.providers.foxapi, { phase = "submit" }))
    local parsed = prometheus.parse(metrics.prometheus(sum))
    assert.equal(2, prometheus.total(parsed, "gentask_tasks_total", { provider = "foxapi", outcome = "succeeded" }))
  end)
end)
