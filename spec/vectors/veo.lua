-- Veo response vectors (docs/providers/veo.md): one row per documented HTTP status (the
-- troubleshooting page's google.rpc.Status table), failed operation's code and state. No
-- simulator dialect yet: spec/vectors_spec.lua runs these rows through gentask.classify only.
-- Sources (docs/providers/veo.md, "Pages read"):
--   [trouble] https://ai.google.dev/gemini-api/docs/troubleshooting (status → meaning)
--   [errbody] https://www.developersdigest.tech/errors/api/gemini-api (the error body verbatim)
--   [sample]  the REST sample of https://ai.google.dev/gemini-api/docs/video, as copied
--   [lro]     https://hexdocs.pm/gemini_ex/0.11.0/Gemini.Types.Operation.md (done + response | error)
--   [rai]     clients reading raiMediaFilteredReasons (a safety refusal of the output)
local cjson = require "cjson"

local NAME = "models/veo-3.0-generate-preview/operations/8t5kq3b9xw1m"

local function poll(body) return { phase = "poll", status = 200, body = body } end

return {
  provider = "veo",
  model = "veo-3.0-generate-preview",
  http_body = function(status, code, message)
    return cjson.encode { error = { code = status, message = message or "failed", status = code } }
  end,
  -- a finished operation with a google.rpc.Status [lro]
  failed_body = function(code)
    return ([[{"name":"%s","done":true,"error":{"code":%s,"message":"it failed"}}]]):format(NAME, code)
  end,
  rows = {
    -- [trouble]
    { http = 400, code = "INVALID_ARGUMENT", kind = "invalid_request", submitted = "no" },
    { http = 400, code = "FAILED_PRECONDITION", kind = "payment_required", submitted = "no" },
    { http = 403, code = "PERMISSION_DENIED", kind = "permission_denied", submitted = "no" },
    { http = 404, code = "NOT_FOUND", kind = "not_found", submitted = "no" },
    { http = 429, code = "RESOURCE_EXHAUSTED", kind = "rate_limited", submitted = "no",
      message = "You exceeded your current quota, please check your plan and billing details." },
    { http = 500, code = "INTERNAL", kind = "server_error", submitted = "unknown" },
    { http = 503, code = "UNAVAILABLE", kind = "unavailable", submitted = "no" },
    { http = 504, code = "DEADLINE_EXCEEDED", kind = "timeout", submitted = "unknown" },
    -- a bad key is a 400 whose ErrorInfo names it [errbody], verbatim
    { name = "HTTP 400 API_KEY_INVALID", kind = "authentication", code = "API_KEY_INVALID", status = 400,
      said = "API key not valid. Please pass a valid API key.",
      response = { status = 400, body = [[{"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}}, {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": "API key not valid. Please pass a valid API key."}]}}]] } },

    -- a failed operation's gRPC code (guessed kinds, docs/providers/veo.md)
    { fail = "1", kind = "cancelled" },
    { fail = "3", kind = "invalid_request" },
    { fail = "4", kind = "timeout" },
    { fail = "5", kind = "not_found" },
    { fail = "7", kind = "permission_denied" },
    { fail = "8", kind = "rate_limited" },
    { fail = "9", kind = "invalid_request" },
    { fail = "13", kind = "server_error" },
    { fail = "14", kind = "unavailable" },
    { fail = "2", kind = "generation_failed" },   -- UNKNOWN, and any number not listed

    -- the states [sample] [lro] [rai]
    { name = "done with the videos", result = { urls = 1 },
      response = poll([[{"name":"]] .. NAME .. [[","done":true,"response":{"@type":"type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse","generateVideoResponse":{"generatedSamples":[{"video":{"uri":"https://generativelanguage.googleapis.com/v1beta/files/3f8x2k:download?alt=media"}}]}}}]]) },
    { name = "done with the SDK-shaped videos", result = { urls = 2 },
      response = poll([[{"name":"]] .. NAME .. [[","done":true,"response":{"generatedVideos":[{"video":{"uri":"https://generativelanguage.googleapis.com/v1beta/files/a:download?alt=media"}},{"video":{"uri":"https://generativelanguage.googleapis.com/v1beta/files/b:download?alt=media"}}]}}]]) },
    { name = "done, the output filtered for safety", kind = "moderated", stage = "output", phase = "poll",
      said = "veo withheld the result: a person was shown",
      response = poll([[{"name":"]] .. NAME .. [[","done":true,"response":{"@type":"type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse","generateVideoResponse":{"raiMediaFilteredCount":1,"raiMediaFilteredReasons":["a person was shown"]}}}]]) },
    { name = "done with neither videos nor a refusal", kind = "protocol", phase = "poll",
      response = poll([[{"name":"]] .. NAME .. [[","done":true,"response":{"generateVideoResponse":{}}}]]) },
  },
}
