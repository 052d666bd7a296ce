-- gentask.classify: the engine's own reading of a response, offered to scripts.
local gentask = require "gentask"

local PROVIDERS = { "foxapi", "bfl", "flora", "modelslab", "apixo" }

describe("gentask.classify", function()
  it("reads what a successful answer says, for each provider", function()
    local cases = {
      { provider = "foxapi", phase = "poll", status = 200,
        body = [[{"id":"t1","status":"completed","progress":100,]]
          .. [["output":{"url":"https://f/u1","urls":["https://f/u1","https://f/u2"]}}]],
        want = { state = "succeeded", id = "t1", urls = { "https://f/u1", "https://f/u2" }, texts = {} } },
      { provider = "bfl", phase = "submit", status = 200,
        body = [[{"id":"b1","polling_url":"https://api.us1.bfl.ai/v1/get_result?id=b1"}]],
        want = { state = "pending", id = "b1", poll_url = "https://api.us1.bfl.ai/v1/get_result?id=b1" } },
      { provider = "bfl", phase = "poll", status = 200, body = [[{"id":"b1","status":"Pending","progress":0.25}]],
        want = { state = "running", provider_state = "Pending", progress = 25 } },
      { provider = "flora", phase = "submit", status = 200,
        body = [[{"run_id":"r1","status":"pending","progress":0,"poll_url":"/techniques/t/runs/r1"}]],
        want = { state = "pending", id = "r1", poll_url = "/techniques/t/runs/r1" } },
      { provider = "modelslab", phase = "submit", status = 200,
        body = [[{"status":"success","id":77,"output":["https://m/1.png"]}]],
        want = { state = "succeeded", id = "77", urls = { "https://m/1.png" } } },
      { provider = "apixo", phase = "poll", status = 200,
        body = [[{"code":200,"message":"success","data":{"taskId":"x1","state":"success",]]
          .. [["resultJson":"{\"resultUrls\":[\"https://a/1.png\"]}"}}]],
        want = { state = "succeeded", id = "x1", urls = { "https://a/1.png" } } },
    }
    for _, case in ipairs(cases) do
      local err, reading = gentask.classify(case)
      assert.is_nil(err, tostring(err))
      for k, v in pairs(case.want) do assert.same(v, reading[k], case.provider .. " " .. k) end
    end
  end)

  it("keeps a state it does not know as 'unknown', with the provider's own word", function()
    local err, reading = gentask.classify { provider = "foxapi", phase = "poll", status = 200,
      body = [[{"id":"t1","status":"queued_for_gpu"}]] }
    assert.is_nil(err)
    assert.equal("unknown", reading.state)
    assert.equal("queued_for_gpu", reading.provider_state)
  end)

  it("finds headers whatever their case", function()
    local err = gentask.classify { provider = "flora", phase = "submit", status = 429,
      headers = { ["REQUEST-ID"] = "req_9", ["retry-after"] = "4" },
      body = [[{"error":{"code":"rate_limited","message":"slow down"}}]] }
    assert.equal("req_9", err.request_id)
    assert.equal(4, err.retry_after)
  end)

  it("takes a provider profile table as well as a name", function()
    local profile = require "gentask.providers.foxapi"
    local err = gentask.classify { provider = profile, status = 401, body = [[{"error":{"code":"x","message":"no"}}]] }
    assert.equal("authentication", err.kind)
  end)

  it("writes out a message that is an object of field → messages, and only the text in it", function()
    local function said(body)
      local err = gentask.classify { provider = "modelslab", phase = "submit", status = 400, body = body }
      return err.message
    end
    assert.equal("init_image: The init image field is required.",
                 said [[{"status":"error","message":{"init_image":["The init image field is required."]}}]])
    -- numbers are text too; a nested object, a boolean or an empty list says nothing
    assert.equal("samples: 4; width: too small",
                 said('{"status":"error","message":{"samples":[4],"nested":{"a":"b"},"flag":true,"none":[],'
                      .. '"width":"too small"}}'))
    -- a list of strings
    assert.equal("one; two", said [[{"status":"error","message":["one","two"]}]])
    -- nothing readable in the object: the next path ("messege"), else the status's own words
    assert.equal("legacy", said [[{"status":"error","message":{"a":{"b":1}},"messege":"legacy"}]])
    assert.truthy(said([[{"status":"error","message":{"a":null}}]]):find("HTTP 400", 1, true))
    -- a hostile object of a million fields is cut, not copied whole
    local fields = {}
    for i = 1, 20000 do fields[i] = ('"f%d":["m"]'):format(i) end
    local long = said('{"status":"error","message":{' .. table.concat(fields, ",") .. '}}')
    assert.equal(4096, #long)
    assert.equal("f1: m; f2: m", long:sub(1, 12))
  end)

  it("says what a CDN's page means, and that the request never reached the provider where it did not", function()
    local page = "<html><body><h1>Error code 522</h1></body></html>"
    for _, provider in ipairs(PROVIDERS) do
      local err = gentask.classify { provider = provider, phase = "submit", status = 522, body = page }
      assert.equal("unavailable", err.kind)
      assert.is_true(err.retryable)
      assert.equal(522, err.status)
      assert.truthy(err.message:find("connection to the provider's server timed out", 1, true), err.message)
      assert.equal(page, err.body)
    end
  end)

  it("raises usage errors for what it cannot read", function()
    for _, bad in ipairs {
      "not a table", { provider = "nope", status = 200 }, { provider = "foxapi" },
      { provider = "foxapi", status = 200, phase = "later" }, { provider = "foxapi", status = 200, body = 5 },
    } do
      local ok, err = pcall(gentask.classify, bad)
      assert.is_false(ok)
      assert.equal("usage", err.kind)
    end
  end)

  it("never crashes and never loses the raw status on random or mangled bodies", function()
    math.randomseed(42)
    local fragments = { "{", "}", "[", "]", '"', ":", ",", "null", "true", "1e999", "-0", "\0", "\\u0000",
      '"status"', '"id"', '"data"', '"error"', '"code"', '"resultJson"', '"{\\"resultUrls\\":[1]}"', "\255", " " }
    for i = 1, 2000 do
      local parts = {}
      for j = 1, math.random(0, 40) do parts[j] = fragments[math.random(#fragments)] end
      local status = ({ 200, 200, 201, 400, 429, 500, 502, 302, 0 })[math.random(9)]
      local provider = PROVIDERS[i % #PROVIDERS + 1]
      local err, reading = gentask.classify { provider = provider, phase = i % 2 == 0 and "poll" or "submit",
        status = status, body = table.concat(parts) }
      if err then
        assert.truthy(gentask.errors.kinds[err.kind] ~= nil, err.kind)
        if status ~= 0 and not (status >= 200 and status < 300) then assert.truthy(err.status) end
      else
        assert.truthy(reading.state)
      end
    end
  end)
end)
