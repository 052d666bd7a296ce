-- Kling AI's own API (pages read, readings chosen and gaps: docs/providers/kling.md).
-- One shape for every task family: submit POST /v1/{family} → {"code", "message", "request_id",
-- "data": {"task_id", "task_status": "submitted"}}; poll GET /v1/{family}/{task_id} with the same
-- envelope until succeed or failed. HTTP status and a service code come together; the code says
-- more (1100–1102 and 1304 come under 429 and are not rate limits).
-- Auth is a JWT the core signs (HS256, iss = access key, exp = now + 1800, nbf = now - 5) from
-- the access key (the client's api_key) and the secret key, which the core reads itself from
-- KLING_SECRET_KEY (or the client's secret_env / secret_file): it never becomes a Lua value.
local req = require "gentask.request"

-- The task families whose create and query endpoints share this shape (docs/providers/kling.md)
local FAMILIES = {
  ["videos/text2video"] = true, ["videos/image2video"] = true, ["videos/omni-video"] = true,
  ["videos/multi-image2video"] = true, ["images/generations"] = true, ["images/omni-image"] = true,
}

-- The model argument is Kling's model_name; `family` is gentask's own parameter (Kling never
-- sees it) choosing the endpoint: text2video by default, image2video when an image is given.
local function request(model, params)
  local body = req.copy(params)
  body.model_name = req.path_segment(model, "model")
  local family = body.family or (body.image and "videos/image2video" or "videos/text2video")
  body.family = nil
  if not FAMILIES[family] then
    local known = {}
    for name in pairs(FAMILIES) do known[#known + 1] = name end
    table.sort(known)
    error(("family must be one of %s, got %q"):format(table.concat(known, ", "), tostring(family)), 0)
  end
  local path = "/v1/" .. family
  -- a task is polled on its own family's path: another family's does not know it
  return { path = path, poll_path = path .. "/{id}", body = body }
end

return {
  name = "kling",
  base_url = "https://api-singapore.klingai.com",
  -- "the API endpoint for the new system has been updated from https://api.klingai.com"; the
  -- mainland China endpoint from the Chinese pages
  regions = { global = "https://api-singapore.klingai.com", cn = "https://api-beijing.klingai.com" },
  -- "Authorization: Bearer <JWT>", the token made in C and renewed 5 minutes before it expires
  -- (docs/providers.md, auth.jwt; Kling's authentication page and its public clients)
  auth = { header = "Authorization", prefix = "Bearer ",
           jwt = { issuer = "iss", ttl = 1800, not_before = 5, renew_before = 300,
                   secret_env = "KLING_SECRET_KEY" } },
  request = request,
  poll = { method = "GET" },
  -- image2video takes an image as a URL or bare base64, "no data: prefix"
  file_form = "base64",
  -- no cancel endpoint is documented; webhooks: the submit's callback_url, deliveries unsigned
  webhook = { url_field = "callback_url" },
  -- "generated images/videos will be cleared after 30 days"
  result_ttl = 30 * 24 * 3600,
  -- no max_in_flight: the cap is the account's resource pack's (5, 10, …), said by a 429 1303
  -- no cost: what this (model_name) API reports is final_unit_deduction, resource-pack units whose
  -- money value depends on the pack bought (not documented), and final_balance_deduction.quota, money
  -- in a currency only the new API's billing[] names; no official price page was read either
  -- (docs/cost.md, Kling). A guessed currency would be counted as money spent
  fields = {
    -- the envelope's data, and the flat task object of a callback (Kling's callback page)
    id = { "data.task_id", "task_id" },
    state = { "data.task_status", "task_status" },
    results = {
      "data.task_result.videos[].url", "data.task_result.images[].url",
      "task_result.videos[].url", "task_result.images[].url",
    },
    error_code = "code",
    -- a failed task's reason ("such as triggering the platform's content risk control"), else the
    -- envelope's message
    error_message = { "data.task_status_msg", "task_status_msg", "message" },
  },
  states = {
    submitted = "pending",
    processing = "running",
    succeed = "succeeded",   -- sic
    succeeded = "succeeded",
    failed = "failed",
  },
  -- the service codes of HTTP errors ("General Information", error codes)
  http_codes = {
    ["1000"] = "authentication",       -- 401 authentication failed
    ["1001"] = "authentication",       -- 401 Authorization is empty
    ["1002"] = "authentication",       -- 401 Authorization is invalid
    ["1003"] = "authentication",       -- 401 not yet valid (the token's nbf: a clock skew)
    ["1004"] = "authentication",       -- 401 expired (the token's exp)
    ["1100"] = "permission_denied",    -- 429 account exception (guess)
    ["1101"] = "payment_required",     -- 429 account in arrears (postpaid)
    ["1102"] = "payment_required",     -- 429 resource pack depleted or expired (prepaid)
    ["1103"] = "permission_denied",    -- 403 no permission for the API or model
    ["1200"] = "invalid_request",      -- 400 invalid request parameters
    ["1201"] = "invalid_request",      -- 400 invalid parameter
    ["1202"] = "invalid_request",      -- 404 invalid method
    ["1203"] = "not_found",            -- 404 the resource (a model) does not exist
    ["1300"] = { kind = "moderated", stage = "input" },   -- 400 platform policy triggered
    ["1301"] = { kind = "moderated", stage = "input" },   -- 400 content security policy triggered
    ["1302"] = "rate_limited",         -- 429 requests too fast
    ["1303"] = "rate_limited",         -- 429 parallel tasks over the resource pack's limit
    ["1304"] = "permission_denied",    -- 429 IP whitelist policy
    ["5000"] = "server_error",         -- 500 internal error
    ["5001"] = "unavailable",          -- 503 usually maintenance
    ["5002"] = "timeout",              -- 504 internal timeout, usually a backlog
  },
  -- for the gentask command: where it reads the key, and the parameter `run --image` fills
  -- the access key: the variable public clients name it by (the secret: KLING_SECRET_KEY, above)
  key_env = "KLING_ACCESS_KEY", input_image_param = "image",
}
