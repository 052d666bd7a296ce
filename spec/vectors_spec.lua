-- Every provider's vectors, through gentask.classify and through a real HTTP round trip against
-- the simulator: the same rows, the same expectations, both ways.
local gentask = require "gentask"
local Sim = require "support.sim"

local PROVIDERS = { "foxapi", "bfl", "flora", "modelslab", "apixo" }
-- Providers without a simulator dialect (csrc/sim) yet: their rows run through gentask.classify
-- only, one line per group of profiles
local CLASSIFY_ONLY = {}
local function classify_only(names) for _, name in ipairs(names) do CLASSIFY_ONLY[#CLASSIFY_ONLY + 1] = name end end
classify_only { "minimax", "veo", "openrouter", "higgsfield", "kling" }
classify_only { "replicate", "fal", "runway", "luma", "ideogram" }
local kinds = gentask.errors.kinds

local function row_name(row)
  if row.name then return row.name end
  if row.http then return ("HTTP %d%s"):format(row.http, row.code and " " .. row.code or "") end
  return "failed with " .. row.fail
end

-- What a row expects of the error table; submitted only exists where the engine submitted.
local function expect(row)
  local retryable = row.retryable
  if retryable == nil then retryable = kinds[row.kind] end
  return {
    kind = row.kind,
    retryable = retryable,
    phase = row.phase or (row.fail and "poll") or "submit",
    code = row.code or row.fail,
    stage = row.stage,
    status = row.status or row.http,
    retry_after = row.retry_after,
    message = row.said,   -- the error's message, where the row says what the provider said
  }
end

local function check(err, want)
  assert.is_true(gentask.errors.is(err), "a typed error table: " .. tostring(err))
  assert.equal(want.kind, err.kind)
  assert.equal(want.retryable, err.retryable)
  assert.equal(want.phase, err.phase)
  assert.equal("string", type(err.message))
  for _, field in ipairs { "code", "stage", "status", "retry_after", "message" } do
    if want[field] ~= nil then assert.equal(want[field], err[field], field) end
  end
end

local function classify_input(vectors, row)
  if row.response then
    local r = row.response
    return { phase = r.phase or expect(row).phase, status = r.status, headers = r.headers, body = r.body }
  end
  if row.http then
    -- vectors.request_id: true for FLORA's request-id, or the header's name
    local id_header = vectors.request_id == true and "request-id" or vectors.request_id
    local headers = row.headers or (id_header and { [id_header] = "req_vector" }) or nil
    return { phase = "submit", status = row.http, headers = headers,
             body = vectors.http_body(row.http, row.code, row.message) }
  end
  if row.fail then return { phase = "poll", status = 200, body = vectors.failed_body(row.fail) } end
end

local function scenario_of(vectors, row)
  if row.scenario then return row.scenario end
  if row.http then return vectors.http_scenario and vectors.http_scenario(row) or ("http=" .. row.http) end
  if row.fail then return "fail=" .. row.fail:gsub(" ", "_") end
end

local hostile = require "vectors.hostile"

-- A success row says how many results of each sort it carries: URLs, and text (FLORA's outputs
-- of type "text"), which must never pass for a URL.
local function check_results(reading, want)
  assert.equal(want.urls or 0, #reading.urls, "urls")
  assert.equal(want.texts or 0, #(reading.texts or {}), "texts")
  if want.urls and want.urls > 0 then assert.equal(reading.urls[1], reading.url or reading.urls[1]) end
end

local function over_http(provider)
  for _, name in ipairs(PROVIDERS) do if name == provider then return true end end
  return false
end

local every = {}
for _, name in ipairs(PROVIDERS) do every[#every + 1] = name end
for _, name in ipairs(CLASSIFY_ONLY) do every[#every + 1] = name end

for _, provider in ipairs(every) do
  local vectors = require("vectors." .. provider)
  local rows = {}
  for _, row in ipairs(vectors.rows) do rows[#rows + 1] = row end
  for _, row in ipairs(hostile) do
    if not (vectors.skip_hostile or {})[row.name] then rows[#rows + 1] = row end
  end

  describe(provider .. " vectors through classify", function()
    for _, row in ipairs(rows) do
      local input = classify_input(vectors, row)
      if input and row.result then
        it(row_name(row) .. " → a result", function()
          input.provider = provider
          local err, reading = gentask.classify(input)
          assert.is_nil(err, err and tostring(err))
          assert.equal("succeeded", reading.state)
          check_results(reading, row.result)
        end)
      elseif input then
        it(row_name(row) .. " → " .. row.kind, function()
          input.provider = provider
          local err = gentask.classify(input)
          check(err, expect(row))
          local id_header = vectors.request_id == true and "request-id" or vectors.request_id
          if id_header and input.headers and input.headers[id_header] then assert.truthy(err.request_id) end
          if row.request_id then assert.equal(row.request_id, err.request_id) end
        end)
      end
    end
  end)

  if over_http(provider) then describe(provider .. " vectors over HTTP", function()
    local sim, new_client
    setup(function()
      sim = Sim.start "--duration-ms 60"
      local profile = require("gentask.providers." .. provider)
      if vectors.test_profile then   -- a deep copy, tweaked for tests (shorter grace periods, say)
        local function copy(t)
          if type(t) ~= "table" then return t end
          local c = {}
          for k, v in pairs(t) do c[k] = copy(v) end
          return c
        end
        profile = copy(profile)
        vectors.test_profile(profile)
      end
      -- one response, one reading: no retries (spec/retry_spec.lua covers them)
      -- a client per row: a row's 429 pauses its client's submits, which must not hold the next row
      -- a refused submit waits at least 1 s before it goes again (a backoff of 2 s), past the 0.6 s
      -- deadline: no resend is on the wire when the deadline comes, so what the deadline says was
      -- sent is the one answer's (with the fast backoff of other specs a resend every few ms could
      -- be cut short by the deadline, and would then rightly say "unknown")
      new_client = function()
        return sim:client(provider, { provider = profile, poll_interval = 0.02, max_body_bytes = 1024 * 1024,
                                      timeout = 5, max_retries = 0, task_timeout = 0.6,
                                      backoff_initial = 2, backoff_max = 2 })
      end
    end)
    teardown(function() sim:stop() end)

    for _, row in ipairs(rows) do
      local scenario = scenario_of(vectors, row)
      if scenario and row.result and not row.classify_only then
        it(row_name(row) .. " [" .. scenario .. "] → a result", function()
          local task = new_client():submit(vectors.model or "test-model", { prompt = "vector [" .. scenario .. "]" })
          local value, err = task:result()
          assert.is_nil(err, err and tostring(err))
          check_results(value, row.result)
          assert.equal("succeeded", task.state)
        end)
      elseif scenario and not row.classify_only then
        it(row_name(row) .. " [" .. scenario .. "] → " .. row.kind, function()
          local task = new_client():submit(vectors.model or "test-model", { prompt = "vector [" .. scenario .. "]" })
          local value, err = task:result()
          assert.is_nil(value)
          local want = expect(row)
          -- an answer that is no answer (a 429 or 503 on a submit, a failed or garbled poll) is
          -- waited out until the task's deadline, which then names it as its cause
          local seen = err
          if err.kind == "deadline_exceeded" and want.kind ~= "deadline_exceeded" then
            assert.is_table(err.cause, "the deadline names what kept the task waiting")
            seen = err.cause
          end
          check(seen, want)
          if row.submitted then assert.equal(row.submitted, err.submitted) end
          if row.request_id then assert.equal(row.request_id, seen.request_id) end
          if vectors.request_id and not row.no_response and not row.no_request_id then
            assert.truthy(seen.request_id, "the request-id header reached the error")
          end
          if want.phase == "poll" then assert.equal(task.id, seen.task_id) end
          assert.equal(err.kind == "cancelled" and "cancelled" or "failed", task.state)
          local ok, raised = pcall(task.wait, task)   -- wait() raises the very same table
          assert.is_false(ok)
          assert.equal(err, raised)
        end)
      end
    end
  end) end
end
