-- APIXO vectors (docs/providers.md, APIXO): envelope codes (which may disagree with HTTP),
-- 403 read from its message, and every documented failCode of both sets, whatever its case or spaces.
-- Sources (docs/providers/apixo.md):
--   [errors] https://apixo.ai/docs/api-reference/errors (the seed)
--   [codes]  https://apixo.ai/docs/api-reference/error-codes (the older failCode set; 403 a key's permission)
--   [oneapi] https://github.com/songquanpeng/one-api/blob/main/common/constants.go: X-Oneapi-Request-Id,
--            read where an answer comes through such a gateway (not documented by APIXO itself)
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
    -- [errors] [codes]
    { http = 400, kind = "invalid_request", submitted = "no" },
    { http = 401, kind = "authentication", submitted = "no" },
    { http = 402, kind = "payment_required", submitted = "no" },
    -- 403: the pages disagree, the message tells
    { http = 403, message = "Content violates policy", kind = "moderated", stage = "input", submitted = "no" },   -- [errors]
    { http = 403, message = "API key lacks permission", scenario = "http=403:permission", kind = "permission_denied",
      submitted = "no" },   -- [codes]
    { name = "HTTP 403 that says neither", http = 403, message = "Forbidden", kind = "permission_denied",
      classify_only = true },
    { http = 404, kind = "not_found", submitted = "no" },
    -- a content failCode under HTTP 400: refused at submit for the content, as a task would be [errors]
    { name = "HTTP 400 with a content failCode", http = 400, kind = "moderated", stage = "input", code = "NSFW",
      classify_only = true,
      response = { status = 400, body = [[{"code":400,"message":"Request rejected","data":{"failCode":"NSFW","failMsg":"NSFW, Try different input please."}}]] } },
    -- "Failure Codes — returned as failCode for failed tasks, or as a provider error identifier for
    -- some immediate errors" [errors], whose example is SensitiveContentDetected: in data.error too
    { name = "HTTP 400 with a content identifier in data.error", http = 400, kind = "moderated", stage = "input",
      classify_only = true, said = "SensitiveContentDetected",
      response = { status = 400, body = [[{"code":400,"message":"Request rejected","data":{"error":"SensitiveContentDetected"}}]] } },
    { name = "X-Oneapi-Request-Id on an error", http = 429, kind = "rate_limited", classify_only = true,
      headers = { ["X-Oneapi-Request-Id"] = "req-apixo-1" }, request_id = "req-apixo-1" },
    { http = 429, kind = "rate_limited", submitted = "no" },
    { http = 500, kind = "server_error", submitted = "unknown" },
    { http = 503, kind = "unavailable", submitted = "no" },
    { http = 504, kind = "timeout", submitted = "unknown" },   -- [errors]
    { name = "HTTP 400 with data.error", http = 400, kind = "invalid_request", classify_only = true,
      response = { status = 400, body = [[{"code":400,"message":"Invalid request","data":{"error":"Missing required field: input.prompt"}}]] } },   -- [codes]
    { name = "envelope 429 under HTTP 200", scenario = "envelope=429", kind = "rate_limited", status = 429, submitted = "no",
      response = { status = 200, body = [[{"code":429,"message":"Provider rate limited, please retry later","data":null}]] } },
    { name = "HTTP 500 under envelope 200", scenario = "http=500 envelope=200", kind = "server_error", status = 500,
      submitted = "unknown",
      response = { status = 500, body = [[{"code":200,"message":"success","data":null}]] } },

    -- [errors]
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
    -- [codes]: the older set, still documented
    fail("NSFW_DETECTED", "moderated", "input"),
    fail("PROMPT_TOO_LONG", "invalid_request"),
    fail("INVALID_PROMPT", "invalid_request"),
    fail("IMAGE_TOO_LARGE", "invalid_request"),
    fail("UNSUPPORTED_FORMAT", "invalid_request"),
    fail("IMAGE_DOWNLOAD_FAILED", "input_unreachable"),
    fail("PROCESSING_TIMEOUT", "timeout"),
    fail("MODEL_UNAVAILABLE", "unavailable"),
    fail("GENERATION_FAILED", "generation_failed"),
    fail("INSUFFICIENT_CREDITS", "payment_required"),
    fail("task timeout", "timeout"),   -- case varies: the code table ignores it
    fail("BrandNewCode", "generation_failed"),   -- undocumented: the failed state decides

    { name = "resultJson that is not JSON", kind = "protocol", phase = "poll", classify_only = true,
      response = { phase = "poll", status = 200,
        body = [[{"code":200,"message":"success","data":{"taskId":"t","state":"success","resultJson":"{not json"}}]] } },
  },
}
