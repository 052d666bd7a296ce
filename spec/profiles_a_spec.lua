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

  it("checks deliveries the Standard Webhooks way", function()
    assert.same({ url_field = "webhook", scheme = "standard" }, require("gentask.providers.replicate").webhook)
  end)

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

describe("fal's profile", function()
  local fal = profile_of "fal"
  local ID = "80e732af-660e-45cd-bd63-580e4f2a94cc"

  it("asks for a webhook in the fal_webhook query parameter and checks Ed25519 signatures", function()
    local webhook = require("gentask.providers.fal").webhook
    assert.equal("fal_webhook", webhook.url_query)
    assert.is_nil(webhook.url_field)
    assert.equal("ed25519", webhook.scheme)
    assert.equal("https://rest.alpha.fal.ai/.well-known/jwks.json", webhook.keys_url)
    assert.same({ "x-fal-webhook-request-id", "x-fal-webhook-user-id", "x-fal-webhook-timestamp" },
                webhook.signed_headers)
  end)

  it("submits to the endpoint id with its subpath, and polls without it", function()
    local r = fal.request("fal-ai/flux/dev", { prompt = "Photo of a cute dog" })
    assert.equal("/fal-ai/flux/dev", r.path)
    assert.same({ prompt = "Photo of a cute dog" }, r.body)
    assert.equal("/fal-ai/flux/requests/" .. ID .. "/status", poll_path(fal, r, ID))
    r = fal.request("fal-ai/fast-sdxl", { prompt = "a cat" })
    assert.equal("/fal-ai/fast-sdxl", r.path)
    assert.equal("/fal-ai/fast-sdxl/requests/" .. ID .. "/status", poll_path(fal, r, ID))
  end)

  it("refuses an endpoint id that is not owner/app[/path] of plain names", function()
    assert.matches("owner/app", refusal(fal, "fast-sdxl"))
    assert.matches("plain name", refusal(fal, "fal-ai/../admin"))
    assert.matches("plain name", refusal(fal, "fal-ai//flux"))
    assert.matches("plain name", refusal(fal, "fal-ai/flux?x=1"))
  end)

  it("reads the documented submit answer: the request id and the status URL to poll", function()
    local err, r = read("fal", "submit", ([[{"request_id":"%s",
      "response_url":"https://queue.fal.run/fal-ai/fast-sdxl/requests/%s",
      "status_url":"https://queue.fal.run/fal-ai/fast-sdxl/requests/%s/status",
      "cancel_url":"https://queue.fal.run/fal-ai/fast-sdxl/requests/%s/cancel"}]]):format(ID, ID, ID, ID))
    assert.is_nil(err)
    assert.equal("pending", r.state)
    assert.equal(ID, r.id)
    assert.equal("https://queue.fal.run/fal-ai/fast-sdxl/requests/" .. ID .. "/status", r.poll_url)
    -- the webhook page's answer carries the ids only: the poll path is built
    err, r = read("fal", "submit", [[{"request_id":"024ca5b1-45d3-4afd-883e-ad3abe2a1c4d",
      "gateway_request_id":"024ca5b1-45d3-4afd-883e-ad3abe2a1c4d"}]])
    assert.is_nil(err)
    assert.equal("024ca5b1-45d3-4afd-883e-ad3abe2a1c4d", r.id)
    assert.is_nil(r.poll_url)
  end)

  it("reads IN_QUEUE as pending and IN_PROGRESS as running", function()
    local err, r = read("fal", "poll", [[{"status":"IN_QUEUE","queue_position":0,
      "response_url":"https://queue.fal.run/fal-ai/flux/requests/x"}]])
    assert.is_nil(err)
    assert.equal("pending", r.state)
    err, r = read("fal", "poll",
      [[{"status":"IN_PROGRESS","response_url":"https://queue.fal.run/fal-ai/flux/requests/x","logs":null}]])
    assert.is_nil(err)
    assert.equal("running", r.state)
  end)

  it("fetches a COMPLETED request's output from its response_url", function()
    local url = "https://queue.fal.run/fal-ai/flux/requests/" .. ID
    local err, r = read("fal", "poll", ([[{"status":"COMPLETED","response_url":"%s","logs":null,
      "metrics":{"inference_time":1.2},"error":null}]]):format(url))
    assert.is_nil(err)
    assert.equal("succeeded", r.state)
    assert.is_true(r.fetch_result)
    assert.equal(url, r.result_url)
    err, r = read("fal", "result", [[{"images":[{"url":"https://url.to/image.png","content_type":"image/png",
      "file_name":"image.png","file_size":1824075,"width":1024,"height":1024}],"seed":196619188014358660}]])
    assert.is_nil(err)
    assert.same({ "https://url.to/image.png" }, r.urls)
  end)

  it("reads a COMPLETED request with an error as failed, its error type the code", function()
    local err = read("fal", "poll", [[{"status":"COMPLETED","response_url":"https://queue.fal.run/fal-ai/flux/requests/x",
      "error":"Invalid status code: 422","error_type":"content_policy_violation"}]])
    assert.equal("moderated", err.kind)
    assert.equal("content_policy_violation", err.code)
    assert.equal("Invalid status code: 422", err.message)
  end)

  it("takes its Key auth, deadline header and result fetch into a client", function()
    local c = gentask.client { provider = "fal", api_key = "key_id:key_secret" }
    c:close()
    assert.same({ header = "Authorization", prefix = "Key " }, fal.auth)
    assert.equal("X-Fal-Request-Timeout", fal.deadline_header.name)
  end)
end)

