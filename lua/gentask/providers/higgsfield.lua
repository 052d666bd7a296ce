-- Higgsfield's platform API (pages read, readings chosen and gaps: docs/providers/higgsfield.md).
-- A queue in front of Higgsfield's and partners' models: submit POST /{model_id} (an id with
-- slashes: higgsfield-ai/soul/standard) → {"status": "queued", "request_id", "status_url",
-- "cancel_url"}; poll the status_url (GET /requests/{id}/status) until completed, failed, nsfw or
-- canceled. The outputs are in the status answer.
local req = require "gentask.request"

-- The model id is a path of plain names: each segment is checked, the slashes kept
local function model_path(model)
  return "/" .. table.concat(req.path_segments(model, "model id"), "/")
end

return {
  name = "higgsfield",
  base_url = "https://platform.higgsfield.ai",
  -- api.higgsfield.ai is documented too (the newer FAQ, the SDK's code): a status_url on either
  -- host is followed
  poll_hosts = { "platform.higgsfield.ai", "api.higgsfield.ai" },
  -- "Authorization: Key <key_id>:<key_secret>": the key given to gentask is the pair, joined by ":"
  auth = { header = "Authorization", prefix = "Key " },
  request = function(model, params)
    return { path = model_path(model), body = req.copy(params) }
  end,
  poll = { method = "GET", path = "/requests/{id}/status" },
  -- only while queued: 202 with an empty body; 400 once processing started
  cancel = { method = "POST", path = "/requests/{id}/cancel" },
  -- webhooks: the submit URL's hf_webhook query parameter; deliveries are not signed (none
  -- documented): a delivery only makes the task poll at once (docs/providers/higgsfield.md)
  webhook = { url_query = "hf_webhook" },
  -- output URLs are "retained for at least seven days"
  result_ttl = 7 * 24 * 3600,
  -- no max_in_flight: rate limits "vary based on your subscription plan", no numbers
  fields = {
    id = "request_id",
    state = "status",
    poll_url = "status_url",
    results = { "images[].url", "video.url" },
    -- a failed request's "error" is free text; HTTP errors are FastAPI's {"detail": …}
    error_message = { "error", "detail[].msg", "detail" },
  },
  -- cost: a request reports none and the API's prices are not documented: no table. "Failed
  -- generation requests are not charged", "requests flagged as NSFW are not charged" (the FAQ)
  cost = { currency = "USD", failed_free = { "generation_failed", "moderated" } },
  states = {
    queued = "pending",
    in_progress = "running",
    completed = "succeeded",
    failed = "failed",
    -- "either your input parameters or the generated output": the stage is not told
    nsfw = { state = "failed", kind = "moderated" },
    canceled = "cancelled",
    cancelled = "cancelled",   -- the SDK's spelling
  },
  -- a model locked for the account "can return 404, 423, or 503 depending on its operational
  -- state" (guess: 423 is unavailable, as 503)
  statuses = { [423] = "unavailable" },
  -- for the gentask command: where it reads the key (the SDK's HF_KEY, "key_id:key_secret"), and
  -- the parameter `run --image` fills
  key_env = "HF_KEY", input_image_param = "image_url",
}
