-- Retries, the submission rule, pacing and caps: never lose a task, never pay twice. Every claim
-- is checked against the simulator's own counts and arrival times.
local gentask = require "gentask"
local Sim = require "support.sim"

-- The one logical submit the simulator saw (its attempts, statuses and tasks created).
local function only_submit(sim)
  local stats = sim:stats_with_bodies()
  local entry, count = nil, 0
  for _, e in pairs(stats.submits_by_body) do entry, count = e, count + 1 end
  assert.equal(1, count, "one logical submit")
  return entry, stats
end

describe("retries", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 50" end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  for _, form in ipairs { "retry-after=2", "retry-after=date:2", "retry-after-ms=2000" } do
    it("a 429 with " .. form .. " is sent again no earlier than the provider asked", function()
      local fox = sim:foxapi()
      local result = fox:submit("flux-dev", { prompt = "x [submit-http=429:1] [" .. form .. "]" }):wait()
      assert.equal(1, #result.urls)
      local entry = only_submit(sim)
      assert.equal(2, #entry.attempts)
      -- an HTTP date has whole seconds: it may come up to a second short of the 2 s it meant
      local floor = form:match "date" and 1000 or 2000
      assert.is_true(entry.attempts[2] - entry.attempts[1] >= floor,
        ("resent after %d ms"):format(entry.attempts[2] - entry.attempts[1]))
      assert.equal(1, entry.accepted)
    end)
  end

  it("a long Retry-After on a submit is waited out up to the deadline, never failed early", function()
    local fox = sim:foxapi { task_timeout = 1 }
    local _, err = fox:submit("flux-dev", { prompt = "x [submit-http=429:1] [retry-after=30]" }):result()
    assert.equal("deadline_exceeded", err.kind)
    assert.equal("no", err.submitted)           -- nothing was paid: the only attempt was refused
    assert.equal("rate_limited", err.cause.kind) -- what kept it waiting
    assert.equal(30, err.cause.retry_after)
    assert.matches("last answer: rate_limited", tostring(err), 1, true)
    assert.equal(1, #only_submit(sim).attempts)
  end)

  -- A caller's wait shorter than the task's deadline (an HTTP handler answering 429 at once, say)
  -- learns what holds the task as the deadline would: the 429 its submit waits out, and then only
  -- while it does.
  it("a caller's wait that runs out names what holds the task: the 429 it waits out, not once it is taken", function()
    local fox = sim:foxapi { task_timeout = 30 }
    local t = fox:submit("flux-dev", { prompt = "x [submit-http=429:1] [retry-after=1] [duration=2000]" })
    local _, err = t:result(0.5)
    assert.equal("deadline_exceeded", err.kind)
    assert.equal("queued", t.state)              -- refused, waiting out the pause: nothing paid
    assert.equal("rate_limited", err.cause.kind)
    assert.equal(1, err.cause.retry_after)
    assert.equal("no", err.cause.submitted)
    assert.matches("last answer: rate_limited", tostring(err), 1, true)
    Sim.accepted(t)                              -- the pause ran out: sent again and taken
    _, err = t:result(0.05)
    assert.equal("deadline_exceeded", err.kind)
    assert.is_nil(err.cause, "the submit's 429 no longer holds a task the provider took")
    assert.equal(1, #t:wait().urls)
    assert.equal(1, only_submit(sim).accepted)
  end)

  it("a task queued behind its client's pause names the refusal that paused it", function()
    local fox = sim:foxapi { task_timeout = 30 }
    local first = fox:submit("flux-dev", { prompt = "first [http=429] [retry-after=30]" })
    assert.is_true(Sim.until_true(function() return fox:stats().paused_for > 0 end))
    local second = fox:submit("flux-dev", { prompt = "second" })
    local _, err = second:result(0.05)
    assert.equal("queued", second.state)
    assert.equal("rate_limited", err.cause.kind)   -- the first one's: the second was never sent
    assert.equal(30, err.cause.retry_after)
    first:cancel()
    second:cancel()
    assert.equal(0, sim:stats().accepted)
  end)

  -- Cloudflare's pages (docs/providers.md, "A CDN's error page"): whatever the provider
  for _, status in ipairs { 521, 522, 523, 525, 526 } do
    it("a submit answered with Cloudflare's " .. status .. " page never reached the provider: sent again", function()
      local fox = sim:foxapi { backoff_initial = 0.01, backoff_max = 0.02 }
      local result = fox:submit("flux-dev", { prompt = ("x [cdn=%d:1]"):format(status) }):wait()
      assert.equal(1, #result.urls)
      local entry = only_submit(sim)
      assert.equal(2, #entry.attempts)
      assert.equal(1, entry.accepted)
    end)
  end

  for _, status in ipairs { 520, 524 } do
    it("a submit answered with Cloudflare's " .. status .. " page may have reached it: not sent again", function()
      local fox = sim:foxapi { backoff_initial = 0.01, backoff_max = 0.02 }
      local _, err = fox:submit("flux-dev", { prompt = ("x [cdn=%d:1]"):format(status) }):result()
      assert.equal("server_error", err.kind)
      assert.equal(status, err.status)
      assert.equal("unknown", err.submitted)
      assert.is_true(err.retryable)   -- the caller may decide to; gentask does not
      assert.equal(1, #only_submit(sim).attempts)
    end)
  end

  for _, status in ipairs { 400, 401, 402, 403, 404, 409, 422 } do
    it("a " .. status .. " is sent exactly once, even where an idempotency key would allow more", function()
      for _, provider in ipairs { "foxapi", "flora" } do
        sim:reset()
        local client = sim:client(provider)
        local _, err = client:submit(provider == "flora" and "thumbnail-v3" or "flux-dev",
          { prompt = ("x [submit-http=%d:5]"):format(status) }):result()
        assert.equal(status, err.status)
        assert.is_false(err.retryable)
        assert.equal(1, #only_submit(sim).attempts, provider)
      end
    end)
  end

  it("a submit that provably did not arrive (503, a reset before processing) is sent again", function()
    local fox = sim:foxapi()
    assert.equal(1, #fox:submit("flux-dev", { prompt = "x [submit-http=503:2]" }):wait().urls)
    local entry = only_submit(sim)
    assert.equal(3, #entry.attempts)
    assert.equal(1, entry.accepted)
  end)

  for _, fault in ipairs { "submit-reset-after=1", "submit-http=500:1", "submit-slow=1500" } do
    it("an ambiguous submit failure (" .. fault .. ") without idempotency is sent once: submitted = unknown", function()
      local fox = sim:foxapi { timeout = 0.5 }
      local _, err = fox:submit("flux-dev", { prompt = "x [" .. fault .. "]" }):result()
      assert.equal("unknown", err.submitted)
      assert.is_true(err.retryable)
      assert.equal(1, err.attempts)
      assert.equal(1, #only_submit(sim).attempts)
    end)
  end

  it("on FLORA the same ambiguous failure is sent again under the same idempotency key: one run", function()
    local flora = sim:client("flora")
    local task = flora:submit("thumbnail-v3", { prompt = "x [submit-reset-after=1]" })
    local result = task:wait()
    assert.equal(1, #result.urls)
    local entry, stats = only_submit(sim)   -- one logical submit: the resend was byte for byte the same
    assert.equal(2, #entry.attempts)
    assert.equal(1, stats.accepted)
    assert.equal(0, stats.duplicate_submits)
  end)

  it("a poll that fails transiently is polled again; the task does not fail", function()
    local fox = sim:foxapi()
    local result = fox:submit("flux-dev", { prompt = "x [poll-http=503:2] [duration=10]" }):wait()
    assert.equal(1, #result.urls)
  end)

  it("resubmitting a task the provider failed is opt-in, bounded, and counted", function()
    local fox = sim:foxapi()
    local _, plain = fox:submit("flux-dev", { prompt = "x [fail=generation_failed]" }):result()
    assert.equal("generation_failed", plain.kind)
    assert.equal(1, sim:stats().accepted)
    sim:reset()
    local _, err = fox:submit("flux-dev", { prompt = "x [fail=generation_failed]" },
      { resubmit = { kinds = { "generation_failed" }, max = 2 } }):result()
    assert.equal("generation_failed", err.kind)
    assert.equal(3, err.attempts)
    assert.equal(3, sim:stats().accepted)
  end)

  it("a failure the provider says the same input meets again is never resubmitted, even opted in", function()
    local fox = sim:foxapi()
    local _, err = fox:submit("flux-dev", { prompt = "x [fail=image_processing_error]" },
      { resubmit = { kinds = { "generation_failed" }, max = 2 } }):result()
    assert.equal("generation_failed", err.kind)
    assert.equal("image_processing_error", err.code)
    assert.is_false(err.retryable)
    assert.equal(1, err.attempts)
    assert.equal(1, sim:stats().accepted)
  end)

  it("per-submit options override the client's", function()
    local flora = sim:client("flora")
    local _, err = flora:submit("thumbnail-v3", { prompt = "x [submit-http=500:1]" }, { max_retries = 0 }):result()
    assert.equal("server_error", err.kind)
    assert.equal("unknown", err.submitted)
    assert.matches("^gentask%-", err.idempotency_key)   -- what a safe resend by the caller needs
    assert.equal(1, #only_submit(sim).attempts)
  end)
end)

describe("pacing and caps", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 200" end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  it("300 submits against a cap of 24 never have more than 24 tasks in flight at the simulator", function()
    local fox = sim:foxapi { max_in_flight = 24 }
    local outcomes = gentask.run(function()
      local tasks = {}
      for i = 1, 300 do tasks[i] = fox:submit("flux-dev", { prompt = "capped " .. i }) end
      assert.equal("queued", tasks[300].state)
      return gentask.settle(tasks)
    end)
    for _, o in ipairs(outcomes) do assert.is_true(o.ok, o.error and tostring(o.error)) end
    local stats = sim:stats()
    assert.equal(300, stats.accepted)
    assert.is_true(stats.max_in_flight <= 24, "max in flight: " .. stats.max_in_flight)
    assert.equal(24, stats.max_in_flight)
  end)

  it("max_requests lets that many requests on the wire: the others wait their turn, holding no socket", function()
    local fox = sim:foxapi { max_requests = 1 }
    local outcomes = gentask.run(function()
      local tasks = {}
      for i = 1, 40 do tasks[i] = fox:submit("flux-dev", { prompt = "wire " .. i }) end
      assert.equal("submitting", tasks[1].state)
      assert.equal("queued", tasks[2].state)   -- behind the one request on the wire
      return gentask.settle(tasks)
    end)
    for _, o in ipairs(outcomes) do assert.is_true(o.ok, o.error and tostring(o.error)) end
    local stats = sim:stats()
    assert.equal(40, stats.accepted)
    -- a submit opens a connection of its own; polls, one at a time, find one kept alive
    assert.is_true(stats.connections <= 41, "connections: " .. stats.connections)
  end)

  it("BFL clients cap themselves at BFL's 24 active tasks by default", function()
    local bfl = sim:client("bfl")
    gentask.run(function()
      local tasks = {}
      for i = 1, 60 do tasks[i] = bfl:submit("flux-dev", { prompt = "bfl " .. i }) end
      gentask.all(tasks)
    end)
    assert.is_true(sim:stats().max_in_flight <= 24)
  end)

  it("a 429 holds the whole client's next submits until its Retry-After passes", function()
    local fox = sim:foxapi()
    local first = fox:submit("flux-dev", { prompt = "first [submit-http=429:1] [retry-after=1]" })
    gentask.sleep(0.2)   -- the 429 has come back: the client is paused until about 1 s after it
    local second = fox:submit("flux-dev", { prompt = "second" })
    gentask.all { first, second }
    local stats = sim:stats_with_bodies()
    local first_429, second_arrival
    for _, e in pairs(stats.submits_by_body) do
      if #e.attempts == 2 then first_429 = e.attempts[1] else second_arrival = e.attempts[1] end
    end
    assert.is_true(second_arrival - first_429 >= 1000,
      ("the second submit came %d ms after the 429"):format(second_arrival - first_429))
  end)

  -- back-pressure applies to the group that was refused: a model the provider caps apart (BFL's
  -- flux-kontext-max) has its own pause, and its 429 holds none of the account's other models
  it("a 429 for a model the provider caps apart holds that model's submits alone", function()
    sim:reset()
    local bfl = sim:client("bfl", { task_timeout = 20 })
    local capped = bfl:submit("flux-kontext-max", { prompt = "capped [submit-http=429:1] [retry-after=30]" })
    gentask.sleep(0.2) -- its 429 has come back: flux-kontext-max waits 30 s
    local others = {}
    for i = 1, 5 do others[i] = bfl:submit("flux-dev", { prompt = "other " .. i }) end
    for _, outcome in ipairs(gentask.settle(others)) do assert.is_true(outcome.ok, tostring(outcome.error)) end
    -- the capped model still waits out its Retry-After: its one refused attempt, and the five others
    assert.is_nil(({ succeeded = true, failed = true, cancelled = true })[capped.state], capped.state)
    assert.equal(6, sim:stats().submissions)
    assert.equal(0, bfl:stats().paused_for, "the account is not paused")
    capped:cancel()
  end)

  it("the first poll waits for the provider's eta", function()
    local ml = sim:client("modelslab", { poll_interval = 0.01, poll_max_interval = 10 })
    ml:submit("flux", { prompt = "x [duration=600]" }):wait()
    local _, task = next(sim:stats(true).tasks)
    assert.is_true(task.first_poll_ms - task.submitted_ms >= 500,
      ("first poll after %d ms"):format(task.first_poll_ms - task.submitted_ms))
  end)

  -- the two sides of "at the eta": not held back to poll_interval, not cut to poll_max_interval
  it("an eta shorter than poll_interval is polled at the eta: one poll finds it done", function()
    sim:reset()
    local ml = sim:client("modelslab", { poll_interval = 30, poll_max_interval = 60, task_timeout = 20 })
    local result = ml:submit("flux", { prompt = "x [duration=300]" }):wait()
    assert.equal(1, #result.urls)
    local _, task = next(sim:stats(true).tasks)
    assert.equal(1, task.polls)
  end)

  it("an eta longer than poll_max_interval is waited out, not polled early", function()
    sim:reset()
    local ml = sim:client("modelslab", { poll_interval = 0.01, poll_max_interval = 0.05 })
    ml:submit("flux", { prompt = "x [duration=1500]" }):wait()
    local _, task = next(sim:stats(true).tasks)
    assert.is_true(task.first_poll_ms - task.submitted_ms >= 1400,
      ("first poll after %d ms"):format(task.first_poll_ms - task.submitted_ms))
    assert.is_true(task.polls <= 2, "polls: " .. task.polls)
  end)
end)

describe("500 tasks under a random mix of faults", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 100" end)
  teardown(function() sim:stop() end)

  it("all end with a result or a typed error: none lost, none hanging, none paid twice", function()
    sim:reset()
    math.randomseed(4)
    local faults = {
      "", "", "", "submit-http=429:1 retry-after-ms=50", "submit-http=503:2", "submit-http=500:1",
      "submit-reset=1", "submit-reset-after=1", "poll-http=500:2", "poll-reset=1", "poll-body=malformed:1",
      "poll-http=429:1 retry-after-ms=30", "fail=timeout", "submit-slow=2000", "http=402",
    }
    local clients = {
      foxapi = sim:client("foxapi", { timeout = 1 }),
      flora = sim:client("flora", { timeout = 1 }),
      apixo = sim:client("apixo", { timeout = 1 }),
    }
    local names = { "foxapi", "flora", "apixo" }
    local outcomes = gentask.run(function()
      local tasks = {}
      for i = 1, 500 do
        local provider = names[i % 3 + 1]
        local prompt = ("task %d [%s]"):format(i, faults[math.random(#faults)])
        tasks[i] = clients[provider]:submit(provider == "flora" and "thumbnail-v3" or "flux-dev", { prompt = prompt })
      end
      return gentask.settle(tasks, 120)   -- a bound, so that a hang fails instead of stalling CI
    end)
    assert.equal(500, #outcomes)
    local ok = 0
    for _, o in ipairs(outcomes) do
      if o.ok then ok = ok + 1 else
        assert.is_true(gentask.errors.is(o.error), tostring(o.error))
        assert.are_not.equal("deadline_exceeded", o.error.kind, "a task hung")
      end
    end
    assert.is_true(ok > 250, ok .. " succeeded")
    local stats = sim:stats_with_bodies()
    assert.equal(0, stats.duplicate_submits, "no logical submit created two tasks")
    for _, e in pairs(stats.submits_by_body) do assert.is_true(e.accepted <= 1) end
  end)
end)
