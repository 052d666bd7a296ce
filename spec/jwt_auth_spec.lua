-- A provider that signs its requests (Kling): the profile's auth.jwt makes the core send an HS256
-- JWT made from the key (the access key, its iss claim) and a secret the core reads itself, from
-- a variable or a private file, never from a script. The simulator, started with --jwt-issuer,
-- checks each token's signature, iss, exp and nbf in FoxAPI's Bearer header.
local gentask = require "gentask"
local foxapi = require "gentask.providers.foxapi"
local Sim = require "support.sim"
local cli = require "support.cli"

local ACCESS = "AK-jwt-spec-access"
local SECRET = "SK-jwt/spec+secret-0042"
-- base64url of {"alg":"HS256","typ":"JWT"}: every token starts so, whatever its claims
local TOKEN_HEAD = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"

local function private_file(text, mode)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  os.execute(("chmod %s %s"):format(mode or "600", path))
  return path
end

--- FoxAPI's profile, its header carrying a JWT instead of the key.
local function jwt_profile(jwt)
  local profile = {}
  for k, v in pairs(foxapi) do profile[k] = v end
  profile.name = "jwtfox"
  profile.auth = { header = "Authorization", prefix = "Bearer ", jwt = jwt or { issuer = "iss" } }
  return profile
end

-- every text a secret could leak into must hold neither the secret nor a token
local function assert_clean(text)
  text = tostring(text)
  for _, secret in ipairs { SECRET, (SECRET:gsub("/", "\\/")), TOKEN_HEAD } do
    assert.is_nil(text:find(secret, 1, true), "a secret leaked into: " .. text)
  end
end

local function assert_error_clean(err, seen)
  seen = seen or {}
  if type(err) ~= "table" or seen[err] then return assert_clean(err) end
  seen[err] = true
  assert_clean(tostring(err))
  for k, v in pairs(err) do
    assert_clean(k)
    assert_error_clean(v, seen)
  end
end

