-- APIXO vectors (docs/providers.md, APIXO): envelope codes (which may disagree with HTTP),
-- 403 as content policy, and every documented failCode, whatever its case or spaces.
local cjson = require "cjson"

local function fail(code, kind, stage) return { fail = code, kind = kind, stage = stage } end

return {
  provider = "apixo",
  model = "gpt-image-1",
  http_body = function(status, _, message)
    return cjson.encode { code = status, message = message or "failed", data = cjson.null }
  end,
  failed_body = function(code)
    return cjson.encode { code = 200, message = "success",
      data = { taskId = "task_1", state = "failed", failCode = code, failMsg = "it failed" } }
  end,
  rows = {
    { http = 400, kind = "invalid_request", submitted = "no" },
    { http = 401, kind = "authentication", submitted = "no" },
    { http = 402, kind = "payment_required", submitted = "no" },
    { http = 403, kind = "moderated", stage = "input", submitted = "no" },   -- content policy here
    { http = 404, kind = "not_found", submitted = "no" },
    { http = 429, kind = "rate_limited", submitted = "no" },
    { http = 500, kind = "server_error", submitted = "unknown" },
    { http = 503, kind = "unavailable", submitted = "no" },
    { http = 504, kind = "timeout", submitted = "unknown" },
    { name = "envelope 429 under HTTP 200", scenario = "envelope=429", kind = "rate_limited", status = 429, submitted = "no",
      response = { status = 200, body = [[{"code":429,"message":"Provider rate limited, please retry later","data":null}]] } },
    { name = "HTTP 500 under envelope 200", scenario = "http=500 envelope=200", kind = "server_error", status = 500,
      submitted = "unknown",
      response = { status = 500, body = [[{"code":200,"message":"success","data":null}]] } },

    fail("SensitiveContent", "moderated", "input"),
    fail("SensitiveContentDetected", "moderated", "input"),
    fail("InputImageSensitiveContentDetected", "moderated", "input"),
    fail("InputOutputSensitiveContentDetected", "moderated", "output"),
    fail("NSFW", "moderated", "input"),
    fail("ProhibitedContentDetected", "moderated", "input"),
    fail("CONTENT_VIOLATION", "moderated", "input"),
    fail("outputimagesensitivecontentdetected", "moderated", "output"),
    fail("PromptLengthExceeded", "invalid_request"),
    fail("PromptInvalid", "invalid_request"),
    fail("ImageFormatIncorrect", "invalid_request"),
    fail("InvalidImageSize", "invalid_request"),
    fail("Upload error", "invalid_request"),
    fail("INVALID_IMAGE_URL", "input_unreachable"),
    fail("INVALID_LORA_URL", "input_unreachable"),
    fail("RateLimited", "rate_limited"),
    fail("RateLimitExceeded", "rate_limited"),
    fail("InsufficientQuota", "payment_required"),
    fail("Timeout", "timeout"),
    fail("Task TimeOut", "timeout"),
    fail("Website TimeOut", "timeout"),
    fail("BadRequest", "invalid_request"),
    fail("MissingParameter", "invalid_request"),
    fail("INVALID_TASK_ID", "not_found"),
    fail("task timeout", "timeout"),   -- case varies: the code table ignores it
    fail("BrandNewCode", "generation_failed"),   -- undocumented: the failed state decides

    { name = "resultJson that is not JSON", kind = "protocol", phase = "poll", classify_only = true,
      response = { phase = "poll", status = 200,
        body = [[{"code":200,"message":"success","data":{"taskId":"t","state":"success","resultJson":"{not json"}}]] } },
  },
}
