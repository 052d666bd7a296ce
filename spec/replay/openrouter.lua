-- OpenRouter's replayed video flow (replay/openrouter.json): what its documentation says each ends as.
local assert = require "luassert"

return {
  model = "google/veo-3.1",
  success = {
    check = function(result)
      -- the content proxy of unsigned_urls, fetched with the key
      assert.truthy(result.url:find("/videos/job%-%x+/content%?index=0$"), result.url)
      -- the completed job's usage.cost, in USD
      assert.same({ amount = 0.5, currency = "USD", source = "reported" }, result.cost)
    end,
  },
  -- a failed job carries only the upstream provider's message
  failed = { kind = "generation_failed", code = "failed", message = "The upstream provider could not generate the video." },
  -- the errors page's 403 for a flagged input
  moderated = { kind = "moderated", stage = "input", status = 403 },
  auth = { kind = "authentication", status = 401 },
  -- no cancel endpoint is documented
  keyed = true,
  -- t=,v1= HMAC with the workspace's signing secret (the client's webhook_secret); the
  -- X-OpenRouter-Idempotency-Key names a delivery, so a second one is a replay
  webhook = { signed = true, secret = true, replayed = true },
}
