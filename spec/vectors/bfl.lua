-- BFL vectors (docs/providers.md, BFL (FLUX); pages: docs/providers/bfl.md): FastAPI-style HTTP
-- errors, and every status string that ends a task. Sources:
--   [errors]  BFL's "Errors" reference page (the seed), indexed at https://docs.bfl.ml/llms.txt
--   [help]    https://help.bfl.ai/articles/2916279050-why-did-my-request-fail
--   [quick]   https://docs.bfl.ml/quick_start/generating_images
--   [msg]     bodies with "message" beside or instead of "detail": a failure webhook is
--             {"id", "status": "Error", "error": CODE, "message", "timestamp"} (BFL's webhook guide,
--             raw.githubusercontent.com/calesthio/OpenMontage/HEAD/.claude/skills/bfl-api/references/webhook-integration.md)
local cjson = require "cjson"

return {
  provider = "bfl",
  model = "flux-dev",
  http_body = function(status, code, message)
    if status == 422 then
      return cjson.encode { detail = { { loc = { "body", "width" }, msg = message or "width must be a multiple of 32", type = code or "value_error" } } }
    end
    return cjson.encode { detail = message or "failed" }
  end,
  http_scenario = function(row) return row.code and ("http=%d:%s"):format(row.http, row.code) or ("http=" .. row.http) end,
  failed_body = function(status_string)
    return cjson.encode { id = "8e1f", status = status_string, result = cjson.null }
  end,
  -- tests shorten the grace BFL's "Task not found" gets after a submit
  test_profile = function(profile)
    profile.states["Task not found"].grace = 0.2
  end,
  rows = {
    { http = 400, kind = "invalid_request", submitted = "no" },     -- [errors] [help]
    { http = 402, kind = "payment_required", submitted = "no" },    -- [errors] [help] [quick]
    { http = 403, kind = "permission_denied", submitted = "no" },   -- [errors] [help]
    { http = 422, code = "value_error", kind = "invalid_request", submitted = "no" },   -- [errors] [help]
    { name = "HTTP 422 with a string detail", http = 422, kind = "invalid_request", classify_only = true,
      response = { status = 422, body = [[{"detail":"Invalid dimensions"}]] } },          -- [errors]
    { http = 429, kind = "rate_limited", submitted = "no" },        -- [errors] [help] [quick]: active tasks
    -- an error body that carries "message", not "detail": the message is kept [msg]
    { name = "HTTP 403 with a message body", scenario = "http=403:message", kind = "permission_denied", status = 403,
      submitted = "no", said = "Your API key does not have permission to access the specified resource.",
      response = { status = 403, body = [[{"message":"Your API key does not have permission to access the specified resource."}]] } },
    { name = "HTTP 402 with a message body", kind = "payment_required", status = 402, classify_only = true,
      said = "Insufficient credits", response = { status = 402, body = [[{"message":"Insufficient credits"}]] } },
    { http = 500, kind = "server_error", submitted = "unknown" },   -- [errors] [help]
    -- "Request Moderated … the request was rejected at submission time" [errors]: under a 400, the
    -- moderation is what it says, whether as the status or as the detail
    { name = "HTTP 400 with the status Request Moderated", kind = "moderated", stage = "input", status = 400,
      code = "Request Moderated", classify_only = true,
      response = { status = 400, body = [[{"id":"8e1f","status":"Request Moderated","result":null}]] } },
    { name = "HTTP 400 with the detail Request Moderated", kind = "moderated", stage = "input", status = 400,
      classify_only = true, said = "Request Moderated",
      response = { status = 400, body = [[{"detail":"Request Moderated"}]] } },
    { http = 503, kind = "unavailable", submitted = "no" },         -- [errors] [help]

    { fail = "Request Moderated", kind = "moderated", stage = "input" },    -- [errors] [help]
    { fail = "Content Moderated", kind = "moderated", stage = "output" },   -- [errors] [help]
    { fail = "Error", kind = "generation_failed" },                         -- [errors] [help]
    -- a failure (a poll answer, or the webhook of the same shape) that says why in "message" [msg]
    { name = "Error with a message", kind = "generation_failed", phase = "poll", code = "Error", classify_only = true,
      said = "Upstream model crashed",
      response = { phase = "poll", status = 200, body = [[{"id":"8e1f","status":"Error","result":null,"message":"Upstream model crashed"}]] } },
    { name = "failure webhook of the guide", kind = "generation_failed", phase = "poll", code = "Error", classify_only = true,
      said = "The prompt violated content policy",
      response = { phase = "poll", status = 200, body = [[{"id":"gen_abc123xyz","status":"Error","error":"content_policy_violation","message":"The prompt violated content policy","timestamp":"2025-01-15T10:30:00Z"}]] } },
    { fail = "Failed", kind = "generation_failed" },   -- [quick]: its polling loop stops on Error or Failed
    { fail = "Task not found", kind = "not_found" },   -- [errors] [help]; once the grace after submit has passed

    { name = "Ready without a sample", kind = "protocol", phase = "poll", classify_only = true,
      response = { phase = "poll", status = 200, body = [[{"id":"8e1f","status":"Ready","result":{}}]] } },
    { name = "status not a string", kind = "protocol", phase = "poll", classify_only = true,
      response = { phase = "poll", status = 200, body = [[{"id":"8e1f","status":7}]] } },
  },
}
