-- Veo's replayed flow on the Gemini API (replay/veo.json): what its documentation says each ends as.
local assert = require "luassert"

return {
  model = "veo-3.0-generate-preview",
  success = {
    check = function(result, task)
      -- the operation's whole name is the task's id, polled as a path
      assert.truthy(task.id:find("^models/veo%-3%.0%-generate%-preview/operations/%x+$"), task.id)
      -- the keyed URI redirected to a storage URL on another origin, which got no key and served
      assert.truthy(result.url:find(":download?alt=media", 1, true), result.url)
    end,
  },
  -- done with an error: the google.rpc.Status's gRPC code 3 (INVALID_ARGUMENT)
  failed = { kind = "invalid_request", code = "3" },
  -- done, no samples, raiMediaFilteredReasons: the output was filtered
  moderated = { kind = "moderated", stage = "output" },
  -- a wrong key is a 400 INVALID_ARGUMENT whose ErrorInfo reason is API_KEY_INVALID
  auth = { kind = "authentication", status = 400, code = "API_KEY_INVALID" },
  -- no cancel is documented for video
  keyed = true,
}
