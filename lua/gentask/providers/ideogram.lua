-- Ideogram — the asynchronous form of its v2 API (pages read and readings chosen:
-- docs/providers/ideogram.md). Submit POST /v2/image/generate/{model} with "async": true, which
-- answers a generation_id at once; poll GET /v2/generations/{id}. The synchronous form would hold
-- the connection for the whole generation, and a dropped one would leave a billed image without
-- an id to find it by.
local req = require "gentask.request"

return {
  name = "ideogram",
  base_url = "https://api.ideogram.ai",
  auth = { header = "Api-Key", prefix = "" },
  request = function(model, params)
    local body = req.copy(params)
    -- image endpoints "become asynchronous when you set async or supply a webhook_url"
    -- (responses-and-metadata page); where async goes was not in the pages read: a boolean body
    -- field is the reading chosen
    if body.async == nil then body.async = true end
    return { path = "/v2/image/generate/" .. req.path_segment(model, "model"), body = body }
  end,
  poll = { method = "GET", path = "/v2/generations/{id}" },
  -- no cancel endpoint is documented. Webhooks: the submit's webhook_url (HTTPS, public hosts);
  -- deliveries are signed with Ed25519 against Ideogram's JWKS: generation id, user id and
  -- timestamp, then the body's hex SHA-256, joined by "\n" (the order from Ideogram's generated SDK:
  -- the stored page cut it); the Key-Id is a hint; the tolerance is not documented (300 s). No
  -- caller secret (docs/providers/ideogram.md)
  webhook = {
    url_field = "webhook_url",
    scheme = "ed25519",
    keys_url = "https://api.ideogram.ai/v1/.well-known/jwks.json",
    signature_header = "X-Ideogram-Webhook-Signature",
    signed_headers = { "X-Ideogram-Webhook-Generation-Id", "X-Ideogram-Webhook-User-Id",
                       "X-Ideogram-Webhook-Timestamp" },
    id_header = "X-Ideogram-Webhook-Generation-Id",
    timestamp_header = "X-Ideogram-Webhook-Timestamp",
    key_id_header = "X-Ideogram-Webhook-Key-Id",
  },
  -- "Result links expire after 24 hours" (responses-and-metadata page)
  result_ttl = 86400,
  -- images and videos in progress per organisation, 10 by default, counted in images: one image
  -- per task fills it exactly (rate-limits page). Over it: 429 inflight_limit, not run, not billed
  max_in_flight = 10,
  fields = {
    id = "generation_id",
    state = "status",
    -- an item withheld by the safety check (is_image_safe false) comes with an empty url: not a result
    results = "data[].url",
    -- 402 and 429 name their reason (insufficient_funds, daily_limit, inflight_limit)
    error_code = "reject_reason",
    error_message = { "failure_reason", "error" },
    -- "usage_cost_usd_micros reports the amount billed when the request uses variable usage-based
    -- pricing", on the completed generation (get-generation page): millionths of a USD
    cost = "usage_cost_usd_micros",
  },
  -- cost: the reported usage_cost_usd_micros where Ideogram sends it (variable-priced requests);
  -- otherwise the official per-image price of the model's default tier (3 and 4: "Default";
  -- 4.5: "Medium", guess: its default), times num_images. A request that names another tier
  -- (Turbo/Low, Quality/High) costs less or more than the table says; dry_run=true quotes one
  -- exactly (docs/cost.md, Ideogram)
  cost = {
    currency = "USD",
    scale = 1e-6,
    -- "a failed generation is not billed" (errors page); one that ran is, an image the safety check
    -- withheld included; one refused before running (422 safety) was never sent
    failed_free = { "generation_failed" },
    count = "num_images",
    prices = {
      source = "https://ideogram.ai/features/api-pricing",
      date = "2026-12-07",
      unit = "image",
      models = {
        ["ideogram-4-5"] = 0.06,
        ["ideogram-4"] = 0.06,
        ["ideogram-3"] = 0.06,
        ["ideogram-3-character"] = 0.15,
      },
    },
  },
  states = {
    pending = "running",   -- the only state before the end: no separate queued state
    completed = "succeeded",
    failed = "failed",     -- not billed; failure_reason says why (its values are not listed)
  },
  -- 422: "the prompt fails the safety check" (errors page), not billed, never retried
  statuses = { [422] = { kind = "moderated", stage = "input" } },
  http_codes = {
    insufficient_funds = "payment_required",
    daily_limit = "payment_required",   -- a plan limit; "402 is not a rate limit"
    inflight_limit = "rate_limited",    -- rejected, not run, not billed: safe to send again
  },
  -- for the gentask command: the quickstart's variable
  key_env = "IDEOGRAM_API_KEY",
}
