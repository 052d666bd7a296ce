-- FoxAPI response vectors (docs/providers.md, FoxAPI): one row per documented HTTP status, task
-- failure code and hostile response. A row says what the error table must hold (kind, and
-- code/stage/status/submitted where given; retryable follows the kind unless given).
--   http = STATUS  the submit is answered with the documented error body for that status
--   fail = CODE    a poll says the task failed with that code
--   response / scenario: a hand-made response for classify, scenario words for the simulator
--   result = { urls = N, texts = N }  a success, and how many results of each it carries
-- Sources (docs/providers/foxapi.md):
--   [fox]    FoxAPI's error page (the seed: HTTP statuses, error types, task codes)
--   [evo]    https://docs.evolink.ai/en/api-manual/task-management/error-codes
--   [detail] https://docs.evolink.ai/en/api-manual/task-management/get-task-detail
--   [cli]    https://github.com/deeplearning-goethe/evolink-cli/releases/tag/cli-v0.10.1
--   [handler] https://github.com/deeplearning-goethe/evolink-cli/blob/main/packages/cli/src/platform/core/src/services/error-handler.js
--            (generated from Evolink-AI/evolink-mcp): the gateway's codes and, per task code, retryable
--   [oneapi] https://github.com/songquanpeng/one-api/blob/main/common/constants.go (RequestIdKey
--            "X-Oneapi-Request-Id"; new-api, its fork, keeps the name)
local cjson = require "cjson"

local types = {
  [400] = "invalid_request_error", [401] = "authentication_error", [402] = "invalid_request_error",
  [403] = "permission_error", [404] = "not_found_error", [429] = "rate_limit_error",
}