describe("a profile whose auth signs JWTs", function()
  local sim, secret_file
  setup(function()
    secret_file = private_file(SECRET .. "\n")
    sim = Sim.start("--duration-ms 50 --jwt-issuer " .. ACCESS, { GENTASK_SIM_JWT_SECRET = secret_file })
  end)
  teardown(function()
    sim:stop()
    os.remove(secret_file)
  end)
  before_each(function() sim:reset() end)

  local function client(opts, jwt)
    local o = { provider = jwt_profile(jwt), api_key = ACCESS, base_url = sim.url .. "/foxapi",
                secret_file = secret_file, poll_interval = 0.05, poll_max_interval = 0.1,
                backoff_initial = 0.01, backoff_max = 0.05 }
    for k, v in pairs(opts or {}) do o[k] = v or nil end -- false: the default's option left out
    return gentask.client(o)
  end

  it("signs every request: tasks succeed and the simulator took the token", function()
    local c = client()
    local tasks = {}
    for i = 1, 3 do tasks[i] = c:submit("flux-dev", { prompt = "signed " .. i }) end
    for _, outcome in ipairs(gentask.settle(tasks)) do assert.is_true(outcome.ok, tostring(outcome.error)) end
    local jwt = sim:stats().jwt
    assert.is_true(jwt.tokens >= 1)
    for reason, n in pairs(jwt.refused) do assert.equal(0, n, reason) end
    assert_clean(tostring(c))
  end)

  it("a wrong secret is refused 401: authentication, and the error names no secret", function()
    local wrong = private_file("SK-not-the-right-one\n")
    local _, err = client({ secret_file = wrong }):submit("flux-dev", { prompt = "x" }):result()
    os.remove(wrong)
    assert.equal("authentication", err.kind)
    assert.equal(401, err.status)
    assert.is_true(sim:stats().jwt.refused.signature >= 1)
    assert_error_clean(err)
    assert.is_nil(tostring(err):find("SK-not-the-right-one", 1, true))
  end)

  it("a token of another access key is refused: authentication", function()
    local _, err = client({ api_key = "AK-someone-else" }):submit("flux-dev", { prompt = "x" }):result()
    assert.equal("authentication", err.kind)
    assert.is_true(sim:stats().jwt.refused.issuer >= 1)
  end)

  it("is renewed before it expires: a task that outlives two tokens is never refused", function()
    -- a token lives 2 s and is made anew once 1 s is left: a task of 3.5 s needs a second one,
    -- and the simulator refuses any token past its exp
    local c = client(nil, { issuer = "iss", ttl = 2, renew_before = 1 })
    local result, err = c:submit("flux-dev", { prompt = "long [duration=3500]" }):result()
    assert.is_nil(err, tostring(err))
    assert.truthy(result.id)
    local jwt = sim:stats().jwt
    assert.is_true(jwt.tokens >= 2, "tokens taken: " .. jwt.tokens)
    for reason, n in pairs(jwt.refused) do assert.equal(0, n, reason) end
  end)

  it("scrubs a token the provider echoes, as it does the key", function()
    local _, err = client():submit("flux-dev", { prompt = "x [echo-key]" }):result()
    assert.equal("invalid_request", err.kind)
    assert.truthy(err.message:find("[REDACTED]", 1, true), err.message)
    assert_error_clean(err)
  end)

  it("keeps the secret and its tokens out of the wire log and the journal", function()
    local lines, journal = {}, os.tmpname()
    Sim.remove_journal(journal)
    local c = client { journal = journal, log = function(line) lines[#lines + 1] = line end }
    local _, err = c:submit("flux-dev", { prompt = "x [echo-key=escaped]" }):result()
    assert.truthy(err)
    assert_error_clean(err)
    assert.truthy(c:submit("flux-dev", { prompt = "journaled" }):wait())
    c:close()
    assert.is_true(#lines >= 4)
    for _, line in ipairs(lines) do assert_clean(line) end
    for _, suffix in ipairs { "", "-wal" } do
      local f = io.open(journal .. suffix, "rb")
      if f then
        assert_clean(f:read "*a")
        f:close()
      end
    end
    Sim.remove_journal(journal)
  end)

  it("reads the secret from the profile's variable in a script's own process", function()
    local output = Sim.run_script(([[
      local gentask = require "gentask"
      local profile = {}
      for k, v in pairs(require "gentask.providers.foxapi") do profile[k] = v end
      profile.name = "jwtfox"
      profile.auth = { jwt = { issuer = "iss", secret_env = "GENTASK_SPEC_JWT_SECRET" } }
      local c = gentask.client { provider = profile, api_key = %q, base_url = %q, poll_interval = 0.05,
                                 log = print }
      local result, err = c:submit("flux-dev", { prompt = "from the variable" }):result()
      print(result and "succeeded" or tostring(err))
      print(tostring(c))
    ]]):format(ACCESS, sim.url .. "/foxapi"), { secret_env = { GENTASK_SPEC_JWT_SECRET = secret_file } })
    assert.truthy(output:find("succeeded", 1, true), output)
    assert_clean(output)
  end)

  describe("through the gentask command", function()
    local dir, saved_path
    setup(function()
      -- a provider module of its own, found on the command's module path as a built-in one is
      dir = cli.tmpdir()
      os.execute("mkdir -p " .. cli.quote(dir .. "/gentask/providers"))
      cli.write(dir .. "/gentask/providers/jwtfox.lua", [[
        local profile = {}
        for k, v in pairs(require "gentask.providers.foxapi") do profile[k] = v end
        profile.name = "jwtfox"
        profile.key_env = "JWTFOX_API_KEY"
        profile.auth = { jwt = { issuer = "iss", secret_env = "GENTASK_SPEC_JWT_SECRET" } }
        return profile
      ]])
      saved_path = package.path
      package.path = dir .. "/?.lua;" .. package.path
    end)
    teardown(function()
      package.path = saved_path
      os.execute("rm -rf " .. cli.quote(dir))
    end)

    -- the secret exported by the shell from its file: on no command line, the command's included
    local function run(args, with_secret)
      local export = with_secret
        and ("GENTASK_SPEC_JWT_SECRET=\"$(cat %s)\"; export GENTASK_SPEC_JWT_SECRET; "):format(cli.quote(secret_file))
        or "unset GENTASK_SPEC_JWT_SECRET; "
      local err_path = os.tmpname()
      local pipe = assert(io.popen(export .. cli.command(args, "JWTFOX_API_KEY=" .. ACCESS) .. " 2>"
        .. cli.quote(err_path) .. "; echo \"exit $?\""))
      local out = pipe:read "*a"
      pipe:close()
      local err = cli.read(err_path) or ""
      os.remove(err_path)
      return out, err, tonumber(out:match "exit (%d+)\n$")
    end

    it("reads the access key as any key and the secret from the profile's variable", function()
      local base = "run -p jwtfox --base-url " .. sim.url .. "/foxapi -m flux-dev -o " .. cli.quote(dir .. "/out")
      local out, err, status = run(base .. " 'a signed fox'", true)
      assert.equal(0, status, out .. err)
      assert_clean(out)
      assert_clean(err)
      assert.is_true(sim:stats().jwt.tokens >= 1)
      out, err, status = run(base .. " 'no secret'", false)
      assert.is_not.equal(0, status)
      assert.truthy(err:find("GENTASK_SPEC_JWT_SECRET", 1, true), out .. err)
      assert_clean(out)
      assert_clean(err)
    end)
  end)

  describe("is checked when the client is made (usage)", function()
    local function usage_error(opts, jwt)
      local ok, err = pcall(client, opts, jwt)
      assert.is_false(ok)
      assert.equal("usage", err.kind)
      assert_error_clean(err)
      return err.message
    end

    it("a secret variable that is not set is named, with the option that replaces it", function()
      local message = usage_error({ secret_file = false, secret_env = "GENTASK_SPEC_NO_SUCH_SECRET" })
      assert.truthy(message:find("set GENTASK_SPEC_NO_SUCH_SECRET", 1, true), message)
      message = usage_error({ secret_file = false }, { issuer = "iss", secret_env = "GENTASK_SPEC_NO_SUCH_SECRET" })
      assert.truthy(message:find("GENTASK_SPEC_NO_SUCH_SECRET", 1, true), message)
      message = usage_error { secret_file = false }
      assert.truthy(message:find("secret_env or secret_file", 1, true), message)
    end)

    it("a secret file others can read is refused with the chmod that fixes it, an empty one too", function()
      local open = private_file(SECRET, "644")
      local message = usage_error { secret_file = open }
      assert.truthy(message:find("chmod 600", 1, true), message)
      os.remove(open)
      local empty = private_file("\n")
      message = usage_error { secret_file = empty }
      assert.truthy(message:find("is empty", 1, true), message)
      os.remove(empty)
    end)

    it("auth.jwt's fields: an issuer claim, whole seconds, a renewal before the ttl", function()
      assert.truthy(usage_error(nil, { ttl = 60 }):find("auth.jwt.issuer", 1, true))
      assert.truthy(usage_error(nil, { issuer = "iss", ttl = 0 }):find("auth.jwt.ttl", 1, true))
      assert.truthy(usage_error(nil, { issuer = "iss", not_before = 1.5 }):find("auth.jwt.not_before", 1, true))
      assert.truthy(usage_error(nil, { issuer = "iss", renew_before = "soon" }):find("auth.jwt.renew_before", 1, true))
      -- the default renewal (300 s) does not fit in a minute's token
      assert.truthy(usage_error(nil, { issuer = "iss", ttl = 60 }):find("renew_before (300 s) must be less", 1, true))
      assert.truthy(usage_error(nil, 42):find("auth.jwt must be a table", 1, true))
      -- the maker writes exp and nbf itself: the key cannot take their place
      assert.truthy(usage_error(nil, { issuer = "exp" }):find("other than exp and nbf", 1, true))
    end)
  end)
end)
