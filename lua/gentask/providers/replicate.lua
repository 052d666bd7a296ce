-- Replicate — predictions (pages read and readings chosen: docs/providers/replicate.md).
-- Submit POST /v1/models/{owner}/{name}/predictions {"input"} for an official model, or
-- POST /v1/predictions {"version", "input"} for a version; poll GET /v1/predictions/{id}; cancel
-- POST /v1/predictions/{id}/cancel. The task's time left goes as Cancel-After, so that Replicate
-- itself stops a prediction the caller no longer waits for.
local req = require "gentask.request"

-- "owner/name" (an official model's latest version), "owner/name:<version>" or a bare 64-hex
-- version id, or "deployments/owner/name": the three documented create endpoints
-- (https://replicate.com/docs/topics/predictions/create-a-prediction)
local function endpoint(model)
  if type(model) == "string" and model:match "^%x+$" and #model == 64 then return "/predictions", model end
  if type(model) ~= "string" then req.path_segment(model, "model") end
  local kind, owner, name = model:match "^(deployments)/([^/]+)/([^/]+)$"
  if kind then
    return ("/deployments/%s/%s/predictions"):format(req.path_segment(owner, "deployment owner"),
                                                      req.path_segment(name, "deployment name"))
  end
  owner, name = model:match "^([^/]+)/([^/]+)$"
  if not owner then error(("model must be owner/name, owner/name:version, a version id or "
    .. "deployments/owner/name, got %q"):format(model), 0) end
  req.path_segment(owner, "model owner")
  req.path_segment(name, "model name")
  if name:find(":", 1, true) then return "/predictions", model end   -- "owner/name:<version>"
  return ("/models/%s/%s/predictions"):format(owner, name)
end

return {
  name = "replicate",
  base_url = "https://api.replicate.com/v1",
  -- Bearer is what every current page uses; older copies show "Token " (docs/providers/replicate.md)
  auth = { header = "Authorization", prefix = "Bearer " },
  request = function(model, params)
    local path, version = endpoint(model)
    return { path = path, body = { version = version, input = req.copy(params) } }
  end,
  poll = { method = "GET", path = "/predictions/{id}" },
  -- "If a prediction is completed, it cannot be canceled" (the SDK's docstring); the answer is
  -- the prediction object, "canceled"
  cancel = { method = "POST", path = "/predictions/{id}/cancel" },
  -- Cancel-After on the create request: "aborted" if the deadline comes before it started (not
  -- billed), "canceled" if it was running (https://replicate.com/changelog/2025-10-16-prediction-deadlines).
  -- The format page was not read: the examples (60s, 1m, 5m) read as Go-style durations, and
  -- whole seconds with "s" is the reading chosen
  deadline_header = { name = "Cancel-After", suffix = "s" },
  -- webhooks: the create body's `webhook`; deliveries are signed the Standard Webhooks way
  -- (webhook-id, webhook-timestamp, webhook-signature: v1,<base64>) with the account's one secret
  -- from GET /v1/webhooks/default/secret, given as the client's webhook_secret (whsec_…). The
  -- tolerance is not documented: the default 300 s (docs/providers/replicate.md)
  webhook = { url_field = "webhook", scheme = "standard" },
  -- "All input parameters, output values, and logs are automatically removed after an hour"
  -- (the SDK's docstring of the prediction object): output turns null, data_removed true
  result_ttl = 3600,
  -- "Any files will be represented as HTTPS URLs. You'll need to pass the Authorization header to
  -- request them." — on Replicate's own delivery hosts only (readings chosen: the key goes there
  -- because the docs ask it, and nowhere else)
  download = { keyed = true, hosts = { "replicate.delivery", "*.replicate.delivery" } },
  -- cost: a prediction reports no money (metrics.predict_time is seconds, and which hardware ran
  -- it is not said). Official models are "charged by output": the per-image prices on their model
  -- pages below. Time-billed models, flux-schnell and flux-dev (third-party prices only) are
  -- unknown; so is a failed prediction's cost (charged for the time it ran: docs/cost.md)
  cost = {
    currency = "USD",
    prices = {
      source = "https://replicate.com/black-forest-labs/flux-pro, https://replicate.com/luma/photon",
      date = "2026-12-07",
      unit = "image",
      models = {
        ["black-forest-labs/flux-pro"] = 0.055,
        ["luma/photon"] = 0.03,
      },
    },
  },
  fields = {
    id = "id",
    state = "status",
    -- "any JSON-serializable value, depending on the model": a URL, a list of URLs, or text
    results = { "output[]", "output" },
    -- a failed prediction's `error` string; HTTP errors are RFC 7807 problem details
    error_message = { "error", "detail", "title" },
  },
  states = {
    starting = "pending",     -- booting a worker (a cold boot can take minutes)
    processing = "running",
    succeeded = "succeeded",
    failed = "failed",
    -- cancelled by the caller, or past its Cancel-After deadline once running (billed for the
    -- time it ran); "aborted": past its deadline before it started (not billed)
    canceled = "cancelled",
    aborted = "cancelled",
  },
  -- failures carry no code field; the E#### codes of https://replicate.com/docs/reference/error-codes
  -- are read in the error text (where they sit is not shown on the page: readings chosen)
  message_codes = {
    E1000 = "generation_failed",                                -- unknown error: "try retrying"
    -- the model ran out of memory: the input is too large, and the same input fails the same way
    E1001 = { kind = "generation_failed", retryable = false },
    E4875 = "invalid_request",                                  -- an empty internal webhook URL
    E6716 = "timeout",                                          -- timeout starting the prediction
  },
  -- for the gentask command: Replicate's own variable name, and the usual image input's name
  key_env = "REPLICATE_API_TOKEN", input_image_param = "image",
}
