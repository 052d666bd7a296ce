-- A provider profile is checked when it is loaded: a typo is a usage error that names the field,
-- raised by gentask.client (or gentask.classify), never a hang or a silent misreading later.
local gentask = require "gentask"

local function profile(changes)
  local p = {
    name = "acme",
    request = function() return { path = "/jobs", body = {} } end,
    poll = { path = "/jobs/{id}" },
    fields = { id = "job.ref", state = "job.phase", results = "job.assets[].href" },
    states = { done = "succeeded", broken = "failed" },
  }
  for k, v in pairs(changes) do p[k] = v end
  return p
end

local function refused(p)
  local ok, err = pcall(gentask.client, { provider = p, base_url = "https://api.acme.example" })
  assert.is_false(ok, "the profile was taken")
  assert.equal("usage", err.kind)
  local ok2, err2 = pcall(gentask.classify, { provider = p, status = 200, body = "{}" })
  assert.is_false(ok2, "classify took the profile")
  assert.equal("usage", err2.kind)
  return err.message
end

describe("a profile is refused at load, naming the field, when", function()
  local bad_paths = {
    ["items[0"] = "not closed", ["items[0]"] = "not closed", ["a{x}.b"] = "not closed", ["a..b"] = "empty name",
    [".a"] = "empty name", ["a."] = "empty name", ["a]b"] = "without its opening", [""] = "empty",
    [("a."):rep(40) .. "a"] = "32 steps", [("x"):rep(300)] = "256 bytes",
  }
  for path, why in pairs(bad_paths) do
    it(("a field path is malformed (%q)"):format(path:sub(1, 20)), function()
      local message = refused(profile { fields = { id = "id", state = "status", results = path } })
      assert.truthy(message:find("fields.results", 1, true), message)
      assert.truthy(message:find(why, 1, true), message)
    end)
  end

  it("a path sits in a list of paths", function()
    local message = refused(profile { fields = { id = "id", state = "status", error_code = { "error.code", "items[" } } })
    assert.truthy(message:find("fields.error_code", 1, true), message)
  end)

  it("a state maps to no state, or to something not a string or table", function()
    assert.truthy(refused(profile { states = { done = "finished" } }):find("states['done']", 1, true))
    assert.truthy(refused(profile { states = { done = 42 } }):find("states['done']", 1, true))
  end)

  it("a state that does not fail carries a kind", function()
    local message = refused(profile { states = { done = { state = "succeeded", kind = "moderated" } } })
    assert.truthy(message:find("states['done']", 1, true), message)
  end)

  it("a code maps to an unknown kind, or a stage that is not input or output", function()
    assert.truthy(refused(profile { codes = { nsfw = "naughty" } }):find("codes['nsfw']", 1, true))
    assert.truthy(refused(profile { http_codes = { x = { kind = "moderated", stage = "middle" } } })
      :find("http_codes['x'].stage", 1, true))
    assert.truthy(refused(profile { message_codes = { x = true } }):find("message_codes['x']", 1, true))
  end)

  it("a code's retryable is not true or false", function()
    local message = refused(profile { codes = { x = { kind = "generation_failed", retryable = "no" } } })
    assert.truthy(message:find("codes['x'].retryable", 1, true), message)
    message = refused(profile { http_codes = { y = { kind = "invalid_request", retryable = 0 } } })
    assert.truthy(message:find("http_codes['y'].retryable", 1, true), message)
  end)

  it("a code's retryable, where given, is what the error says, whatever the kind's default", function()
    local p = profile { codes = { again = { kind = "invalid_request", retryable = true },
                                  never = { kind = "generation_failed", retryable = false },
                                  default = { kind = "generation_failed" } },
                        fields = { id = "job.ref", state = "job.phase", error_code = "job.code" } }
    local function retryable(code)
      local err = gentask.classify { provider = p, phase = "poll", status = 200,
                                     body = ('{"job":{"ref":"j","phase":"broken","code":"%s"}}'):format(code) }
      return err.retryable, err.kind
    end
    assert.same({ true, "invalid_request" }, { retryable "again" })
    assert.same({ false, "generation_failed" }, { retryable "never" })
    assert.same({ true, "generation_failed" }, { retryable "default" })
  end)

  it("statuses is not a table of HTTP statuses", function()
    assert.truthy(refused(profile { statuses = { [999] = "unavailable" } }):find("statuses", 1, true))
    assert.truthy(refused(profile { statuses = "403" }):find("statuses", 1, true))
    assert.truthy(refused(profile { statuses = { [451] = "nope" } }):find("statuses['451']", 1, true))
  end)

  it("the gentask command's key_env or input_image_param is not a string", function()
    assert.truthy(refused(profile { key_env = true }):find("key_env", 1, true))
    assert.truthy(refused(profile { input_image_param = { "image" } }):find("input_image_param", 1, true))
  end)

  it("takes every built-in profile", function()
    -- Kling signs a JWT with a secret the core reads itself: here from a private file
    local secret = os.tmpname()
    local f = assert(io.open(secret, "w"))
    f:write "kling-test-secret\n"
    f:close()
    os.execute("chmod 600 " .. secret)
    for _, name in ipairs {
      "bfl", "foxapi", "flora", "modelslab", "apixo",
      "minimax", "veo", "openrouter", "higgsfield", "kling",
      "replicate", "fal", "runway", "luma", "ideogram",
    } do
      local ok, c = pcall(gentask.client, { provider = name, api_key = "k", secret_file = secret })
      assert.is_true(ok, name .. ": " .. tostring(c))
      c:close()
    end
    os.remove(secret)
  end)
end)

