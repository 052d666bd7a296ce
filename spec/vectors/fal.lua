-- fal response vectors (pages read: docs/providers/fal.md), read through gentask.classify only
-- (no simulator dialect yet): one row per documented HTTP status, error type and state. Sources:
--   [reqerr]  https://docs.fal.ai/documentation/model-apis/request-errors: {"detail", "error_type"}
--             and the error_type table with its typical statuses
--   [errors]  fal's Error Reference (https://docs.fal.ai/errors; the copy in henjicc/Henji-AI,
--             docs/api/fal/base/errors.md): {"detail": [{"loc", "msg", "type", "url", "ctx"}]}
--   [policy]  the content_policy_violation object, as fal's error reference gives it (quoted by
--             wavespeed.ai): HTTP 422, not retryable
--   [queue]   https://docs.fal.ai/documentation/model-apis/inference/queue: IN_QUEUE, IN_PROGRESS,
--             COMPLETED; the SDK's Completed(error, error_type) (fal-ai/fal, fal_client/client.py)
--   [hook]    https://docs.fal.ai/model-endpoints/webhooks: the payload of a success (images[])
--   [sora]    fal's page of fal-ai/sora-2/text-to-video: a video model's output {"video": {"url"}}
local cjson = require "cjson"

-- error types of the request-error shape [reqerr]; any other code is a model error [errors]
local request_errors = {
  request_timeout = true, startup_timeout = true, runner_scheduling_failure = true,
  runner_connection_timeout = true, runner_disconnected = true, runner_connection_refused = true,
  runner_connection_error = true, runner_incomplete_response = true, runner_server_error = true,
  client_disconnected = true, client_cancelled = true, bad_request = true, internal_error = true,
}

local ID = "80e732af-660e-45cd-bd63-580e4f2a94cc"

