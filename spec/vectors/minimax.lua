-- MiniMax response vectors (docs/providers/minimax.md): one row per documented HTTP status (V2's
-- error bodies), failure code (V1's base_resp.status_code of a failed task) and state. No
-- simulator dialect yet: spec/vectors_spec.lua runs these rows through gentask.classify only.
-- Sources (docs/providers/minimax.md, "Pages read"):
--   [codes]  https://platform.minimax.io/docs/api-reference/errorcode.md (EN, CN)
--   [v2err]  https://platform.minimaxi.com/docs/api-reference/video-generation-v2-regeneration
--   [query]  https://platform.minimaxi.com/docs/api-reference/video-generation-query (V1 states)
--   [h3]     https://github.com/MiniMax-AI/cli/blob/main/skill/references/h3-video.md (V2 states)
--   [cli]    https://github.com/MiniMax-AI/cli/blob/main/src/errors/api.ts
--   [s2v]    https://platform.minimax.io/docs/api-reference/video-generation-s2v (the callback)
-- The V1 envelope's errors under HTTP 200 at submit (1002, 1004, … with task_id "") are read by
-- the profile's fields.envelope_code: spec/profiles_b_spec.lua and the replayed flow
-- (replay/minimax.json, spec/replay/minimax.lua) run them.
local cjson = require "cjson"

-- V2's error types per status [v2err]
local types = {
  [400] = "bad_request_error", [401] = "authorized_error", [402] = "insufficient_balance_error",
  [422] = "unprocessable_entity_error", [429] = "rate_limit_error", [500] = "server_error",
}

local function poll(body) return { phase = "poll", status = 200, body = body } end

return {
  provider = "minimax",
  model = "MiniMax-Hailuo-2.3",
  http_body = function(status, code, message)
    return cjson.encode { type = "error", request_id = "021785229015510a2c883cf675b9804d",
                          error = { type = code or types[status] or "server_error", message = message or "failed",
                                    http_code = tostring(status) } }
  end,
  -- a V1 query answer of a failed task: the reason is base_resp's code
  failed_body = function(code)
    return ([[{"task_id":"106916112212032","status":"Fail","file_id":"","base_resp":{"status_code":%s,"status_msg":"it failed"}}]])
      :format(code)
  end,
  rows = {
    -- V2's documented HTTP errors, verbatim messages [v2err]
    { http = 400, code = "bad_request_error", kind = "invalid_request", submitted = "no",
      message = "invalid params, content must include a non-empty text item (prompt is required) (2013)" },
    { http = 401, code = "authorized_error", kind = "authentication", submitted = "no",
      message = "login fail: Please carry the API secret key in the 'Authorization' field of the request header (1004)" },
    { http = 402, code = "insufficient_balance_error", kind = "payment_required", submitted = "no",
      message = "insufficient balance (1008)" },
    -- the code is in the message [cli]: 1026, the input refused for its content
    { http = 422, code = "unprocessable_entity_error", kind = "moderated", stage = "input", submitted = "no",
      message = "video description contains sensitive content (1026)",
      said = "video description contains sensitive content (1026)" },
    { http = 429, code = "rate_limit_error", kind = "rate_limited", submitted = "no",
      message = "rate limit, please retry later (1002)" },
    { http = 500, code = "server_error", kind = "server_error", submitted = "unknown", message = "internal error (1000)" },

    -- V1's status codes on a failed task [codes] [cli]
    { fail = "1000", kind = "server_error" },
    { fail = "1001", kind = "timeout" },
    { fail = "1002", kind = "rate_limited" },
    { fail = "1004", kind = "authentication" },
    { fail = "1008", kind = "payment_required" },
    { fail = "1024", kind = "server_error" },
    { fail = "1026", kind = "moderated", stage = "input" },
    { fail = "1027", kind = "moderated", stage = "output" },
    { fail = "1028", kind = "payment_required" },
    { fail = "1030", kind = "payment_required" },
    { fail = "1033", kind = "server_error" },
    { fail = "1039", kind = "moderated", stage = "input" },
    { fail = "2013", kind = "invalid_request" },
    { fail = "2049", kind = "authentication" },
    { fail = "2061", kind = "permission_denied" },
    -- a code no page lists: the failed state says generation_failed, the code is kept
    { fail = "1999", kind = "generation_failed" },

    -- the states [query] [h3]
    { name = "V1 Fail with the CLI's spelling Failed", kind = "moderated", stage = "input", code = "1026", phase = "poll",
      response = poll [[{"task_id":"1","status":"Failed","file_id":"","base_resp":{"status_code":1026,"status_msg":"input new_sensitive"}}]] },
    -- a files/retrieve answer without its file (here the envelope's 1004): a broken result, the code kept
    { name = "V1 files/retrieve without a file", kind = "protocol", code = "1004", phase = "poll",
      response = { phase = "result", status = 200, body = [[{"base_resp":{"status_code":1004,"status_msg":"login fail"}}]] } },
    { name = "V1 files/retrieve answer", result = { urls = 1 },
      response = { phase = "result", status = 200, body = [[{"file":{"file_id":361721749176519,"bytes":0,"created_at":1769863897,"filename":"output.mp4","purpose":"video_generation","download_url":"https://video-product.cdn.minimax.io/output.mp4"},"base_resp":{"status_code":0,"status_msg":"success"}}]] } },
    { name = "V2 succeeded", result = { urls = 1 },
      response = poll [[{"task":{"id":"t2","status":"succeeded","content":{"url":"https://video-product.cdn.minimax.io/h3.mp4"}}}]] },
    { name = "V2 failed", kind = "generation_failed", code = "failed", phase = "poll",
      response = poll [[{"task":{"id":"t2","status":"failed"}}]] },
    { name = "V2 cancelled", kind = "cancelled", phase = "poll",
      response = poll [[{"task":{"id":"t2","status":"cancelled"}}]] },
    { name = "V2 expired", kind = "timeout", code = "expired", phase = "poll",
      response = poll [[{"task":{"id":"t2","status":"expired"}}]] },
  },
}
