-- FoxAPI failures beyond the vectors: bodies kept, retries of polls, refused connections, usage.
local gentask = require "gentask"
local Sim = require "support.sim"

describe("FoxAPI errors over HTTP", function()
  local sim, fox
  setup(function()
    sim = Sim.start "--duration-ms 100"
    fox = sim:foxapi { poll_interval = 0.02, max_body_bytes = 1024 * 1024, timeout = 5 }
  end)
  teardown(function() sim:stop() end)

  it("keeps the raw body excerpt of an error, bounded", function()
    local _, err = fox:submit("flux-dev", { prompt = "x [http=402]" }):result()
    assert.truthy(err.body:match "insufficient_balance")
    local _, huge = fox:submit("flux-dev", { prompt = "x [body=huge]" }):result()
    assert.truthy(huge.message:match "limit")
    assert.is_true(huge.body == nil or #huge.body <= 512)
  end)

  it("rejects a wrong key as authentication, a missing prompt as invalid_request", function()
    local wrong = sim:foxapi { api_key = "sk-not-the-right-one" }
    local _, err = wrong:submit("flux-dev", { prompt = "x" }):result()
    assert.equal("authentication", err.kind)
    assert.equal(401, err.status)
    local _, missing = fox:submit("flux-dev", { width = 5 }):result()
    assert.equal("invalid_request", missing.kind)
    assert.truthy(missing.message:match "prompt")
  end)

  it("retries a poll that fails transiently, without failing the task", function()
    sim:reset()
    local result = fox:submit("flux-dev", { prompt = "x [poll-http=500:2] [duration=20]" }):wait()
    assert.equal(1, #result.urls)
    local _, entry = next(sim:stats(true).tasks)
    assert.is_true(entry.polls >= 3)
  end)

  it("keeps polling through a task state it does not know (a provider's new 'queued')", function()
    sim:reset()
    local result = fox:submit("flux-dev", { prompt = "x [poll-body=unknownstate:3] [duration=20]" }):wait()
    assert.equal(1, #result.urls)
    local _, entry = next(sim:stats(true).tasks)
    assert.is_true(entry.polls >= 4)
  end)

  it("ends a task that never finishes at its task_timeout, as deadline_exceeded", function()
    local impatient = sim:foxapi { poll_interval = 0.02, task_timeout = 0.2 }
    local _, err = impatient:submit("flux-dev", { prompt = "x [poll-body=unknownstate]" }):result()
    assert.equal("deadline_exceeded", err.kind)
    assert.equal("poll", err.phase)
    assert.truthy(err.task_id)
  end)

  it("treats a Retry-After on a poll as the wait before the next poll", function()
    sim:reset()
    local result = fox:submit("flux-dev", { prompt = "x [poll-http=429:1] [retry-after=1] [duration=10]" }):wait()
    assert.equal(1, #result.urls)
    local _, entry = next(sim:stats(true).tasks)
    assert.equal(2, entry.polls)
    assert.is_true(entry.last_poll_ms - entry.first_poll_ms >= 1000, "the second poll waited for Retry-After")
  end)

  it("polls a task whose polls keep failing until its deadline, and says why it ended", function()
    sim:reset()
    local _, err = fox:submit("flux-dev", { prompt = "x [poll-http=503]" }, { task_timeout = 1.5 }):result()
    assert.equal("deadline_exceeded", err.kind)
    assert.equal("unavailable", err.cause.kind)
    local _, entry = next(sim:stats(true).tasks)
    assert.is_true(entry.polls > 4, "polled past max_retries: " .. entry.polls)
  end)

  it("never lets libcurl resend a submit whose kept-alive connection died", function()
    fox:submit("flux-dev", { prompt = "warm a connection [duration=10]" }):wait()
    sim:reset()
    local _, err = fox:submit("flux-dev", { prompt = "x [reset]" }):result()
    assert.equal("network", err.kind)
    assert.equal("unknown", err.submitted)
    assert.equal(1, err.attempts)
    local stats = sim:stats()
    assert.equal(1, stats.submissions)   -- one request reached the provider, not two
    assert.equal(1, stats.accepted)
  end)

  it("waits out a refused connection until the deadline: never submitted, the refusal as cause", function()
    local nowhere = gentask.client { provider = "foxapi", api_key = "k", base_url = "http://127.0.0.1:9/foxapi",
      backoff_initial = 0.01, backoff_max = 0.02, task_timeout = 0.5 }
    local _, err = nowhere:submit("flux-dev", { prompt = "x" }):result()
    assert.equal("deadline_exceeded", err.kind)
    assert.equal("no", err.submitted)
    assert.equal("submit", err.phase)
    assert.equal("network", err.cause.kind)
    assert.is_true(err.cause.retryable)
    -- provably never arrived: tried again and again, outside max_retries (3)
    assert.is_true(err.attempts > 4, "attempts: " .. err.attempts)
    assert.is_true(nowhere:stats().refused > 4)
  end)

  it("reports an unresolvable host as network", function()
    local nowhere = gentask.client { provider = "foxapi", api_key = "k", base_url = "http://no-such-host.invalid/foxapi",
      backoff_initial = 0.01, backoff_max = 0.02 }
    local _, err = nowhere:submit("flux-dev", { prompt = "x" }):result()
    assert.equal("network", err.kind)
    assert.equal("no", err.submitted)
  end)

  it("reads well with tostring", function()
    local _, err = fox:submit("flux-dev", { prompt = "x [fail=content_policy_violation]" }):result()
    local text = tostring(err)
    assert.truthy(text:match "^gentask: moderated %(foxapi, poll")
    assert.truthy(text:match "code content_policy_violation")
    assert.truthy(text:match "input moderated")
    assert.truthy(text:match "task task%-unified")
  end)
end)

describe("usage errors", function()
  local fox
  setup(function()
    fox = gentask.client { provider = "foxapi", api_key = "k", base_url = "http://127.0.0.1:9/foxapi",
      backoff_initial = 0.01, backoff_max = 0.02, task_timeout = 0.5 }
  end)

  local function usage_of(fn, ...)
    local ok, err = pcall(fn, ...)
    assert.is_false(ok)
    assert.is_true(gentask.errors.is(err, "usage"), tostring(err))
    assert.is_false(err.retryable)
    return err
  end

  it("are raised as typed tables for wrong arguments", function()
    usage_of(gentask.client, "foxapi")
    usage_of(gentask.client, { provider = "no_such_provider" })
    usage_of(gentask.client, { provider = "foxapi", base_url = "ftp://x" })
    usage_of(gentask.client, { provider = "foxapi", api_key = 42 })
    usage_of(gentask.client, { provider = "foxapi", timeout = -1 })
    usage_of(fox.submit, fox, nil, {})
    usage_of(fox.submit, fox, "model", "not a table")
    usage_of(fox.submit, fox, "model", { prompt = function() end })
    local task = fox:submit("m", { prompt = "p" })
    usage_of(task.wait, task, "soon")
    usage_of(task.wait, task, -1)
    usage_of(task.on, task, "finished", function() end)
    usage_of(gentask.all, "nope")
    usage_of(gentask.all, { 1, 2 })
    usage_of(gentask.run, 42)
    usage_of(gentask.any, {})
    task:result()
  end)

  it("name the problem in the message", function()
    local err = usage_of(gentask.client, { provider = "no_such_provider" })
    assert.truthy(err.message:match "no_such_provider")
    assert.truthy(tostring(err):match "^gentask: usage")
  end)
end)
