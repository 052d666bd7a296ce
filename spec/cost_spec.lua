-- What a task cost: reported by the provider's answers (BFL's credits in its submit answer,
-- FLORA's USD on the run), else the profile's price table from the model and the request; a task
-- never taken costs nothing, a failure the provider does not charge costs 0, and the client's
-- stats add them up. Against the simulator over loopback.
local gentask = require "gentask"
local metrics = require "gentask.metrics"
local prometheus = require "support.prometheus"
local Sim = require "support.sim"

local function close_to(expected, actual)
  assert.is_true(math.abs(expected - actual) < 1e-9, ("expected %s, got %s"):format(expected, actual))
end

-- BFL's profile without its reported field: the price table is all it has
local function bfl_unreported()
  local profile = Sim.profile_with("bfl", {})
  local fields = {}
  for k, v in pairs(profile.fields) do fields[k] = v end
  fields.cost = nil
  profile.fields = fields
  return profile
end

describe("a task's cost", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 50" end)
  teardown(function() sim:stop() end)

  it("is what BFL's submit answer reports, in credits worth a cent each", function()
    local c = sim:client "bfl"
    local result = assert(c:submit("flux-pro-1.1", { prompt = "a fox [n=2]" }):wait(10))
    assert.same({ amount = 0.08, currency = "USD", source = "reported" }, result.cost)
    local s = c:stats()
    close_to(0.08, s.spent)
    close_to(0, s.spent_estimated)
    assert.equal("USD", s.currency)
    c:close()
  end)

  it("is what FLORA reports on the run, in USD", function()
    local c = sim:client "flora"
    local result = assert(c:submit("portrait", { prompt = "a fox" }):wait(10))
    assert.equal("reported", result.cost.source)
    close_to(2.0, result.cost.amount)
    c:close()
  end)

  it("comes from the price table where nothing is reported: per image, per megapixel", function()
    local c = sim:client(bfl_unreported())
    local per_image = assert(c:submit("flux-kontext-max", { prompt = "a fox" }):wait(10))
    assert.same({ amount = 0.08, currency = "USD", source = "price table" }, per_image.cost)
    local per_mp = assert(c:submit("flux-2-pro", { prompt = "a fox", width = 2048, height = 1024 }):wait(10))
    close_to(0.03 * 2048 * 1024 / 1e6, per_mp.cost.amount)
    -- a model the table does not name, or a megapixel price without the size: unknown, not guessed
    assert.is_nil(assert(c:submit("flux-dev", { prompt = "a fox" }):wait(10)).cost)
    assert.is_nil(assert(c:submit("flux-2-max", { prompt = "a fox" }):wait(10)).cost)
    local s = c:stats()
    close_to(0.08 + 0.03 * 2048 * 1024 / 1e6, s.spent)
    close_to(s.spent, s.spent_estimated)
    c:close()
  end)

  it("is counted in the metrics by source, the same as in stats", function()
    local reported, estimated = sim:client "bfl", sim:client(bfl_unreported())
    assert(reported:submit("flux-pro-1.1", { prompt = "a fox" }):wait(10))
    assert(estimated:submit("flux-kontext-max", { prompt = "a fox" }):wait(10))
    local parsed = prometheus.parse(metrics.prometheus(metrics.sum { reported:metrics(), estimated:metrics() }))
    local function cost(source)
      return prometheus.total(parsed, "gentask_cost_total", { provider = "bfl", currency = "USD", source = source })
    end
    close_to(reported:stats().spent, cost "reported")
    close_to(estimated:stats().spent_estimated, cost "price table")
    close_to(0.04, cost "reported")
    close_to(0.08, cost "price table")
    reported:close()
    estimated:close()
  end)

  it("is nothing for a task the provider never took", function()
    local c = sim:client("bfl", { api_key = "wrong-key" })
    local _, err = c:submit("flux-pro-1.1", { prompt = "a fox" }):result(10)
    assert.equal("authentication", err.kind)
    assert.same({ amount = 0, currency = "USD", source = "not sent" }, err.cost)
    close_to(0, c:stats().spent)
    c:close()
  end)

  it("is nothing for a failure the provider does not charge, whatever the submit quoted", function()
    local c = sim:client "bfl"
    local _, err = c:submit("flux-pro-1.1", { prompt = "a fox [fail=Content_Moderated]" }):result(10)
    assert.equal("moderated", err.kind)
    assert.same({ amount = 0, currency = "USD", source = "price table" }, err.cost)
    c:close()
  end)

  it("is absent where the profile says nothing of cost", function()
    local c = sim:client "foxapi"
    local result = assert(c:submit("gpt-image-1", { prompt = "a fox" }):wait(10))
    assert.is_nil(result.cost)
    assert.is_nil(c:stats().spent)
    c:close()
  end)
end)

