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
    for _, scenario in ipairs { "", "fail=timeout", "http=401", "body=malformed", "poll-body=html", "reset" } do
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
