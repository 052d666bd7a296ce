-- FoxAPI: a unified task API with OpenAI-style errors (docs/providers.md, FoxAPI; EvoLink is a near
-- twin; pages read: docs/providers/foxapi.md).
-- Submit POST /v1/images/generations (or /v1/videos/generations), poll GET /v1/tasks/{id}.

local copy = require("gentask.request").copy

local function request(model, params)
  local body = copy(params)
  body.model = model
  -- `media` is gentask's own switch between the two documented endpoints; FoxAPI never sees it
  local media = body.media
  body.media = nil
  return {
    path = media == "video" and "/v1/videos/generations" or "/v1/images/generations",
    body = body,
  }
end

return {
  name = "foxapi",
  base_url = "https://api.foxapi.cc",
  auth = { header = "Authorization", prefix = "Bearer " },
  request = request,
  poll = { method = "GET", path = "/v1/tasks/{id}" },
  -- a task the poll answer marks task_info.can_cancel may be cancelled (docs/providers.md)
  cancel = { method = "POST", path = "/v1/tasks/{id}/cancel" },
  -- webhooks: the submit's callback_url, deliveries unsigned (the twin EvoLink's documentation)
  webhook = { url_field = "callback_url" },
  -- result URLs are valid for 24 hours (docs/providers.md, FoxAPI)
  result_ttl = 86400,
  fields = {
    id = "id",
    state = "status",
    progress = "progress",
    error_code = "error.code",           -- a failed task's code and an HTTP error's code live alike
    error_message = "error.message",
    eta = "task_info.estimated_time",
    -- FoxAPI's two shapes, and EvoLink's plain list of strings
    -- (https://docs.evolink.ai/en/api-manual/task-management/get-task-detail)
    results = { "results[].url", "results[]", "output.urls[]", "output.url" },
  },
  states = {
    pending = "pending",
    processing = "running",
    completed = "succeeded",
    failed = "failed",
    cancelled = "cancelled",
  },
  -- FoxAPI's documented task failure codes and the EvoLink twin's; HTTP errors fall back on their status
  codes = {
    model_unavailable = "unavailable",
    content_policy_violation = { kind = "moderated", stage = "input" },
    -- EvoLink's other content codes (its CLI's error handler: CONTENT_CODES)
    content_filter = { kind = "moderated", stage = "input" },
    sensitive_content = { kind = "moderated", stage = "input" },
    moderation_blocked = { kind = "moderated", stage = "input" },
    input_moderation_failed = { kind = "moderated", stage = "input" },
    generation_failed = "generation_failed",
    timeout = "timeout",
    invalid_image_url = "input_unreachable",
    file_too_large = "invalid_request",
    unsupported_format = "invalid_request",
    invalid_parameters = "invalid_request",
    -- EvoLink's "client errors (fixable by user)": the same input fails the same way, so a failed
    -- generation that is not retryable (and never resubmitted); its CLI says retryable: false too
    image_processing_error = { kind = "generation_failed", retryable = false },
    image_dimension_mismatch = "invalid_request",
    request_cancelled = "cancelled",
    -- "model failed to generate output: try a different prompt"; the CLI: retryable false
    generation_failed_no_content = { kind = "generation_failed", retryable = false },
    service_error = "server_error",
    generation_timeout = "timeout",
    resource_exhausted = "unavailable",
    quota_exceeded = "rate_limited",
    service_unavailable = "unavailable",
    resource_not_found = "not_found",
    unknown_error = "generation_failed",
  },
  -- codes of HTTP error bodies that say more than their status: EvoLink's gateway codes, as its
  -- CLI's error handler reads them (docs/providers/foxapi.md). A 402 is "top up your balance"
  -- unless its code names the key — expired, disabled, not allowed this model — where no top-up
  -- helps. A content-policy code under 400 is read from `codes` (moderated, whatever the status)
  http_codes = {
    key_expired = "authentication",
    mcp_key_expired = "authentication",
    key_disabled = "authentication",
    user_disabled = "authentication",
    invalid_api_key = "authentication",
    invalid_token = "authentication",
    key_model_not_allowed = "permission_denied",
    model_access_denied = "permission_denied",
    ip_restricted = "permission_denied",
    -- the account's balance and the key's own spending limit: top up, or raise the key's limit
    insufficient_quota = "payment_required",
    insufficient_user_quota = "payment_required",
    quota_not_enough = "payment_required",
    account_balance_insufficient = "payment_required",
    insufficient_token_quota = "payment_required",
    key_quota_exhausted = "payment_required",
    -- spellings of the same two cases other gateways of the family use (not EvoLink's: guessed)
    token_expired = "authentication",
    api_key_expired = "authentication",
    model_not_allowed = "permission_denied",
    idempotency_conflict = "conflict",
    -- new-api's own codes for a prompt its filter refused (its types/error.go)
    sensitive_words_detected = { kind = "moderated", stage = "input" },
    prompt_blocked = { kind = "moderated", stage = "input" },
    no_available_channel = "unavailable",
    channel_selection_failed = "unavailable",
  },
  -- a gateway with no upstream channel for the model (a 422 or 503 "No available channel for
  -- model …"): the model is out of capacity, not the request wrong — retry later. EvoLink reports
  -- its own channel_* codes as service_unavailable (docs/providers/foxapi.md)
  message_codes = { ["no available channel"] = "unavailable" },
  -- one-api / new-api, the gateway software these APIs run on, names each request in
  -- X-Oneapi-Request-Id (its common/constants.go: RequestIdKey); EvoLink's own client reads
  -- X-Request-Id first, then that one (docs/providers/foxapi.md)
  request_id_headers = { "x-request-id", "x-oneapi-request-id" },
  -- for the gentask command: where it reads the key, and the parameter `run --image` fills
  key_env = "FOXAPI_API_KEY", input_image_param = "image",
}
