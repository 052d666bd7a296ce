-- Ideogram response vectors (pages read: docs/providers/ideogram.md), read through
-- gentask.classify only (no simulator dialect yet): one row per documented HTTP status, reject
-- reason and state. Sources:
--   [errors]  https://developer.ideogram.ai/ideogram-api/errors: 400, 401, 402 (insufficient_funds,
--             daily_limit), 403, 404, 413, 422 (the safety check), 429
--   [rate]    https://developer.ideogram.ai/ideogram-api/rate-limits: 429 {"error", "reject_reason":
--             "inflight_limit"}, verbatim; the polling limit's 429 with Retry-After
--   [get]     https://developer.ideogram.ai/api-reference/generations/get-generation: pending,
--             completed (data[]), failed (failure_reason)
--   [quick]   https://developer.ideogram.ai/ideogram-api/quickstart: a completed answer's data[]
--   [skills]  third-party skills for Ideogram: {"error": "Prompt or provided image failed the
--             safety checks"} under 422; "unsafe items can have an empty URL"
local cjson = require "cjson"

local ID = "xtdZiqPwRxqY1Y7NExFmzB"

local function generation(status, fields)
  local g = { generation_id = ID, status = status, created = "2025-01-23T04:56:07Z" }
  for k, v in pairs(fields or {}) do g[k] = v end
  return cjson.encode(g)
end

local function item(url, safe)
  return { url = url, prompt = "A photo of a cat", resolution = "2048x2048", seed = 12345, is_image_safe = safe }
end

return {
  provider = "ideogram",
  model = "ideogram-4-5",
  http_body = function(_, code, message) return cjson.encode { error = message or "failed", reject_reason = code } end,
  -- the failure_reason values are not listed [get]: the state is the code
  failed_body = function(reason) return generation("failed", { failure_reason = reason }) end,
  rows = {
    { http = 400, kind = "invalid_request", message = "Invalid input", said = "Invalid input" },   -- [skills]
    { http = 401, kind = "authentication" },
    { http = 402, code = "insufficient_funds", kind = "payment_required" },
    { http = 402, code = "daily_limit", kind = "payment_required" },
    { http = 403, kind = "permission_denied" },
    { http = 404, kind = "not_found" },
    { http = 413, kind = "invalid_request" },
    { http = 422, kind = "moderated", stage = "input",
      message = "Prompt or provided image failed the safety checks" },   -- [errors] [skills]
    { http = 429, code = "inflight_limit", kind = "rate_limited" },      -- [rate]
    { name = "HTTP 429 of the polling limit, Retry-After", kind = "rate_limited", status = 429, retry_after = 2,
      response = { status = 429, headers = { ["Retry-After"] = "2" }, body = [[{"error":"Too many requests"}]] } },

    { fail = "The generation failed", code = "failed", kind = "generation_failed", said = "The generation failed" },

    -- the documented success [quick] [get]
    { name = "completed with its data", result = { urls = 1 },
      response = { phase = "poll", status = 200, body = generation("completed", { response_type = "url",
        data = { item("https://ideogram.ai/api/images/ephemeral/xtdZiqPwRxqY1Y7NExFmzB.png", true) } }) } },
    -- one image withheld by the safety check beside a safe one: the safe one is the result [skills]
    { name = "completed, one of two items withheld", result = { urls = 1 },
      response = { phase = "poll", status = 200, body = generation("completed", { response_type = "url",
        data = { item("https://ideogram.ai/api/images/ephemeral/a.png", true), item("", false) } }) } },
    -- every image withheld: moderated output, billed; the profile cannot say so yet
    -- (docs/providers/ideogram.md) and the core reads a success without a result as broken
    { name = "completed, every item withheld (read as protocol for now)", kind = "protocol", phase = "poll",
      status = 200, response = { phase = "poll", status = 200, body = generation("completed", { response_type = "url",
        data = { item("", false) } }) } },
  },
}
