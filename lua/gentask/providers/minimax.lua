-- MiniMax (Hailuo) video generation (pages read, readings chosen and gaps: docs/providers/minimax.md).
-- V1 (MiniMax-Hailuo-2.3, -02, T2V-01, I2V-01, S2V-01): submit POST /v1/video_generation → task_id;
-- poll GET /v1/query/video_generation?task_id={id} → Success with a file_id; the video's URL then
-- comes from GET /v1/files/retrieve?file_id={file_id} (the result fetch) as file.download_url.
-- Errors travel in a base_resp envelope {status_code, status_msg}, usually under HTTP 200.
-- V2 (MiniMax-H3, MiniMax-H3-Max): submit POST /v2/video_generation, poll
-- GET /v2/query/video_generation/{id} → task.status, task.content.url (no file step); real HTTP
-- statuses with an {"type": "error", "error": {type, message, http_code}} body. One profile reads
-- both: each field lists the V1 path, then the V2 one.
local req = require "gentask.request"

-- MiniMax-H3 and its -Max variant are the V2 API's only models (docs/providers/minimax.md)
local function is_v2(model)
  return model:match "^MiniMax%-H3" ~= nil
end

-- V2 takes its prompt and images as a content list: params.content as MiniMax spells it, or the
-- V1 names (prompt, first_frame_image, last_frame_image) as a shorthand, so that `gentask run
-- --image` works for both APIs
local function v2_body(model, params)
  local body = req.copy(params)
  body.model = model
  if not body.content then
    local content = {}
    if body.prompt then content[#content + 1] = { type = "text", text = body.prompt } end
    for _, role in ipairs { "first_frame", "last_frame" } do
      local image = body[role .. "_image"]
      if image then content[#content + 1] = { type = "image_url", image_url = { url = image }, role = role } end
    end
    body.content = content
  end
  body.prompt, body.first_frame_image, body.last_frame_image = nil, nil, nil
  return body
end

local function request(model, params)
  if type(model) ~= "string" or model == "" then error("model must be a model name", 0) end
  if is_v2(model) then
    return { path = "/v2/video_generation", body = v2_body(model, params),
             poll_path = "/v2/query/video_generation/{id}" }
  end
  local body = req.copy(params)
  body.model = model
  return { path = "/v1/video_generation", body = body }
end

-- base_resp.status_code of V1 and the "(NNNN)" inside V2's messages: the errorcode page
-- (https://platform.minimax.io/docs/api-reference/errorcode.md), the CLI's readings where the
-- page's stored excerpt stops (1028, 1030, 1039, 2061: MiniMax-AI/cli src/errors/api.ts)
local codes = {
  ["1000"] = "server_error",      -- unknown error, retry later
  ["1001"] = "timeout",           -- request timeout
  ["1002"] = "rate_limited",      -- rate limit (the V2 429 body says so too)
  ["1004"] = "authentication",    -- not authorized / token not match group
  ["1008"] = "payment_required",  -- insufficient balance
  ["1024"] = "server_error",      -- internal error
  ["1026"] = { kind = "moderated", stage = "input" },    -- input sensitive
  ["1027"] = { kind = "moderated", stage = "output" },   -- output sensitive: the generated video
  ["1028"] = "payment_required",  -- quota exhausted (CLI)
  ["1030"] = "payment_required",  -- quota exhausted (CLI)
  ["1033"] = "server_error",      -- system error / downstream service error
  ["1039"] = { kind = "moderated", stage = "input" },    -- guess: the CLI reads it with the content filter
  ["2013"] = "invalid_request",   -- invalid params
  ["2049"] = "authentication",    -- invalid api key
  ["2061"] = "permission_denied", -- the model is not in the key's plan (CLI)
}

return {
  name = "minimax",
  base_url = "https://api.minimax.io",
  -- keys are per region: the international platform and mainland China's
  regions = { global = "https://api.minimax.io", cn = "https://api.minimaxi.com" },
  auth = { header = "Authorization", prefix = "Bearer " },
  request = request,
  poll = { method = "GET", path = "/v1/query/video_generation?task_id={id}" },
  -- V1's poll gives a file_id, not a URL: one more request finds the file (files/retrieve)
  result = { method = "GET", path = "/v1/files/retrieve?file_id={result_id}" },
  -- no cancel: V1 documents none, and V2's DELETE /v2/video_generation/{id} cannot be given to V2
  -- tasks alone (a profile has one cancel path); on a finished V2 task it deletes the record
  -- webhooks: the submit's callback_url; MiniMax first checks it with a {"challenge"} it wants
  -- echoed within 3 s, and signs nothing (docs/providers/minimax.md, "What the profile cannot say yet")
  webhook = { url_field = "callback_url" },
  -- "the valid period of the returned URL is 9 hours (i.e. 32400 seconds)" (V1; V2 says only
  -- "time-limited")
  result_ttl = 32400,
  -- no max_in_flight: MiniMax documents requests per minute (5 free, 20 paying), no concurrency cap
  -- no cost: a query answer reports none and MiniMax's video prices were read from third parties
  -- only (docs/cost.md, MiniMax)
  fields = {
    id = { "task_id", "task.id" },
    state = { "status", "task.status" },
    results = { "file.download_url", "task.content.url" },
    result_id = "file_id",
    error_code = { "base_resp.status_code", "error.type", "task.error.code" },
    error_message = { "base_resp.status_msg", "error.message", "task.error.message" },
    -- V1 refuses under HTTP 200: {"task_id": "", "base_resp": {"status_code": 1002, ...}}
    envelope_code = "base_resp.status_code",
  },
  states = {
    -- V1 (the query page; its callbacks spell them in lower case, matched alike)
    Preparing = "pending",
    Queueing = "pending",
    Processing = "running",
    Success = "succeeded",
    Fail = "failed",
    Failed = "failed",   -- MiniMax's own CLI stops on "Failed"
    -- V2 (MiniMax-AI/cli skill/references/h3-video.md)
    queued = "pending",
    running = "running",
    succeeded = "succeeded",
    failed = "failed",
    cancelled = "cancelled",
    expired = { state = "failed", kind = "timeout" },   -- guess: "expired (超时)", timed out
  },
  codes = codes,
  -- V2's error.type, where it says more than the status. 422 unprocessable_entity_error is left
  -- to its message: "video description contains sensitive content (1026)"
  http_codes = {
    bad_request_error = "invalid_request",
    authorized_error = "authentication",
    insufficient_balance_error = "payment_required",
    rate_limit_error = "rate_limited",
    server_error = "server_error",
  },
  -- V2 puts the numeric code only inside its message, in parentheses
  message_codes = {
    ["(1026)"] = { kind = "moderated", stage = "input" },
    ["(1027)"] = { kind = "moderated", stage = "output" },
    ["sensitive content"] = { kind = "moderated", stage = "input" },
  },
  -- "provide the trace_id from the response header" (the CN errorcode page); the header's exact
  -- spelling is not printed (guess: Trace-Id)
  request_id_headers = { "trace-id" },
  -- for the gentask command: where it reads the key, and the parameter `run --image` fills
  key_env = "MINIMAX_API_KEY", input_image_param = "first_frame_image",
}
