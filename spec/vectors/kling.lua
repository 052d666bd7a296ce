-- Kling response vectors (docs/providers/kling.md): one row per documented HTTP status and service
-- code, and state. No simulator dialect yet: spec/vectors_spec.lua runs these rows through
-- gentask.classify only. A failed task has no code, only task_status_msg.
-- Sources (docs/providers/kling.md, "Pages read"):
--   [common] Kling "General Information" (app.klingai.com/global/dev/document-api/apiReference/commonInfo):
--            the error table, HTTP status and service code
--   [rate]   Kling "Rate Limits / Concurrency Rules": the 1303 body verbatim
--   [omni]   Kling "Video Omni": task_status submitted, processing, succeed, failed
--   [callback] Kling "Callback Schema" (a flat task object)
local cjson = require "cjson"

local function http(status, code, kind, extra)
  local row = { http = status, code = tostring(code), kind = kind, submitted = status >= 500 and status ~= 503 and "unknown" or "no" }
  for k, v in pairs(extra or {}) do row[k] = v end
  return row
end

local function poll(body) return { phase = "poll", status = 200, body = body } end

local TASK = [["task_id":"867283741759111202","task_info":{"external_task_id":""},"created_at":1774805076166,"updated_at":1774805080000]]

return {
  provider = "kling",
  model = "kling-v2-6",
  http_body = function(_, code, message)
    return cjson.encode { code = tonumber(code), message = message or "failed", request_id = "9984d27b-a408-4073-ae28-17ca6a13622d" }
  end,
  rows = {
    -- [common]
    http(401, 1000, "authentication"),
    http(401, 1001, "authentication"),
    http(401, 1002, "authentication"),
    http(401, 1003, "authentication"),
    http(401, 1004, "authentication", { message = "Authorization has expired" }),
    -- 429s that are not rate limits: the code decides
    http(429, 1100, "permission_denied"),
    http(429, 1101, "payment_required"),
    http(429, 1102, "payment_required"),
    http(403, 1103, "permission_denied"),
    http(400, 1200, "invalid_request"),
    http(400, 1201, "invalid_request"),
    http(404, 1202, "invalid_request"),
    http(404, 1203, "not_found"),
    http(400, 1300, "moderated", { stage = "input" }),
    http(400, 1301, "moderated", { stage = "input", message = "Trigger the content security policy of the platform" }),
    http(429, 1302, "rate_limited"),
    http(429, 1303, "rate_limited", { message = "parallel task over resource pack limit",
                                      said = "parallel task over resource pack limit" }),   -- [rate]
    http(429, 1304, "permission_denied"),
    http(500, 5000, "server_error"),
    http(503, 5001, "unavailable"),
    http(504, 5002, "timeout"),

    -- the states [omni] [callback]
    { name = "failed", kind = "generation_failed", phase = "poll", said = "it failed",
      response = poll([[{"code":0,"message":"SUCCEED","request_id":"r","data":{]] .. TASK .. [[,"task_status":"failed","task_status_msg":"it failed"}}]]) },
    { name = "succeed (a reseller passing Kling's shape through)", result = { urls = 1 },
      response = poll [[{ "code": 0, "message": "", "task_id": "task_315wt4t0YE3Y4WwN6ygeeGgxbAIBnyfP", "request_id": "73f73d37-e27a-4644-8cc1-9753b8c758fe", "data": { "task_id": "task_315wt4t0YE3Y4WwN6ygeeGgxbAIBnyfP", "task_status": "succeed", "task_status_msg": "", "watermark_info": { "enabled": false }, "task_result": { "videos": [ { "id": "", "url": "http://example.com/aigcVideoGenFile.mp4", "watermark_url": "", "duration": "5.042" } ], "images": null }, "created_at": 1775872087, "updated_at": 1775872159 } }]] },
    { name = "succeed, images", result = { urls = 2 },
      response = poll([[{"code":0,"message":"SUCCEED","request_id":"r","data":{]] .. TASK .. [[,"task_status":"succeed","task_result":{"images":[{"index":0,"url":"https://cdn.klingai.com/a.png"},{"index":1,"url":"https://cdn.klingai.com/b.png"}]}}}]]) },
    { name = "a callback's flat task object, succeed", result = { urls = 1 },
      response = poll([[{]] .. TASK .. [[,"task_status":"succeed","task_status_msg":"","task_result":{"videos":[{"id":"v","url":"https://cdn.klingai.com/v.mp4","duration":"5"}]}}]]) },
    { name = "succeed without results", kind = "protocol", phase = "poll",
      response = poll([[{"code":0,"message":"SUCCEED","request_id":"r","data":{]] .. TASK .. [[,"task_status":"succeed","task_result":{"videos":[]}}}]]) },
  },
}
