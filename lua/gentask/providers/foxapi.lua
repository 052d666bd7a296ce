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
    generation_failed = "generation_failed",
    timeout = "timeout",
    invalid_image_url = "input_unreachable",
    file_too_large = "invalid_request",
    unsupported_format = "invalid_request",
    invalid_parameters = "invalid_request",
    -- EvoLink lists it with the client errors, "fixable by user": "use a different image". Sending
    -- the same image again fails again, so it is the request's fault, not retryable
    image_processing_error = "invalid_request",
    image_dimension_mismatch = "invalid_request",
    request_cancelled = "cancelled",
    generation_failed_no_content = "generation_failed",
    service_error = "server_error",
    generation_timeout = "timeout",
    resource_exhausted = "unavailable",
    quota_exceeded = "rate_limited",
    service_unavailable = "unavailable",
    resource_not_found = "not_found",
    unknown_error = "generation_failed",
  },
  -- codes of HTTP error bodies that say more than their status. A 402 is "top up your balance"
  -- unless its code names the key: expired, disabled or not allowed this model (the one-api /
  -- new-api gateway family these APIs run on answers those under 401, 402 or 403 alike). A
  -- content-policy code under 400 is read from `codes` (moderated, whatever the status)
  http_codes = {
    token_expired = "authentication",
    key_expired = "authentication",
    api_key_expired = "authentication",
    expired_api_key = "authentication",
    token_disabled = "authentication",
    key_disabled = "authentication",
    invalid_api_key = "authentication",
    model_not_allowed = "permission_denied",
    model_not_permitted = "permission_denied",
    model_access_denied = "permission_denied",
    model_forbidden = "permission_denied",
    no_model_permission = "permission_denied",
    access_denied = "permission_denied",
    permission_denied = "permission_denied",
    -- new-api's own codes for a prompt its filter refused
    sensitive_words_detected = { kind = "moderated", stage = "input" },
    prompt_blocked = { kind = "moderated", stage = "input" },
  },
  -- a gateway with no upstream channel for the model (a 422 or 503 "No available channel for
  -- model …"): the model is out of capacity, not the request wrong — retry later. EvoLink reports
  -- its own channel_* codes as service_unavailable (docs/providers/foxapi.md)
  message_codes = { ["no available channel"] = "unavailable" },
  -- one-api / new-api, the gateway software these APIs run on, names each request in
  -- X-Oneapi-Request-Id (its common/constants.go: RequestIdKey)
  request_id_headers = { "x-request-id", "x-oneapi-request-id" },
  -- for the gentask command: where it reads the key, and the parameter `run --image` fills
  key_env = "FOXAPI_API_KEY", input_image_param = "image",
}
