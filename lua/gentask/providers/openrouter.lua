-- OpenRouter's video generation API (pages read, readings chosen and gaps: docs/providers/openrouter.md).
-- Submit POST /videos {"model", "prompt", ...} → 202 {"id", "polling_url", "status": "pending"};
-- poll GET /videos/{id} (or the polling_url, relative or absolute, on the same origin) until
-- completed, failed, cancelled or expired. The videos are unsigned_urls[]: OpenRouter's content
-- proxy (/videos/{id}/content?index=N), which needs the key.
local req = require "gentask.request"

local function request(model, params)
  if type(model) ~= "string" or model == "" then error("model must be a model slug (google/veo-3.1)", 0) end
  local body = req.copy(params)
  body.model = model   -- a slug with a slash: it goes in the body, never in a path
  -- `image` (what `gentask run --image` fills) is a shorthand for the first frame
  if body.image then
    local frames = req.copy(body.frame_images or {})
    table.insert(frames, 1, { type = "image_url", image_url = { url = body.image }, frame_type = "first_frame" })
    body.frame_images, body.image = frames, nil
  end
  return { path = "/videos", body = body }
end

return {
  name = "openrouter",
  base_url = "https://openrouter.ai/api/v1",
  auth = { header = "Authorization", prefix = "Bearer " },
  request = request,
  poll = { method = "GET", path = "/videos/{id}" },
  -- the content proxy answers 401 without the key; any other host (a signed storage URL) gets none
  download = { keyed = true },
  -- no cancel endpoint (the reference lists four endpoints), though "cancelled" is a status
  -- webhooks: the submit's callback_url; deliveries are signed in OpenRouter's own scheme,
  -- X-OpenRouter-Signature: t=<seconds>,v1=<hex HMAC-SHA256 of "<t>,<raw body>">, keyed with the
  -- workspace's signing secret (set in its dashboard, never sent: the client's webhook_secret must
  -- be it); "reject older than ~5 minutes". X-OpenRouter-Idempotency-Key (<job_id>-<status>) names
  -- a delivery: a second one with it is refused as a replay. The job is under "data"
  -- (id, state and results read there too: a poll answer never has a "data")
  webhook = { url_field = "callback_url", scheme = "t_v1", signature_header = "X-OpenRouter-Signature",
              id_header = "X-OpenRouter-Idempotency-Key", tolerance = 300 },
  -- no result_ttl, no max_in_flight, no idempotency: none documented
  fields = {
    id = { "id", "data.id" },
    state = { "status", "data.status" },
    poll_url = "polling_url",
    -- only unsigned_urls: urls[] (signed storage) would name the same videos again, and every
    -- results path contributes (docs/providers/openrouter.md, "Readings chosen")
    results = { "unsigned_urls[]", "data.unsigned_urls[]" },
    -- an HTTP error's {"error": {"code", "message"}}; a failed job's "error" is the message itself
    error_code = "error.code",
    error_message = { "error.message", "error", "data.error" },
    -- "usage.cost: The cost of the video generation in USD", "available once the job has
    -- completed", in the poll answer and the webhook event's data (docs/cost.md, OpenRouter)
    cost = { "usage.cost", "data.usage.cost" },
  },
  -- no price table: OpenRouter's video prices are not in the pages read; a failed, cancelled or
  -- expired job's charge is not documented: its cost stays unknown unless reported (docs/cost.md)
  cost = { currency = "USD" },
  states = {
    pending = "pending",
    in_progress = "running",
    completed = "succeeded",
    failed = "failed",
    cancelled = "cancelled",
    expired = { state = "failed", kind = "timeout" },   -- guess: the job or its output timed out
  },
  -- a 403 is a moderation flag ("your input was flagged"), a guardrail or a permission; a failed
  -- job says only what the upstream provider said (guesses: docs/providers/openrouter.md)
  message_codes = {
    flagged = { kind = "moderated", stage = "input" },
    ["content policy"] = { kind = "moderated", stage = "input" },
    ["safety"] = { kind = "moderated", stage = "input" },
  },
  -- for the gentask command: where it reads the key, and the parameter `run --image` fills
  key_env = "OPENROUTER_API_KEY", input_image_param = "image",
}
