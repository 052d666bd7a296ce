-- fal's replayed queue flow (replay/fal.json): what its documentation says each ends as.
local luassert = require "luassert"

return {
  model = "fal-ai/fast-sdxl",
  -- fal's profile has no price table: the caller's own unit price for the endpoint
  client = { prices = { source = "https://example.com/fal-account-prices", date = "2026-12-07",
                        models = { ["fal-ai/fast-sdxl"] = 0.003 } } },
  success = {
    -- the status answers carry no output: the image came from the result fetch (response_url)
    check = function(result)
      luassert.truthy(result.url:find("/fal/files/", 1, true), result.url)
      -- the result fetch's x-fal-billable-units (1) × the unit price
      luassert.same({ amount = 0.003, currency = "USD", source = "reported" }, result.cost)
    end,
  },
  -- a COMPLETED request with error and error_type (the SDK's Completed)
  failed = { kind = "generation_failed", code = "downstream_service_error" },
  -- the result fetch's 422 content_policy_violation (fal's Error Reference): the input's fault
  moderated = { kind = "moderated", stage = "input", code = "content_policy_violation", retryable = false,
                status = 422 },
  -- the 401 body is not documented (completed by us); the status decides
  auth = { kind = "authentication", status = 401 },
  -- PUT beside the status URL, answered 202 CANCELLATION_REQUESTED (a queued request never runs)
  cancel = { confirmed = true },
  -- not keyed: fal's media is public, on another host than the API's
  -- Ed25519 against fal's published keys (no caller secret); X-Fal-Webhook-Request-Id names a
  -- delivery, so a second one is a replay
  webhook = { signed = true, keys = true, replayed = true },
}
