-- BFL — Black Forest Labs FLUX (docs/providers.md, BFL (FLUX); pages read: docs/providers/bfl.md).
-- Submit POST /v1/{model} with x-key; poll the polling_url the submit returned (the global
-- endpoint routes between clusters), falling back on GET /v1/get_result?id={id}.
local req = require "gentask.request"

return {
  name = "bfl",
  base_url = "https://api.bfl.ai",
  -- client{ region = } picks one of these base URLs (docs.bfl.ai, integration guidelines: the
  -- global endpoint load-balances between clusters; eu and us keep traffic in the region)
  regions = { global = "https://api.bfl.ai", eu = "https://api.eu.bfl.ai", us = "https://api.us.bfl.ai" },
  -- A polling_url "already points at the region that handled your request" (help.bfl.ai, "Which
  -- API endpoint should I use?"): api.eu1.bfl.ai, api.us1.bfl.ai, … — cluster names that BFL says
  -- can change, all under its own bfl.ai, which that page asks firewalls to allow as *.bfl.ai.
  poll_hosts = { "*.bfl.ai" },
  auth = { header = "x-key", prefix = "" },
  request = function(model, params)
    return { path = "/v1/" .. req.path_segment(model, "model"), body = req.copy(params) }
  end,
  -- gentask.file values go as bare base64: BFL's input_image is "a base64 encoded image or a URL"
  -- (docs.bfl.ai, FLUX.1 Kontext image editing)
  file_form = "base64",
  poll = { method = "GET", path = "/v1/get_result?id={id}" },
  -- no cancel endpoint is documented: cancel() stops the polls only
  -- webhooks: the submit carries webhook_url and webhook_secret; a delivery is signed
  -- "X-BFL-Signature: sha256=<hex HMAC-SHA256 of the raw body>" with the secret (docs/providers.md)
  webhook = {
    url_field = "webhook_url", secret_field = "webhook_secret",
    signature_header = "x-bfl-signature", signature_prefix = "sha256=",
  },
  -- result.sample is a signed URL that expires after about 10 minutes (docs/providers.md, BFL)
  result_ttl = 600,
  -- cost: what the submit answer reports, in credits ("1 credit = $0.01 USD", the pricing page);
  -- where it reports nothing, the price table (FLUX.1 per image; FLUX.2 per megapixel, its first
  -- megapixel's price for each: BFL's rounding is not documented). Moderated requests are not
  -- charged, other failures not documented: a failure's cost stays unknown (docs/cost.md)
  cost = {
    currency = "USD",
    scale = 0.01,
    failed_free = { "moderated" }, -- "you are not charged for moderated requests" (help.bfl.ai)
    width = "width", height = "height",
    prices = {
      source = "https://docs.bfl.ai/quick_start/pricing",
      date = "2026-12-07",
      unit = "image",
      models = {
        ["flux-pro-1.1"] = 0.04,
        ["flux-pro-1.1-ultra"] = 0.06,
        ["flux-kontext-pro"] = 0.04,
        ["flux-kontext-max"] = 0.08,
        ["flux-2-pro"] = { amount = 0.03, unit = "megapixel" },
        ["flux-2-max"] = { amount = 0.07, unit = "megapixel" },
        ["flux-2-flex"] = { amount = 0.05, unit = "megapixel" },
      },
    },
  },
  fields = {
    id = "id",
    state = "status",
    progress = "progress",
    results = "result.sample",
    poll_url = "polling_url",
    -- the submit answer's "cost", in credits (BFL's OpenAPI: "Cost in credits for this request")
    cost = "cost",
    -- FastAPI bodies: {"detail": [{"loc", "msg", "type"}]} for 422, {"detail": "…"} otherwise;
    -- failure webhooks carry "message" (BFL's webhook guide), as some error bodies do
    -- (docs/providers/bfl.md)
    error_message = { "detail[].msg", "detail", "message", "details" },
    error_code = "detail[].type",
  },
  progress_scale = 100,   -- BFL reports progress as a fraction
  -- active tasks per key (https://docs.bfl.ml/quick_start/generating_images, Limits): 24, and
  -- fewer for some models, "due to capacity issues" (also https://help.bfl.ai/articles/7158018353)
  max_in_flight = 24,
  model_max_in_flight = { ["flux-kontext-max"] = 6 },
  -- docs/providers/bfl.md lists the pages each status comes from
  states = {
    Pending = "running",
    -- FLUX 3 video reports its steps (litellm's recorded live responses): still going
    Queued = "running", Reasoning = "running", Generating = "running",
    Ready = "succeeded",
    ["Request Moderated"] = { state = "failed", kind = "moderated", stage = "input" },
    ["Content Moderated"] = { state = "failed", kind = "moderated", stage = "output" },
    Error = { state = "failed", kind = "generation_failed" },
    -- BFL's quick-start stops polling on "Failed" as well as "Error"
    Failed = { state = "failed", kind = "generation_failed" },
    -- right after a submit this is replication lag, not an answer: read as pending for a while
    ["Task not found"] = { state = "failed", kind = "not_found", grace = 10 },
  },
  -- a moderated request refused at submit under an HTTP error: a body with the moderated status
  -- is read by the core; a detail or message that names it is read here
  message_codes = {
    ["request moderated"] = { kind = "moderated", stage = "input" },
    ["content moderated"] = { kind = "moderated", stage = "output" },
  },
  request_id_headers = { "x-request-id" },
  -- for the gentask command: where it reads the key, and the parameter `run --image` fills
  key_env = "BFL_API_KEY", input_image_param = "input_image",
}