return {
  provider = "foxapi",
  -- every answer of the one-api / new-api gateway names its request [oneapi]
  request_id = "X-Oneapi-Request-Id",
  http_body = function(status, code, message)
    return cjson.encode { error = { message = message or "failed", type = types[status] or "server_error", code = code } }
  end,
  failed_body = function(code)
    return cjson.encode { id = "task-unified-1", status = "failed", progress = 0, error = { code = code, message = "it failed" } }
  end,
  rows = {
    { http = 400, code = "invalid_parameters", kind = "invalid_request", submitted = "no" },
    { http = 401, code = "invalid_api_key", kind = "authentication", submitted = "no" },
    { http = 402, code = "insufficient_balance", kind = "payment_required", submitted = "no" },
    -- a 402 whose code names the key, not the balance: no top-up helps [handler] ([fox] error
    -- types: authentication_error "API key is invalid, expired", permission_error "no permission")
    { http = 402, code = "key_expired", scenario = "http=402:key_expired", kind = "authentication", submitted = "no" },
    { http = 402, code = "key_disabled", kind = "authentication", submitted = "no", classify_only = true },
    { http = 402, code = "mcp_key_expired", kind = "authentication", submitted = "no", classify_only = true },
    { http = 402, code = "key_model_not_allowed", scenario = "http=402:key_model_not_allowed",
      kind = "permission_denied", submitted = "no" },
    { http = 402, code = "model_access_denied", kind = "permission_denied", submitted = "no", classify_only = true },
    -- … and the balance or the key's own limit stays "top up" [handler], under new-api's 403 too
    { http = 402, code = "insufficient_user_quota", kind = "payment_required", submitted = "no", classify_only = true },
    { http = 403, code = "insufficient_user_quota", kind = "payment_required", submitted = "no", classify_only = true },
    { http = 402, code = "key_quota_exhausted", kind = "payment_required", submitted = "no", classify_only = true },
    -- guessed spellings of other gateways of the family (docs/providers/foxapi.md)
    { http = 402, code = "token_expired", kind = "authentication", submitted = "no", classify_only = true },
    -- a content-policy code under 400: the prompt was refused at submit, as a task would be [evo]
    { http = 400, code = "content_policy_violation", scenario = "http=400:content_policy_violation", kind = "moderated",
      stage = "input", submitted = "no" },
    { http = 403, code = "content_policy_violation", kind = "moderated", stage = "input", classify_only = true },
    -- new-api's own filter [oneapi]; EvoLink's other content codes [handler]
    { http = 400, code = "sensitive_words_detected", kind = "moderated", stage = "input", classify_only = true },
    { http = 400, code = "input_moderation_failed", kind = "moderated", stage = "input", classify_only = true },
    { http = 403, code = "permission_denied", kind = "permission_denied", submitted = "no" },
    { http = 404, code = "task_not_found", kind = "not_found", submitted = "no" },
    { http = 429, code = "rate_limit_exceeded", kind = "rate_limited", submitted = "no", retry_after = 1,
      headers = { ["Retry-After"] = "1" } },
    { http = 429, scenario = "http=429 retry-after=7", kind = "rate_limited", submitted = "no", retry_after = 7,
      headers = { ["Retry-After"] = "7" } },
    { http = 500, code = "internal_error", kind = "server_error", submitted = "unknown" },
    -- a gateway that got no answer from its upstream: down for now (and perhaps it got the request)
    { http = 502, code = "bad_gateway", kind = "unavailable", submitted = "unknown" },
    { http = 503, code = "service_unavailable", kind = "unavailable", submitted = "no" },
    -- a gateway without an upstream channel for the model: the model is out of capacity, retry
    -- later ([fox] per issue 12; [cli]: channel problems are service_unavailable)
    { http = 422, code = "model_not_found", scenario = "http=422:model_not_found", message = "No available channel for model flux-dev under group default",
      kind = "unavailable", submitted = "no" },
    { http = 504, code = "gateway_timeout", kind = "timeout", submitted = "unknown" },

    -- FoxAPI's seven documented task failure codes [fox]
    { fail = "model_unavailable", kind = "unavailable" },
    { fail = "content_policy_violation", kind = "moderated", stage = "input" },
    { fail = "generation_failed", kind = "generation_failed" },
    { fail = "timeout", kind = "timeout" },
    { fail = "invalid_image_url", kind = "input_unreachable" },
    { fail = "file_too_large", kind = "invalid_request" },
    { fail = "unsupported_format", kind = "invalid_request" },
    -- … and the EvoLink twin's [evo]
    { fail = "invalid_parameters", kind = "invalid_request", retryable = false },
    -- "Client Errors (Fixable by User)" [evo]: the same input fails again, never retryable
    -- ([handler]: retryable false), and never resubmitted (spec/retry_spec.lua)
    { fail = "image_processing_error", kind = "generation_failed", retryable = false },
    { fail = "image_dimension_mismatch", kind = "invalid_request", retryable = false },
    { fail = "request_cancelled", kind = "cancelled" },
    -- "try a different prompt" [evo]; [handler]: retryable false
    { fail = "generation_failed_no_content", kind = "generation_failed", retryable = false },
    { fail = "content_filter", kind = "moderated", stage = "input" },   -- [handler]
    { fail = "service_error", kind = "server_error" },
    { fail = "generation_timeout", kind = "timeout" },
    { fail = "resource_exhausted", kind = "unavailable" },
    { fail = "quota_exceeded", kind = "rate_limited" },
    { fail = "service_unavailable", kind = "unavailable" },
    { fail = "resource_not_found", kind = "not_found" },
    { fail = "unknown_error", kind = "generation_failed" },
    -- a code no document lists: the failed state still says generation_failed, the code is kept
    { fail = "Brand_New_Code", kind = "generation_failed" },
    -- the provider cancelled it
    { name = "status cancelled", scenario = "cancelled", kind = "cancelled", phase = "poll",
      response = { phase = "poll", status = 200, body = [[{"id":"t","status":"cancelled"}]] } },

    -- FoxAPI's own shapes of broken answers (the rest are in hostile.lua, for every provider)
    { name = "wrong JSON types in a submit", kind = "protocol", status = 200, classify_only = true,
      response = { status = 200, body = [[{"id": 12345, "status": ["x"], "progress": "lots"}]] } },
    { name = "wrong JSON types in a poll", kind = "protocol", phase = "poll", classify_only = true,
      response = { phase = "poll", status = 200, body = [[{"id": 7, "status": 42, "progress": "lots", "results": "nope"}]] } },
    { name = "no task id in a submit", kind = "protocol", status = 200, classify_only = true,
      response = { status = 200, body = [[{"status":"pending","progress":0}]] } },
    -- EvoLink's result list holds plain strings [detail]
    { name = "EvoLink's plain-string results", scenario = "shape=strings", result = { urls = 1 },
      response = { phase = "poll", status = 200, body = [[{"id":"t","status":"completed","results":["https://cdn.example/1.png"]}]] } },
    -- the gateway's request id [oneapi]; X-Request-Id, where both come, is listed first
    { name = "X-Oneapi-Request-Id on an error", http = 400, kind = "invalid_request", classify_only = true,
      headers = { ["X-Oneapi-Request-Id"] = "202612071419512345678901234567" },
      request_id = "202612071419512345678901234567" },
    { name = "X-Request-Id before X-Oneapi-Request-Id", http = 500, kind = "server_error", classify_only = true,
      headers = { ["X-Oneapi-Request-Id"] = "oneapi-1", ["X-Request-Id"] = "upstream-1" }, request_id = "upstream-1" },
    { name = "poll 404", scenario = "poll-http=404", kind = "not_found", status = 404, phase = "poll" },
    { name = "completed without URLs", kind = "protocol", phase = "poll",
      response = { phase = "poll", status = 200, body = [[{"id":"t","status":"completed","results":[]}]] } },
  },
}
