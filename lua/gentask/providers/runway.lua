-- Runway — the developer API (pages read and readings chosen: docs/providers/runway.md).
-- Submit POST /v1/{endpoint} (text_to_image, image_to_video, text_to_video, …) with a camelCase
-- body and the model in it; poll GET /v1/tasks/{id}; cancel DELETE /v1/tasks/{id}. Every request
-- carries X-Runway-Version.
local req = require "gentask.request"

-- gentask's own `endpoint` parameter names the endpoint (Runway never sees it); without it, an
-- image model (gen4_image, gen4_image_turbo) goes to text_to_image, a promptImage to
-- image_to_video, anything else to text_to_video (readings chosen)
local function endpoint_of(model, body)
  local named = body.endpoint
  body.endpoint = nil
  if named ~= nil then return req.path_segment(named, "endpoint") end
  if model:find("image", 1, true) then return "text_to_image" end
  if body.promptImage ~= nil then return "image_to_video" end
  return "text_to_video"
end

return {
  name = "runway",
  -- not api.runwayml.com: a key sent there is "not valid" (the troubleshooting page)
  base_url = "https://api.dev.runwayml.com",
  auth = { header = "Authorization", prefix = "Bearer " },
  -- the SDK's default version, the only one the pages read name (github.com/runwayml/sdk-python)
  headers = { ["X-Runway-Version"] = "2024-11-06" },
  request = function(model, params)
    local body = req.copy(params)
    -- Runway's prompt is promptText (every endpoint's body, the SDK's calls): gentask's portable
    -- prompt (the driver's, `gentask run "…"`'s) goes there unless promptText is given
    if body.promptText == nil then body.promptText, body.prompt = body.prompt, nil end
    body.model = req.path_segment(model, "model")
    return { path = "/v1/" .. endpoint_of(model, body), body = body }
  end,
  -- "Consumers of this API should not expect updates more frequent than once every five seconds"
  poll = { method = "GET", path = "/v1/tasks/{id}" },
  -- DELETE cancels a PENDING, THROTTLED or RUNNING task; on an ended one it deletes the task and
  -- its output. The core sends a cancel only for a task it has not seen end
  cancel = { method = "DELETE", path = "/v1/tasks/{id}" },
  -- output URLs "expire within 24-48 hours" (assets/outputs page): the lower bound
  result_ttl = 86400,
  progress_scale = 100,   -- progress is a fraction (0.275 in a relayed RUNNING answer)
  -- no cost: a task reports none, and Runway's credit prices (per second, per image) are worth
  -- $0.01 a credit only by a third party's word; moderated tasks are charged like successes
  -- (docs/cost.md, Runway)
  fields = {
    id = "id",
    state = "status",
    progress = "progress",
    results = "output[]",
    error_code = "failureCode",
    -- a failed task's `failure` text; a 400's human-readable `error` member (api-details/errors)
    error_message = { "failure", "error" },
  },
  states = {
    PENDING = "pending",
    -- over the organisation's concurrency limit: stored, started later, roughly in order
    THROTTLED = "pending",
    RUNNING = "running",
    SUCCEEDED = "succeeded",
    FAILED = "failed",
    CANCELLED = "cancelled",   -- "a cancelled or deleted task"
  },
  -- failureCode families (https://docs.dev.runwayml.com/errors/task-failures/): the third part of
  -- a SAFETY code is "the likely source", diagnostic only, hence the prefixes. Moderated
  -- generations are charged like successful ones
  codes = {
    ["SAFETY.INPUT.*"] = { kind = "moderated", stage = "input" },
    ["SAFETY.OUTPUT.*"] = { kind = "moderated", stage = "output" },
    ["INPUT_PREPROCESSING.SAFETY.*"] = { kind = "moderated", stage = "input" },
    -- "may retry, not likely to succeed": a failed generation (its default, retryable)
    ["INTERNAL.BAD_OUTPUT.*"] = "generation_failed",
    -- "a problem performing content moderation": not the input's fault
    ["INPUT_PREPROCESSING.INTERNAL"] = "generation_failed",
  },
  -- HTTP errors: the status decides (400 inputs, 401 key, 404 task, 405 method, 429 the daily
  -- generations limit, 502/503 shedding load, 504 overloaded); no code is documented. No
  -- max_in_flight: over the concurrency limit tasks wait THROTTLED, never refused
  -- for the gentask command: the SDK's variable, and the image-to-video input
  key_env = "RUNWAYML_API_SECRET", input_image_param = "promptImage",
}
