-- Runway response vectors (pages read: docs/providers/runway.md), read through gentask.classify
-- only (no simulator dialect yet): one row per documented HTTP status, failure code and state.
-- Sources:
--   [errors]   https://docs.dev.runwayml.com/api-details/errors: 400 (a JSON body with an `error`
--              member), 401, 404, 405, 429, 502, 503, 504
--   [failures] https://docs.dev.runwayml.com/errors/task-failures/: failureCode families
--   [outputs]  https://docs.dev.runwayml.com/assets/outputs: the SUCCEEDED task, verbatim
--   [sdk]      github.com/runwayml/sdk-python, types/task_retrieve_response.py: the six statuses and
--              their fields (failure, failureCode optional)
local cjson = require "cjson"

local ID = "d2e3d1f4-1b3c-4b5c-8d46-1c1d7ee86892"

local function task(status, fields)
  local t = { id = ID, status = status, createdAt = "2024-06-27T19:49:32.335Z" }
  for k, v in pairs(fields or {}) do t[k] = v end
  return cjson.encode(t)
end

return {
  provider = "runway",
  model = "gen4_turbo",
  -- 400 carries "a JSON response with an error member"; the other bodies are not documented [errors]
  http_body = function(_, _, message) return cjson.encode { error = message or "failed" } end,
  failed_body = function(code) return task("FAILED", { failure = "it failed", failureCode = code }) end,
  rows = {
    { http = 400, kind = "invalid_request", said = "promptImage: the asset could not be fetched",
      message = "promptImage: the asset could not be fetched" },
    { http = 401, kind = "authentication" },
    { http = 404, kind = "not_found" },
    { http = 405, kind = "invalid_request" },
    { http = 429, kind = "rate_limited" },   -- the daily generations limit (tiers page)
    { http = 502, kind = "unavailable" },
    { http = 503, kind = "unavailable" },
    { http = 504, kind = "timeout" },

    -- failure codes, matched by family [failures]
    { fail = "SAFETY.INPUT.TEXT", kind = "moderated", stage = "input" },
    { fail = "SAFETY.INPUT.IMAGE", kind = "moderated", stage = "input" },
    { fail = "SAFETY.OUTPUT.VIDEO", kind = "moderated", stage = "output" },
    { fail = "INTERNAL.BAD_OUTPUT.CODE01", kind = "generation_failed" },
    { fail = "INPUT_PREPROCESSING.SAFETY.TEXT", kind = "moderated", stage = "input" },
    { fail = "INPUT_PREPROCESSING.INTERNAL", kind = "generation_failed" },
    { fail = "SOMETHING.NEW", kind = "generation_failed" },
    -- failureCode is optional [sdk]: the failure text alone, the state as the code
    { name = "FAILED without a failureCode", kind = "generation_failed", phase = "poll", code = "FAILED",
      said = "An unexpected error occurred.",
      response = { phase = "poll", status = 200, body = task("FAILED", { failure = "An unexpected error occurred." }) } },
    { name = "status CANCELLED", kind = "cancelled", phase = "poll", code = "CANCELLED",
      response = { phase = "poll", status = 200, body = task "CANCELLED" } },

    -- the documented success [outputs]
    { name = "SUCCEEDED with its output", result = { urls = 1 },
      response = { phase = "poll", status = 200, body = task("SUCCEEDED", {
        output = { "https://dnznrvs05pmza.cloudfront.net/output.mp4?_jwt=..." } }) } },
  },
}
