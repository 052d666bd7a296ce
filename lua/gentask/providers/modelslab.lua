-- ModelsLab (docs/providers.md, ModelsLab).
-- The key travels in the JSON body ("key"), set there by the core so that it never passes
-- through Lua. Submit POST /images/text2img; a "processing" answer is fetched with
-- POST /images/fetch/{id} {"key"} (or the fetch_result URL it gave). "success" may come at once.
-- Errors carry no code, only a message (spelled "messege" by legacy endpoints), often under 200.
local req = require "gentask.request"

return {
  name = "modelslab",
  base_url = "https://modelslab.com/api/v6",
  auth = { header = "", body_field = "key" },
  max_in_flight = 5,      -- the smallest plan's queue limit (5/10/15 queued requests by plan)
  request = function(model, params)
    local body = req.copy(params)
    body.model_id = body.model_id or model
    return { path = "/images/text2img", body = body }
  end,
  poll = { method = "POST", path = "/images/fetch/{id}", key_field = "key" },
  -- no cancel endpoint is documented; webhooks: the submit's `webhook` URL, deliveries unsigned
  webhook = { url_field = "webhook" },
  fields = {
    id = "id",
    state = "status",
    results = "output[]",
    poll_url = "fetch_result",
    error_message = { "message", "messege" },
    retry_after = "retry_after",
    eta = "eta",
  },
  states = {
    processing = "running",
    success = "succeeded",
    -- "error" refuses the request itself (often under HTTP 200); "failed" is a failed generation
    error = { state = "failed", kind = "invalid_request" },
    failed = { state = "failed", kind = "generation_failed" },
  },
  -- no codes: the message decides, case-insensitively, before the HTTP status
  message_codes = {
    ["invalid api key"] = "authentication",
    ["insufficient credits"] = "payment_required",
    ["premium"] = "permission_denied",
    ["rate limit"] = "rate_limited",
    ["model not found"] = "not_found",
    -- an init_image or other input URL ModelsLab could not download
    -- (https://docs.modelslab.com/error-codes, Image URL Issues)
    ["unable to fetch image"] = "input_unreachable",
  },
  request_id_headers = { "x-request-id" },
  -- for the gentask command: where it reads the key, and the parameter `run --image` fills
  key_env = "MODELSLAB_API_KEY", input_image_param = "init_image",
}
