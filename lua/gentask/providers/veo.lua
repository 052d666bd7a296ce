-- Google Veo through the Gemini API (pages read, readings chosen and gaps: docs/providers/veo.md).
-- A generation is a Google long-running operation: submit POST /models/{model}:predictLongRunning
-- → {"name": "models/{model}/operations/{id}"}; poll GET /{name} (the whole name, slashes kept)
-- until "done": true, with "response" (the videos) or "error" (a google.rpc.Status). There is no
-- state string: "done" is left out until it is true. The video's URI is an API URL that needs the
-- key and answers with a redirect.
local req = require "gentask.request"

-- What goes into the instance (the prompt and its media); every other param is a parameter
-- (aspectRatio, durationSeconds, negativePrompt, personGeneration, resolution, sampleCount, …)
local INSTANCE_FIELDS = { prompt = true, image = true, lastFrame = true, video = true, referenceImages = true }

-- An image given as a gentask.file arrives as a data URI (the default file_form); Veo takes
-- {"bytesBase64Encoded", "mimeType"}. Anything else (a table as Veo spells it) goes as it is.
local function veo_image(value)
  if type(value) ~= "string" then return value end
  local media_type, data = value:match "^data:([%w%.%+%-]+/[%w%.%+%-]+);base64,(.+)$"
  if not media_type then return value end
  return { bytesBase64Encoded = data, mimeType = media_type }
end

local function request(model, params)
  local path = "/models/" .. req.path_segment(model, "model") .. ":predictLongRunning"
  if params.instances then return { path = path, body = req.copy(params) } end   -- Veo's own shape
  local instance, parameters = {}, {}
  for k, v in pairs(params) do
    if INSTANCE_FIELDS[k] then instance[k] = v else parameters[k] = v end
  end
  instance.image = veo_image(instance.image)
  instance.lastFrame = veo_image(instance.lastFrame)
  return { path = path, body = { instances = { instance }, parameters = next(parameters) and parameters or nil } }
end

return {
  name = "veo",
  base_url = "https://generativelanguage.googleapis.com/v1beta",
  -- the REST sample's header; "?key=" would work too but puts the key in URLs
  auth = { header = "x-goog-api-key", prefix = "" },
  request = request,
  -- the operation's name is a path: models/veo-3.0-generate-preview/operations/8t5kq3b9xw1m
  poll = { method = "GET", path = "/{+id}" },
  -- an operation leaves "done" out until it is true: such an answer is still running
  missing_state = "running",
  -- the video URI (…/files/{id}:download?alt=media) is the API's own and needs the key: "download
  -- the video using the URI and API key and follow redirects"; the redirect's target gets no key
  download = { keyed = true },
  -- no cancel (none documented for video), no webhook (the Gemini API's dynamic webhooks'
  -- request field is not in the stored pages), no result_ttl (not in the stored pages), no
  -- max_in_flight (limits are requests per minute and per day, per project)
  -- cost: the operation reports none; Google's per-second prices (the Gemini API pricing page, read
  -- through copies of it: docs/cost.md, Veo) times the durationSeconds asked. Each video of a request is
  -- priced once (sampleCount is not counted), and veo-3.1's 4K ($0.60/s) costs more than its
  -- 720p/1080p price here; veo-3.1-fast is left out, its copies disagree. No request duration:
  -- unknown. Failed generations: not documented, so a failure's cost stays unknown
  cost = {
    currency = "USD",
    seconds = "parameters.durationSeconds",   -- the submit body's: the params go under "parameters"
    prices = {
      source = "https://ai.google.dev/gemini-api/docs/pricing",
      date = "2026-12-07",
      unit = "second",
      models = {
        ["veo-3.1-generate-preview"] = 0.40,
        ["veo-3.0-generate-001"] = 0.40,
        ["veo-3.0-fast-generate-001"] = 0.15,
        ["veo-2.0-generate-001"] = 0.35,
      },
    },
  },
  fields = {
    id = "name",
    state = "done",
    progress = "metadata.progressPercent",
    -- the wire's generateVideoResponse, and the SDKs' flattened generatedVideos (proxies)
    results = { "response.generateVideoResponse.generatedSamples[].video.uri", "response.generatedVideos[].video.uri" },
    -- done with an error: a failed operation, its code a gRPC code number
    failure = "error",
    -- an HTTP error: ErrorInfo's reason (API_KEY_INVALID) says more than the status name
    -- (INVALID_ARGUMENT); a failed operation has only the number
    error_code = { "error.details[].reason", "error.status", "error.code" },
    error_message = "error.message",
    -- a finished operation without samples because the output was filtered for safety
    refusal = "response.generateVideoResponse.raiMediaFilteredReasons[]",
  },
  states = { ["false"] = "running", ["true"] = "succeeded" },
  -- a failed operation's google.rpc.Status code (guess: the canonical gRPC numbers,
  -- docs/providers/veo.md, "Guessed")
  codes = {
    ["1"] = "cancelled",           -- CANCELLED
    ["3"] = "invalid_request",     -- INVALID_ARGUMENT
    ["4"] = "timeout",             -- DEADLINE_EXCEEDED
    ["5"] = "not_found",           -- NOT_FOUND
    ["7"] = "permission_denied",   -- PERMISSION_DENIED
    ["8"] = "rate_limited",        -- RESOURCE_EXHAUSTED
    ["9"] = "invalid_request",     -- FAILED_PRECONDITION
    ["13"] = "server_error",       -- INTERNAL
    ["14"] = "unavailable",        -- UNAVAILABLE
  },
  -- HTTP errors: the status decides (the troubleshooting page's table matches HTTP's meanings),
  -- except where the code says more
  http_codes = {
    API_KEY_INVALID = "authentication",          -- under 400 INVALID_ARGUMENT
    FAILED_PRECONDITION = "payment_required",    -- 400: "enable billing" (guess: payment_required)
  },
  -- no request id header is documented
  -- for the gentask command: where it reads the key, and the parameter `run --image` fills
  key_env = "GEMINI_API_KEY", input_image_param = "image",
}
