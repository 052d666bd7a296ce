-- Ideogram's replayed flow (replay/ideogram.json): what its documentation says each ends as.
local assert = require "luassert"

return {
  model = "ideogram-4-5",
  success = {
    check = function(result)
      -- the completed generation's usage_cost_usd_micros, 60000 millionths of a USD
      assert.equal("reported", result.cost.source)
      assert.equal("USD", result.cost.currency)
      assert.is_true(math.abs(result.cost.amount - 0.06) < 1e-9, tostring(result.cost.amount))
    end,
  },
  -- failure_reason's values are not listed: the state is the code
  failed = { kind = "generation_failed", code = "failed", message = "The generation failed" },
  -- 422: "the prompt fails the safety check" (errors page), refused before running
  moderated = { kind = "moderated", stage = "input", status = 422, submitted = "no" },
  auth = { kind = "authentication", status = 401 },
  -- no cancel endpoint is documented; result links need no key
  -- Ed25519 against Ideogram's published keys (no caller secret); the generation id names a
  -- delivery, so a second one is a replay
  webhook = { signed = true, keys = true, replayed = true },
}