describe("runway's profile", function()
  local runway = profile_of "runway"
  local ID = "d2e3d1f4-1b3c-4b5c-8d46-1c1d7ee86892"

  it("sends the model in the body, to the endpoint its inputs call for", function()
    local r = runway.request("gen4_turbo", { promptImage = "https://example.com/assets/bunny.jpg",
                                             ratio = "1280:720", promptText = "The bunny is eating a carrot" })
    assert.equal("/v1/image_to_video", r.path)
    assert.same({ model = "gen4_turbo", promptImage = "https://example.com/assets/bunny.jpg", ratio = "1280:720",
                  promptText = "The bunny is eating a carrot" }, r.body)
    assert.equal("/v1/tasks/" .. ID, poll_path(runway, r, ID))
    assert.equal("/v1/text_to_image", runway.request("gen4_image", { promptText = "x", ratio = "1920:1080" }).path)
    assert.equal("/v1/text_to_video", runway.request("gen4.5", { promptText = "x" }).path)
  end)

  it("sends gentask's prompt as promptText, the field Runway reads", function()
    local r = runway.request("gen4_image", { prompt = "a fox", ratio = "1920:1080" })
    assert.same({ model = "gen4_image", promptText = "a fox", ratio = "1920:1080" }, r.body)
    -- a promptText given wins; the prompt is then the caller's own field, sent as given
    r = runway.request("gen4_image", { prompt = "a", promptText = "b", ratio = "1920:1080" })
    assert.equal("b", r.body.promptText)
    assert.equal("a", r.body.prompt)
  end)

  it("takes gentask's endpoint parameter, which Runway never sees", function()
    local r = runway.request("upscale_v1", { endpoint = "video_upscale", videoUri = "https://example.com/v.mp4" })
    assert.equal("/v1/video_upscale", r.path)
    assert.is_nil(r.body.endpoint)
    assert.matches("plain name", refusal(runway, "gen4_turbo", { endpoint = "../organization" }))
    assert.matches("plain name", refusal(runway, "gen4/turbo"))
  end)

  it("reads the create answer's id, a RUNNING task's fraction and the documented success", function()
    local err, r = read("runway", "submit", ([[{"id":"%s"}]]):format(ID))
    assert.is_nil(err)
    assert.equal("pending", r.state)
    assert.equal(ID, r.id)
    err, r = read("runway", "poll", [[{"id":"be35be77-4dae-4f42-84b9-51002b248a9b","status":"RUNNING",
      "createdAt":"2024-11-15T03:34:51.751Z","progress":0.275}]])
    assert.is_nil(err)
    assert.equal("running", r.state)
    assert.equal(27, r.progress)
    err, r = read("runway", "poll", [[{"id":"x","status":"THROTTLED","createdAt":"2026-03-13T09:52:46+08:00"}]])
    assert.is_nil(err)
    assert.equal("pending", r.state)
    err, r = read("runway", "poll", ([[{"id":"%s","status":"SUCCEEDED","createdAt":"2024-06-27T19:49:32.335Z",
      "output":["https://dnznrvs05pmza.cloudfront.net/output.mp4?_jwt=..."]}]]):format(ID))
    assert.is_nil(err)
    assert.same({ "https://dnznrvs05pmza.cloudfront.net/output.mp4?_jwt=..." }, r.urls)
  end)

  it("takes its version header and DELETE cancel into a client", function()
    local c = gentask.client { provider = "runway", api_key = "key_" .. ("0"):rep(128) }
    c:close()
    assert.same({ ["X-Runway-Version"] = "2024-11-06" }, runway.headers)
    assert.same({ method = "DELETE", path = "/v1/tasks/{id}" }, runway.cancel)
  end)
end)

