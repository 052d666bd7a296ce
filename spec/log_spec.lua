-- Debug logging: a line per request and per answer (method, URL, status, time, task id, attempt),
-- through a client's log function or GENTASK_LOG=debug on stderr, and never the key.
local gentask = require "gentask"
local Sim = require "support.sim"

-- a key with characters URLs and JSON escape, so that each spelling of it is looked for
local KEY = "sk-log/secret+42"

local function spellings(key)
  local percent = key:gsub("[^%w]", function(c) return ("%%%02X"):format(c:byte()) end)
  return { key, (key:gsub("/", "\\/")), percent, percent:lower() }
end

local function assert_no_key(lines)
  for _, line in ipairs(lines) do
    for _, spelled in ipairs(spellings(KEY)) do
      assert.is_nil(line:find(spelled, 1, true), "the key leaked into: " .. line)
    end
  end
end

describe("debug logging", function()
  local sim
  setup(function() sim = Sim.start("--duration-ms 100 --key " .. KEY) end)
  teardown(function() sim:stop() end)

  local function client(provider, lines, extra)
    local opts = { api_key = KEY, log = function(line) lines[#lines + 1] = line end }
    for k, v in pairs(extra or {}) do opts[k] = v end
    return sim:client(provider, opts)
  end

  it("gives one line per request and per answer, with method, URL, status, time, task id and attempt", function()
    local lines = {}
    local result = client("foxapi", lines):submit("flux-dev", { prompt = "logged" }):wait()
    local id = result.id:gsub("%p", "%%%0")
    assert.matches("^gentask: request  foxapi submit #1 POST " .. sim.url:gsub("%p", "%%%0")
      .. "/foxapi/v1/images/generations$", lines[1])
    assert.matches("^gentask: response foxapi submit #1 POST .* %-> 200 in %d+%.%d+ s task " .. id .. "$", lines[2])
    assert.matches("^gentask: request  foxapi poll #1 GET .*" .. id .. ".* task " .. id .. "$", lines[3])
    assert.matches("%-> 200 in %d+%.%d+ s task " .. id .. "$", lines[#lines])
    assert.equal(0, #lines % 2)   -- every request answered
    assert_no_key(lines)
  end)

  it("keeps the key out where the provider carries it in the body (ModelsLab) or echoes it back", function()
    local lines = {}
    local ml = client("modelslab", lines)
    ml:submit("flux", { prompt = "body key [duration=100]" }):result()
    local fox = client("foxapi", lines)
    fox:submit("flux-dev", { prompt = "echo [echo-key]" }):result()
    assert.truthy(#lines >= 4)
    assert_no_key(lines)
  end)

  it("says how a request failed when no answer came, and counts the attempts", function()
    local lines = {}
    -- a refused connection proves nothing was taken: the submit is tried again until the deadline
    local c = gentask.client { provider = "foxapi", api_key = KEY, base_url = "http://127.0.0.1:1/foxapi",
                               task_timeout = 0.3, backoff_initial = 0.01, backoff_max = 0.02,
                               log = function(line) lines[#lines + 1] = line end }
    local _, err = c:submit("flux-dev", { prompt = "nowhere" }):result()
    assert.equal("network", (err.cause or err).kind)
    assert.matches("^gentask: response foxapi submit #1 POST http://127%.0%.0%.1:1/foxapi/.* %-> failed %(.+%) in ",
      lines[2])
    assert.matches("^gentask: request  foxapi submit #2 POST", lines[3])
  end)

  it("logs in a host that drives the engine frame by frame", function()
    local frame = require "gentask.loop.frame"
    local lines = {}
    local t = client("foxapi", lines):submit("flux-dev", { prompt = "frames" })
    while not t.done do frame.update() end
    frame.update()
    assert.matches("^gentask: response foxapi poll #%d+ GET .* %-> 200", lines[#lines])
  end)

  it("prints on stderr with GENTASK_LOG=debug and nothing without it", function()
    local source = ([[
      local gentask = require "gentask"
      local c = gentask.client { provider = "foxapi", api_key = %q, base_url = %q, poll_interval = 0.05 }
      print(c:submit("flux-dev", { prompt = "env" }):wait().id)
    ]]):format(KEY, sim.url .. "/foxapi")
    local function run(env) return Sim.run_script(source, { env = env, stderr_only = true }) end
    local logged = run "GENTASK_LOG=debug"
    assert.matches("gentask: request  foxapi submit #1 POST", logged)
    assert.matches("gentask: response foxapi poll #%d+ GET [^\n]+ %-> 200", logged)
    assert_no_key { logged }
    assert.equal("", run "GENTASK_LOG=")
  end)

  it("refuses a log option that is not a function", function()
    local ok, err = pcall(gentask.client, { provider = "foxapi", api_key = KEY, base_url = sim.url, log = "stderr" })
    assert.is_false(ok)
    assert.equal("usage", err.kind)
  end)
end)
