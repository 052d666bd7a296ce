-- Keyed downloads (a profile's `download = { keyed = true }`), through the real engine against a
-- replay file of this spec's own: a result on the base URL's origin is fetched with the key and the
-- profile's headers; anywhere else without them. Redirects are followed by the core one hop at a
-- time, each hop keyed only if it passes the same rule, so a redirect cannot carry the key to
-- another host (curl itself would send a custom auth header to any host a redirect names). The
-- simulator serves the file under two origins: {base} (127.0.0.1, the client's base URL) and
-- {elsewhere} (localhost: another origin, the host that must never see the key); every download
-- exchange wants the key, so a request that came without it is counted as refused.
local Sim = require "support.sim"
local host = require "support.host"

local PNG = "\137PNG\r\n\26\n"

local REPLAY = [[{
  "name": "keyed", "source": ["https://example.com/written-for-spec/keyed_download_spec.lua"], "id": "k-{seq}",
  "auth": {"header": "X-Key", "value": "{key}", "refusal": {"status": 403, "body": {"error": "forbidden"}}},
  "scenarios": {
    "success": [
      {"request": {"method": "POST", "path": "/jobs", "headers": {"X-Version": "7"}}, "new_task": true,
       "response": {"status": 200, "body": {"job": "{id}", "state": "running"}}},
      {"request": {"method": "GET", "path": "/jobs/{id}", "headers": {"X-Version": "7"}},
       "response": {"status": 200, "body": {"job": "{id}", "state": "done", "out": ["{base}/files/{id}/a.png"]}}}
    ],
    "elsewhere": [
      {"request": {"method": "POST", "path": "/jobs"}, "new_task": true,
       "response": {"status": 200, "body": {"job": "{id}", "state": "running"}}},
      {"request": {"method": "GET", "path": "/jobs/{id}"},
       "response": {"status": 200, "body": {"job": "{id}", "state": "done", "out": ["{elsewhere}/files/{id}/a.png"]}}}
    ],
    "hop_home": [
      {"request": {"method": "POST", "path": "/jobs"}, "new_task": true,
       "response": {"status": 200, "body": {"job": "{id}", "state": "running"}}},
      {"request": {"method": "GET", "path": "/jobs/{id}"},
       "response": {"status": 200, "body": {"job": "{id}", "state": "done", "out": ["{base}/redirect/{id}"]}}},
      {"request": {"method": "GET", "path": "/redirect/{id}", "headers": {"X-Version": "7"}},
       "response": {"status": 302, "headers": {"Location": "{base}/files/{id}/a.png"}}}
    ],
    "hop_relative": [
      {"request": {"method": "POST", "path": "/jobs"}, "new_task": true,
       "response": {"status": 200, "body": {"job": "{id}", "state": "running"}}},
      {"request": {"method": "GET", "path": "/jobs/{id}"},
       "response": {"status": 200, "body": {"job": "{id}", "state": "done", "out": ["{base}/redirect/{id}"]}}},
      {"request": {"method": "GET", "path": "/redirect/{id}"},
       "response": {"status": 307, "headers": {"Location": "../files/{id}/a.png"}}}
    ],
    "hop_away": [
      {"request": {"method": "POST", "path": "/jobs"}, "new_task": true,
       "response": {"status": 200, "body": {"job": "{id}", "state": "running"}}},
      {"request": {"method": "GET", "path": "/jobs/{id}"},
       "response": {"status": 200, "body": {"job": "{id}", "state": "done", "out": ["{base}/redirect/{id}"]}}},
      {"request": {"method": "GET", "path": "/redirect/{id}"},
       "response": {"status": 302, "headers": {"Location": "{elsewhere}/files/{id}/a.png"}}}
    ],
    "hop_back": [
      {"request": {"method": "POST", "path": "/jobs"}, "new_task": true,
       "response": {"status": 200, "body": {"job": "{id}", "state": "running"}}},
      {"request": {"method": "GET", "path": "/jobs/{id}"},
       "response": {"status": 200, "body": {"job": "{id}", "state": "done", "out": ["{elsewhere}/open/{id}"]}}},
      {"request": {"method": "GET", "path": "/open/{id}"}, "auth": false,
       "response": {"status": 302, "headers": {"Location": "{base}/files/{id}/a.png"}}}
    ],
    "hop_loop": [
      {"request": {"method": "POST", "path": "/jobs"}, "new_task": true,
       "response": {"status": 200, "body": {"job": "{id}", "state": "running"}}},
      {"request": {"method": "GET", "path": "/jobs/{id}"},
       "response": {"status": 200, "body": {"job": "{id}", "state": "done", "out": ["{base}/redirect/{id}"]}}},
      {"request": {"method": "GET", "path": "/redirect/{id}"},
       "response": {"status": 302, "headers": {"Location": "{base}/redirect/{id}"}}}
    ]
  },
  "common": [
    {"request": {"method": "GET", "path": "/files/{id}/a.png"}, "response": {"status": 200, "png": true}}
  ]
}]]

local function profile(keyed)
  return {
    name = "keyed",
    auth = { header = "X-Key", prefix = "" },
    headers = { ["X-Version"] = "7" },
    request = function(_, params) return { path = "/jobs", body = { prompt = params.prompt } } end,
    poll = { method = "GET", path = "/jobs/{id}" },
    download = keyed and { keyed = true } or nil,
    fields = { id = "job", state = "state", results = "out[]" },
    states = { running = "running", done = "succeeded" },
  }
end

describe("keyed downloads", function()
  local sim, dir

  setup(function() sim = Sim.start_replay(REPLAY) end)
  teardown(function() sim:stop() end)
  before_each(function()
    sim:reset()
    dir = host.temp_path()
  end)
  after_each(function() os.execute("rm -rf " .. host.quote(dir)) end)

  -- Runs one scenario to its end: the result and the simulator's replay counters.
  local function run(scenario, keyed)
    local client = sim:client(profile(keyed ~= false), { download = { dir = dir } })
    local task = client:submit("m", { prompt = "replay:" .. scenario })
    local result = assert(task:wait())
    client:close()
    return result, sim:replay_matched()
  end

  local function saved(result)
    assert.equal(1, #(result.files or {}), result.download_errors and tostring(result.download_errors[1]))
    assert.equal(PNG, host.read(result.files[1].path):sub(1, 8))
  end

  local function refused_unkeyed(result, replay)
    assert.equal(0, #(result.files or {}))
    assert.equal(1, #result.download_errors)
    assert.is_nil(tostring(result.download_errors[1]):find(Sim.key, 1, true))
    assert.equal(1, replay.auth_refused, "the download came without the key")
  end

  it("sends the key and the profile's headers to a result on the base URL's origin", function()
    local result, replay = run "success"
    saved(result)
    assert.equal(0, replay.auth_refused)
  end)

  it("never sends them to a result on another origin", function()
    refused_unkeyed(run "elsewhere")
  end)

  it("without keyed, sends no key even to the base URL's origin", function()
    refused_unkeyed(run("success", false))
  end)

  it("follows a redirect on the same origin with the key at each hop", function()
    local result, replay = run "hop_home"
    saved(result)
    assert.equal(0, replay.auth_refused)
    assert.equal(4, replay.matched) -- submit, poll, the redirect, the file
  end)

  it("resolves a relative Location against the hop that sent it", function()
    local result, replay = run "hop_relative"
    saved(result)
    assert.equal(0, replay.auth_refused)
  end)

  it("drops the key at a hop to another origin", function()
    refused_unkeyed(run "hop_away")
  end)

  -- a chain another host started is never keyed, even where it leads back to the origin: that
  -- host chose the request the key would sign
  it("does not key a hop back to the origin from a result that started elsewhere", function()
    refused_unkeyed(run "hop_back")
  end)

  it("stops a redirect loop after five hops with a download error", function()
    local result, replay = run "hop_loop"
    assert.equal(0, #(result.files or {}))
    assert.equal(1, #result.download_errors)
    assert.equal(6, replay.by_status["302"]) -- the first answer and five hops followed
  end)
end)
