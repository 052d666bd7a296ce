-- APIXO (docs/providers.md, APIXO).
-- Submit POST /generateTask/{model} {"request_type": "async", "input": params}; poll
-- GET /statusTask/{model}?taskId={id}. Every body is an envelope {"code", "message", "data"}
-- whose code may disagree with the HTTP status (the worse one wins); resultJson is a JSON
-- document inside a string; failCodes vary in case and contain spaces. Two failCode sets are
-- documented side by side, and the pages disagree on 403: the message tells (docs/providers/apixo.md).
local req = require "gentask.request"

return {
  name = "apixo",
  base_url = "https://api.apixo.ai/api/v1",
  auth = { header = "Authorization", prefix = "Bearer " },
  request = function(model, params)
    local name = req.path_segment(model, "model")
    return {
      path = "/generateTask/" .. name,
      poll_path = "/statusTask/" .. name .. "?taskId={id}",
      body = { request_type = "async", input = params },
    }
  end,
  poll = { method = "GET" },
  -- no cancel endpoint is documented; webhooks: request_type "callback" with a callback_url,
  -- deliveries unsigned
  webhook = { url_field = "callback_url", switch_field = "request_type", switch_value = "callback" },
  -- result URLs expire after 24 hours (docs/providers.md, APIXO)
  result_ttl = 86400,
  fields = {
    id = "data.taskId",
    state = "data.state",
    results = "data.resultJson{}.resultUrls[]",
    error_code = "data.failCode",
    -- an HTTP error may say more in data.error (https://apixo.ai/docs/api-reference/error-codes)
    error_message = { "data.failMsg", "data.error", "message" },
    envelope_status = "code",
  },
  states = { pending = "pending", processing = "running", success = "succeeded", failed = "failed" },
  -- 403: "Content violates policy" (https://apixo.ai/docs/api-reference/errors) or "API key
  -- lacks permission" (https://apixo.ai/docs/api-reference/error-codes): the message decides, and
  -- a 403 that says neither is the status's permission_denied. These pieces also read the failMsg
  -- of an undocumented failCode.
  message_codes = {
    permission = "permission_denied",
    ["violat"] = { kind = "moderated", stage = "input" },
    ["sensitive"] = { kind = "moderated", stage = "input" },
    ["nsfw"] = { kind = "moderated", stage = "input" },
    ["prohibited"] = { kind = "moderated", stage = "input" },
  },
  codes = {
    SensitiveContent = { kind = "moderated", stage = "input" },
    SensitiveContentDetected = { kind = "moderated", stage = "input" },
    InputImageSensitiveContentDetected = { kind = "moderated", stage = "input" },
    InputOutputSensitiveContentDetected = { kind = "moderated", stage = "output" },
    NSFW = { kind = "moderated", stage = "input" },
    ProhibitedContentDetected = { kind = "moderated", stage = "input" },
    CONTENT_VIOLATION = { kind = "moderated", stage = "input" },
    outputimagesensitivecontentdetected = { kind = "moderated", stage = "output" },
    PromptLengthExceeded = "invalid_request",
    PromptInvalid = "invalid_request",
    ImageFormatIncorrect = "invalid_request",
    InvalidImageSize = "invalid_request",
    ["Upload error"] = "invalid_request",
    INVALID_IMAGE_URL = "input_unreachable",
    INVALID_LORA_URL = "input_unreachable",
    RateLimited = "rate_limited",
    RateLimitExceeded = "rate_limited",
    InsufficientQuota = "payment_required",
    Timeout = "timeout",
    ["Task TimeOut"] = "timeout",
    ["Website TimeOut"] = "timeout",
    BadRequest = "invalid_request",
    MissingParameter = "invalid_request",
    INVALID_TASK_ID = "not_found",
    -- the older set, still documented (https://apixo.ai/docs/api-reference/error-codes)
    NSFW_DETECTED = { kind = "moderated", stage = "input" },
    PROMPT_TOO_LONG = "invalid_request",
    INVALID_PROMPT = "invalid_request",
    IMAGE_TOO_LARGE = "invalid_request",
    UNSUPPORTED_FORMAT = "invalid_request",
    IMAGE_DOWNLOAD_FAILED = "input_unreachable",
    PROCESSING_TIMEOUT = "timeout",
    MODEL_UNAVAILABLE = "unavailable",
    GENERATION_FAILED = "generation_failed",
    INSUFFICIENT_CREDITS = "payment_required",
  },
  -- X-Oneapi-Request-Id: where an answer comes through a one-api / new-api gateway (see foxapi.lua)
  request_id_headers = { "x-request-id", "x-oneapi-request-id" },
  -- for the gentask command: where it reads the key, and the parameter `run --image` fills
  key_env = "APIXO_API_KEY", input_image_param = "image",
}
