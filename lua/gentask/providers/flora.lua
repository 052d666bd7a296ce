-- FLORA — techniques and runs (docs/providers.md, FLORA).
-- The model argument is the technique's slug. Submit POST /techniques/{slug}/runs; poll
-- GET /techniques/{slug}/runs/{runId} (or the pollUrl it returned). Both camelCase and
-- snake_case field names occur; every response carries a request-id header.
local req = require "gentask.request"

-- params.inputs as FLORA spells them, or params.prompt (and params.image_url) as a shorthand
local function inputs_of(params)
  if params.inputs then return params.inputs end
  local inputs = {}
  if params.prompt then inputs[#inputs + 1] = { id = "prompt", type = "text", value = params.prompt } end
  if params.image_url then inputs[#inputs + 1] = { id = "image", type = "imageUrl", value = params.image_url } end
  return inputs
end

return {
  name = "flora",
  base_url = "https://app.flora.ai/api/v1",
  auth = { header = "Authorization", prefix = "Bearer " },
  request = function(slug, params)
    local runs = "/techniques/" .. req.path_segment(slug, "technique slug") .. "/runs"
    return {
      path = runs,
      poll_path = runs .. "/{id}",
      body = {
        inputs = inputs_of(params),
        mode = "async",
        idempotency_key = params.idempotency_key,   -- the core adds a fresh one when absent
      },
    }
  end,
  poll = { method = "GET" },
  -- FLORA recognises a repeated key (two hours says its API reference, 24 its idempotency page):
  -- a resent submit is the same run, not a second paid one, so gentask may resend a submit whose
  -- answer it never saw, within minutes, well inside either window (docs/providers/flora.md)
  idempotency_field = "idempotency_key",
  -- webhooks: the run submit's callback_url (developer.flora.ai/platform/webhooks). FLORA signs
  -- its deliveries (HMAC-SHA256, Flora-Signature: t=<unix>,v1=<hex> over "<t>.<raw body>") in a
  -- scheme gentask does not verify yet, and a delivery carries the run's id and end, no outputs:
  -- it is news, the task polls at once and the poll decides (docs/providers.md, FLORA)
  webhook = { url_field = "callback_url" },
  fields = {
    -- a webhook delivery names its run at data.run_id (its own "id" is the delivery's)
    id = { "runId", "run_id", "data.run_id" },
    state = "status",
    progress = "progress",
    results = "outputs[].url",      -- a "text" output carries its text here: result.texts
    poll_url = { "pollUrl", "poll_url" },
    error_code = { "errorCode", "error_code", "error.code" },
    error_message = { "errorMessage", "error_message", "error.message" },
    -- "charged_cost: … Cost charged in USD" on the run (the runs reference); deliveries carry none
    cost = { "chargedCost", "charged_cost" },
  },
  -- no price table: a run's price is its technique's runCost (GET /techniques/{slug}), no
  -- per-model list; a failed run's charge is not documented for the API (docs/cost.md)
  cost = { currency = "USD" },
  states = { pending = "pending", running = "running", completed = "succeeded", failed = "failed" },
  -- run-level failures (HTTP 200, status failed)
  codes = {
    model_timeout = "timeout",
    safety_blocked = { kind = "moderated", stage = "input" },
    input_unreachable = "input_unreachable",
    internal_error = "generation_failed",
    provider_error = "generation_failed",
  },
  -- codes of HTTP error bodies, where they say more than the status
  http_codes = {
    idempotency_conflict = "conflict",
    invalid_json = "invalid_request",
    input_validation_error = "invalid_request",
    unauthorized = "authentication",
    invalid_api_key = "authentication",
    invalid_token = "authentication",
    insufficient_credits = "payment_required",
    forbidden = "permission_denied",
    -- the API reference: "duplicate keys within two hours return idempotency_duplicate"; the
    -- idempotency page: the original response. A duplicate says the run exists — and gives no
    -- run id to poll — so it is a conflict, never a new paid run
    idempotency_duplicate = "conflict",
    not_found = "not_found",
    conflict = "conflict",
    rate_limited = "rate_limited",
    internal_error = "server_error",
    service_unavailable = "unavailable",
  },
  request_id_headers = { "request-id" },
  -- for the gentask command: where it reads the key, and the parameter `run --image` fills
  key_env = "FLORA_API_KEY", input_image_param = "image_url",
}
