-- The simulator's replay mode: a provider's documented exchanges served from a data file
-- (replay/foxapi_replay.json, compiled into gentask-sim) under /foxapi_replay, run by the real
-- engine with the foxapi profile — success and download, failure, moderation, 429, 401, cancel —
-- and the matcher's edges over HTTP: unmatched requests counted, id substitution, steps of a
-- sequence, malformed files refused at start, hostile paths.
local gentask = require "gentask"
local Sim = require "support.sim"
local host = require "support.host"
local cjson = require "cjson"
local cli = require "support.cli"

local SIM_BIN = os.getenv "GENTASK_SIM" or "build/gentask-sim"
local MOUNT = "/foxapi_replay"

-- curl: status, body (and the headers' text when asked)
local function http(method, url, opts)
  opts = opts or {}
  local args = { "-s", "-g", "-o", "-", "-w", "'\\n%{http_code}'", "-X", method }
  for _, header in ipairs(opts.headers or {}) do args[#args + 1] = "-H " .. host.quote(header) end
  if opts.body then args[#args + 1] = "--data-binary " .. host.quote(opts.body) end
  local pipe = assert(io.popen("LD_PRELOAD= curl " .. table.concat(args, " ") .. " " .. host.quote(url)))
  local out = pipe:read "*a"
  pipe:close()
  local body, status = out:match "^(.*)\n(%d+)$"
  return tonumber(status), body
end

local AUTH = "Authorization: Bearer " .. Sim.key

local function submit(sim, prompt)
  return http("POST", sim.url .. MOUNT .. "/v1/images/generations", {
    headers = { AUTH, "Content-Type: application/json" },
    body = cjson.encode { model = "flux-dev", prompt = prompt } })
end

local function poll(sim, id)
  local status, body = http("GET", sim.url .. MOUNT .. "/v1/tasks/" .. id, { headers = { AUTH } })
  return status, cjson.decode(body)
end


-- Runs the simulator with extra options until it ends: exit status and what it said on stderr.
local function sim_refusal(args)
  local err = os.tmpname()
  local pipe = assert(io.popen(("LD_PRELOAD= %s --port 0 %s 2>%s; echo \"exit $?\""):format(host.quote(SIM_BIN), args,
    host.quote(err))))
  local out = pipe:read "*a"
  pipe:close()
  local said = host.read(err) or ""
  os.remove(err)
  return tonumber(out:match "exit (%d+)"), said
end

local function write_file(text)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  return path
end

-- The files a simulator serves with no --replay: every replay/*.json, compiled in.
local function built_in_files()
  local sim = Sim.start()
  local files = sim:stats().replay.files
  sim:stop()
  return files
end

-- A served file's origin by its name.
local function origin_of(files, name)
  for _, file in ipairs(files) do
    if file.name == name then return file.origin end
  end
end


describe("replay mode, FoxAPI's documented exchanges run by the engine", function()
  local sim, fox
  setup(function() sim = Sim.start() end)
  teardown(function() sim:stop() end)
  before_each(function()
    sim:reset()
    fox = sim:client("foxapi", { base_url = sim.url .. MOUNT })
  end)
  after_each(function() fox:close() end)

  it("succeeds through pending and processing, and downloads the replayed PNG", function()
    local dir = host.temp_path()
    fox = sim:client("foxapi", { base_url = sim.url .. MOUNT, download = { dir = dir } })
    local task = fox:submit("flux-dev", { prompt = "a red fox in snow" })
    local states = {}
    task:on("progress", function(_, pct) states[#states + 1] = pct end)
    local result = task:wait()
    assert.equal("succeeded", task.state)
    assert.truthy(task.id:match "^task%-unified%-%d+%-%x+$")
    assert.equal("completed", result.raw.status)
    assert.equal(sim.url .. MOUNT .. "/results/" .. task.id .. "-0.png", result.url)
    assert.equal(1, #result.files)
    assert.equal("\137PNG\r\n\26\n", host.read(result.files[1].path):sub(1, 8))
    assert.equal("image/png", result.files[1].content_type)
    assert.equal(100, states[#states])
    assert.truthy(states[#states - 1] == 50, "the processing step's progress was seen")
    local replay = sim:replay_matched()
    assert.equal(1, replay.tasks)
    -- the submit, four polls (pending, processing twice, completed) and the download
    assert.equal(6, replay.matched)
    assert.equal(0, replay.auth_refused)
    os.execute("rm -rf " .. host.quote(dir))
  end)

  it("ends a failed task with the documented failure code", function()
    local _, err = fox:submit("flux-dev", { prompt = "replay:failed a fox" }):result()
    assert.equal("generation_failed", err.kind)
    assert.equal("generation_failed", err.code)
    assert.equal("The generation process failed", err.message)
    sim:replay_matched()
  end)

  it("reads a moderated task as moderated at the input", function()
    local _, err = fox:submit("flux-dev", { prompt = "replay:moderated a fox" }):result()
    assert.equal("moderated", err.kind)
    assert.equal("input", err.stage)
    assert.equal("content_policy_violation", err.code)
    sim:replay_matched()
  end)

  it("waits out a 429 with Retry-After and sends the same body again, paying once", function()
    local task = fox:submit("flux-dev", { prompt = "replay:rate_limited a fox" })
    task:wait()
    assert.equal("succeeded", task.state)
    local replay = sim:replay_matched()
    assert.equal(1, replay.by_status["429"])
    assert.equal(1, replay.tasks)
  end)

  it("refuses a wrong key with the documented 401: authentication, nothing submitted", function()
    local wrong = sim:client("foxapi", { base_url = sim.url .. MOUNT, api_key = "sk-wrong-key-for-replay" })
    local _, err = wrong:submit("flux-dev", { prompt = "a fox" }):result()
    wrong:close()
    assert.equal("authentication", err.kind)
    assert.equal("invalid_api_key", err.code)
    assert.equal(401, err.status)
    assert.equal("no", err.submitted)
    local replay = sim:replay_matched()
    assert.equal(1, replay.auth_refused)
    assert.equal(0, replay.tasks)
  end)

  it("cancels: the documented cancel answer, then the polls say cancelled", function()
    local task = Sim.accepted(fox:submit("flux-dev", { prompt = "replay:cancel a fox" }))
    task:cancel()
    local result, err = task:result()
    assert.is_nil(result)
    assert.equal("cancelled", err.kind)
    assert.is_true(task.cancel_confirmed)
    sim:replay_matched()
  end)
end)

describe("replay mode's matcher, over HTTP", function()
  local sim
  setup(function() sim = Sim.start() end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  it("gives each submit a fresh id, put into the body and the result URL ({id}, {base})", function()
    local _, a = submit(sim, "one")
    local _, b = submit(sim, "two")
    a, b = cjson.decode(a), cjson.decode(b)
    assert.are_not.equal(a.id, b.id)
    for _, id in ipairs { a.id, b.id } do
      local status, body
      for _ = 1, 4 do status, body = poll(sim, id) end
      assert.equal(200, status)
      assert.equal(id, body.id)
      assert.equal(sim.url .. MOUNT .. "/results/" .. id .. "-0.png", body.results[1].url)
    end
    assert.equal(2, sim:stats().replay.tasks)
  end)

  it("answers one poll path in its documented sequence, the last step repeating", function()
    local _, body = submit(sim, "steps")
    local id = cjson.decode(body).id
    local seen = {}
    for i = 1, 6 do
      local _, answer = poll(sim, id)
      seen[i] = answer.status
    end
    assert.same({ "pending", "processing", "processing", "completed", "completed", "completed" }, seen)
  end)

  it("keeps each task's steps its own", function()
    local id1 = cjson.decode(select(2, submit(sim, "first"))).id
    poll(sim, id1)
    poll(sim, id1)
    local id2 = cjson.decode(select(2, submit(sim, "second"))).id
    assert.equal("pending", select(2, poll(sim, id2)).status)
    assert.equal("processing", select(2, poll(sim, id1)).status)
  end)

  it("answers an unmatched request with a 404 naming what it looked for, and counts it", function()
    local status, body = http("GET", sim.url .. MOUNT .. "/v1/nothing/here", { headers = { AUTH } })
    assert.equal(404, status)
    local err = cjson.decode(body).error
    assert.equal("replay_unmatched", err.type)
    assert.equal("foxapi_replay", err.replay)
    assert.equal("success", err.scenario)
    assert.equal("/v1/nothing/here", err.path)
    assert.truthy(err.message:find("GET /v1/nothing/here", 1, true))
    assert.same({ "POST /v1/images/generations", "GET /v1/tasks/{id}", "GET /v1/tasks/{id}", "GET /v1/tasks/{id}",
      "GET /results/{id}-0.png" }, err.tried)
    local replay = sim:stats().replay
    assert.equal(1, replay.unmatched)
    assert.same({ "GET /foxapi_replay/v1/nothing/here" }, replay.unmatched_requests)
    -- the key that came with it is in neither the answer nor the stats
    assert.is_nil(body:find(Sim.key, 1, true))
    assert.is_nil(cjson.encode(sim:stats()):find(Sim.key, 1, true))
  end)

  it("answers an id it never handed out with the documented 404, and a scenario it lacks with a 400", function()
    local status, body = poll(sim, "task-unified-0-nonesuch")
    assert.equal(404, status)
    assert.equal("task_not_found", body.error.code)
    status, body = submit(sim, "replay:nonesuch")
    assert.equal(400, status)
    body = cjson.decode(body)
    assert.equal("replay_unknown_scenario", body.error.type)
    assert.truthy(body.error.message:find('"nonesuch"', 1, true))
    assert.equal(1, sim:stats().replay.unmatched)
  end)

  it("matches on a request header's pattern", function()
    local status, body = http("POST", sim.url .. MOUNT .. "/v1/images/generations", {
      headers = { AUTH, "Content-Type: text/plain" }, body = '{"model":"flux-dev","prompt":"typed"}' })
    assert.equal(404, status)
    assert.equal("replay_unmatched", cjson.decode(body).error.type)
  end)

  it("takes the scenario from the X-Sim-Scenario header too", function()
    local status, body = http("POST", sim.url .. MOUNT .. "/v1/images/generations", {
      headers = { AUTH, "Content-Type: application/json", "X-Sim-Scenario: replay:moderated" },
      body = '{"model":"flux-dev","prompt":"plain"}' })
    assert.equal(200, status)
    local _, answer = poll(sim, cjson.decode(body).id)
    assert.equal("content_policy_violation", answer.error.code)
  end)

  it("serves hostile paths and bodies without falling over", function()
    local paths = { "/" .. ("a/"):rep(2000), "/v1/tasks/" .. ("{id}"):rep(200), "/v1/tasks/%00%ff",
      "/results/" .. ("-0.png"):rep(300), "/v1/tasks//", "/results/-0.png", "/" .. ("*"):rep(3000) }
    for _, path in ipairs(paths) do
      local status = http("GET", sim.url .. MOUNT .. path, { headers = { AUTH } })
      assert.truthy(status == 404 or status == 414 or status == 400, path:sub(1, 40) .. ": " .. tostring(status))
    end
    local status = submit(sim, ("replay:"):rep(5000))
    assert.equal(400, status)
    assert.equal(200, (submit(sim, "still here")))
  end)

  it("needs no key for a download the file marks public, and the key for everything else", function()
    local id = cjson.decode(select(2, submit(sim, "public"))).id
    assert.equal(200, (http("GET", sim.url .. MOUNT .. "/results/" .. id .. "-0.png")))
    assert.equal(401, (http("GET", sim.url .. MOUNT .. "/v1/tasks/" .. id)))
    assert.equal(401, (http("GET", sim.url .. MOUNT .. "/v1/tasks/" .. id, { headers = { "Authorization: Bearer nope" } })))
  end)
end)

describe("replay files given with --replay", function()
  local MINIMAL = [[{
    "name": "tiny", "source": ["https://example.com/docs/tiny"], "id": "t-{seq}",
    "auth": {"header": "x-key", "value": "{key}", "refusal": {"status": 403, "body": "no"}},
    "scenarios": {"success": [
      {"request": {"method": "POST", "path": "/jobs", "body_contains": "\"go\""}, "new_task": true,
       "response": {"status": 202, "headers": {"Location": "{base}/jobs/{id}"}, "body": {"job": "{id}"}}},
      {"request": {"method": "GET", "path": "/jobs", "query": {"job": "{id}"}},
       "response": {"status": 200, "body": {"job": "{id}", "out": "{base}/out/{id}.png"}}},
      {"request": {"method": "GET", "path": "/out/{id}.png"},
       "response": {"status": 200, "png": true}}
    ]}
  }]]

  it("serves a file of one's own under its name, ids from the query and keyed downloads", function()
    local path = write_file(MINIMAL)
    local sim = Sim.start("--replay " .. host.quote(path))
    local key = "x-key: " .. Sim.key
    local status, body = http("POST", sim.url .. "/tiny/jobs", { headers = { key }, body = '{"go": 1}' })
    assert.equal(202, status)
    local id = cjson.decode(body).job
    assert.truthy(id:match "^t%-%d+$")
    status, body = http("GET", sim.url .. "/tiny/jobs?job=" .. id, { headers = { key } })
    assert.equal(200, status)
    assert.equal(sim.url .. "/tiny/out/" .. id .. ".png", cjson.decode(body).out)
    assert.equal(200, (http("GET", sim.url .. "/tiny/out/" .. id .. ".png", { headers = { key } })))
    status, body = http("GET", sim.url .. "/tiny/out/" .. id .. ".png")
    assert.equal(403, status)
    assert.equal("no", body)
    -- the body's required text is missing: nothing matches
    assert.equal(404, (http("POST", sim.url .. "/tiny/jobs", { headers = { key }, body = '{"stop": 1}' })))
    -- the built-in file is still served beside it
    assert.equal(200, (submit(sim, "beside")))
    local replay = sim:stats().replay
    sim:stop()
    os.remove(path)
    assert.equal(1, replay.unmatched)
    assert.equal(#built_in_files() + 1, #replay.files)
    assert.equal(path, origin_of(replay.files, "tiny"))
  end)

  it("replaces the built-in file of the same name", function()
    local path = write_file((MINIMAL:gsub('"name": "tiny"', '"name": "foxapi_replay"')))
    local sim = Sim.start("--replay " .. host.quote(path))
    local status = http("POST", sim.url .. MOUNT .. "/jobs", { headers = { "x-key: " .. Sim.key }, body = '"go"' })
    local files = sim:stats().replay.files
    sim:stop()
    os.remove(path)
    assert.equal(202, status)
    assert.equal(#built_in_files(), #files)
    assert.equal(path, origin_of(files, "foxapi_replay"))
  end)

  it("matches strings of the JSON body by their dotted path", function()
    local path = write_file((MINIMAL:gsub('"body_contains": "\\"go\\""', '"body_fields": {"spec.model": "veo-*"}', 1)))
    local sim = Sim.start("--replay " .. host.quote(path))
    local function post(body)
      return (http("POST", sim.url .. "/tiny/jobs", { headers = { "x-key: " .. Sim.key }, body = body }))
    end
    local statuses = { post '{"spec": {"model": "veo-3"}}', post '{"spec": {"model": "sora"}}',
      post '{"spec": "veo-3"}', post '{"model": "veo-3"}', post 'not json' }
    sim:stop()
    os.remove(path)
    assert.same({ 202, 404, 404, 404, 404 }, statuses)
  end)

  it("pushes a documented webhook delivery to the URL the submit names, filled in", function()
    local socket = require "socket"
    local server = assert(socket.bind("127.0.0.1", 0))
    local _, port = server:getsockname()
    local hooked = MINIMAL:gsub('"new_task": true,', '"new_task": true, "webhook": {"url_field": "hooks.url", ' ..
      '"delay_ms": 20, "headers": {"X-Event": "job.done {id}"}, "body": {"job": "{id}", "state": "done", ' ..
      '"out": "{base}/out/{id}.png"}},', 1)
    local path = write_file(hooked)
    local sim = Sim.start("--replay " .. host.quote(path))
    local hook_url = ("http://127.0.0.1:%d/hook"):format(port)
    local status, body = http("POST", sim.url .. "/tiny/jobs", { headers = { "x-key: " .. Sim.key },
      body = cjson.encode { go = 1, hooks = { url = hook_url } } })
    assert.equal(202, status)
    local id = cjson.decode(body).job
    server:settimeout(5)
    local conn = server:accept()
    local request, headers = {}, {}
    if conn then
      conn:settimeout(5)
      request.line = conn:receive "*l"
      while true do
        local line = conn:receive "*l"
        if not line or line == "" then break end
        local name, value = line:match "^([^:]+):%s*(.*)$"
        headers[name:lower()] = value
      end
      request.body = conn:receive(tonumber(headers["content-length"]))
      conn:send "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
      conn:close()
    end
    server:close()
    -- a submit that names no URL is pushed nothing
    http("POST", sim.url .. "/tiny/jobs", { headers = { "x-key: " .. Sim.key }, body = '{"go": 2}' })
    local stats
    for _ = 1, 100 do
      stats = sim:stats()
      if stats.webhooks.delivered + stats.webhooks.failed >= 1 then break end
      os.execute "sleep 0.02"
    end
    sim:stop()
    os.remove(path)
    assert.equal("POST /hook HTTP/1.1", request.line)
    assert.equal("job.done " .. id, headers["x-event"])
    assert.same({ job = id, state = "done", out = sim.url .. "/tiny/out/" .. id .. ".png" }, cjson.decode(request.body))
    assert.equal(1, stats.webhooks.scheduled)
    assert.equal(1, stats.webhooks.delivered)
  end)

  it("checks an auth value's {jwt} as --jwt-issuer checks a token; a key is no token", function()
    local signed = MINIMAL:gsub('"header": "x%-key", "value": "{key}"', '"header": "Authorization", "value": "Bearer {jwt}"')
    local path = write_file(signed)
    local function post(sim, header)
      return (http("POST", sim.url .. "/tiny/jobs", { headers = { header }, body = '{"go": 1}' }))
    end
    -- without --jwt-issuer no token is taken, the simulator's key neither
    local plain = Sim.start("--replay " .. host.quote(path))
    local without = post(plain, AUTH)
    plain:stop()
    -- with it, the header is checked as a token (the key is a malformed one); the built-in files'
    -- "Bearer {key}" still take the key
    local checking = Sim.start("--replay " .. host.quote(path), nil, { jwt = true })
    local statuses = { post(checking, AUTH), post(checking, "Authorization: Bearer a.b.c"), post(checking, "x-key: k") }
    local beside = submit(checking, "beside")
    local stats = checking:stats()
    checking:stop()
    os.remove(path)
    assert.equal(403, without)
    assert.same({ 403, 403, 403 }, statuses)
    assert.equal(200, beside)
    assert.equal(3, stats.replay.auth_refused)
    assert.equal(2, stats.jwt.refused.malformed + stats.jwt.refused.signature)
    assert.equal(0, stats.jwt.tokens)
  end)

  -- A delivery signed as the file says, checked by the core's own schemes (a BFL-shaped body, a
  -- profile naming the scheme): the spec computes no signature.
  local SIGNED = [[{
    "name": "signed", "source": ["https://example.com/docs/signed"], "id": "s-{seq}",
    "scenarios": {%s}
  }]]
  local function signed_scenario(name, sign)
    return ([["%s": [{"request": {"method": "POST", "path": "/jobs"}, "new_task": true,
      "webhook": {"url_query": "hook", "headers": {"X-Job": "{id}", "X-At": "{timestamp}"},
                  "body": {"id": "{id}", "status": "Ready", "at": "{timestamp}", "result": {"sample": "{base}/x.png"}},
                  "sign": %s},
      "response": {"status": 202, "body": {"id": "{id}"}}}]
    ]]):format(name, sign)
  end
  local WEBHOOK_SECRET = "whsec_c2ltdWxhdG9yIHJlcGxheSBzZWNyZXQh"

  local function signed_sim(with_secret)
    local file = write_file(SIGNED:format(table.concat({
      signed_scenario("success", '{"scheme": "standard"}'),
      signed_scenario("stale", '{"scheme": "standard", "age_s": 3600}'),
      signed_scenario("ed", '{"scheme": "ed25519", "signed_headers": ["X-Job", "X-At"], "signature_header": "X-Sig"}'),
      signed_scenario("tv1", '{"scheme": "t_v1", "signature_header": "X-Sig"}'),
      (signed_scenario("polled", '{"scheme": "standard"}'):gsub("%]%s*$", [[,
        {"request": {"method": "GET", "path": "/jobs/{id}"}, "response": {"status": 200,
         "body": {"id": "{id}", "status": "Pending"}}}]
      ]])),
    }, ",")))
    local secret_file = write_file(WEBHOOK_SECRET .. "\n")
    local sim = Sim.start("--replay " .. host.quote(file),
      with_secret and { GENTASK_SIM_WEBHOOK_SECRET = secret_file } or nil)
    os.remove(file)
    os.remove(secret_file)
    return sim
  end

  local function bfl_with(webhook) return Sim.profile_with("bfl", { webhook = webhook }) end

  -- POSTs a job of scenario, its webhook URL in the query, and returns the delivery received
  local function pushed(sim, hooks, scenario)
    local status, body = http("POST", ("%s/signed/jobs?hook=%s"):format(sim.url, hooks.url:gsub(":", "%%3A"):gsub("/",
      "%%2F")), { body = ('{"prompt": "replay:%s"}'):format(scenario) })
    assert.equal(202, status, body)
    return hooks.next(), cjson.decode(body).id
  end

  it("signs a pushed delivery in the file's scheme, with the secret from the environment, to a URL in the query",
    function()
      local receiver = require "support.webhook_receiver"
      local hooks = receiver()
      local sim = signed_sim(true)
      local standard = gentask.client { provider = bfl_with { scheme = "standard" }, api_key = Sim.key,
                                        base_url = sim.url .. "/bfl", webhook_secret = WEBHOOK_SECRET }
      local ed = gentask.client { provider = bfl_with { scheme = "ed25519", keys_url = "https://keys.invalid/jwks.json",
                                    signed_headers = { "X-Job", "X-At" }, signature_header = "X-Sig" },
                                  api_key = Sim.key, base_url = sim.url .. "/bfl", webhook_url = hooks.url,
                                  webhook_keys_url = sim.admin_url .. "/_sim/jwks.json" }
      local hook, id = pushed(sim, hooks, "success")
      assert.equal(hook.headers["webhook-timestamp"], cjson.decode(hook.body).at)
      assert.equal(id, hook.headers["x-job"])
      local delivery = assert(standard:webhook { headers = hook.headers, body = hook.body })
      assert.is_true(delivery.verified)
      assert.equal(id, delivery.id)
      local _, err = standard:webhook { headers = hook.headers, body = hook.body:gsub("Ready", "Error") }
      assert.equal("webhook_signature_invalid", err.code)
      hook = pushed(sim, hooks, "stale")
      _, err = standard:webhook { headers = hook.headers, body = hook.body }
      assert.equal("webhook_stale", err.code)
      hook, id = pushed(sim, hooks, "ed")
      local ok
      for _ = 1, 200 do -- the keys are fetched by the engine when the client is made
        ok, err = ed:webhook { headers = hook.headers, body = hook.body }
        if ok or err.code ~= "webhook_keys_unavailable" then break end
        gentask.sleep(0.01)
      end
      assert(ok, err)
      assert.is_true(ok.verified)
      assert.equal(id, ok.id)
      _, err = ed:webhook { headers = hook.headers, body = hook.body .. " " }
      assert.equal("webhook_signature_invalid", err.code)
      -- OpenRouter's: the same secret's bytes as they are
      local t_v1 = gentask.client { provider = bfl_with { scheme = "t_v1", signature_header = "X-Sig" },
                                    api_key = Sim.key, base_url = sim.url .. "/bfl", webhook_secret = WEBHOOK_SECRET }
      hook, id = pushed(sim, hooks, "tv1")
      assert.equal("t=" .. cjson.decode(hook.body).at, hook.headers["x-sig"]:match "^t=%d+")
      ok = assert(t_v1:webhook { headers = hook.headers, body = hook.body })
      assert.is_true(ok.verified)
      assert.equal(id, ok.id)
      _, err = t_v1:webhook { headers = hook.headers, body = hook.body }
      assert.equal("webhook_replayed", err.code)
      t_v1:close()
      for _, h in ipairs { hook } do
        for _, value in pairs(h.headers) do assert.is_nil(value:find(WEBHOOK_SECRET:sub(7), 1, true)) end
      end
      standard:close()
      ed:close()
      hooks.close()
      sim:stop()
    end)

  it("a profile's webhook.url_query: the URL goes escaped in the submit's query, and its delivery ends the task",
    function()
      local receiver = require "support.webhook_receiver"
      local hooks = receiver()
      local sim = signed_sim(true)
      local profile = {
        name = "signed",
        request = function(_, params) return { path = "/jobs", body = { prompt = params.prompt } } end,
        poll = { path = "/jobs/{id}" },
        fields = { id = "id", state = "status", results = "result.sample" },
        states = { Pending = "pending", Ready = "succeeded" },
        webhook = { url_query = "hook", scheme = "standard" },
      }
      -- a URL whose own query would split the submit's, were it not escaped
      local hook_url = hooks.url .. "?a=1&b=x%2Fy"
      local client = gentask.client { provider = profile, api_key = Sim.key, base_url = sim.url .. "/signed",
                                      webhook_url = hook_url, webhook_secret = WEBHOOK_SECRET, poll_interval = 60 }
      local task = client:submit("m", { prompt = "replay:polled" })
      local hook = hooks.next()
      assert.equal("POST /hook?a=1&b=x%2Fy HTTP/1.1", hook.request_line)
      assert(client:webhook { headers = hook.headers, body = hook.body })
      assert(task:wait())
      assert.equal("succeeded", task.state)
      local replay = sim:replay_matched()
      assert.equal(1, replay.matched) -- the submit alone: no poll was needed
      client:close()
      hooks.close()
      sim:stop()
    end)

  it("sends no delivery it cannot sign: a secret scheme without the secret in the environment", function()
    local sim = signed_sim(false)
    local status = http("POST", sim.url .. "/signed/jobs?hook=http%3A%2F%2F127.0.0.1%3A9%2Fhook",
      { body = '{"prompt": "replay:success"}' })
    assert.equal(202, status)
    local stats = sim:stats()
    sim:stop()
    assert.equal(0, stats.webhooks.scheduled)
  end)

  local malformed = {
    { "not JSON", "{", "not JSON" },
    { "no source", '{"name": "x", "scenarios": {"success": []}}', '"source"' },
    { "a misspelt member", MINIMAL:gsub('"new_task"', '"new_tsak"'), 'unknown member "new_tsak"' },
    { "a goto to nowhere", MINIMAL:gsub('"new_task": true', '"new_task": true, "goto": "gone"'), '"goto" "gone"' },
    { "a mount the simulator has", MINIMAL:gsub('"tiny"', '"foxapi"'), '"foxapi" is taken' },
    { "braces other than {id} in a path", MINIMAL:gsub('"/jobs",', '"/jobs/{model}",', 1), "only {id}" },
    { "{id} twice in a path", MINIMAL:gsub('"/out/{id}.png"', '"/out/{id}/{id}"'), "{id} twice" },
    { "a status out of range", MINIMAL:gsub('"status": 202', '"status": 2020'), '"status"' },
    { "png and body together", MINIMAL:gsub('"png": true', '"png": true, "body": "x"'), '"png" and "body"' },
    { "times of zero", MINIMAL:gsub('"new_task": true', '"new_task": true, "times": 0'), '"times"' },
    { "a default scenario it lacks", MINIMAL:gsub('"id":', '"default_scenario": "other", "id":'), '"default_scenario"' },
    { "a webhook without its URL's place", MINIMAL:gsub('"new_task": true', '"new_task": true, "webhook": {"body": {}}'),
      '"url_field"' },
    { "both url_field and url_query", MINIMAL:gsub('"new_task": true',
      '"new_task": true, "webhook": {"url_field": "u", "url_query": "u", "body": {}}'), '"url_query"' },
    { "a sign that is a bare name", MINIMAL:gsub('"new_task": true',
      '"new_task": true, "webhook": {"url_field": "u", "body": {}, "sign": "standard"}'), '.sign: must be an object' },
    { "a scheme the simulator does not sign", MINIMAL:gsub('"new_task": true',
      '"new_task": true, "webhook": {"url_field": "u", "body": {}, "sign": {"scheme": "rsa"}}'), '"scheme" must be' },
    { "a member another scheme takes", MINIMAL:gsub('"new_task": true', '"new_task": true, "webhook": {"url_field": ' ..
      '"u", "body": {}, "sign": {"scheme": "standard", "signature_header": "x"}}'), 'unknown member "signature_header"' },
    { "ed25519 without its signature header", MINIMAL:gsub('"new_task": true', '"new_task": true, "webhook": ' ..
      '{"url_field": "u", "headers": {"a": "1"}, "body": {}, "sign": {"scheme": "ed25519", "signed_headers": ["a"]}}'),
      'needs "signature_header"' },
    { "ed25519 signing a header it does not send", MINIMAL:gsub('"new_task": true', '"new_task": true, "webhook": ' ..
      '{"url_field": "u", "body": {}, "sign": {"scheme": "ed25519", "signed_headers": ["a"], "signature_header": ' ..
      '"s"}}'), 'signed header "a" is not among' },
    { "ed25519 signing no header", MINIMAL:gsub('"new_task": true', '"new_task": true, "webhook": ' ..
      '{"url_field": "u", "body": {}, "sign": {"scheme": "ed25519", "signed_headers": [], "signature_header": ' ..
      '"s"}}'), '"signed_headers" must list' },
    { "an age that is not whole seconds", MINIMAL:gsub('"new_task": true', '"new_task": true, "webhook": ' ..
      '{"url_field": "u", "body": {}, "sign": {"scheme": "standard", "age_s": -1}}'), '"age_s"' },
    { "{jwt} not ending the auth value", MINIMAL:gsub('"value": "{key}"', '"value": "{jwt} more"'), "{jwt} must end" },
  }
  for _, case in ipairs(malformed) do
    it("refuses at start a file with " .. case[1] .. ", saying which file and what", function()
      local path = write_file(case[2])
      local status, said = sim_refusal("--replay " .. host.quote(path))
      os.remove(path)
      assert.equal(2, status)
      assert.truthy(said:find("replay file " .. path, 1, true), said)
      assert.truthy(said:find(case[3], 1, true), said)
    end)
  end

  it("refuses a file it cannot read, and two files of one name", function()
    local status, said = sim_refusal "--replay /nonexistent/replay.json"
    assert.equal(2, status)
    assert.truthy(said:find("/nonexistent/replay.json: cannot open it", 1, true), said)
    local a, b = write_file(MINIMAL), write_file(MINIMAL)
    status, said = sim_refusal(("--replay %s --replay %s"):format(host.quote(a), host.quote(b)))
    os.remove(a)
    os.remove(b)
    assert.equal(2, status)
    assert.truthy(said:find('"name" "tiny" is also', 1, true), said)
  end)
end)

describe("gentask run --sim -p NAME for a replayed provider", function()
  it("runs the flow of the replay file named after the profile, and saves its result", function()
    local dir = cli.tmpdir()
    -- a profile named after the built-in replay file, on this run's module path only: FoxAPI's,
    -- renamed (the replayed providers' own profiles will live in lua/gentask/providers/)
    assert(host.sh("mkdir -p " .. cli.quote(dir .. "/lua/gentask/providers")))
    cli.write(dir .. "/lua/gentask/providers/foxapi_replay.lua", [[
      local profile = {}
      for k, v in pairs(require "gentask.providers.foxapi") do profile[k] = v end
      profile.name = "foxapi_replay"
      return profile
    ]])
    local saved = package.path
    package.path = dir .. "/lua/?.lua;" .. package.path
    local out, err, status = cli.run("run --sim -p foxapi_replay -m flux-dev 'a replayed fox' -o "
      .. cli.quote(dir .. "/out"))
    package.path = saved
    assert.equal(0, status, err)
    local path = out:match "^(%S+)\n$"
    assert.truthy(path, out)
    assert.equal("\137PNG\r\n\26\n", (cli.read(path) or ""):sub(1, 8))
    os.execute("rm -rf " .. cli.quote(dir))
  end)
end)
