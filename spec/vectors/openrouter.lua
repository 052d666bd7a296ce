-- OpenRouter response vectors (docs/providers/openrouter.md): one row per documented HTTP status,
-- failed-job message and state. No simulator dialect yet: spec/vectors_spec.lua runs these rows
-- through gentask.classify only.
-- Sources (docs/providers/openrouter.md, "Pages read"):
--   [errors] https://openrouter.ai/docs/api/errors (body {"error": {"code", "message", "metadata"}};
--            400, 401, 402, 403, 408, 429, 502, 503; the moderation metadata)
--   [skill]  https://github.com/OpenRouterTeam/skills/blob/main/skills/openrouter-video/SKILL.md
--            (409 previous_job_id not completed, 413 body over 50 MiB; failed/cancelled/expired)
--   [poll]   https://openrouter.ai/docs/api/api-reference/video-generation/get-videos.md (the
--            status enum, 404, 500, the completed example)
local cjson = require "cjson"

local function poll(body) return { phase = "poll", status = 200, body = body } end

return {
  provider = "openrouter",
  model = "google/veo-3.1",
  http_body = function(status, _, message)
    return cjson.encode { error = { code = status, message = message or "failed" } }
  end,
  rows = {
    { http = 400, kind = "invalid_request", submitted = "no", code = "400" },
    { http = 401, kind = "authentication", submitted = "no", message = "No auth credentials found" },
    { http = 402, kind = "payment_required", submitted = "no", message = "Insufficient credits" },
    -- a key without the permission, a guardrail [errors]
    { http = 403, kind = "permission_denied", submitted = "no", message = "Forbidden" },
    { http = 404, kind = "not_found", submitted = "no" },
    { http = 408, kind = "timeout", submitted = "unknown" },
    { http = 409, kind = "conflict", submitted = "no" },    -- [skill]
    { http = 413, kind = "invalid_request", submitted = "no" },   -- [skill]
    { http = 429, kind = "rate_limited", submitted = "no", message = "Rate limit exceeded", retry_after = 10,
      headers = { ["Retry-After"] = "10" } },
    { http = 500, kind = "server_error", submitted = "unknown" },
    { http = 502, kind = "unavailable", submitted = "unknown" },
    { http = 503, kind = "unavailable", submitted = "no" },
    -- the moderation flag [errors]: the model requires moderation and the input was flagged
    { name = "HTTP 403 input flagged by moderation", kind = "moderated", stage = "input", status = 403,
      response = { status = 403, body = [[{"error":{"code":403,"message":"google/veo-3.1 requires moderation on OpenRouter. Your input was flagged for \"violence\".","metadata":{"reasons":["violence"],"flagged_input":"…","provider_name":"Google","model_slug":"google/veo-3.1"}}}]] } },

    -- the states [poll] [skill]: a failed job's error is the upstream's message, verbatim
    { name = "failed", kind = "generation_failed", code = "failed", phase = "poll", said = "upstream error",
      response = poll [[{"id":"job-abc123","polling_url":"/api/v1/videos/job-abc123","status":"failed","error":"upstream error"}]] },
    { name = "failed for the content policy", kind = "moderated", stage = "input", phase = "poll",
      response = poll [[{"id":"job-abc123","status":"failed","error":"Request blocked: content policy violation"}]] },
    { name = "cancelled", kind = "cancelled", phase = "poll",
      response = poll [[{"id":"job-abc123","polling_url":"/api/v1/videos/job-abc123","status":"cancelled"}]] },
    { name = "expired", kind = "timeout", code = "expired", phase = "poll",
      response = poll [[{"id":"job-abc123","polling_url":"/api/v1/videos/job-abc123","status":"expired"}]] },
    { name = "completed (the reference's example)", result = { urls = 1 },
      response = poll [[{"id":"job-abc123","polling_url":"/api/v1/videos/job-abc123","status":"completed","generation_id":"gen-xyz789","unsigned_urls":["https://storage.example.com/video.mp4"],"usage":{"cost":0.5}}]] },
    { name = "completed without URLs", kind = "protocol", phase = "poll",
      response = poll [[{"id":"job-abc123","status":"completed","unsigned_urls":[]}]] },
  },
}
