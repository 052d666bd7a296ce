-- Luma (Dream Machine API) response vectors (pages read: docs/providers/luma.md), read through
-- gentask.classify only (no simulator dialect yet): one row per documented error text, HTTP status
-- and state. Sources:
--   [errors]  https://docs.lumalabs.ai/docs/errors: the texts before submission (the create call's
--             errors) and after (failure_reason of a generation)
--   [guides]  docs.lumalabs.ai's Image and Video Generation guides: the completed generations,
--             verbatim
--   [sdk]     github.com/lumalabs/lumaai-python, types/generation.py: queued, dreaming,
--             completed, failed; the SDK's status classes 400, 401, 403, 404, 422, 429, >= 500
-- The create call's error status and body are not documented: 400 with FastAPI's {"detail"}, as
-- a client project parses them, is the guess docs/providers/luma.md records.
local cjson = require "cjson"

local function generation(state, fields)
  local g = { id = "123e4567-e89b-12d3-a456-426614174000", state = state, failure_reason = cjson.null,
              created_at = "2023-06-01T12:00:00Z", assets = cjson.null }
  for k, v in pairs(fields or {}) do g[k] = v end
  return cjson.encode(g)
end

return {
  provider = "luma",
  model = "ray-2",
  http_body = function(_, _, message) return cjson.encode { detail = message or "failed" } end,
  failed_body = function(reason) return generation("failed", { failure_reason = reason }) end,
  rows = {
    -- before submission [errors], under the guessed 400
    { http = 400, kind = "invalid_request", message = "Prompt is required", said = "Prompt is required" },
    { http = 400, kind = "invalid_request", message = "Prompt is too short, minimum length is 3 characters",
      name = "HTTP 400 prompt too short" },
    { http = 400, kind = "invalid_request", message = "Loop is not supported for end frame",
      name = "HTTP 400 loop not supported" },
    { http = 400, kind = "invalid_request", message = "No keyframes provided", name = "HTTP 400 no keyframes" },
    { http = 400, kind = "invalid_request", message = "Unknown request type", name = "HTTP 400 unknown request type" },
    -- the SDK's status classes [sdk]
    { http = 401, kind = "authentication" },
    { http = 403, kind = "permission_denied" },
    { http = 404, kind = "not_found" },
    { http = 422, kind = "invalid_request" },
    { http = 429, kind = "rate_limited" },
    { http = 500, kind = "server_error" },

    -- after submission: failure_reason, the only signal; the state is the code [errors]
    { fail = "Contains blacklisted words", code = "failed", kind = "moderated", stage = "input" },
    { fail = "Failed to read user input frames", code = "failed", kind = "input_unreachable" },
    { fail = "Frame moderation failed", code = "failed", kind = "moderated", stage = "input" },
    { fail = "Advanced prompt moderation failed", code = "failed", kind = "moderated", stage = "input" },
    { fail = "Prompt processing failed", code = "failed", kind = "generation_failed" },
    { fail = "Error dispatching job", code = "failed", kind = "generation_failed" },
    { fail = "Job failed", code = "failed", kind = "generation_failed" },
    { fail = "Error processing callback", code = "failed", kind = "generation_failed" },
    { fail = "Something new went wrong", code = "failed", kind = "generation_failed",
      said = "Something new went wrong" },

    -- the guides' completed generations, verbatim [guides]
    { name = "completed image generation", result = { urls = 1 },
      response = { phase = "poll", status = 200, body = [[{"id":"3ce343aa-5746-4ab3-b167-4e29f83d3f42","type":"image",
        "state":"completed","failure_reason":null,"created_at":"2024-12-02T15:34:40.388000Z",
        "assets":{"video":null,"image":"https://image.jpg"},"model":"photon-v1.0",
        "request":{"type":"image","model":"photon-1","prompt":"man as a warrior","aspect_ratio":"16:9",
        "callback_url":null,"image_ref":null,"style_ref":null,
        "character_ref":{"identity0":{"images":["https://input_image.jpg"]}},"modify_image_ref":null}}]] } },
    { name = "completed video generation", result = { urls = 1 },
      response = { phase = "poll", status = 200, body = [[{"id":"123e4567-e89b-12d3-a456-426614174000",
        "state":"completed","failure_reason":null,"created_at":"2023-06-01T12:00:00Z",
        "assets":{"video":"https://example.com/video.mp4"},"version":"v1.6",
        "request":{"prompt":"A serene lake surrounded by mountains at sunset","aspect_ratio":"16:9","loop":true,
        "keyframes":{"frame0":{"type":"image","url":"https://example.com/image.jpg"},
        "frame1":{"type":"generation","id":"123e4567-e89b-12d3-a456-426614174000"}}}}]] } },
  },
}
