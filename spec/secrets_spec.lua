-- The API key never shows: not in an error, not in tostring, not in what a script prints.
local Sim = require "support.sim"

-- a '/' in the key: JSON may spell it "\/", and the echo must be caught in that spelling too
local KEY = "sk-live/VERY+secret/4242"

describe("the API key", function()
  local sim
  setup(function() sim = Sim.start("--duration-ms 50 --key " .. KEY) end)
  teardown(function() sim:stop() end)

  local function assert_clean(s)
    assert.is_nil(tostring(s):find(KEY, 1, true), "the key leaked into: " .. tostring(s))
  end

  local function assert_error_clean(err)
    assert_clean(tostring(err))
    for k, v in pairs(err) do
      assert_clean(k)
      if type(v) == "table" then assert_error_clean(v) else assert_clean(v) end
    end
  end

  -- every spelling a decoder could turn back into the key: as is, JSON escapes, percent-encoding
  local function spellings(key)
    local unicode = key:gsub(".", function(c) return ("\\u%04x"):format(c:byte()) end)
    local percent = key:gsub("[^%w]", function(c) return ("%%%02X"):format(c:byte()) end)
    return { key, key:gsub("/", "\\/"), unicode, unicode:upper(), percent, percent:lower() }
  end

  local function assert_no_spelling(s)
    for _, spelled in ipairs(spellings(KEY)) do
      assert.is_nil(tostring(s):find(spelled, 1, true), "the key leaked into: " .. tostring(s))
    end
  end

  local function walk_strings(value, visit, seen)
    seen = seen or {}
    if type(value) ~= "table" then visit(value) return end
    if seen[value] then return end
    seen[value] = true
    for k, v in pairs(value) do
      walk_strings(k, visit, seen)
      walk_strings(v, visit, seen)
    end
  end

  for _, form in ipairs { "unicode", "percent" } do
    it("is scrubbed when echoed as " .. form .. " escapes: tostring, message, body, request id", function()
      local fox = sim:foxapi { api_key = KEY }
      local _, err = fox:submit("flux-dev", { prompt = "x [echo-key=" .. form .. "]" }):result()
      assert.equal("invalid_request", err.kind)
      assert.truthy(err.message:find("[REDACTED]", 1, true), err.message)
      assert.truthy(err.body:find("[REDACTED]", 1, true), err.body)
      assert_no_spelling(tostring(err))
      assert_no_spelling(err.message)
      assert_no_spelling(err.body)
      walk_strings(err, assert_no_spelling)
    end)

    it("is scrubbed from the decoded final answer (result.raw) when echoed as " .. form .. " escapes", function()
      local fox = sim:foxapi { api_key = KEY }
      local result = fox:submit("flux-dev", { prompt = "x [result-echo-key=" .. form .. "]" }):wait()
      assert.equal("[REDACTED]", result.raw.echo)
      walk_strings(result, assert_no_spelling)
    end)
  end

  it("is scrubbed from result.raw when echoed plainly or with JSON's \\/", function()
    for _, form in ipairs { "result-echo-key", "result-echo-key=escaped" } do
      local result = sim:foxapi({ api_key = KEY }):submit("flux-dev", { prompt = "x [" .. form .. "]" }):wait()
      assert.equal("[REDACTED]", result.raw.echo)
      walk_strings(result, assert_no_spelling)
    end
  end)

  it("is scrubbed when its first byte is not ASCII", function()
    local key = "\195\169t\195\169-secret-9"   -- "été-secret-9" in UTF-8
    local own = Sim.start("--key " .. key)
    local _, err = own:foxapi({ api_key = key }):submit("flux-dev", { prompt = "x [echo-key]" }):result()
    own:stop()
    assert.truthy(err.message:find("[REDACTED]", 1, true), err.message)
    walk_strings(err, function(s) assert.is_nil(tostring(s):find(key, 1, true)) end)
  end)

  for _, form in ipairs { "echo-key", "echo-key=escaped", "echo-key=deep" } do
    it("is scrubbed from everything a provider echoed it into (" .. form .. ")", function()
      local fox = sim:foxapi { api_key = KEY }
      local task = fox:submit("flux-dev", { prompt = "x [" .. form .. "]" })
      local _, err = task:result()
      assert.equal("invalid_request", err.kind)
      assert.truthy(err.message:find("[REDACTED]", 1, true), "the echo was there to be scrubbed")
      assert.truthy(err.request_id:find("[REDACTED]", 1, true), "the request id echoed it too")
      assert_error_clean(err)
      assert_clean(task.request_id)
      assert_clean(tostring(task))
      -- no fragment either: the body excerpt was cut after scrubbing, not before
      assert.is_nil(tostring(err.body):find("sk-live", 1, true), err.body)
    end)
  end

  it("appears in no error, tostring or result of any outcome", function()
    -- a garbled poll is polled again until the deadline: a short one, whose error keeps the cause
    local fox = sim:foxapi { api_key = KEY, task_timeout = 1 }
    assert_clean(tostring(fox))
    for k, v in pairs(fox) do assert_clean(k) assert_clean(v) end
    for _, scenario in ipairs { "", "fail=timeout", "http=401", "body=malformed", "poll-body=html", "reset",
                                "cdn=522", "poll-cdn=524", "http=402:key_expired" } do
      local task = fox:submit("flux-dev", { prompt = "x [" .. scenario .. "]" })
      assert_clean(tostring(task))
      local result, err = task:result()
      if err then assert_error_clean(err) else
        for _, url in ipairs(result.urls) do assert_clean(url) end
        assert_clean(require("gentask.core").task_body(task))
      end
    end
    local wrong = sim:foxapi { api_key = KEY .. "-wrong" }
    local _, err = wrong:submit("flux-dev", { prompt = "x" }):result()
    assert_error_clean(err)
  end)

  it("appears nowhere in the output of a script that prints every outcome", function()
    local script = ([[
      local gentask = require "gentask"
      local fox = gentask.client { provider = "foxapi", api_key = %q, base_url = %q, poll_interval = 0.02 }
      for _, s in ipairs { "", "echo-key", "fail=content_policy_violation", "http=500" } do
        local t = fox:submit("flux-dev", { prompt = "x [" .. s .. "]" })
        print(t, t:result())
      end
      print(fox)
      error(select(2, fox:submit("flux-dev", { prompt = "x [echo-key]" }):result()))
    ]]):format(KEY, sim.url .. "/foxapi")
    local output = Sim.run_script(script)
    assert.truthy(output:match "succeeded", output)
    assert.truthy(output:match "REDACTED", output)
    assert_clean(output)
  end)
end)
