-- A task on each provider end to end against the simulator, and each provider's quirks.
local gentask = require "gentask"
local Sim = require "support.sim"

local MODELS = { foxapi = "flux-dev", bfl = "flux-pro-1.1", flora = "thumbnail-v3", modelslab = "flux", apixo = "gpt-image-1" }

describe("every provider", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 300" end)
  teardown(function() sim:stop() end)

  for provider, model in pairs(MODELS) do
    it(provider .. " runs a task end to end: submit, progress, result URLs", function()
      local client = sim:client(provider, { poll_interval = 0.03 })
      local task = client:submit(model, { prompt = "a red fox in snow [n=2] [eta=10]", width = 1024, height = 768 })
      local progress = {}
      task:on("progress", function(_, pct) progress[#progress + 1] = pct end)
      local result = task:wait()
      assert.equal("succeeded", task.state)
      assert.equal(provider, result.provider)
      assert.truthy(task.id)
      assert.equal(provider == "bfl" and 1 or 2, #result.urls)   -- BFL gives one sample per task
      for _, url in ipairs(result.urls) do assert.truthy(url:match("^" .. sim.url .. "/files/.+%.png$"), url) end
      assert.equal(100, task.progress)
      if provider ~= "modelslab" and provider ~= "apixo" then   -- these two report no progress
        assert.is_true(#progress >= 2, provider .. " reported progress as it went")
      end
    end)
  end
end)

describe("provider quirks", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 100" end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  it("BFL: polls the polling_url it was given, or builds get_result when none came", function()
    local bfl = sim:client("bfl", { poll_interval = 0.02 })
    assert.equal(1, #bfl:submit("flux-dev", { prompt = "x" }):wait().urls)
    assert.equal(1, #bfl:submit("flux-dev", { prompt = "x [no-polling-url]" }):wait().urls)
  end)

  it("BFL: follows a regional polling_url where the global one would not know the task", function()
    local bfl = sim:client("bfl", { poll_interval = 0.02 })
    assert.equal(1, #bfl:submit("flux-dev", { prompt = "x [regional-polling-url]" }):wait().urls)
  end)

  it("BFL: waits out a 'Task not found' just after submit (replication lag)", function()
    local bfl = sim:client("bfl", { poll_interval = 0.02 })
    local result = bfl:submit("flux-dev", { prompt = "x [notfound-first=3]" }):wait()
    assert.equal(1, #result.urls)
    local _, entry = next(sim:stats(true).tasks)
    assert.is_true(entry.polls >= 4)
  end)

  it("FLORA: the request-id header reaches the task and its errors, camelCase and snake_case alike", function()
    local flora = sim:client("flora", { poll_interval = 0.02 })
    local task = flora:submit("thumbnail-v3", { prompt = "x" })
    task:wait()
    assert.truthy(task.request_id)
    assert.equal(1, #flora:submit("thumbnail-v3", { prompt = "x [case=snake]" }):wait().urls)
    local _, err = flora:submit("thumbnail-v3", { prompt = "x [http=402:insufficient_credits]" }):result()
    assert.truthy(err.request_id)
  end)

  it("FLORA: the same idempotency key twice is one run, not two", function()
    local flora = sim:client("flora", { poll_interval = 0.02 })
    local a = flora:submit("thumbnail-v3", { prompt = "once", idempotency_key = "spec-key-1" })
    local b = flora:submit("thumbnail-v3", { prompt = "once", idempotency_key = "spec-key-1" })
    a:wait()
    b:wait()
    assert.equal(a.id, b.id)
    local stats = sim:stats()
    assert.equal(1, stats.accepted)
    assert.equal(2, stats.idempotency_keys["spec-key-1"])
  end)

  it("FLORA: every submit gets an idempotency key of its own", function()
    local flora = sim:client("flora", { poll_interval = 0.02 })
    gentask.all { flora:submit("thumbnail-v3", { prompt = "a" }), flora:submit("thumbnail-v3", { prompt = "a" }) }
    local keys = 0
    for _ in pairs(sim:stats().idempotency_keys) do keys = keys + 1 end
    assert.equal(2, keys)
  end)

  it("ModelsLab: an instant success needs no poll; the key travels in the body only", function()
    local ml = sim:client("modelslab", { poll_interval = 0.02 })
    local result = ml:submit("flux", { prompt = "x [instant]" }):wait()
    assert.equal(1, #result.urls)
    assert.equal(0, sim:stats().polls)
    local later = ml:submit("flux", { prompt = "x" }):wait()   -- processing, then fetched
    assert.equal(1, #later.urls)
    assert.is_true(sim:stats().polls >= 1)
  end)

  it("ModelsLab: the server's own validation comes back as invalid_request", function()
    local ml = sim:client("modelslab")
    local _, err = ml:submit("flux", { prompt = "x", width = 4096 }):result()
    assert.equal("invalid_request", err.kind)
    assert.equal("no", err.submitted)
  end)

  it("APIXO: reads result URLs from the JSON inside resultJson", function()
    local apixo = sim:client("apixo", { poll_interval = 0.02 })
    local result = apixo:submit("gpt-image-1", { prompt = "x [n=3]" }):wait()
    assert.equal(3, #result.urls)
  end)

  it("a provider gentask has never heard of runs from a profile table alone", function()
    local acme = {
      name = "acme",
      auth = { header = "X-Api-Token", prefix = "" },
      request = function(model, params)
        return { path = "/jobs", body = { recipe = model, params = params } }
      end,
      poll = { method = "GET", path = "/jobs/{id}" },
      fields = {
        id = "job.ref", state = "job.phase", progress = "job.percent",
        results = "job.assets[].href",
        error_code = { "job.problem.kind", "error.code" },
        error_message = { "job.problem.detail", "error.message" },
      },
      states = {
        queued = "pending", working = "running", done = "succeeded", broken = "failed",
        refused = { state = "failed", kind = "moderated", stage = "input" },
      },
      codes = { out_of_gpus = "unavailable", nsfw = { kind = "moderated", stage = "output" } },
    }
    local client = gentask.client { provider = acme, api_key = Sim.key, base_url = sim.url .. "/acme", poll_interval = 0.02 }
    local result = client:submit("portrait", { prompt = "a fox [n=2]" }):wait()
    assert.equal(2, #result.urls)
    assert.equal("acme", result.provider)
    local _, err = client:submit("portrait", { prompt = "x [fail=nsfw]" }):result()
    assert.equal("moderated", err.kind)
    assert.equal("output", err.stage)
    local _, refused = client:submit("portrait", { prompt = "x [fail=refused]" }):result()
    assert.equal("moderated", refused.kind)
    assert.equal("input", refused.stage)
    local _, auth = gentask.client({ provider = acme, api_key = "wrong", base_url = sim.url .. "/acme" })
      :submit("portrait", { prompt = "x" }):result()
    assert.equal("authentication", auth.kind)
  end)
end)
