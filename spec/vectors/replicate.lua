-- Replicate response vectors (pages read: docs/providers/replicate.md), read through
-- gentask.classify only (no simulator dialect yet): one row per documented HTTP status, failure
-- code and state. Sources:
--   [life]    https://replicate.com/docs/topics/predictions/lifecycle (the six statuses)
--   [sdk]     https://sdks.replicate.com/resources/predictions/models/prediction (the prediction
--             object, verbatim; "error: An error string if the model status is failed")
--   [rate]    https://replicate.com/docs/topics/predictions/rate-limits (the two 429 bodies, verbatim)
--   [codes]   https://replicate.com/docs/reference/error-codes (E1000, E1001, E4875, E6716)
--   [py]      github.com/replicate/replicate-python, replicate/exceptions.py: HTTP errors are RFC
--             7807 problem details {"type", "title", "status", "detail", "instance"}
-- Bodies the pages do not show verbatim (401 and the other statuses, a failed prediction) are
-- completed from those field lists, as docs/providers/replicate.md says.
local cjson = require "cjson"

local titles = {
  [400] = "Bad Request", [401] = "Unauthenticated", [402] = "Payment Required", [403] = "Forbidden",
  [404] = "Not found", [422] = "Input validation failed", [429] = "Too Many Requests",
  [500] = "Internal Server Error", [503] = "Service Unavailable",
}

local function prediction(status, fields)
  local p = { id = "gm3qorzdhgbfurvjtvhg6dckhu", model = "replicate/hello-world", status = status,
              output = cjson.null, error = cjson.null, logs = "" }
  for k, v in pairs(fields or {}) do p[k] = v end
  return cjson.encode(p)
end

return {
  provider = "replicate",
  model = "black-forest-labs/flux-schnell",
  http_body = function(status, _, message)
    return cjson.encode { title = titles[status] or "Error", detail = message or "failed", status = status }
  end,
  -- a failed prediction carries its error as text, and no code: the state is the code [sdk]
  failed_body = function(error_text) return prediction("failed", { error = error_text }) end,
  rows = {
    { http = 400, kind = "invalid_request" },
    { http = 401, kind = "authentication", said = "You did not pass a valid authentication token",
      message = "You did not pass a valid authentication token" },   -- [py]; the wording is a guess
    { http = 402, kind = "payment_required" },
    { http = 403, kind = "permission_denied" },
    { http = 404, kind = "not_found" },
    { http = 422, kind = "invalid_request" },   -- invalid input
    { http = 500, kind = "server_error" },
    { http = 503, kind = "unavailable" },
    -- the two stored versions of the throttled answer [rate]
    { name = "HTTP 429, expected available in 1 second", kind = "rate_limited", status = 429,
      said = "Request was throttled. Expected available in 1 second.",
      response = { status = 429, body = [[{"detail":"Request was throttled. Expected available in 1 second."}]] } },
    { name = "HTTP 429, resets in ~30s", kind = "rate_limited", status = 429,
      said = "Request was throttled. Your rate limit resets in ~30s.",
      response = { status = 429, body = [[{"detail":"Request was throttled. Your rate limit resets in ~30s."}]] } },

    -- failed predictions: the E#### codes in the error text [codes]; the code is the state
    { fail = "E1000: Unknown error", code = "failed", kind = "generation_failed" },
    { fail = "E1001: Model out of memory", code = "failed", kind = "generation_failed", retryable = false },
    { fail = "E4875: Internal webhook URL empty", code = "failed", kind = "invalid_request" },
    { fail = "E6716: Timeout starting prediction", code = "failed", kind = "timeout" },
    -- a model's own words, no code: a failed generation, its text kept [sdk]
    { fail = "CUDA error: device-side assert triggered", code = "failed", kind = "generation_failed",
      said = "CUDA error: device-side assert triggered" },

    -- ended by a cancel or a deadline [life]
    { name = "status canceled", kind = "cancelled", phase = "poll", code = "canceled",
      response = { phase = "poll", status = 200, body = prediction "canceled" } },
    { name = "status aborted (a deadline before it started)", kind = "cancelled", phase = "poll", code = "aborted",
      response = { phase = "poll", status = 200, body = prediction "aborted" } },

    -- successes: the documented text output [sdk], and the URL outputs of image models
    { name = "succeeded with text output", result = { texts = 1 },
      response = { phase = "poll", status = 200, body = prediction("succeeded", { output = "hello Alice" }) } },
    { name = "succeeded with one URL", result = { urls = 1 },
      response = { phase = "poll", status = 200,
                   body = prediction("succeeded", { output = "https://replicate.delivery/xezq/abc/out-0.webp" }) } },
    { name = "succeeded with a list of URLs", result = { urls = 2 },
      response = { phase = "poll", status = 200, body = prediction("succeeded", {
        output = { "https://replicate.delivery/xezq/abc/out-0.webp", "https://replicate.delivery/xezq/abc/out-1.webp" } }) } },
    -- after an hour the output is removed: null, data_removed true — no result left [sdk]
    { name = "succeeded, data removed", kind = "protocol", phase = "poll", status = 200,
      response = { phase = "poll", status = 200, body = prediction("succeeded", { data_removed = true }) } },
  },
}