describe("a cost a response header reports: fal's billed units on the result fetch", function()
  local sim
  setup(function() sim = Sim.start() end)   -- replay/fal.json, served under /fal
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  -- fal's profile with a price for the replayed endpoint (its own has none: see the profile)
  local function fal_priced(models)
    return Sim.profile_with("fal", { cost = { currency = "USD", header = "x-fal-billable-units",
      prices = { source = "https://example.com/fal-prices", date = "2026-12-07", unit = "megapixel",
                 models = models } } })
  end
  local prompt = { prompt = "replay:success a fal fox" }

  it("is the billed units times the endpoint's unit price, as reported", function()
    -- a megapixel price with no size in the body: the price table alone could not say
    local c = sim:client(fal_priced { ["fal-ai/fast-sdxl"] = 0.0125 })
    local result = assert(c:submit("fal-ai/fast-sdxl", prompt):wait(10))
    assert.same({ amount = 0.0125, currency = "USD", source = "reported" }, result.cost)
    close_to(0.0125, c:stats().spent)
    close_to(0, c:stats().spent_estimated)
    sim:replay_matched()
    c:close()
  end)

  it("is unknown where no price names the endpoint", function()
    local c = sim:client(fal_priced { ["fal-ai/flux/dev"] = 0.025 })
    assert.is_nil(assert(c:submit("fal-ai/fast-sdxl", prompt):wait(10)).cost)
    c:close()
  end)
end)

describe("the built-in price tables, where nothing is reported", function()
  local sim
  setup(function() sim = Sim.start() end)   -- the replayed providers, each under /NAME
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  it("price Veo per second of the duration asked", function()
    local c = sim:client "veo"
    local result = assert(c:submit("veo-3.0-generate-001", { prompt = "replay:success a fox", durationSeconds = 8 })
      :wait(10))
    assert.equal("price table", result.cost.source)
    close_to(8 * 0.40, result.cost.amount)
    -- a model the page's copies disagree on is not priced
    assert.is_nil(assert(c:submit("veo-3.1-fast-generate-preview", { prompt = "replay:success a fox",
                                                                     durationSeconds = 8 }):wait(10)).cost)
    sim:replay_matched()
    c:close()
  end)

  it("price Replicate's official models per output, and no time-billed one", function()
    local c = sim:client "replicate"
    local result = assert(c:submit("black-forest-labs/flux-pro", { prompt = "replay:success a fox" }):wait(10))
    assert.same({ amount = 0.055, currency = "USD", source = "price table" }, result.cost)
    assert.is_nil(assert(c:submit("black-forest-labs/flux-schnell", { prompt = "replay:success a fox" }):wait(10)).cost)
    sim:replay_matched()
    c:close()
  end)
end)

describe("a failure the provider's documents say it does not charge", function()
  local sim
  setup(function() sim = Sim.start() end)   -- the replayed providers, each under /NAME
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  local free = { amount = 0, currency = "USD", source = "price table" }
  -- provider, model, scenario, the kind its replay ends with
  local cases = {
    { "luma", "photon-1", "failed", "generation_failed" },    -- refunded
    { "luma", "photon-1", "moderated", "moderated" },
    { "higgsfield", "higgsfield-ai/soul/standard", "failed", "generation_failed" },
    { "higgsfield", "higgsfield-ai/soul/standard", "moderated", "moderated" },   -- nsfw
    { "fal", "fal-ai/fast-sdxl", "failed", "generation_failed" },   -- only successful outputs
    { "ideogram", "ideogram-4-5", "failed", "generation_failed" },
  }
  for _, case in ipairs(cases) do
    local name, model, scenario, kind = case[1], case[2], case[3], case[4]
    it(("costs nothing: %s, %s"):format(name, scenario), function()
      local c = sim:client(name)
      local _, err = c:submit(model, { prompt = ("replay:%s a fox"):format(scenario) }):result(10)
      assert.equal(kind, err.kind)
      assert.same(free, err.cost)
      sim:replay_matched()
      c:close()
    end)
  end

  it("is still charged where the documents do not say otherwise: fal's 422 content policy", function()
    local c = sim:client "fal"
    local _, err = c:submit("fal-ai/fast-sdxl", { prompt = "replay:moderated a fox" }):result(10)
    assert.equal("moderated", err.kind)
    assert.is_nil(err.cost)
    c:close()
  end)
end)

