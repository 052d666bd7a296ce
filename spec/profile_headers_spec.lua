-- The profile's request headers through the real engine, against a replay file of this spec's own
-- whose exchanges match only when the header is there (a request without it is a 404, counted as
-- unmatched): `headers` on the submit, every poll and the cancel; `deadline_header` with the
-- task's time left, never more than its task_timeout nor less than `min`; `idempotency_header`,
-- which lets the engine send again a submit whose answer was lost.
local Sim = require "support.sim"

local REPLAY = [[{
  "name": "headed", "source": ["https://example.com/written-for-spec/profile_headers_spec.lua"], "id": "h-{seq}",
  "auth": {"header": "Authorization", "value": "Token {key}", "refusal": {"status": 401, "body": {"error": "no"}}},
  "scenarios": {
    "success": [
      {"request": {"method": "POST", "path": "/jobs", "headers": {"X-Api-Version": "2024-11-06", "X-Deadline": "*s"}},
       "new_task": true, "response": {"status": 201, "body": {"job": "{id}", "state": "queued"}}},
      {"request": {"method": "GET", "path": "/jobs/{id}", "headers": {"X-Api-Version": "2024-11-06"}}, "times": 2,
       "response": {"status": 200, "body": {"job": "{id}", "state": "running"}}},
      {"request": {"method": "GET", "path": "/jobs/{id}", "headers": {"X-Api-Version": "2024-11-06"}},
       "response": {"status": 200, "body": {"job": "{id}", "state": "done", "text": "ok"}}}
    ],
    "cancel": [
      {"request": {"method": "POST", "path": "/jobs"}, "new_task": true,
       "response": {"status": 201, "body": {"job": "{id}", "state": "queued"}}},
      {"request": {"method": "GET", "path": "/jobs/{id}"},
       "response": {"status": 200, "body": {"job": "{id}", "state": "running"}}},
      {"request": {"method": "DELETE", "path": "/jobs/{id}", "headers": {"X-Api-Version": "2024-11-06"}},
       "goto": "cancelled", "response": {"status": 204}}
    ],
    "cancelled": [
      {"request": {"method": "GET", "path": "/jobs/{id}"},
       "response": {"status": 200, "body": {"job": "{id}", "state": "cancelled"}}}
    ],
    "deadline_left": [
      {"note": "task_timeout 45: the time left, 45 s or a second less by the time it is sent",
       "request": {"method": "POST", "path": "/jobs", "headers": {"X-Deadline": "4*s"}}, "new_task": true,
       "goto": "success", "response": {"status": 201, "body": {"job": "{id}", "state": "queued"}}}
    ],
    "deadline_min": [
      {"note": "task_timeout 5, below the profile's min of 30: the min is sent",
       "request": {"method": "POST", "path": "/jobs", "headers": {"X-Deadline": "30s"}}, "new_task": true,
       "goto": "success", "response": {"status": 201, "body": {"job": "{id}", "state": "queued"}}}
    ],
    "lost_answer": [
      {"note": "the first send's answer is a 500: it may have been taken",
       "request": {"method": "POST", "path": "/jobs"}, "times": 1,
       "response": {"status": 500, "body": {"error": "internal"}}},
      {"note": "taken only with the idempotency key the engine made",
       "request": {"method": "POST", "path": "/jobs", "headers": {"Idempotency-Key": "gentask-*"}},
       "new_task": true, "goto": "success", "response": {"status": 201, "body": {"job": "{id}", "state": "queued"}}}
    ]
  }
}]]

local function profile(extra)
  local p = {
    name = "headed",
    auth = { header = "Authorization", prefix = "Token " },
    headers = { ["X-Api-Version"] = "2024-11-06" },
    deadline_header = { name = "X-Deadline", suffix = "s", min = 30 },
    request = function(_, params) return { path = "/jobs", body = { prompt = params.prompt } } end,
    poll = { method = "GET", path = "/jobs/{id}" },
    cancel = { method = "DELETE", path = "/jobs/{id}" },
    fields = { id = "job", state = "state", results = "text" },
    states = { queued = "pending", running = "running", done = "succeeded", cancelled = "cancelled" },
  }
  for k, v in pairs(extra or {}) do p[k] = v end
  return p
end

describe("the profile's request headers", function()
  local sim
  setup(function() sim = Sim.start_replay(REPLAY) end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  -- Runs a scenario to success with these client options: the replay's counters.
  local function succeeds(scenario, opts)
    local client = sim:client(profile(), opts)
    local result = assert(client:submit("m", { prompt = "replay:" .. scenario }):wait())
    client:close()
    assert.same({ "ok" }, result.texts)
    return sim:replay_matched()
  end

  it("go with the submit and every poll", function()
    assert.equal(4, succeeds("success").matched) -- the submit and three polls, each with the header
  end)

  it("say the task's time left in the deadline header, and never less than its min", function()
    succeeds("deadline_left", { task_timeout = 45 })
    succeeds("deadline_min", { task_timeout = 5 })
  end)

  it("go with the cancel", function()
    local client = sim:client(profile())
    local task = client:submit("m", { prompt = "replay:cancel" })
    Sim.accepted(task):cancel()
    local _, err = task:result()
    client:close()
    assert.equal("cancelled", err.kind)
    assert.is_true(task.cancel_confirmed)
    sim:replay_matched()
  end)

  it("are refused at client creation when a header is the auth header, or not a token", function()
    for _, headers in ipairs { { Authorization = "x" }, { ["Bad Name"] = "x" }, { ["X-Ok"] = "two\nlines" } } do
      local ok, err = pcall(sim.client, sim, profile { headers = headers })
      assert.is_false(ok)
      assert.equal("usage", err.kind, tostring(err))
    end
  end)

  it("send a submit whose answer was lost again under one idempotency key: one task", function()
    local client = sim:client(profile { idempotency_header = "Idempotency-Key" })
    local result = assert(client:submit("m", { prompt = "replay:lost_answer" }):wait())
    client:close()
    assert.same({ "ok" }, result.texts)
    local replay = sim:replay_matched()
    assert.equal(1, replay.by_status["500"])
    assert.equal(1, replay.tasks)
  end)

  it("without an idempotency key, leave such a submit to the caller: submitted unknown, sent once", function()
    local client = sim:client(profile())
    local _, err = client:submit("m", { prompt = "replay:lost_answer" }):result()
    client:close()
    assert.equal("unknown", err.submitted)
    assert.equal(1, err.attempts)
    assert.equal(0, sim:stats().replay.tasks)
  end)
end)