describe("luma's profile", function()
  local luma = profile_of "luma"
  local ID = "123e4567-e89b-12d3-a456-426614174000"

  it("sends Photon models to /generations/image and Ray models to /generations/video", function()
    local r = luma.request("photon-1", { prompt = "A teddy bear in sunglasses playing electric guitar and dancing",
                                         aspect_ratio = "3:4" })
    assert.equal("/generations/image", r.path)
    assert.same({ model = "photon-1", prompt = "A teddy bear in sunglasses playing electric guitar and dancing",
                  aspect_ratio = "3:4" }, r.body)
    r = luma.request("ray-2", { prompt = "an old lady laughing underwater, wearing a scuba diving suit",
                                resolution = "720p", duration = "5s" })
    assert.equal("/generations/video", r.path)
    assert.equal("ray-2", r.body.model)
    assert.equal("/generations/" .. ID, poll_path(luma, r, ID))
    assert.matches("plain name", refusal(luma, "../credits"))
  end)

  it("reads a fresh generation as pending and dreaming as running", function()
    local err, r = read("luma", "submit", ([[{"id":"%s","state":"queued","failure_reason":null,"assets":null}]]):format(ID))
    assert.is_nil(err)
    assert.equal("pending", r.state)
    assert.equal(ID, r.id)
    err, r = read("luma", "poll", ([[{"id":"%s","state":"dreaming","assets":null}]]):format(ID))
    assert.is_nil(err)
    assert.equal("running", r.state)
  end)

  it("reads the result, never the progress preview", function()
    local err, r = read("luma", "poll", ([[{"id":"%s","state":"completed","assets":{
      "video":"https://storage.cdn-luma.com/v.mp4","progress_video":"https://storage.cdn-luma.com/p.mp4"}}]]):format(ID))
    assert.is_nil(err)
    assert.same({ "https://storage.cdn-luma.com/v.mp4" }, r.urls)
  end)

  it("takes its callback and per-model caps into a client", function()
    local c = gentask.client { provider = "luma", api_key = "luma-test-key" }
    c:close()
    assert.equal("callback_url", luma.webhook.url_field)
    assert.equal(10, luma.model_max_in_flight["ray-2"])
    assert.equal(40, luma.model_max_in_flight["photon-1"])
  end)
end)

describe("ideogram's profile", function()
  local ideogram = profile_of "ideogram"
  local ID = "xtdZiqPwRxqY1Y7NExFmzB"

  it("checks deliveries with Ed25519 against Ideogram's keys", function()
    local webhook = require("gentask.providers.ideogram").webhook
    assert.equal("webhook_url", webhook.url_field)
    assert.equal("ed25519", webhook.scheme)
    assert.equal("https://api.ideogram.ai/v1/.well-known/jwks.json", webhook.keys_url)
    assert.equal("X-Ideogram-Webhook-Key-Id", webhook.key_id_header)
    assert.same({ "X-Ideogram-Webhook-Generation-Id", "X-Ideogram-Webhook-User-Id", "X-Ideogram-Webhook-Timestamp" },
                webhook.signed_headers)
  end)

  it("always asks for the asynchronous form, unless the params say otherwise", function()
    local prompt = "A letterpress poster that reads \"Open Studio\" in a bold serif, warm paper texture"
    local r = ideogram.request("ideogram-4-5", { prompt = prompt })
    assert.equal("/v2/image/generate/ideogram-4-5", r.path)
    assert.same({ prompt = prompt, async = true }, r.body)
    assert.equal("/v2/generations/" .. ID, poll_path(ideogram, r, ID))
    assert.is_false(ideogram.request("ideogram-4-5", { prompt = "x", async = false }).body.async)
    assert.matches("plain name", refusal(ideogram, "ideogram-4-5/../../v1/admin"))
  end)

  it("reads the submit's generation id, a pending generation and the documented data", function()
    local err, r = read("ideogram", "submit", ([[{"generation_id":"%s"}]]):format(ID))
    assert.is_nil(err)
    assert.equal("pending", r.state)
    assert.equal(ID, r.id)
    err, r = read("ideogram", "poll", ([[{"generation_id":"%s","status":"pending","created":"2025-01-23T04:56:07Z"}]]):format(ID))
    assert.is_nil(err)
    assert.equal("running", r.state)
    err, r = read("ideogram", "poll", ([[{"generation_id":"%s","status":"completed","created":"2025-01-23T04:56:07Z",
      "response_type":"url","data":[{"url":"https://ideogram.ai/api/images/ephemeral/%s.png",
      "prompt":"A photo of a cat","resolution":"2048x2048","seed":12345,"is_image_safe":true}]}]]):format(ID, ID))
    assert.is_nil(err)
    assert.same({ "https://ideogram.ai/api/images/ephemeral/" .. ID .. ".png" }, r.urls)
  end)

  it("takes its Api-Key header and in-flight cap into a client", function()
    local c = gentask.client { provider = "ideogram", api_key = "ideo_test" }
    c:close()
    assert.same({ header = "Api-Key", prefix = "" }, ideogram.auth)
    assert.equal(10, ideogram.max_in_flight)
  end)
end)
