-- The profiles of MiniMax, Veo, OpenRouter, Higgsfield and Kling (docs/providers/NAME.md): what
-- their vector rows (spec/vectors/NAME.lua) do not show — the request function's path and body
-- for a model, the poll path with an id, the results read from each documented success, the
-- result fetch — read through gentask.classify, the engine's own reading.
local gentask = require "gentask"

local function read(provider, phase, body, status, headers)
  return gentask.classify { provider = provider, phase = phase, status = status or 200, body = body, headers = headers }
end

local function profile(name) return require("gentask.providers." .. name) end

describe("the minimax profile", function()
  local minimax = profile "minimax"

  it("is taken by a client", function()
    local c = gentask.client { provider = "minimax", api_key = "k" }
    assert.is_not_nil(c)
    c:close()
  end)

  it("submits a Hailuo model to V1 with the params as they are, polled by the profile's V1 query", function()
    local r = minimax.request("MiniMax-Hailuo-2.3", { prompt = "a fox", duration = 6, first_frame_image = "https://x/1.png" })
    assert.equal("/v1/video_generation", r.path)
    assert.is_nil(r.poll_path)
    assert.same({ model = "MiniMax-Hailuo-2.3", prompt = "a fox", duration = 6, first_frame_image = "https://x/1.png" },
                r.body)
    assert.equal("/v1/query/video_generation?task_id={id}", minimax.poll.path)
  end)

  it("submits MiniMax-H3 to V2 with a content list, polled by the task id in the path", function()
    local r = minimax.request("MiniMax-H3", { prompt = "a fox", duration = 8, first_frame_image = "https://x/1.png" })
    assert.equal("/v2/video_generation", r.path)
    assert.equal("/v2/query/video_generation/{id}", r.poll_path)
    assert.same({
      model = "MiniMax-H3", duration = 8,
      content = { { type = "text", text = "a fox" },
                  { type = "image_url", image_url = { url = "https://x/1.png" }, role = "first_frame" } },
    }, r.body)
    -- content as MiniMax spells it goes through unchanged
    local content = { { type = "text", text = "x" } }
    assert.same(content, minimax.request("MiniMax-H3-Max", { content = content }).body.content)
  end)

  it("takes the V1 submit answer's task_id, and V1's states", function()
    local err, r = read("minimax", "submit",
                        [[{"task_id":"106916112212032","base_resp":{"status_code":0,"status_msg":"success"}}]])
    assert.is_nil(err)
    assert.equal("106916112212032", r.id)
    for state, want in pairs { Preparing = "pending", Queueing = "pending", Processing = "running", processing = "running" } do
      local body = ([[{"task_id":"1","status":"%s","file_id":"","base_resp":{"status_code":0}}]]):format(state)
      err, r = read("minimax", "poll", body)
      assert.is_nil(err)
      assert.equal(want, r.state, state)
    end
  end)

  it("fetches a V1 success's file by its file_id, and reads the URL from files/retrieve", function()
    -- the documented answer (the callback's shape, https://platform.minimax.io/docs/api-reference/video-agent-create)
    local err, r = read("minimax", "poll", [[{"task_id":"115334141465231360","status":"Success",
      "file_id":"205258526306433","base_resp":{"status_code":0,"status_msg":"success"}}]])
    assert.is_nil(err)
    assert.equal("succeeded", r.state)
    assert.is_true(r.fetch_result)
    assert.equal("205258526306433", r.result_id)
    assert.equal("/v1/files/retrieve?file_id={result_id}", minimax.result.path)
    err, r = read("minimax", "result", [[{"file":{"file_id":361721749176519,"bytes":0,"created_at":1769863897,
      "filename":"output.mp4","purpose":"video_generation","download_url":"https://video-product.cdn.minimax.io/a.mp4"},
      "base_resp":{"status_code":0,"status_msg":"success"}}]])
    assert.is_nil(err)
    assert.same({ "https://video-product.cdn.minimax.io/a.mp4" }, r.urls)
  end)

  it("reads a V2 task's id, state and URL", function()
    local err, r = read("minimax", "submit", [[{"task_id":"t-h3-1"}]])
    assert.is_nil(err)
    assert.equal("t-h3-1", r.id)
    err, r = read("minimax", "poll", [[{"task":{"id":"t-h3-1","status":"queued"}}]])
    assert.is_nil(err)
    assert.equal("pending", r.state)
    err, r = read("minimax", "poll",
                  [[{"task":{"id":"t-h3-1","status":"succeeded","content":{"url":"https://cdn.example/h3.mp4"}}}]])
    assert.is_nil(err)
    assert.same({ "https://cdn.example/h3.mp4" }, r.urls)
    assert.is_nil(r.fetch_result)
  end)

  it("keeps V2's request_id header where one comes", function()
    local err = read("minimax", "submit", [[{"type":"error","error":{"type":"rate_limit_error","message":"rate limit (1002)"}}]],
                     429, { ["Trace-Id"] = "trace-1" })
    assert.equal("rate_limited", err.kind)
    assert.equal("trace-1", err.request_id)
  end)

  -- V1 refuses a submit under HTTP 200 with a non-zero base_resp.status_code and "task_id": ""
  -- (docs/providers/minimax.md): fields.envelope_code reads it as the code's error; an answer with
  -- a state is the task's, its code read with the state
  it("reads V1's envelope refusal of a submit under HTTP 200 (1002 rate_limited, 1004 authentication)", function()
    local err = read("minimax", "submit", [[{"task_id":"","base_resp":{"status_code":1002,"status_msg":"rate limit"}}]])
    assert.equal("rate_limited", err.kind)
    assert.equal("1002", err.code)
    assert.equal("rate limit", err.message)
    assert.equal(200, err.status)
    err = read("minimax", "submit", [[{"task_id":"","base_resp":{"status_code":1004,"status_msg":"login fail"}}]])
    assert.equal("authentication", err.kind)
    assert.is_false(err.retryable)
    err = read("minimax", "submit", [[{"task_id":"","base_resp":{"status_code":4242,"status_msg":"new"}}]])
    assert.equal("protocol", err.kind)
    assert.equal("4242", err.code)
    err = read("minimax", "poll", [[{"task_id":"1","status":"Fail","file_id":"",
      "base_resp":{"status_code":1026,"status_msg":"input new_sensitive"}}]])
    assert.equal("moderated", err.kind)
    assert.equal("input", err.stage)
  end)
end)

describe("the veo profile", function()
  local veo = profile "veo"
  local NAME = "models/veo-3.0-generate-preview/operations/8t5kq3b9xw1m"

  it("is taken by a client", function()
    local c = gentask.client { provider = "veo", api_key = "k" }
    assert.is_not_nil(c)
    c:close()
  end)

  it("submits one instance with the prompt and its media, every other param a parameter", function()
    local r = veo.request("veo-3.0-generate-preview",
                          { prompt = "a fox", aspectRatio = "16:9", durationSeconds = 8,
                            image = "data:image/png;base64,iVBORw0KGgo=" })
    assert.equal("/models/veo-3.0-generate-preview:predictLongRunning", r.path)
    assert.same({
      instances = { { prompt = "a fox", image = { bytesBase64Encoded = "iVBORw0KGgo=", mimeType = "image/png" } } },
      parameters = { aspectRatio = "16:9", durationSeconds = 8 },
    }, r.body)
    assert.same({ instances = { { prompt = "x" } } }, veo.request("veo-2.0-generate-001", { prompt = "x" }).body)
    -- Veo's own shape goes as it is
    local own = { instances = { { prompt = "y" } }, parameters = { sampleCount = 2 } }
    assert.same(own, veo.request("veo-2.0-generate-001", own).body)
    assert.has_error(function() veo.request("../x", {}) end)
  end)

  it("polls the operation's name as a path, slashes kept", function()
    assert.equal("/{+id}", veo.poll.path)
    local err, r = read("veo", "submit", ([[{"name":"%s"}]]):format(NAME))
    assert.is_nil(err)
    assert.equal(NAME, r.id)
  end)

  it("reads an operation without done, and done false, as running", function()
    for _, body in ipairs { ([[{"name":"%s"}]]):format(NAME), ([[{"name":"%s","done":false,
        "metadata":{"progressPercent":40}}]]):format(NAME) } do
      local err, r = read("veo", "poll", body)
      assert.is_nil(err)
      assert.equal("running", r.state)
    end
    local _, r = read("veo", "poll", ([[{"name":"%s","done":false,"metadata":{"progressPercent":40}}]]):format(NAME))
    assert.equal(40, r.progress)
  end)

  it("keys the download of its own video URIs, not of another host's", function()
    assert.is_true(veo.download.keyed)
    assert.is_nil(veo.download.hosts)   -- the base URL's origin only
  end)
end)

describe("the openrouter profile", function()
  local openrouter = profile "openrouter"

  it("checks deliveries in its t_v1 scheme and reads the job under a delivery's data", function()
    assert.same({ url_field = "callback_url", scheme = "t_v1", signature_header = "X-OpenRouter-Signature",
                  id_header = "X-OpenRouter-Idempotency-Key", tolerance = 300 }, openrouter.webhook)
    local err, r = read("openrouter", "poll", [[{"type":"video.generation.completed","created_at":1778000000,
      "data":{"id":"job-abc123","status":"completed",
              "unsigned_urls":["https://openrouter.ai/api/v1/videos/job-abc123/content?index=0"]}}]])
    assert.is_nil(err)
    assert.equal("succeeded", r.state)
    assert.equal("job-abc123", r.id)
    assert.same({ "https://openrouter.ai/api/v1/videos/job-abc123/content?index=0" }, r.urls)
  end)

  it("is taken by a client", function()
    local c = gentask.client { provider = "openrouter", api_key = "k" }
    assert.is_not_nil(c)
    c:close()
  end)

  it("submits the model slug in the body, and an image as the first frame", function()
    local r = openrouter.request("google/veo-3.1", { prompt = "a fox", duration = 8, image = "https://x/1.png" })
    assert.equal("/videos", r.path)
    local first = { type = "image_url", image_url = { url = "https://x/1.png" }, frame_type = "first_frame" }
    assert.same({ model = "google/veo-3.1", prompt = "a fox", duration = 8, frame_images = { first } }, r.body)
    assert.is_nil(openrouter.request("google/veo-3.1", { prompt = "x" }).body.frame_images)
    assert.equal("/videos/{id}", openrouter.poll.path)
  end)

  it("reads the 202 submit answer's id and polling_url", function()
    local err, r = read("openrouter", "submit",
                        [[{"id":"job-abc123","polling_url":"/api/v1/videos/job-abc123","status":"pending"}]], 202)
    assert.is_nil(err)
    assert.equal("job-abc123", r.id)
    assert.equal("pending", r.state)
    assert.equal("/api/v1/videos/job-abc123", r.poll_url)
    err, r = read("openrouter", "poll", [[{"id":"job-abc123","status":"in_progress"}]])
    assert.is_nil(err)
    assert.equal("running", r.state)
  end)

  it("takes the content proxy's URLs as the results, downloaded with the key on its own origin", function()
    local err, r = read("openrouter", "poll", [[{"id":"job-abc123","status":"completed",
      "unsigned_urls":["https://openrouter.ai/api/v1/videos/job-abc123/content?index=0"],
      "urls":["https://storage.example.com/signed.mp4"]}]])
    assert.is_nil(err)
    assert.same({ "https://openrouter.ai/api/v1/videos/job-abc123/content?index=0" }, r.urls)
    assert.is_true(openrouter.download.keyed)
  end)
end)

describe("the higgsfield profile", function()
  local higgsfield = profile "higgsfield"
  local ID = "d7e6c0f3-6699-4f6c-bb45-2ad7fd9158ff"

  it("asks for a webhook in the submit URL's hf_webhook query parameter, unsigned", function()
    assert.same({ url_query = "hf_webhook" }, profile("higgsfield").webhook)
  end)

  it("is taken by a client", function()
    local c = gentask.client { provider = "higgsfield", api_key = "key-id:key-secret" }
    assert.is_not_nil(c)
    c:close()
  end)

  it("submits to the model id as a path, slashes kept, each segment a plain name", function()
    local r = higgsfield.request("higgsfield-ai/soul/standard", { prompt = "a fox", aspect_ratio = "16:9" })
    assert.equal("/higgsfield-ai/soul/standard", r.path)
    assert.same({ prompt = "a fox", aspect_ratio = "16:9" }, r.body)
    for _, bad in ipairs { "a//b", "a/../b", "/a", "a/", "a b/c", "" } do
      assert.has_error(function() higgsfield.request(bad, {}) end, nil, bad)
    end
  end)

  it("reads the submit answer's request_id and status_url; polls and cancels by the request id", function()
    local err, r = read("higgsfield", "submit", ([[{"status":"queued","request_id":"%s",
      "status_url":"https://platform.higgsfield.ai/requests/%s/status",
      "cancel_url":"https://platform.higgsfield.ai/requests/%s/cancel"}]]):format(ID, ID, ID))
    assert.is_nil(err)
    assert.equal(ID, r.id)
    assert.equal("pending", r.state)
    assert.equal(("https://platform.higgsfield.ai/requests/%s/status"):format(ID), r.poll_url)
    assert.equal("/requests/{id}/status", higgsfield.poll.path)
    assert.same({ method = "POST", path = "/requests/{id}/cancel" }, higgsfield.cancel)
    -- a status_url on either documented host is followed (the trust rule: spec/trust_spec.lua)
    assert.same({ "platform.higgsfield.ai", "api.higgsfield.ai" }, higgsfield.poll_hosts)
    err, r = read("higgsfield", "poll", ([[{"status":"in_progress","request_id":"%s"}]]):format(ID))
    assert.is_nil(err)
    assert.equal("running", r.state)
  end)
end)

describe("the kling profile", function()
  local kling = profile "kling"

  it("is taken by a client given the secret key, which the core reads itself (never a Lua value)", function()
    local ok, err = pcall(gentask.client, { provider = "kling", api_key = "access-key", secret_env = "GENTASK_UNSET_X" })
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.matches("GENTASK_UNSET_X", err.message)
    local secret = os.tmpname()
    local f = assert(io.open(secret, "w"))
    f:write "kling-secret-key\n"
    f:close()
    os.execute("chmod 600 " .. secret)
    local c = gentask.client { provider = "kling", api_key = "access-key", secret_file = secret }
    assert.is_not_nil(c)
    c:close()
    os.remove(secret)
  end)

  it("submits to the task family's endpoint and polls the task on the same family's path", function()
    local r = kling.request("kling-v2-6", { prompt = "a fox", duration = "5" })
    assert.equal("/v1/videos/text2video", r.path)
    assert.equal("/v1/videos/text2video/{id}", r.poll_path)
    assert.same({ model_name = "kling-v2-6", prompt = "a fox", duration = "5" }, r.body)
    -- an image picks image2video; `family` picks any other, and never reaches Kling
    r = kling.request("kling-v2-6", { prompt = "a fox", image = "iVBORw0KGgo=" })
    assert.equal("/v1/videos/image2video", r.path)
    assert.equal("/v1/videos/image2video/{id}", r.poll_path)
    r = kling.request("kling-v2-1", { prompt = "a fox", n = 2, family = "images/generations" })
    assert.equal("/v1/images/generations", r.path)
    assert.equal("/v1/images/generations/{id}", r.poll_path)
    assert.is_nil(r.body.family)
    assert.has_error(function() kling.request("kling-v2-6", { family = "../admin" }) end)
    assert.has_error(function() kling.request("kling/v2", {}) end)
  end)

  it("reads the submit answer's task id and the states", function()
    local err, r = read("kling", "submit", [[{"code":0,"message":"SUCCEED","request_id":"c0656403-1e6e-4b7e-b8f8-2cdd2595f2b9",
      "data":{"task_id":"867283741759111202","task_status":"submitted",
      "task_info":{"external_task_id":"text2video_kling_v3_final-1774805076"},
      "created_at":1774805076166,"updated_at":1774805076166}}]])
    assert.is_nil(err)
    assert.equal("867283741759111202", r.id)
    assert.equal("pending", r.state)
    err, r = read("kling", "poll", [[{"code":0,"message":"SUCCEED","data":{"task_id":"1","task_status":"processing"}}]])
    assert.is_nil(err)
    assert.equal("running", r.state)
  end)
end)