describe("a profile's request words are refused at load, naming the field, when", function()
  it("a header's name is not a token, its value spans lines, or it is the auth header", function()
    assert.matches("headers%['X Version'%]", refused(profile { headers = { ["X Version"] = "1" } }))
    assert.matches("one line", refused(profile { headers = { ["X-Version"] = "1\r\nX-Other: 2" } }))
    assert.matches("auth header", refused(profile { headers = { authorization = "Bearer other" } }))
    assert.matches("must be a string", refused(profile { headers = { ["X-Version"] = 1 } }))
  end)

  it("deadline_header lacks its name, or has a min that is not whole seconds", function()
    assert.matches("deadline_header.name", refused(profile { deadline_header = { suffix = "s" } }))
    assert.matches("deadline_header.min", refused(profile { deadline_header = { name = "Cancel-After", min = 2.5 } }))
    assert.matches("deadline_header", refused(profile { deadline_header = "Cancel-After" }))
  end)

  it("idempotency_header is not a header name", function()
    assert.matches("idempotency_header", refused(profile { idempotency_header = "Idempotency Key" }))
  end)

  it("download is not { keyed =, hosts = } of host names", function()
    assert.matches("download.keyed", refused(profile { download = { keyed = "yes" } }))
    assert.matches("download.hosts", refused(profile { download = { keyed = true, hosts = { "not a host" } } }))
    assert.matches("download must be a table", refused(profile { download = true }))
  end)

  it("missing_state names no state, or result is not a table", function()
    assert.matches("missing_state", refused(profile { missing_state = "sleeping" }))
    assert.matches("result must be a table", refused(profile { result = "/files/{id}" }))
  end)

  it("webhook.url_query is not a query parameter's name, or comes with url_field", function()
    assert.truthy(refused(profile { webhook = { url_query = "a b" } }):find("webhook.url_query", 1, true))
    assert.truthy(refused(profile { webhook = { url_query = "" } }):find("webhook.url_query", 1, true))
    assert.truthy(refused(profile { webhook = { url_query = {} } }):find("webhook.url_query", 1, true))
    assert.truthy(refused(profile { webhook = { url_query = "fal_webhook", url_field = "webhook" } })
      :find("one of them", 1, true))
    assert.truthy(gentask.client { provider = profile { webhook = { url_query = "fal_webhook" } },
                                   base_url = "https://api.acme.example" })
  end)

  it("takes the well-formed ones", function()
    local c = gentask.client { base_url = "https://api.acme.example", provider = profile {
      headers = { ["X-Runway-Version"] = "2024-11-06", Prefer = "wait" },
      deadline_header = { name = "Cancel-After", suffix = "s", min = 5 },
      idempotency_header = "Idempotency-Key",
      download = { keyed = true, hosts = { "files.acme.example", "*.cdn.acme.example" } },
      missing_state = "running",
      result = { method = "GET", path = "/jobs/{id}/result" },
    } }
    assert.is_not_nil(c)
    c:close()
  end)
end)

describe("a task id", function()
  for _, id in ipairs { [[ab\u0000cd]], [[\u0000]], [[ab\u0007cd]], [[ab\ncd]], [[ab\u007fcd]] } do
    it(("holding a NUL or control character (%s) is a protocol error at submit"):format(id), function()
      local err = gentask.classify { provider = "bfl", phase = "submit", status = 200, body = ('{"id":"%s"}'):format(id) }
      assert.equal("protocol", err.kind)
      assert.truthy(err.message:find("control character", 1, true), err.message)
    end)
  end

  it("with an escaped backslash before u0000 is text, and taken", function()
    local err, reading = gentask.classify { provider = "bfl", phase = "submit", status = 200, body = [[{"id":"ab\\u0000"}]] }
    assert.is_nil(err)
    assert.equal([[ab\u0000]], reading.id)
  end)

  it("given to attach with a control character is a usage error", function()
    local c = gentask.client { provider = "bfl", api_key = "k" }
    local ok, err = pcall(c.attach, c, "ab\0cd")
    assert.is_false(ok)
    assert.equal("usage", err.kind)
  end)
end)

describe("a cancel endpoint", function()
  it("needs a path or a reference beside the poll URL", function()
    local message = refused(profile { cancel = { method = "PUT" } })
    assert.truthy(message:find("cancel needs a path", 1, true), message)
  end)

  for _, beside in ipairs { "https://elsewhere.example/cancel", "//elsewhere.example/cancel", "" } do
    it(("beside the poll URL is a relative reference, never a URL of its own (%q)"):format(beside), function()
      local message = refused(profile { cancel = { method = "PUT", from_poll_url = beside } })
      assert.truthy(message:find("cancel.from_poll_url", 1, true), message)
    end)
  end

  it("beside the poll URL is taken when relative", function()
    local c = gentask.client { api_key = "k", base_url = "https://api.acme.example",
                               provider = profile { cancel = { method = "PUT", from_poll_url = "cancel" } } }
    assert.is_not_nil(c)
    c:close()
  end)
end)
