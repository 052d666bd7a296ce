-- FLORA vectors (docs/providers.md, FLORA): every HTTP error code, every run-level errorCode.
-- Every response carries a request-id header, errors included: it must reach the error table.
-- Sources (docs/providers/flora.md):
--   [errors] FLORA's "Errors" page (the seed), beside [idem] under https://developer.flora.ai/platform/
--   [runs]   https://developer.flora.ai/api/resources/techniques/subresources/runs
--   [idem]   https://developer.flora.ai/platform/idempotency/
local cjson = require "cjson"

return {
  provider = "flora",
  model = "thumbnail-v3",
  request_id = true,
  -- a reset after FLORA took the submit is resent under the same idempotency key, and FLORA
  -- answers with the same run: the task succeeds (spec/retry_spec.lua holds that to account)
  skip_hostile = { ["connection reset"] = true },
  http_body = function(status, code, message)
    return cjson.encode { error = { code = code, message = message or "failed" } }
  end,
  http_scenario = function(row) return ("http=%d:%s"):format(row.http, row.code) end,
  failed_body = function(code)
    return cjson.encode { runId = "run_1", status = "failed", errorCode = code, errorMessage = "it failed" }
  end,
  rows = {
    -- [errors], every row to 503
    { http = 400, code = "invalid_json", kind = "invalid_request", submitted = "no" },
    { http = 400, code = "input_validation_error", kind = "invalid_request", submitted = "no" },
    { http = 401, code = "unauthorized", kind = "authentication", submitted = "no" },
    { http = 401, code = "invalid_api_key", kind = "authentication", submitted = "no" },
    { http = 401, code = "invalid_token", kind = "authentication", submitted = "no" },
    { http = 402, code = "insufficient_credits", kind = "payment_required", submitted = "no" },
    -- a run-level content code under 400: refused at submit for the content [errors] (Run-level errors)
    { http = 400, code = "safety_blocked", kind = "moderated", stage = "input", submitted = "no" },
    { http = 403, code = "forbidden", kind = "permission_denied", submitted = "no" },
    { http = 404, code = "not_found", kind = "not_found", submitted = "no" },
    { http = 409, code = "conflict", kind = "conflict", submitted = "no" },
    { http = 422, code = "idempotency_conflict", kind = "conflict", submitted = "no" },
    { http = 429, code = "rate_limited", kind = "rate_limited", submitted = "no" },
    { http = 500, code = "internal_error", kind = "server_error", submitted = "unknown" },
    { http = 503, code = "service_unavailable", kind = "unavailable", submitted = "no" },
    -- [runs]: "duplicate keys within two hours return idempotency_duplicate" ([idem] says the
    -- original response comes back instead; the simulator plays that, see retry_spec)
    { http = 409, code = "idempotency_duplicate", kind = "conflict", submitted = "no" },

    -- [runs]: an output of type "text" holds its content where the others hold a URL
    { name = "outputs of type text", scenario = "shape=text", result = { urls = 0, texts = 1 },
      response = { phase = "poll", status = 200,
        body = [[{"runId":"r","status":"completed","outputs":[{"outputId":"o","type":"text","url":"A red fox"}]}]] } },
    { name = "an image output beside a text output", result = { urls = 1, texts = 1 }, classify_only = true,
      response = { phase = "poll", status = 200, body = [[{"runId":"r","status":"completed","outputs":[
        {"outputId":"o1","type":"imageUrl","url":"https://cdn.example/1.png"},
        {"outputId":"o2","type":"text","url":"A red fox"}]}]] } },

    -- [errors] run-level codes; provider_error: [runs]' example
    { fail = "model_timeout", kind = "timeout" },
    { fail = "safety_blocked", kind = "moderated", stage = "input" },
    { fail = "input_unreachable", kind = "input_unreachable" },
    { fail = "internal_error", kind = "generation_failed" },   -- a run's internal_error, not HTTP 500
    { fail = "provider_error", kind = "generation_failed" },
    { fail = "brand_new_code", kind = "generation_failed" },   -- undocumented: the failed state decides
    { name = "snake_case failure", kind = "timeout", code = "model_timeout", phase = "poll", classify_only = true,
      response = { phase = "poll", status = 200, body = [[{"run_id":"r","status":"failed","error_code":"model_timeout"}]] } },
  },
}
