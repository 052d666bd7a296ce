-- Where a poll URL handed back by a provider may be followed: the key goes with every poll.
-- Only to the base URL's own origin, or over https to a poll host the profile documents.
local Sim = require "support.sim"
local gentask = require "gentask"

local build = os.getenv "GENTASK_BUILD" or "build"
local wrapper = os.getenv "LUA_WRAPPER" or ""

local function sh_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- the rule asked directly (csrc/tests/trust_test.c): the URL that would be polled, or "refused"
local function rule(base, url, hosts)
  local args = { sh_quote(base), sh_quote(url) }
  for _, h in ipairs(hosts or {}) do args[#args + 1] = sh_quote(h) end
  local pipe = assert(io.popen(("LD_PRELOAD= %s %s %s 2>&1"):format(wrapper, sh_quote(build .. "/tests/trust_test"),
    table.concat(args, " "))))
  local out = pipe:read "*a"
  pipe:close()
  return (out:gsub("%s+$", ""))
end

local BFL_HOSTS = require("gentask.providers.bfl").poll_hosts

describe("the poll-URL trust rule", function()
  -- { base_url, polling_url, poll hosts, what is polled ("refused": nothing) }
  local rows = {
    -- sibling hosts of a shared platform are strangers, whatever their labels have in common
    { "https://myproxy.herokuapp.com", "https://attacker.herokuapp.com/v1/get_result?id=1", {}, "refused" },
    { "https://myapp.vercel.app/bfl", "https://evil.vercel.app/v1/get_result?id=1", {}, "refused" },
    { "https://api.example.co.uk", "https://attacker.co.uk/v1/get_result?id=1", {}, "refused" },
    { "https://api.example.co.uk", "https://other.example2.co.uk/poll", {}, "refused" },
    { "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
      "https://evil99.execute-api.eu-west-1.amazonaws.com/prod/poll", {}, "refused" },
    -- the same origin is followed, relative URLs resolve against the base
    { "https://myproxy.herokuapp.com/bfl", "https://myproxy.herokuapp.com/bfl/v1/get_result?id=1", {},
      "https://myproxy.herokuapp.com/bfl/v1/get_result?id=1" },
    { "https://myproxy.herokuapp.com/bfl", "/bfl/v1/get_result?id=2", {},
      "https://myproxy.herokuapp.com/bfl/v1/get_result?id=2" },
    { "https://api.bfl.ai", "https://API.BFL.AI:443/v1/get_result?id=3", {}, "https://API.BFL.AI:443/v1/get_result?id=3" },
    -- another port or scheme is another origin
    { "https://api.bfl.ai", "https://api.bfl.ai:8443/v1/get_result?id=1", {}, "refused" },
    { "https://api.bfl.ai", "http://api.bfl.ai/v1/get_result?id=1", {}, "refused" },
    { "http://127.0.0.1:8080/bfl", "http://127.0.0.1:8081/bfl/v1/get_result?id=1", {}, "refused" },
    { "http://127.0.0.1:8080/bfl", "http://localhost:8080/bfl/v1/get_result?id=1", {}, "refused" },
    -- BFL's regional clusters: documented poll hosts, https only
    { "https://api.eu.bfl.ai", "https://api.eu1.bfl.ai/v1/get_result?id=4", BFL_HOSTS,
      "https://api.eu1.bfl.ai/v1/get_result?id=4" },
    { "https://api.bfl.ai", "https://api.us1.bfl.ai/v1/get_result?id=5", BFL_HOSTS,
      "https://api.us1.bfl.ai/v1/get_result?id=5" },
    { "https://api.us.bfl.ai", "http://api.us1.bfl.ai/v1/get_result?id=1", BFL_HOSTS, "refused" },
    { "https://api.bfl.ai", "https://api.us1.bfl.ai:444/v1/get_result?id=1", BFL_HOSTS, "refused" },
    { "https://api.bfl.ai", "https://bfl.ai.evil.com/v1/get_result?id=1", BFL_HOSTS, "refused" },
    { "https://api.bfl.ai", "https://evilbfl.ai/v1/get_result?id=1", BFL_HOSTS, "refused" },
    { "https://api.bfl.ai", "https://api.bfl.ai@evil.com/v1/get_result?id=1", BFL_HOSTS, "refused" },
    { "https://api.bfl.ai", "https://user:pw@api.us1.bfl.ai/v1/get_result?id=1", BFL_HOSTS, "refused" },
    { "https://api.bfl.ai", "file:///etc/passwd", BFL_HOSTS, "refused" },
    { "https://api.bfl.ai", "https://api.eu1.bfl.ai/x", { "api.eu1.bfl.ai" }, "https://api.eu1.bfl.ai/x" },
    { "https://api.bfl.ai", "https://api.eu2.bfl.ai/x", { "api.eu1.bfl.ai" }, "refused" },
  }
  for _, row in ipairs(rows) do
    it(("from %s, %s: %s"):format(row[1], row[2], row[4] == "refused" and "refused" or "followed"), function()
      assert.equal(row[4], rule(row[1], row[2], row[3]))
    end)
  end

  it("takes only host names as poll hosts", function()
    for _, bad in ipairs { "*", "*.ai", "ai", "API.bfl.ai", "a..b", "https://api.bfl.ai", "api.bfl.ai/x" } do
      local ok, err = pcall(gentask.client, { provider = { name = "x", request = function() end, poll = {},
        fields = {}, states = {}, poll_hosts = { bad } }, base_url = "https://x.example" })
      assert.is_false(ok)
      assert.equal("usage", err.kind)
      assert.truthy(err.message:find("poll_hosts", 1, true), err.message)
    end
  end)
end)

describe("a BFL polling_url", function()
  local sim, attacker
  setup(function()
    sim = Sim.start "--duration-ms 100"
    attacker = Sim.start "--duration-ms 100"
  end)
  teardown(function()
    sim:stop()
    attacker:stop()
  end)

  it("on another origin is not followed: the key never reaches it, the documented get_result is polled", function()
    local bfl = sim:client("bfl", { poll_interval = 0.02 })
    local origins = { "http://127.0.0.1:" .. attacker.port, "http://localhost:" .. attacker.port,
                      "https://127.0.0.1:" .. sim.port }
    for _, origin in ipairs(origins) do
      local result = bfl:submit("flux-dev", { prompt = "x [polling-origin=" .. origin .. "]" }):wait()
      assert.equal(1, #result.urls)
    end
    local seen = attacker:stats()
    assert.equal(0, seen.polls)
    assert.equal(0, seen.submissions)
    assert.is_true(sim:stats().polls >= #origins)
  end)

  it("on the base URL's own origin is followed", function()
    local bfl = sim:client("bfl", { poll_interval = 0.02 })
    assert.equal(1, #bfl:submit("flux-dev", { prompt = "x [regional-polling-url]" }):wait().urls)
  end)

  it("refused where the profile builds no poll URL ends the task: protocol, submitted yes, no key", function()
    local profile = {}
    for k, v in pairs(require "gentask.providers.bfl") do profile[k] = v end
    profile.poll = {}   -- no get_result template: the polling_url is the only way to poll
    local key = "bfl-secret-key-0123"
    local own = Sim.start("--duration-ms 100 --key " .. key)
    local client = gentask.client { provider = profile, api_key = key, base_url = own.url .. "/bfl", poll_interval = 0.02 }
    local task = client:submit("flux-dev", { prompt = "x [polling-origin=http://127.0.0.1:" .. attacker.port .. "]" })
    local _, err = task:result()
    own:stop()
    assert.equal("protocol", err.kind)
    assert.equal("yes", err.submitted)
    assert.truthy(err.message:find("accepted", 1, true), err.message)
    assert.truthy(err.message:find("127.0.0.1", 1, true), err.message)
    assert.truthy(task.id)
    assert.is_nil(tostring(err):find(key, 1, true))
    assert.equal(0, attacker:stats().polls)
  end)
end)

describe("client{ region = }", function()
  it("picks the provider's regional base URL", function()
    local c = gentask.client { provider = "bfl", api_key = "k", region = "eu" }
    assert.equal("https://api.eu.bfl.ai", c.base_url)
    assert.equal("https://api.us.bfl.ai", gentask.client({ provider = "bfl", api_key = "k", region = "us" }).base_url)
  end)

  it("is a usage error for an unknown region, a provider without regions, or beside base_url", function()
    for _, opts in ipairs {
      { provider = "bfl", api_key = "k", region = "mars" },
      { provider = "foxapi", api_key = "k", region = "eu" },
      { provider = "bfl", api_key = "k", region = "eu", base_url = "https://api.bfl.ai" },
    } do
      local ok, err = pcall(gentask.client, opts)
      assert.is_false(ok)
      assert.equal("usage", err.kind)
    end
  end)
end)