return {
  provider = "fal",
  model = "fal-ai/flux/dev",
  http_body = function(_, code, message)
    if code and not request_errors[code] then
      return cjson.encode { detail = { { loc = { "body", "prompt" }, msg = message or "failed", type = code,
                                         url = "https://docs.fal.ai/errors#" .. code } } }
    end
    return cjson.encode { detail = message or "failed", error_type = code }
  end,
  -- a COMPLETED request that failed, as the SDK reads its status answer [queue]
  failed_body = function(error_type)
    return cjson.encode { status = "COMPLETED", response_url = "https://queue.fal.run/fal-ai/flux/requests/" .. ID,
                          error = "it failed", error_type = error_type }
  end,
  rows = {
    -- request errors, each under its typical status [reqerr]
    { http = 504, code = "request_timeout", kind = "timeout", said = "Request timed out", message = "Request timed out" },
    { http = 504, code = "startup_timeout", kind = "timeout" },
    { http = 503, code = "runner_scheduling_failure", kind = "unavailable" },
    { http = 503, code = "runner_connection_timeout", kind = "unavailable" },
    { http = 503, code = "runner_disconnected", kind = "unavailable" },
    { http = 503, code = "runner_connection_refused", kind = "unavailable" },
    { http = 503, code = "runner_connection_error", kind = "unavailable" },
    { http = 502, code = "runner_incomplete_response", kind = "server_error" },
    { http = 500, code = "runner_server_error", kind = "server_error" },
    { http = 499, code = "client_disconnected", kind = "network" },
    { http = 499, code = "client_cancelled", kind = "cancelled" },
    { http = 400, code = "bad_request", kind = "invalid_request" },
    { http = 500, code = "internal_error", kind = "server_error" },
    -- statuses without a documented body: the status decides
    { http = 401, kind = "authentication" },
    { http = 403, kind = "permission_denied" },
    { http = 429, kind = "rate_limited" },

    -- model errors [errors]: the retryable ones, under their statuses
    { http = 500, code = "internal_server_error", kind = "server_error" },
    { http = 504, code = "generation_timeout", kind = "timeout" },
    { http = 400, code = "downstream_service_error", kind = "generation_failed" },   -- not the input's fault
    { http = 500, code = "downstream_service_unavailable", kind = "unavailable" },
    -- … and the 422s, the input's fault, never retried [errors] [policy]
    { http = 422, code = "content_policy_violation", kind = "moderated", stage = "input",
      said = "The content could not be processed because it contained material flagged by a content checker.",
      message = "The content could not be processed because it contained material flagged by a content checker." },
    { http = 422, code = "file_download_error", kind = "input_unreachable" },
    { http = 422, code = "image_too_small", kind = "invalid_request" },
    { http = 422, code = "image_too_large", kind = "invalid_request" },
    { http = 422, code = "image_load_error", kind = "invalid_request" },
    { http = 422, code = "face_detection_error", kind = "invalid_request" },
    { http = 422, code = "file_too_large", kind = "invalid_request" },
    { http = 422, code = "greater_than_equal", kind = "invalid_request" },
    { http = 422, code = "less_than_equal", kind = "invalid_request" },
    { http = 422, code = "multiple_of", kind = "invalid_request" },
    { http = 422, code = "sequence_too_long", kind = "invalid_request" },
    { http = 422, code = "one_of", kind = "invalid_request" },
    { http = 422, code = "feature_not_supported", kind = "invalid_request" },
    { http = 422, code = "invalid_archive", kind = "invalid_request" },
    { http = 422, code = "unsupported_image_format", kind = "invalid_request" },
    { http = 422, code = "video_duration_too_long", kind = "invalid_request" },
    { http = 422, code = "value_error.missing", kind = "invalid_request", said = "field required",
      message = "field required" },   -- FastAPI's own type [hook]
    -- the legacy plain detail [errors]: "some APIs are still being migrated"
    { name = "HTTP 422 with a plain detail", kind = "invalid_request", status = 422,
      said = "Invalid image size", response = { status = 422, body = [[{"detail":"Invalid image size"}]] } },

    -- a failed request's answer to the result fetch: the model error under its status [queue]
    { name = "result fetch answered 422 content_policy_violation", kind = "moderated", stage = "input",
      phase = "poll", status = 422, code = "content_policy_violation",
      response = { phase = "result", status = 422, body = [[{"detail":[{"loc":["body","prompt"],
        "msg":"The content was flagged by a content checker.","type":"content_policy_violation",
        "url":"https://docs.fal.ai/errors#content_policy_violation","input":"the flagged input","categories":["sexual"]}]}]] } },
    { name = "result fetch answered 504 request_timeout", kind = "timeout", phase = "poll", status = 504,
      code = "request_timeout",
      response = { phase = "result", status = 504, headers = { ["X-Fal-Request-Timeout-Type"] = "user" },
                   body = [[{"detail":"Request timed out","error_type":"request_timeout"}]] } },

    -- COMPLETED with error and error_type: a failed request [queue]
    { fail = "content_policy_violation", kind = "moderated", stage = "input" },
    { fail = "runner_server_error", kind = "server_error" },
    { fail = "generation_timeout", kind = "timeout" },
    { fail = "file_download_error", kind = "input_unreachable" },
    { fail = "client_cancelled", kind = "cancelled" },
    { fail = "image_too_large", kind = "invalid_request" },
    -- an error type no page lists: a failed generation, the type kept
    { fail = "brand_new_type", kind = "generation_failed" },

    -- the result fetch's answer is the output itself [hook] [sora]
    { name = "result fetch: images[]", result = { urls = 1 },
      response = { phase = "result", status = 200, body = [[{"images":[{"url":"https://v3.fal.media/files/rabbit/a.png",
        "content_type":"image/png","file_name":"image.png","file_size":1824075,"width":1024,"height":1024}],
        "seed":196619188014358660}]] } },
    { name = "result fetch: video.url", result = { urls = 1 },
      response = { phase = "result", status = 200, body = [[{"video":{"content_type":"video/mp4",
        "url":"https://storage.googleapis.com/falserverless/example_outputs/sora_t2v_output.mp4"},"video_id":"video_123"}]] } },
  },
}
