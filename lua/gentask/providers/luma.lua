-- Luma — the Dream Machine API (pages read and readings chosen: docs/providers/luma.md; the newer
-- Agents API is left for later, as that page says why).
-- Submit POST /generations/image (Photon) or /generations/video (Ray) with the model in the body;
-- poll GET /generations/{id}. A failure is only a text, failure_reason: the text decides.
local req = require "gentask.request"

return {
  name = "luma",
  base_url = "https://api.lumalabs.ai/dream-machine/v1",
  auth = { header = "Authorization", prefix = "Bearer " },
  request = function(model, params)
    local body = req.copy(params)
    body.model = req.path_segment(model, "model")
    -- Photon models make images; Ray models video, at the SDK's /generations/video (generated from
    -- Luma's OpenAPI; the older guides' POST /generations is the same)
    local media = model:match "^photon" and "image" or "video"
    return { path = "/generations/" .. media, body = body }
  end,
  poll = { method = "GET", path = "/generations/{id}" },
  -- no cancel: DELETE /generations/{id} "removes" a generation, and no page says it stops one or
  -- its bill (it may delete a result still to be downloaded)
  -- webhooks: the create body's callback_url, called for each update (dreaming, completed,
  -- failed) with the generation object; no signature is documented
  webhook = { url_field = "callback_url" },
  -- Build tier (https://docs.lumalabs.ai/docs/rate-limits): Ray 10 concurrent generations, Photon
  -- 40, per account. The cap is per family; the profile can only say it per model name
  model_max_in_flight = {
    ["ray-2"] = 10, ["ray-flash-2"] = 10, ["ray-1-6"] = 10,
    ["photon-1"] = 40, ["photon-flash-1"] = 40,
  },
  fields = {
    id = "id",
    state = "state",
    -- assets.progress_video is a preview, not the result
    results = { "assets.image", "assets.video" },
    -- a failed generation's failure_reason; the create call's errors are texts too, in a FastAPI
    -- detail as far as a client project shows (docs/providers/luma.md, guessed)
    error_message = { "failure_reason", "detail[].msg", "detail", "message" },
  },
  -- cost: a generation reports none, and Luma's API prices were read from third parties only: no
  -- table. A failed generation is pre-charged, then "fully refunded" (the FAQ, docs/cost.md): it
  -- costs nothing, whatever failure_reason says
  cost = { currency = "USD", failed_free = { "generation_failed", "moderated", "input_unreachable" } },
  states = { queued = "pending", dreaming = "running", completed = "succeeded", failed = "failed" },
  -- the failure_reason texts after submission (https://docs.lumalabs.ai/docs/errors); failed
  -- generations are refunded (the FAQ)
  message_codes = {
    -- "Contains blacklisted words", "Frame moderation failed", "Advanced prompt moderation failed"
    ["blacklisted words"] = { kind = "moderated", stage = "input" },
    ["moderation failed"] = { kind = "moderated", stage = "input" },
    -- the keyframe images could not be read
    ["failed to read user input frames"] = "input_unreachable",
    -- the language system, the dispatch, the GPU server, the callback: Luma's side
    ["prompt processing failed"] = "generation_failed",
    ["error dispatching job"] = "generation_failed",
    ["job failed"] = "generation_failed",
    ["error processing callback"] = "generation_failed",
  },
  -- for the gentask command: the SDK's variable. No input_image_param: Luma takes images only as
  -- URLs inside image_ref lists or keyframes ("currently this is the only way to pass an image"),
  -- which `run --image FILE` cannot fill
  key_env = "LUMAAI_API_KEY",
}
