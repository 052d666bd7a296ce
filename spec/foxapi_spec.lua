-- A FoxAPI task end to end against the simulator: submit, progress, result URLs.
local gentask = require "gentask"
local Sim = require "support.sim"

describe("a FoxAPI task", function()
  local sim, fox
  setup(function()
    sim = Sim.start "--duration-ms 200"
    fox = sim:foxapi()
  end)
  teardown(function() sim:stop() end)

  it("is submitted, polled through pending and processing, and returns its result URL", function()
    -- an estimate far shorter than the work: the first poll, at the eta, finds it running
    local task = fox:submit("flux-dev", { prompt = "a red fox in snow [eta=10]", width = 1024, height = 768 })
    assert.equal("submitting", task.state)
    assert.equal("foxapi", task.provider)
    local seen = {}
    task:on("progress", function(_, pct) seen[#seen + 1] = pct end)
    local result = task:wait()
    assert.equal("succeeded", task.state)
    assert.equal(100, task.progress)
    assert.truthy(task.id:match "^task%-unified%-")
    assert.equal(task.id, result.id)
    assert.equal(1, #result.urls)
    assert.equal(result.urls[1], result.url)
    assert.truthy(result.url:match("^" .. sim.url .. "/files/.+%.png$"))
    assert.equal("completed", result.raw.status)
    assert.is_true(#seen >= 2, "progress was reported more than once")
    for i = 2, #seen do assert.is_true(seen[i] > seen[i - 1], "progress only grows") end
    assert.equal(100, seen[#seen])
  end)

  it("reads the output{url, urls} result shape and several URLs", function()
    local result = fox:submit("flux-dev", { prompt = "three foxes [shape=output] [n=3]" }):wait()
    assert.equal(3, #result.urls)
    for _, url in ipairs(result.urls) do assert.truthy(url:match "%.png$") end
  end)

  it("sends the documented request: model, prompt, bearer key", function()
    sim:reset()
    fox:submit("flux-pro", { prompt = "checked [duration=10]" }):wait()
    local stats = sim:stats(true)
    assert.equal(1, stats.submissions)
    assert.equal(1, stats.accepted)
    local _, entry = next(stats.tasks)
    assert.is_true(entry.polls >= 1)
  end)

  it("returns the same result table on every wait and from result()", function()
    local task = fox:submit("flux-dev", { prompt = "once [duration=10]" })
    local a = task:wait()
    local b, err = task:result()
    assert.is_nil(err)
    assert.equal(a, b)
    assert.equal(a, task:wait())
  end)

  it("posts video generations to the video endpoint", function()
    local result = fox:submit("veo", { prompt = "a fox running [duration=10]", media = "video" }):wait()
    assert.equal(1, #result.urls)
  end)

  it("describes itself with tostring", function()
    local task = fox:submit("flux-dev", { prompt = "named [duration=10]" })
    assert.truthy(tostring(task):match "^gentask%.task%(foxapi")
    task:wait()
    assert.truthy(tostring(task):match "succeeded, 100%%%)$")
    assert.truthy(tostring(fox):match "^gentask%.client%(foxapi")
  end)

  it("reuses connections across tasks (keep-alive)", function()
    sim:reset()
    gentask.run(function()
      local tasks = {}
      for i = 1, 10 do tasks[i] = fox:submit("flux-dev", { prompt = "reuse " .. i .. " [duration=50]" }) end
      gentask.all(tasks)
    end)
    local stats = sim:stats()
    assert.equal(10, stats.accepted)
    assert.is_true(stats.connections < stats.submissions + stats.polls,
      ("%d connections for %d requests"):format(stats.connections, stats.submissions + stats.polls))
  end)
end)
