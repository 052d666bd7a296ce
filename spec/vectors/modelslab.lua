-- ModelsLab vectors (docs/providers.md, ModelsLab): errors carry a message and no code, often under
-- HTTP 200 with "status": "error"; the message (or "messege") decides the kind.
-- Every row: https://docs.modelslab.com/error-codes (the seed); the 429's queue limit also
-- https://docs.modelslab.com/rate-limits (docs/providers/modelslab.md).
local cjson = require "cjson"

local messages = {
  [400] = "prompt is required",
  [401] = "Invalid API key",
  [402] = "Insufficient credits. Please add more credits to continue.",
  [403] = "This feature requires a premium subscription",
  [429] = "Rate limit exceeded. Maximum 5 queued requests allowed.",
  [500] = "Internal server error. Please try again.",
  [503] = "Service temporarily unavailable",
}

return {
  provider = "modelslab",
  model = "flux",
  http_body = function(status, _, message)
    local body = { status = "error", message = message or messages[status] or "failed" }
    if status == 429 then body.retry_after = 30 end
    return cjson.encode(body)
  end,
  failed_body = function(message)
    return cjson.encode { status = "failed", id = 77, message = message }
  end,
  rows = {
    { http = 400, kind = "invalid_request", submitted = "no" },
    { http = 400, message = "Model not found: x", scenario = "http=400:model", kind = "not_found", submitted = "no" },
    -- Laravel's validation errors: "message" an object of field → list of messages, kept whole
    -- (the answer quoted in issue 23; no ModelsLab page shows the shape: docs/providers/modelslab.md)
    { name = "HTTP 400 with a message object", scenario = "http=400:field.init_image", kind = "invalid_request",
      status = 400, submitted = "no", said = "init_image: The init image field is required.",
      response = { status = 400, body = [[{"status":"error","message":{"init_image":["The init image field is required."]}}]] } },
    { name = "status error with a message object of two fields", kind = "invalid_request", status = 200, code = "error",
      classify_only = true, said = "prompt: The prompt field is required.; width: The width must be at least 256. The width must be a multiple of 8.",
      response = { status = 200, body = [[{"status":"error","message":{"prompt":["The prompt field is required."],"width":["The width must be at least 256.","The width must be a multiple of 8."]}}]] } },
    { name = "status error with a messege object", kind = "invalid_request", status = 200, code = "error",
      classify_only = true, said = "init_image: The init image field is required.",
      response = { status = 200, body = [[{"status":"error","messege":{"init_image":["The init image field is required."]}}]] } },
    { http = 401, kind = "authentication", submitted = "no" },
    { http = 402, kind = "payment_required", submitted = "no" },
    { http = 403, kind = "permission_denied", submitted = "no" },
    { http = 429, scenario = "http=429 retry-after=30", kind = "rate_limited", retry_after = 30, submitted = "no" },
    { http = 500, kind = "server_error", submitted = "unknown" },
    { http = 503, kind = "unavailable", submitted = "no" },

    { name = "status error under HTTP 200", scenario = "error200=Invalid_API_key", kind = "authentication", status = 200,
      code = "error", submitted = "no",
      response = { status = 200, body = [[{"status":"error","message":"Invalid API key"}]] } },
    { name = "status error under HTTP 200, validation", kind = "invalid_request", status = 200, code = "error",
      classify_only = true, response = { status = 200, body = [[{"status":"error","message":"prompt is required"}]] } },
    { name = "legacy messege spelling", scenario = "http=401 messege", kind = "authentication", status = 401, submitted = "no",
      response = { status = 401, body = [[{"status":"error","messege":"Invalid API key"}]] } },
    -- "Image URL Issues": an input the provider could not download carries no code, only this
    { http = 400, message = "Unable to fetch image from provided URL", scenario = "http=400:image",
      kind = "input_unreachable", submitted = "no" },
    { name = "unreachable image under HTTP 200", scenario = "error200=Unable_to_fetch_image_from_provided_URL",
      kind = "input_unreachable", status = 200, code = "error", submitted = "no",
      response = { status = 200, body = [[{"status":"error","message":"Unable to fetch image from provided URL"}]] } },
    { name = "generation failed on an unreachable image", fail = "Unable to fetch image from provided URL",
      code = "failed", kind = "input_unreachable", scenario = "fail=Unable_to_fetch_image_from_provided_URL" },
    { name = "generation failed", fail = "generation failed", code = "failed", kind = "generation_failed",
      scenario = "fail=generation_failed" },
  },
}
