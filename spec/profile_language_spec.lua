-- The profile language's newer words, read through gentask.classify (the engine's own reading):
-- a boolean done flag and an error object beside it (Google's long-running operations), an answer
-- without a state, code prefixes (Runway's SAFETY.INPUT.*), the result fetch after a success
-- (fal's response_url, MiniMax's file_id). Their refusals at load are in profile_validation_spec.lua.
local gentask = require "gentask"

-- A provider shaped like a long-running operation: {"name", "done", "error" | "response"}.
local operation = {
  name = "operation",
  request = function() return { path = "/v1/models/m:predictLongRunning", body = {} } end,
  poll = { path = "/v1/{+id}" },
  missing_state = "running", -- "done" is left out until it is true
  fields = {
    id = "name", state = "done", failure = "error",
    error_code = "error.code", error_message = "error.message",
    results = "response.videos[].uri",
  },
  states = { ["false"] = "running", ["true"] = "succeeded" },
  codes = { ["3"] = "invalid_request", ["SAFETY.*"] = { kind = "moderated", stage = "input" },
            ["SAFETY.OUTPUT.*"] = { kind = "moderated", stage = "output" } },
}

local function read(profile, phase, body, status)
  return gentask.classify { provider = profile, phase = phase, status = status or 200, body = body }
end

describe("a done flag", function()
  it("reads true as its succeeded state and false as its running one", function()
    local err, r = read(operation, "poll", [[{"name":"models/m/operations/o1","done":true,
      "response":{"videos":[{"uri":"https://api.example/v1/files/f1:download"}]}}]])
    assert.is_nil(err)
    assert.equal("succeeded", r.state)
    assert.same({ "https://api.example/v1/files/f1:download" }, r.urls)
    err, r = read(operation, "poll", [[{"name":"models/m/operations/o1","done":false}]])
    assert.is_nil(err)
    assert.equal("running", r.state)
  end)

  it("takes an answer without the flag as the profile's missing_state", function()
    local err, r = read(operation, "poll", [[{"name":"models/m/operations/o1","metadata":{}}]])
    assert.is_nil(err)
    assert.equal("running", r.state)
    -- without missing_state, the same answer is a broken one
    local strict = {}
    for k, v in pairs(operation) do strict[k] = v end
    strict.missing_state = nil
    err = read(strict, "poll", [[{"name":"models/m/operations/o1"}]])
    assert.equal("protocol", err.kind)
  end)

  it("with an error object beside it is a failed task, read by its code and message", function()
    local err = read(operation, "poll",
      [[{"name":"models/m/operations/o1","done":true,"error":{"code":3,"message":"prompt too long"}}]])
    assert.equal("invalid_request", err.kind)
    assert.equal("3", err.code)
    assert.equal("prompt too long", err.message)
    assert.equal("o1", err.task_id:match "o1$")
  end)
end)

describe("an empty task id", function()
  it("is no id: a submit answered with one is a protocol error, not a task polled under ''", function()
    local err = read(operation, "submit", [[{"name":"","error":{"code":8,"message":"rate limit"}}]])
    assert.equal("protocol", err.kind)
    assert.matches("no task id", err.message)
    assert.equal("8", err.code)
  end)
end)

describe("a code entry ending in '*'", function()
  it("stands for every code it begins; the longest prefix wins, an exact entry first", function()
    local cases = {
      { "SAFETY.INPUT.TEXT", "moderated", "input" },
      { "SAFETY.OUTPUT.IMAGE", "moderated", "output" },
      { "3", "invalid_request" },
      { "SAFETYNET", "generation_failed" }, -- "SAFETY.*" begins with "SAFETY.", dot included
      { "INTERNAL.BAD_OUTPUT", "generation_failed" },
    }
    for _, case in ipairs(cases) do
      local err = read(operation, "poll", ([[{"name":"o","done":true,"error":{"code":%q}}]]):format(case[1]))
      assert.equal(case[2], err.kind, case[1])
      assert.equal(case[3], err.stage, case[1])
    end
  end)
end)

describe("the result fetch", function()
  local queue = {
    name = "queue",
    request = function() return { path = "/m", body = {} } end,
    poll = { path = "/requests/{id}/status" },
    result = { path = "/files/retrieve?file_id={result_id}" },
    fields = { id = "request_id", state = "status", results = { "images[].url", "file.download_url" },
               result_url = "response_url", result_id = "file_id", error_message = "detail" },
    states = { IN_QUEUE = "pending", IN_PROGRESS = "running", COMPLETED = "succeeded", FAILED = "failed" },
  }

  it("is asked for by a success without results, with where the answer says they are", function()
    local err, r = read(queue, "poll", [[{"status":"COMPLETED","response_url":"https://q.example/requests/r1"}]])
    assert.is_nil(err)
    assert.equal("succeeded", r.state)
    assert.is_true(r.fetch_result)
    assert.equal("https://q.example/requests/r1", r.result_url)
    err, r = read(queue, "poll", [[{"status":"COMPLETED","file_id":123456}]])
    assert.is_nil(err)
    assert.equal("123456", r.result_id)
  end)

  it("is not asked for by a success that holds its results", function()
    local err, r = read(queue, "poll", [[{"status":"COMPLETED","images":[{"url":"https://cdn.example/1.png"}]}]])
    assert.is_nil(err)
    assert.is_nil(r.fetch_result)
    assert.same({ "https://cdn.example/1.png" }, r.urls)
  end)

  it("has an answer that is the result itself, or an error", function()
    local err, r = read(queue, "result", [[{"images":[{"url":"https://cdn.example/1.png"}]}]])
    assert.is_nil(err)
    assert.equal("succeeded", r.state)
    assert.same({ "https://cdn.example/1.png" }, r.urls)
    err = read(queue, "result", [[{"detail":"the image could not be generated"}]], 422)
    assert.equal("invalid_request", err.kind)
    assert.equal("the image could not be generated", err.message)
    err = read(queue, "result", [[{"something":"else"}]])
    assert.equal("protocol", err.kind) -- a result without one is still a broken answer
  end)
end)