describe("a client's prices option", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 50" end)
  teardown(function() sim:stop() end)
  local prices = { source = "https://example.com/our-contract", date = "2026-12-01",
                   models = { ["flux-kontext-max"] = 0.5, ["flux-2-pro"] = { amount = 0.02, unit = "megapixel" } } }

  it("replaces the profile's price table for this client alone", function()
    local own = sim:client(bfl_unreported(), { prices = prices })
    local result = assert(own:submit("flux-kontext-max", { prompt = "a fox" }):wait(10))
    assert.same({ amount = 0.5, currency = "USD", source = "price table" }, result.cost)
    local per_mp = assert(own:submit("flux-2-pro", { prompt = "a fox", width = 1024, height = 1024 }):wait(10))
    close_to(0.02 * 1024 * 1024 / 1e6, per_mp.cost.amount)
    -- replaced, not merged: a model only the profile's table names is unknown here
    assert.is_nil(assert(own:submit("flux-pro-1.1", { prompt = "a fox" }):wait(10)).cost)
    -- another client of the same profile keeps the profile's prices
    local other = sim:client(bfl_unreported())
    assert.same({ amount = 0.08, currency = "USD", source = "price table" },
                assert(other:submit("flux-kontext-max", { prompt = "a fox" }):wait(10)).cost)
    own:close()
    other:close()
  end)

  local function refused(option, provider)
    local ok, err = pcall(sim.client, sim, provider or "bfl", { prices = option })
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.is_nil(tostring(err):find(Sim.key, 1, true), "the key is in the error")
    return err.message
  end

  it("is a usage error when malformed, as a profile's table would be", function()
    assert.truthy(refused("cheap"):find("prices must be a table", 1, true))
    assert.truthy(refused({ date = "2026-12-01", models = {} }):find("prices.source", 1, true))
    assert.truthy(refused({ source = "x", date = "December", models = {} }):find("YYYY-MM-DD", 1, true))
    assert.truthy(refused({ source = "x", date = "2026-12-01", models = { m = -1 } }):find("prices.models['m']", 1, true))
    assert.truthy(refused({ source = "x", date = "2026-12-01", unit = "frame", models = {} }):find("prices.unit", 1, true))
    assert.truthy(refused({ source = "x", date = "2026-12-01", models = { m = { amount = 1, unit = "frame" } } })
      :find("prices.models['m'].unit", 1, true))
  end)

  it("is refused for a provider whose profile names no cost currency", function()
    assert.truthy(refused(prices, "foxapi"):find("no cost currency", 1, true))
  end)
end)

describe("a profile's cost table", function()
  local function refused(cost, fields)
    local profile = Sim.profile_with("bfl", { cost = cost, fields = fields })
    local ok, err = pcall(gentask.client, { provider = profile, api_key = "k" })
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    return err.message
  end
  local prices = { source = "https://example.com/pricing", date = "2026-12-07", models = { m = 1 } }

  it("needs a currency of letters and a scale above zero", function()
    assert.truthy(refused({ scale = 0.01 }):find("currency", 1, true))
    assert.truthy(refused({ currency = "US$" }):find("currency", 1, true))
    assert.truthy(refused({ currency = "USD", scale = 0 }):find("scale", 1, true))
  end)

  it("names the page its prices come from and the day they were read", function()
    assert.truthy(refused({ currency = "USD", prices = { date = "2026-12-07", models = {} } }):find("source", 1, true))
    assert.truthy(refused({ currency = "USD", prices = { source = "x", date = "today", models = {} } })
      :find("YYYY-MM-DD", 1, true))
  end)

  it("refuses a price that is not an amount, and a unit it does not know", function()
    local bad = { source = prices.source, date = prices.date, models = { m = -1 } }
    assert.truthy(refused({ currency = "USD", prices = bad }):find("models['m']", 1, true))
    bad.models = { m = { amount = 1, unit = "frame" } }
    assert.truthy(refused({ currency = "USD", prices = bad }):find("unit", 1, true))
  end)

  it("refuses a cost header that is not an HTTP header name", function()
    assert.truthy(refused({ currency = "USD", header = "x fal: 1" }):find("cost.header", 1, true))
    assert.truthy(refused({ currency = "USD", header = "" }):find("cost.header", 1, true))
  end)

  it("refuses failed_free that is neither true nor a list of error kinds", function()
    assert.truthy(refused({ currency = "USD", failed_free = { "nope" } }):find("failed_free", 1, true))
    assert.truthy(refused({ currency = "USD", failed_free = "yes" }):find("failed_free", 1, true))
  end)

  it("takes a well-formed table", function()
    local profile = Sim.profile_with("bfl", { cost = { currency = "EUR", scale = 0.5, prices = prices,
                                                       failed_free = true, count = "n" } })
    gentask.client({ provider = profile, api_key = "k" }):close()
  end)
end)
