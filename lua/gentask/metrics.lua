--- Metrics snapshots summed and rendered in Prometheus' text format.
-- A client's snapshot (client:metrics()) is { provider =, in_flight =, queued =, resends =,
-- rate_limited =, pauses =, refused =, budget_refusals =, requests = { … }, tasks = { … },
-- currency =, spent =, spent_estimated = (where the profile says what tasks cost),
-- bounds = { request = { … }, task = { … } } }; gentask.metrics() and sum() give
-- { providers = { [name] = the same without provider }, bounds = { … } }. A snapshot is plain
-- data (numbers, strings, tables): it survives a JSON round trip. docs/metrics.md lists every
-- metric; the names follow OpenTelemetry's HTTP-client conventions where one fits.
-- @module gentask.metrics
-- @usage
-- local gentask = require "gentask"
-- local metrics = require "gentask.metrics"
-- local text = metrics.prometheus(gentask.metrics())   -- every client of this process
-- local one = metrics.prometheus(client:metrics())    -- one client
-- local all = metrics.sum { snapshot_a, snapshot_b }  -- several processes' (OpenResty workers')

local metrics = {}

local COUNTERS = { "resends", "rate_limited", "pauses", "refused", "budget_refusals" }
local GAUGES = { "in_flight", "queued" }

local function new_provider()
  local p = { requests = {}, tasks = {} }
  for _, name in ipairs(COUNTERS) do p[name] = 0 end
  for _, name in ipairs(GAUGES) do p[name] = 0 end
  return p
end

local function request_key(r)
  return ("%s\0%d\0%s"):format(r.phase, r.status, r.error or "")
end

local function task_key(t)
  return t.model .. "\0" .. t.outcome
end

