-- FoxAPI response vectors (seed 001 and PROVIDERS.md §2): one row per documented HTTP status,
-- task failure code and hostile response. `scenario` is the simulator's scenario words that
-- produce the response over HTTP; the other fields are what the error table must say.
local vectors = {
  -- HTTP errors on submit (error body {"error": {"message", "type", "code"}})
  { scenario = "http=400", kind = "invalid_request", status = 400, code = "invalid_parameters", submitted = "no" },
  { scenario = "http=401", kind = "authentication", status = 401, code = "invalid_api_key", submitted = "no" },
  { scenario = "http=402", kind = "payment_required", status = 402, code = "insufficient_balance", submitted = "no" },
  { scenario = "http=403", kind = "permission_denied", status = 403, code = "permission_denied", submitted = "no" },
  { scenario = "http=404", kind = "not_found", status = 404, code = "task_not_found", submitted = "no" },
  { scenario = "http=429", kind = "rate_limited", status = 429, code = "rate_limit_exceeded", submitted = "no", retry_after = 1 },
  { scenario = "http=429 retry-after=7", kind = "rate_limited", status = 429, submitted = "no", retry_after = 7 },
  { scenario = "http=500", kind = "server_error", status = 500, code = "internal_error", submitted = "unknown" },
  { scenario = "http=502", kind = "server_error", status = 502, submitted = "unknown" },
  { scenario = "http=503", kind = "unavailable", status = 503, code = "service_unavailable", submitted = "no" },
  { scenario = "http=504", kind = "timeout", status = 504, submitted = "unknown" },

  -- task failure codes (HTTP 200, status "failed", error.code) — the seed's seven
  { scenario = "fail=model_unavailable", kind = "unavailable", code = "model_unavailable", phase = "poll" },
  { scenario = "fail=content_policy_violation", kind = "moderated", stage = "input", phase = "poll" },
  { scenario = "fail=generation_failed", kind = "generation_failed", phase = "poll" },
  { scenario = "fail=timeout", kind = "timeout", phase = "poll" },
  { scenario = "fail=invalid_image_url", kind = "input_unreachable", phase = "poll" },
  { scenario = "fail=file_too_large", kind = "invalid_request", phase = "poll" },
  { scenario = "fail=unsupported_format", kind = "invalid_request", phase = "poll" },
  -- … and the EvoLink twin's
  { scenario = "fail=invalid_parameters", kind = "invalid_request", phase = "poll" },
  { scenario = "fail=image_processing_error", kind = "generation_failed", phase = "poll" },
  { scenario = "fail=image_dimension_mismatch", kind = "invalid_request", phase = "poll" },
  { scenario = "fail=request_cancelled", kind = "cancelled", phase = "poll" },
  { scenario = "fail=generation_failed_no_content", kind = "generation_failed", phase = "poll" },
  { scenario = "fail=service_error", kind = "server_error", phase = "poll" },
  { scenario = "fail=generation_timeout", kind = "timeout", phase = "poll" },
  { scenario = "fail=resource_exhausted", kind = "unavailable", phase = "poll" },
  { scenario = "fail=quota_exceeded", kind = "rate_limited", phase = "poll" },
  { scenario = "fail=service_unavailable", kind = "unavailable", phase = "poll" },
  { scenario = "fail=resource_not_found", kind = "not_found", phase = "poll" },
  { scenario = "fail=unknown_error", kind = "generation_failed", phase = "poll" },
  -- a code no document lists: the failed state still says generation_failed, the code is kept
  { scenario = "fail=Brand_New_Code", kind = "generation_failed", code = "Brand_New_Code", phase = "poll" },

  -- hostile or broken submit responses
  { scenario = "body=malformed", kind = "protocol", status = 200, submitted = "unknown" },
  { scenario = "body=truncated", kind = "protocol", submitted = "unknown" },
  { scenario = "body=html", kind = "server_error", status = 502, submitted = "unknown" },
  { scenario = "body=empty", kind = "protocol", status = 200, submitted = "unknown" },
  { scenario = "body=huge", kind = "protocol", submitted = "unknown" },
  { scenario = "body=wrongtypes", kind = "protocol", status = 200, submitted = "unknown" },
  { scenario = "body=notobject", kind = "protocol", status = 200, submitted = "unknown" },
  { scenario = "body=noid", kind = "protocol", status = 200, submitted = "unknown" },
  { scenario = "reset", kind = "network", submitted = "unknown" },

  -- hostile poll responses: polls are retried (they cost nothing), then the task fails
  { scenario = "poll-body=malformed", kind = "protocol", phase = "poll" },
  { scenario = "poll-body=truncated", kind = "protocol", phase = "poll" },
  { scenario = "poll-body=empty", kind = "protocol", phase = "poll" },
  { scenario = "poll-body=huge", kind = "protocol", phase = "poll" },
  { scenario = "poll-body=wrongtypes", kind = "protocol", phase = "poll" },
  { scenario = "poll-body=notobject", kind = "protocol", phase = "poll" },
  { scenario = "poll-body=html", kind = "server_error", status = 502, phase = "poll" },
  { scenario = "poll-http=404", kind = "not_found", status = 404, phase = "poll" },
  { scenario = "poll-http=500", kind = "server_error", status = 500, phase = "poll" },
  { scenario = "poll-reset", kind = "network", phase = "poll" },
}

-- retryable follows the kind unless a row says otherwise
local retryable = require("gentask.errors").kinds
for _, row in ipairs(vectors) do
  if row.retryable == nil then row.retryable = retryable[row.kind] end
  row.phase = row.phase or "submit"
end
return vectors
