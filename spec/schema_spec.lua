-- One schema at the boundary: the error kinds, the client options, the task's states and the
-- response headers the core reads exist once, in the core, and everything else (the Lua layer,
-- classify, the reference in docs/) agrees with them.
local gentask = require "gentask"
local core = require "gentask.core"
local Sim = require "support.sim"

local function page(path)
  local f = assert(io.open(path, "r"))
  local text = f:read "*a"
  f:close()
  return text
end

describe("the error kinds", function()
  it("are the core's, in the Lua layer too", function()
    local names = {}
    for _, kind in ipairs(core.kinds) do
      names[#names + 1] = kind.name
      assert.equal(kind.retryable, gentask.errors.kinds[kind.name], kind.name)
      assert.is_string(kind.meaning)
    end
    local n = 0
    for _ in pairs(gentask.errors.kinds) do n = n + 1 end
    assert.equal(#names, n)
    assert.equal(20 - 1, n)   -- every kind but the core's "none"
  end)

  it("are each a row of docs/errors.md's table, with the core's retryability", function()
    local rows = {}
    local table_text = page "docs/errors.md":match "\n| kind | means[^\n]*\n(.-)\n\n"
    for line in table_text:gmatch "(| `[%w_]+` |[^\n]*)" do
      local cells = {}
      for cell in line:gmatch "|%s*([^|]-)%s*%f[|]" do cells[#cells + 1] = cell end
      local kind = cells[1]:match "^`([%w_]+)`$"
      if #cells == 4 and cells[3]:match "^%a+" then rows[kind] = cells[3]:match "^%a+" end
    end
    for _, kind in ipairs(core.kinds) do
      assert.is_not_nil(rows[kind.name], "docs/errors.md lacks a row for " .. kind.name)
      assert.equal(kind.retryable and "yes" or "no", rows[kind.name], kind.name)
      rows[kind.name] = nil
    end
    assert.same({}, rows)
  end)
end)

describe("the client options", function()
  it("have a name, a unit, bounds and a scope each", function()
    assert.is_true(#core.options >= 11)
    for _, o in ipairs(core.options) do
      assert.is_string(o.name)
      assert.truthy(({ seconds = true, count = true, bytes = true, text = true, flag = true, money = true })[o.unit],
        o.name)
      assert.is_true(o.min <= o.max, o.name)
      assert.truthy(({ client = true, task = true })[o.scope], o.name)
    end
  end)

  -- docs/options.md is made from this table (tools/options_doc.lua; reference_spec checks the
  -- page is current): here its rows are read back as a reader would, name and default
  it("are each a row of docs/options.md with the core's defaults", function()
    local rows = {}
    for name, default in page "docs/options.md":gmatch "\n| `([%w_]+)` | %a+ | [^|]* | ([^|]-) |" do
      rows[name] = default
    end
    for _, o in ipairs(core.options) do
      local documented = rows[o.name]
      assert.is_not_nil(documented, "docs/options.md lacks a row for " .. o.name)
      if o.unit == "flag" then
        assert.equal("`" .. tostring(o.default) .. "`", documented, o.name)
      elseif o.default then
        assert.equal(o.default, tonumber(documented:match "^[%d%.]+"), o.name)
      else
        assert.equal("none", documented, o.name)
      end
    end
  end)

  it("out of their bounds are usage errors that name the bounds", function()
    local profile = require "gentask.providers.foxapi"
    local cases = {
      { max_retries = 1.5 }, { max_retries = 101 }, { max_body_bytes = 10 }, { timeout = -1 },
      { poll_interval = 0 / 0 }, { max_in_flight = "8" }, { ca_file = 42 }, { proxy = "" },
      -- 0 would be "no limit" to libcurl and a tight loop of polls; a cap below 1 admits nothing
      { timeout = 0 }, { poll_interval = 0 }, { connect_timeout = 0 }, { task_timeout = 0 },
      { max_in_flight = 0 }, { max_in_flight = 2.5 },
    }
    for _, opts in ipairs(cases) do
      opts.provider, opts.base_url = profile, "http://127.0.0.1:9"
      local ok, err = pcall(gentask.client, opts)
      assert.is_false(ok)
      assert.is_true(gentask.errors.is(err, "usage"), tostring(err))
      assert.matches("%d+ to %d+", err.message)
    end
  end)

  it("with a misspelt name are usage errors naming it, for a client and for one submit", function()
    local ok, err = pcall(gentask.client, { provider = "foxapi", api_key = "k", max_retrys = 5 })
    assert.is_false(ok)
    assert.is_true(gentask.errors.is(err, "usage"), tostring(err))
    assert.matches("unknown option 'max_retrys'", err.message, 1, true)
    local fox = gentask.client { provider = "foxapi", api_key = "k", base_url = "http://127.0.0.1:9" }
    ok, err = pcall(fox.submit, fox, "flux-dev", { prompt = "x" }, { poll_intervall = 1 })
    assert.is_false(ok)
    assert.matches("unknown option 'poll_intervall'", err.message, 1, true)
  end)

  it("without a key, for a provider that needs one, is a usage error at creation", function()
    for _, provider in ipairs { "foxapi", "bfl", "flora", "modelslab", "apixo" } do
      local ok, err = pcall(gentask.client, { provider = provider })
      assert.is_false(ok)
      assert.is_true(gentask.errors.is(err, "usage"), tostring(err))
      assert.matches("api_key is required", err.message, 1, true)
    end
  end)

  it("that belong to the client are refused for one submit", function()
    local fox = gentask.client { provider = "foxapi", api_key = "k", base_url = "http://127.0.0.1:9" }
    local ok, err = pcall(fox.submit, fox, "flux-dev", { prompt = "x" }, { max_in_flight = 2 })
    assert.is_false(ok)
    assert.is_true(gentask.errors.is(err, "usage"), tostring(err))
    assert.matches("max_in_flight is a client option", err.message)
  end)
end)

describe("the response headers the core reads", function()
  it("are read by classify as by the engine: retry-after-ms gives retry_after", function()
    assert.same({ "retry-after", "retry-after-ms" }, core.headers)
    local err = gentask.classify { provider = "foxapi", phase = "submit", status = 429,
      headers = { ["Retry-After-Ms"] = "1500" }, body = [[{"error":{"code":"rate_limited","message":"slow down"}}]] }
    assert.equal("rate_limited", err.kind)
    assert.equal(1.5, err.retry_after)
    err = gentask.classify { provider = "foxapi", phase = "submit", status = 429,
      headers = { ["retry-after"] = "3" }, body = "{}" }
    assert.equal(3, err.retry_after)
  end)
end)

describe("a task's phase", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 300" end)
  teardown(function() sim:stop() end)

  it("is submit while it is still queued: a wait that runs out there says so", function()
    local fox = sim:foxapi { max_in_flight = 1, poll_interval = 0.05 }
    local first = fox:submit("flux-dev", { prompt = "holds the only slot" })
    local queued = fox:submit("flux-dev", { prompt = "waits behind it" })
    assert.equal("queued", queued.state)
    local _, err = queued:result(0.05)
    assert.equal("deadline_exceeded", err.kind)
    assert.equal("submit", err.phase)
    assert.equal("queued", queued.state)
    first:wait()
    queued:wait()
  end)
end)

describe("the task's states", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 300" end)
  teardown(function() sim:stop() end)

  it("are the core's list, each in docs/tasks.md's task.state row, and a task is only ever in one of them", function()
    local row = page "docs/tasks.md":match("\n| `task.state` |([^\n]*)")
    local known = {}
    for _, state in ipairs(core.states) do
      known[state] = true
      assert.truthy(row:find("`" .. state .. "`", 1, true), state .. " is not in docs/tasks.md's task.state row")
    end
    local seen = {}
    local fox = sim:foxapi { max_in_flight = 1, poll_interval = 0.05 }
    local tasks = { fox:submit("flux-dev", { prompt = "one" }), fox:submit("flux-dev", { prompt = "two" }) }
    repeat
      for _, task in ipairs(tasks) do seen[task.state] = true end
      tasks[2]:result(0.02) -- waits a little, running the engine
    until tasks[1].done and tasks[2].done
    for _, task in ipairs(tasks) do seen[task.state] = true end
    for state in pairs(seen) do assert.is_true(known[state], state) end
    assert.is_true(seen.queued, "the second task waited behind max_in_flight")
    assert.is_true(seen.succeeded)
  end)

  it("are what the command's progress counts, with its own downloading", function()
    local progress = require "gentask.cli.progress"
    assert.same({ "queued", "submitting", "waiting", "polling", "downloading" }, progress.STATES)
  end)
end)
