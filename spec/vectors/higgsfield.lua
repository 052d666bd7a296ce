-- Higgsfield response vectors (docs/providers/higgsfield.md): one row per documented HTTP status
-- and state. No simulator dialect yet: spec/vectors_spec.lua runs these rows through
-- gentask.classify only. Higgsfield's failures carry no code, only a state and a message.
-- Sources (docs/providers/higgsfield.md, "Pages read"):
--   [auth]     https://docs.higgsfield.ai/docs/authentication.md (401 {"detail": "Invalid
--              credentials"}; a model unavailable: 404, 423 or 503)
--   [status]   https://docs.higgsfield.ai/docs/api-reference/requests/get-request-status.md (401, 404)
--   [webhooks] https://docs.higgsfield.ai/docs/how-to/webhooks.md (completed, failed, nsfw bodies)
--   [requests] https://docs.higgsfield.ai/docs/concepts/requests.md (canceled)
local cjson = require "cjson"

local ID = "9417a243-e457-4075-895b-b68f3cda5303"
local function poll(body) return { phase = "poll", status = 200, body = body } end

return {
  provider = "higgsfield",
  model = "higgsfield-ai/soul/standard",
  http_body = function(_, _, message)
    return cjson.encode { detail = message or "failed" }
  end,
  rows = {
    { http = 400, kind = "invalid_request", submitted = "no" },
    { http = 401, kind = "authentication", submitted = "no", message = "Invalid credentials",
      said = "Invalid credentials" },   -- [auth]
    { http = 404, kind = "not_found", submitted = "no", message = "Not found" },   -- [status]
    -- a model locked or unavailable for the account [auth]
    { http = 423, kind = "unavailable", submitted = "no" },
    { http = 503, kind = "unavailable", submitted = "no" },
    -- not documented; read by status
    { http = 402, kind = "payment_required", submitted = "no" },
    { http = 422, kind = "invalid_request", submitted = "no" },
    { http = 429, kind = "rate_limited", submitted = "no", message = "Too many requests" },
    { http = 500, kind = "server_error", submitted = "unknown" },

    -- the states [webhooks] [requests]
    { name = "failed", kind = "generation_failed", code = "failed", phase = "poll", said = "Generation fail message",
      response = poll([[{"status":"failed","request_id":"]] .. ID .. [[","error":"Generation fail message"}]]) },
    { name = "nsfw", kind = "moderated", code = "nsfw", phase = "poll",
      response = poll([[{"status":"nsfw","request_id":"]] .. ID .. [["}]]) },
    { name = "canceled", kind = "cancelled", phase = "poll",
      response = poll([[{"status":"canceled","request_id":"]] .. ID .. [["}]]) },
    { name = "cancelled (the SDK's spelling)", kind = "cancelled", phase = "poll",
      response = poll([[{"status":"cancelled","request_id":"]] .. ID .. [["}]]) },
    { name = "completed, an image", result = { urls = 1 },
      response = poll([[{"status":"completed","request_id":"]] .. ID .. [[","status_url":"https://platform.higgsfield.ai/requests/]] .. ID .. [[/status","cancel_url":"https://platform.higgsfield.ai/requests/]] .. ID .. [[/cancel","images":[{"url":"https://images.url/example"}]}]]) },
    { name = "completed, a video", result = { urls = 1 },
      response = poll([[{"status":"completed","request_id":"]] .. ID .. [[","video":{"url":"https://video.url/example"}}]]) },
    { name = "completed without outputs", kind = "protocol", phase = "poll",
      response = poll([[{"status":"completed","request_id":"]] .. ID .. [[","images":[]}]]) },
  },
}