local function same_bounds(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do if a[i] ~= b[i] then return false end end
  return true
end

-- series (a request's or a task's) added into the list `into`, found by key through `index`
local function add_series(into, index, key, series)
  local s = index[key]
  if not s then
    s = { count = 0, sum = 0, buckets = {} }
    for k, v in pairs(series) do
      if type(v) ~= "table" and k ~= "count" and k ~= "sum" then s[k] = v end
    end
    for i = 1, #series.buckets do s.buckets[i] = 0 end
    index[key] = s
    into[#into + 1] = s
  end
  s.count = s.count + series.count
  s.sum = s.sum + series.sum
  for i = 1, #series.buckets do s.buckets[i] = s.buckets[i] + series.buckets[i] end
end

local function add_provider(sum, indexes, name, p)
  local into = sum.providers[name]
  if not into then
    into = new_provider()
    sum.providers[name] = into
    indexes[name] = { requests = {}, tasks = {} }
  end
  for _, field in ipairs(COUNTERS) do into[field] = into[field] + (p[field] or 0) end
  for _, field in ipairs(GAUGES) do into[field] = into[field] + (p[field] or 0) end
  if p.currency then -- one provider's prices are in one currency
    into.currency = p.currency
    into.spent = (into.spent or 0) + (p.spent or 0)
    into.spent_estimated = (into.spent_estimated or 0) + (p.spent_estimated or 0)
  end
  for _, r in ipairs(p.requests or {}) do add_series(into.requests, indexes[name].requests, request_key(r), r) end
  for _, t in ipairs(p.tasks or {}) do add_series(into.tasks, indexes[name].tasks, task_key(t), t) end
end

--- One snapshot of every provider the snapshots hold.
-- Counters, gauges and histograms are added (the gauges too: in flight in two processes is in
-- flight twice). Each snapshot may be a client's or a sum; their histograms must have the same
-- bounds.
-- @tparam {table,...} snapshots the snapshots
-- @treturn table the sum
function metrics.sum(snapshots)
  if type(snapshots) ~= "table" then error("metrics.sum expects a list of snapshots", 2) end
  local sum = { providers = {} }
  local indexes = {}
  for i, snap in ipairs(snapshots) do
    if type(snap) ~= "table" or type(snap.bounds) ~= "table" then
      error(("metrics.sum: snapshot %d is not a metrics snapshot"):format(i), 2)
    end
    if not sum.bounds then
      sum.bounds = snap.bounds
    elseif not (same_bounds(sum.bounds.request, snap.bounds.request)
                and same_bounds(sum.bounds.task, snap.bounds.task)) then
      error(("metrics.sum: snapshot %d has other histogram bounds"):format(i), 2)
    end
    if snap.provider then
      add_provider(sum, indexes, snap.provider, snap)
    else
      for name, p in pairs(snap.providers or {}) do add_provider(sum, indexes, name, p) end
    end
  end
  sum.bounds = sum.bounds or { request = {}, task = {} }
  return sum
end

-- ---- Prometheus' text format (exposition format 0.0.4) ------------------------------------------

local function escape_label(value)
  return (tostring(value):gsub("[\\\"\n]", { ["\\"] = "\\\\", ['"'] = '\\"', ["\n"] = "\\n" }))
end

-- integers as integers; other numbers with as many digits as they need to read back
local function number(x)
  if x == math.huge then return "+Inf" end
  if x == math.floor(x) and math.abs(x) < 2 ^ 53 then return ("%d"):format(x) end
  local short = ("%.15g"):format(x)
  return tonumber(short) == x and short or ("%.17g"):format(x)
end

-- {a="x",b="y"} from a list of { name, value } (a nil value leaves the label out)
local function labels(pairs_list)
  local parts = {}
  for _, pair in ipairs(pairs_list) do
    if pair[2] ~= nil then parts[#parts + 1] = ('%s="%s"'):format(pair[1], escape_label(pair[2])) end
  end
  return #parts > 0 and "{" .. table.concat(parts, ",") .. "}" or ""
end

local function sorted_names(providers)
  local names = {}
  for name in pairs(providers) do names[#names + 1] = name end
  table.sort(names)
  return names
end

-- One family: its HELP and TYPE lines, then its samples from each provider (samples(out, name, p)).
local function family(out, snap, names, name, kind, help, samples)
  out[#out + 1] = ("# HELP %s %s"):format(name, help)
  out[#out + 1] = ("# TYPE %s %s"):format(name, kind)
  for _, provider in ipairs(names) do samples(out, provider, snap.providers[provider]) end
end

local function sample(out, name, label_list, value)
  out[#out + 1] = name .. labels(label_list) .. " " .. number(value)
end

local function histogram(out, name, label_list, series, bounds)
  local with_le = {}
  for i, pair in ipairs(label_list) do with_le[i] = pair end
  local le = #with_le + 1
  for i, bound in ipairs(bounds) do
    with_le[le] = { "le", number(bound) }
    sample(out, name .. "_bucket", with_le, series.buckets[i] or 0)
  end
  with_le[le] = { "le", "+Inf" }
  sample(out, name .. "_bucket", with_le, series.count)
  sample(out, name .. "_sum", label_list, series.sum)
  sample(out, name .. "_count", label_list, series.count)
end

local function by_labels(list, fields)
  local sorted = {}
  for i = 1, #list do sorted[i] = list[i] end
  table.sort(sorted, function(a, b)
    for _, f in ipairs(fields) do
      local x, y = tostring(a[f] or ""), tostring(b[f] or "")
      if x ~= y then return x < y end
    end
    return false
  end)
  return sorted
end

local function request_labels(provider, r)
  return { { "provider", provider }, { "phase", r.phase }, { "status", number(r.status) }, { "error", r.error } }
end

local function task_labels(provider, t)
  return { { "provider", provider }, { "model", t.model }, { "outcome", t.outcome } }
end

local PER_PROVIDER = {
  { "gentask_tasks_in_flight", "gauge", "in_flight", "Tasks holding a place: submitting or polling." },
  { "gentask_tasks_queued", "gauge", "queued", "Tasks waiting for a place under max_in_flight or a pause." },
  { "gentask_resends_total", "counter", "resends",
    "Submit requests sent again for the same generation (http.request.resend_count)." },
  { "gentask_rate_limited_total", "counter", "rate_limited", "Answers with HTTP status 429, any phase." },
  { "gentask_pauses_total", "counter", "pauses", "Pauses of the submits begun after a 429 or a refusal." },
  { "gentask_refused_total", "counter", "refused", "Submits refused in a way that proves nothing was taken." },
  { "gentask_budget_refusals_total", "counter", "budget_refusals",
    "Tasks ended budget_exceeded before anything was sent." },
}

--- Text in Prometheus' exposition format (version 0.0.4).
-- Serve it with Content-Type "text/plain; version=0.0.4".
-- @tparam[opt] table snap a client's snapshot, a sum, or nil: every client of this process
-- (gentask.metrics())
-- @treturn string the text
function metrics.prometheus(snap)
  if snap == nil then snap = require("gentask").metrics() end
  if type(snap) ~= "table" or type(snap.bounds) ~= "table" then
    error("metrics.prometheus expects a metrics snapshot", 2)
  end
  if snap.provider then snap = metrics.sum { snap } end
  local names = sorted_names(snap.providers)
  local out = {}
  family(out, snap, names, "http_client_request_duration_seconds", "histogram",
    "Duration of HTTP client requests (http.client.request.duration), by provider, phase and status.",
    function(o, provider, p)
      for _, r in ipairs(by_labels(p.requests, { "phase", "status", "error" })) do
        histogram(o, "http_client_request_duration_seconds", request_labels(provider, r), r, snap.bounds.request)
      end
    end)
  family(out, snap, names, "gentask_requests_total", "counter",
    "HTTP requests ended, by provider, phase and status (0 with error: no answer).",
    function(o, provider, p)
      for _, r in ipairs(by_labels(p.requests, { "phase", "status", "error" })) do
        sample(o, "gentask_requests_total", request_labels(provider, r), r.count)
      end
    end)
  family(out, snap, names, "gentask_task_duration_seconds", "histogram",
    "Tasks from submit to their end, by provider, model and outcome.",
    function(o, provider, p)
      for _, t in ipairs(by_labels(p.tasks, { "model", "outcome" })) do
        histogram(o, "gentask_task_duration_seconds", task_labels(provider, t), t, snap.bounds.task)
      end
    end)
  family(out, snap, names, "gentask_tasks_total", "counter",
    "Tasks ended, by provider, model and outcome (succeeded, or the error's kind).",
    function(o, provider, p)
      for _, t in ipairs(by_labels(p.tasks, { "model", "outcome" })) do
        sample(o, "gentask_tasks_total", task_labels(provider, t), t.count)
      end
    end)
  family(out, snap, names, "gentask_cost_total", "counter",
    "What ended tasks cost, in the provider's currency: reported by it, or estimated from the profile's prices.",
    function(o, provider, p)
      if not p.currency then return end
      local estimated = p.spent_estimated or 0
      for _, part in ipairs { { "reported", (p.spent or 0) - estimated }, { "price table", estimated } } do
        sample(o, "gentask_cost_total", { { "provider", provider }, { "currency", p.currency }, { "source", part[1] } },
          part[2])
      end
    end)
  for _, m in ipairs(PER_PROVIDER) do
    family(out, snap, names, m[1], m[2], m[4], function(o, provider, p)
      sample(o, m[1], { { "provider", provider } }, p[m[3]] or 0)
    end)
  end
  return table.concat(out, "\n") .. "\n"
end

return metrics
