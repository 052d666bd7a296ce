-- The profiles of Replicate, fal, Runway, Luma and Ideogram, beyond their vector rows
-- (spec/vectors/NAME.lua): the request each builds for a model, the poll path of an id, the
-- results read from each provider's documented success (docs/providers/NAME.md), read as the
-- engine reads them, through gentask.classify.
local gentask = require "gentask"

local function profile_of(name) return require("gentask.providers." .. name) end

local function read(provider, phase, body, status, headers)
  return gentask.classify { provider = provider, phase = phase, status = status or 200, body = body, headers = headers }
end

-- The poll URL path of a task: the request's template, else the profile's, with the id in place.
local function poll_path(profile, request, id)
  local template = request.poll_path or profile.poll.path
  return (template:gsub("{id}", id))
end

-- The request function's refusal, as client:submit reports it (a usage error of submit).
local function refusal(profile, model, params)
  local ok, err = pcall(profile.request, model, params or {})
  assert.is_false(ok, "the request was built")
  return tostring(err)
end

describe("replicate's profile", function()
  local replicate = profile_of "replicate"

  it("sends an official model to its own endpoint, the params as input", function()
    local r = replicate.request("black-forest-labs/flux-schnell", { prompt = "a cat", aspect_ratio = "1:1" })
    assert.equal("/models/black-forest-labs/flux-schnell/predictions", r.path)
    assert.same({ input = { prompt = "a cat", aspect_ratio = "1:1" } }, r.body)
    assert.equal("/predictions/gm3qorzdhgbfurvjtvhg6dckhu", poll_path(replicate, r, "gm3qorzdhgbfurvjtvhg6dckhu"))
  end)

  it("sends a version, with or without its model's name, to /predictions", function()
    local version = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"
    local r = replicate.request("replicate/hello-world:" .. version, { text = "Alice" })
    assert.equal("/predictions", r.path)
    assert.same({ version = "replicate/hello-world:" .. version, input = { text = "Alice" } }, r.body)
    r = replicate.request(version, { text = "Alice" })
    assert.equal("/predictions", r.path)
    assert.equal(version, r.body.version)
  end)

  it("sends a deployment to its endpoint", function()
    local r = replicate.request("deployments/acme/my-flux", { prompt = "x" })
    assert.equal("/deployments/acme/my-flux/predictions", r.path)
    assert.is_nil(r.body.version)
  end)

  it("refuses a model that is not a plain owner/name", function()
    assert.matches("model", refusal(replicate, "flux-schnell"))
    assert.matches("owner/name", refusal(replicate, "acme/../../account"))
    assert.matches("plain name", refusal(replicate, "acme/.."))
    assert.matches("plain name", refusal(replicate, "acme/fl ux"))
    assert.matches("model", refusal(replicate, 42))
  end)

  it("reads a fresh prediction (201, starting) as a pending task with its id", function()
    local err, r = read("replicate", "submit", [[{"id":"ufawqhfynnddngldkgtslldrkq","version":"5c7d",
      "status":"starting","input":{"text":"Alice"},"output":null,"error":null,"logs":null,"metrics":{}}]], 201)
    assert.is_nil(err)
    assert.equal("pending", r.state)
    assert.equal("ufawqhfynnddngldkgtslldrkq", r.id)
  end)

  it("reads the documented success's output (text) and an image model's URLs", function()
    local err, r = read("replicate", "poll", [[{"id":"gm3qorzdhgbfurvjtvhg6dckhu","model":"replicate/hello-world",
      "input":{"text":"Alice"},"logs":"","output":"hello Alice","error":null,"status":"succeeded",
      "data_removed":false,"metrics":{"predict_time":0.012683},
      "urls":{"get":"https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu"}}]])
    assert.is_nil(err)
    assert.same({ "hello Alice" }, r.texts)
    assert.same({}, r.urls)
    err, r = read("replicate", "poll", [[{"id":"p1","status":"succeeded",
      "output":["https://replicate.delivery/xezq/a/out-0.webp","https://replicate.delivery/xezq/a/out-1.webp"]}]])
    assert.is_nil(err)
    assert.same({ "https://replicate.delivery/xezq/a/out-0.webp", "https://replicate.delivery/xezq/a/out-1.webp" }, r.urls)
  end)

  it("takes its deadline header, keyed downloads and cancel into a client", function()
    local c = gentask.client { provider = "replicate", api_key = "r8_test" }
    assert.equal("replicate", c.provider)
    c:close()
    assert.same({ name = "Cancel-After", suffix = "s" }, replicate.deadline_header)
    assert.equal("/predictions/{id}/cancel", replicate.cancel.path)
  end)
end)
