-- Replicate's replayed flow (replay/replicate.json): what its documentation says each ends as.
return {
  model = "black-forest-labs/flux-schnell",
  failed = { kind = "generation_failed", retryable = false, code = "failed" },
  -- no moderation answer is documented
  auth = { kind = "authentication", status = 401 },
  cancel = { confirmed = true },
  keyed = true,
  -- Standard Webhooks, the account's whsec_ secret; webhook-id makes a second delivery a replay
  webhook = { signed = true, secret = true, replayed = true },
}
