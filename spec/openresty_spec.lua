-- OpenResty: examples/openresty (nginx.conf + generate.lua) run in a real nginx with one worker,
-- against the simulator. A request waiting for its image yields to nginx: the same worker answers
-- other requests meanwhile, and many generations overlap.
local host = require "support.host"
if not host.this_pass() then return end   -- nginx embeds LuaJIT: one pass is enough

local cjson = require "cjson"
local socket = require "socket"
local Sim = require "support.sim"
local Nginx = require "hosts.openresty.nginx"

local lib_dir = host.luajit_module
local DURATION_MS = 1000   -- every simulated generation takes this long at least

local function escape(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return ("%%%02X"):format(c:byte()) end))
end

local function decode(body)
  local ok, value = pcall(cjson.decode, body or "")
  return ok and value or nil
end

-- The URL a /generate answer carries, checked to be one of the simulator's files.
local function assert_sim_url(sim, body)
  local decoded = decode(body)
  assert.is_table(decoded, "not JSON: " .. tostring(body))
  assert.is_string(decoded.url, "no url in " .. tostring(body))
  assert.truthy(decoded.url:find(sim.url .. "/files/", 1, true), decoded.url)
  return decoded.url
end

describe("OpenResty (examples/openresty, one nginx worker)", function()
  local found, why = Nginx.find(lib_dir)
  if not found then
    pending(why)
    return
  end

  local sim, nginx
  setup(function()
    sim = Sim.start("--duration-ms " .. DURATION_MS)
    nginx = Nginx.start {
      found = found, lib_dir = lib_dir, log_level = "info",   -- info: the handler's 4xx lines too
      env = { GENTASK_API_KEY = Sim.key, GENTASK_BASE_URL = sim.url .. "/foxapi", GENTASK_WAIT_SECONDS = "3" },
    }
  end)
  teardown(function()
    if nginx then nginx:stop() end
    if sim then sim:stop() end
  end)
  -- a worker stuck in a loop fails every test at once, not after each request's timeout
  before_each(function()
    local status, err = nginx:request("GET", "/ping", nil, nil, 3)
    assert(status == 200, "nginx's worker does not answer /ping: " .. tostring(err))
  end)

  it("answers /ping while a generation is in flight on its only worker", function()
    sim:reset()
    local started = socket.gettime()
    local generate = nginx:request_in_background "/generate?prompt=a+fox+while+pinging"
    -- the handler has submitted (the simulator holds the task) and is now waiting for it
    local deadline = started + 10
    while sim:stats().accepted < 1 and socket.gettime() < deadline do socket.sleep(0.01) end
    assert.equal(1, sim:stats().accepted)

    local ping_sent = socket.gettime()
    local status, body = nginx:request("GET", "/ping")
    local ping_answered = socket.gettime()
    assert.equal(200, status)
    assert.equal("pong\n", body)
    -- The behaviour under test: /ping was answered while the image was still being generated.
    -- (A blocked worker answers it only after the generation, in the same instant as the
    -- generate request: the simulator has finished by then.)
    assert.equal(1, sim:stats().in_flight, "the simulator had finished generating when /ping answered: "
      .. "the worker served /ping only after the generation (it was blocked)")
    assert.is_nil(generate.done(), "the generate request had finished when /ping answered")

    local gen_status, gen_body, finished_at = generate.response()
    assert.equal(200, gen_status, tostring(gen_body) .. "\n" .. nginx:error_log())
    assert_sim_url(sim, gen_body)
    assert.is_true(finished_at > ping_answered)
    print(("    /ping answered in %.1f ms, %.0f ms before the generation's answer (%.0f ms after the request)")
      :format((ping_answered - ping_sent) * 1000, (finished_at - ping_answered) * 1000, (finished_at - started) * 1000))
  end)

  it("POST {\"prompt\"} and a plain-text body work as ?prompt= does", function()
    local status, body = nginx:request("POST", "/generate", cjson.encode { prompt = "a fox in json [duration=50]" })
    assert.equal(200, status, body)
    assert_sim_url(sim, body)
    status, body = nginx:request("POST", "/generate", "a fox in plain text [duration=50]", "text/plain")
    assert.equal(200, status, body)
    assert_sim_url(sim, body)
  end)

  it("runs 20 generations at once on the one worker: they overlap", function()
    sim:reset()
    local paths = {}
    for i = 1, 20 do paths[i] = "/generate?prompt=" .. escape("fox number " .. i) end
    local started = socket.gettime()
    local responses = nginx:request_all(paths)
    local elapsed = socket.gettime() - started
    local urls = {}
    for i, r in ipairs(responses) do
      assert.equal(200, r.status, ("request %d: %s"):format(i, tostring(r.body)))
      urls[assert_sim_url(sim, r.body)] = true
    end
    local distinct = 0
    for _ in pairs(urls) do distinct = distinct + 1 end
    assert.equal(20, distinct)
    local stats = sim:stats()
    assert.equal(20, stats.accepted)
    -- all twenty were generating at the same moment: none waited for another to finish
    assert.equal(20, stats.max_in_flight)
    print(("    20 concurrent generations of %d ms: %.2f s in all, %d in flight at once")
      :format(DURATION_MS, elapsed, stats.max_in_flight))
  end)

  describe("a failure answers its mapped status and the typed kind", function()
    -- prompt (with the simulator's scenario words) → status, kind, retryable
    local rows = {
      { "[http=401]", 502, "authentication", false },               -- our provider key, not the caller's
      { "[http=402]", 503, "payment_required", false },
      { "[echo-key]", 400, "invalid_request", false },              -- the provider quotes the key back
      { "[fail=content_policy_violation] [duration=50]", 422, "moderated", false },
      { "[fail=generation_failed] [duration=50]", 502, "generation_failed", true },
      { "[fail=timeout] [duration=50]", 504, "timeout", true },
      -- refused outright, these two come last: a refusal pauses the worker's whole client. The
      -- 503 is waited out until the request's deadline, then handed to the caller; the 429 after
      -- it (once the 503's pause is over) is answered at once, and pauses the client for 1 s
      { "[http=503]", 503, "unavailable", true },
      { "[http=429 retry-after=1]", 429, "rate_limited", true, retry_after = "1" },
    }
    for _, row in ipairs(rows) do
      local prompt, status, kind, retryable = row[1], row[2], row[3], row[4]
      it(("%s → %d %s"):format(prompt, status, kind), function()
        local got, body, headers = nginx:request("POST", "/generate", cjson.encode { prompt = "a fox " .. prompt })
        assert.equal(status, got, body)
        assert.equal("application/json", headers["content-type"])
        local decoded = decode(body)
        assert.is_table(decoded and decoded.error, body)
        assert.equal(kind, decoded.error.kind)
        assert.equal(retryable, decoded.error.retryable)
        assert.is_string(decoded.error.message)
        assert.equal(row.retry_after, headers["retry-after"])
        assert.is_nil(body:find(Sim.key, 1, true), "the API key is in the response: " .. body)
        for name, value in pairs(headers) do
          assert.is_nil(tostring(value):find(Sim.key, 1, true), "the API key is in header " .. name)
        end
      end)
    end

    it("no prompt → 400 invalid_request, without a submit", function()
      local submissions = sim:stats().submissions
      local status, body = nginx:request("GET", "/generate")
      assert.equal(400, status)
      assert.equal("invalid_request", decode(body).error.kind)
      status, body = nginx:request("POST", "/generate", cjson.encode { prompt = "   " })
      assert.equal(400, status)
      assert.equal("invalid_request", decode(body).error.kind)
      assert.equal(submissions, sim:stats().submissions)
    end)

    it("the API key appears nowhere in nginx's logs", function()
      local logs = nginx:logs()
      assert.truthy(logs:find("generation failed: gentask: authentication", 1, true), "the handler logs failures")
      assert.truthy(logs:find("generation failed: gentask: invalid_request", 1, true), "the echo-key failure is logged")
      assert.is_nil(logs:find(Sim.key, 1, true), "the API key is in nginx's logs")
    end)
  end)
end)

-- A rate-limited generation (the provider's 429: nothing paid) is answered 429 at once, or after
-- the wait the caller prefers (Prefer: wait=N); a keyed one goes on under its key, paid once.
-- A 429 pauses the worker's whole client: each test has an nginx (and a journal) of its own.
describe("OpenResty under the provider's rate limit (one nginx worker, a journal)", function()
  local found, why = Nginx.find(lib_dir)
  if not found then
    pending(why)
    return
  end
  local WAIT = 30   -- the server's own limit, GENTASK_WAIT_SECONDS: far beyond any answer here

  local sim, nginx, dir
  setup(function() sim = Sim.start "--duration-ms 300" end)
  teardown(function() if sim then sim:stop() end end)
  before_each(function()
    sim:reset()
    -- the workers' user's own directory, as the journal asks (mktemp -d: 0700)
    dir = host.capture("mktemp -d /tmp/gentask-openresty-journal.XXXXXX"):gsub("%s+$", "")
    nginx = Nginx.start {
      found = found, lib_dir = lib_dir, log_level = "info",
      env = { GENTASK_API_KEY = Sim.key, GENTASK_BASE_URL = sim.url .. "/foxapi", GENTASK_WAIT_SECONDS = tostring(WAIT),
              GENTASK_JOURNAL = dir .. "/tasks.db", GENTASK_POLL_INTERVAL = "0.05" },
    }
  end)
  after_each(function()
    if nginx then nginx:stop() end
    nginx = nil
    os.execute("rm -rf '" .. dir .. "'")
  end)

  local function generate(prompt, headers)
    local status, body, response_headers = nginx:request("POST", "/generate", cjson.encode { prompt = prompt },
      nil, 20, headers)
    return status, decode(body) or body, response_headers
  end

  -- the task was let go unsent: after the client's pause (1 s) nothing is sent again
  local function assert_never_sent_again(submissions)
    socket.sleep(1.5)
    assert.equal(submissions, sim:stats().submissions, "the refused task was submitted again after its 429")
    assert.equal(0, sim:stats().accepted)
  end

  it("answers [http=429] with 429 at once, with the provider's Retry-After, and cancels the unsent task", function()
    local status, body, headers = generate "a fox [http=429 retry-after=1]"
    assert.equal(429, status, cjson.encode(body) .. "\n" .. nginx:error_log())
    assert.equal("rate_limited", body.error.kind)
    assert.is_true(body.error.retryable)
    assert.equal("1", headers["retry-after"])
    assert.is_false(body.kept)
    assert.is_number(body.waited)
    assert.is_nil(headers["preference-applied"])
    -- at once: answered at the first refusal, before the client sent it again
    assert.equal(1, sim:stats().submissions)
    assert_never_sent_again(1)
  end)

  it("sends no Retry-After when the provider sent none", function()
    local status, body, headers = generate "a fox [http=429 retry-after=none]"
    assert.equal(429, status, cjson.encode(body))
    assert.equal("rate_limited", body.error.kind)
    assert.is_nil(headers["retry-after"])
    assert.equal(0, sim:stats().accepted)
  end)

  it("with Prefer: wait=2 waits out the limit that long, then answers 429 while the task is still refused", function()
    local status, body, headers = generate("a fox [http=429 retry-after=1]", { Prefer = "respond-async, wait=2" })
    -- answered long before the task's own deadline (WAIT): nginx:request gives up at 20 s
    assert.equal(429, status, cjson.encode(body) .. "\n" .. nginx:error_log())
    assert.equal("rate_limited", body.error.kind)
    assert.equal("wait=2", headers["preference-applied"])
    assert.equal("1", headers["retry-after"])
    assert.is_false(body.kept)
    local submissions = sim:stats().submissions
    -- it waited: the client sent it again once the provider's 1 s was over, and was refused again
    assert.is_true(submissions >= 2, "answered at the first refusal: the preferred wait was not honoured")
    assert.equal(0, sim:stats().accepted)
    assert_never_sent_again(submissions)
  end)

  it("caps Prefer: wait at the server's own limit, and a taken generation is answered as always", function()
    local status, body, headers = generate("a fox [duration=50]", { Prefer = "WAIT=999" })
    assert.equal(200, status, cjson.encode(body))
    assert_sim_url(sim, cjson.encode(body))
    assert.equal("wait=" .. WAIT, headers["preference-applied"])
  end)

  it("with Prefer: wait=N gets the image when the limit clears within it, paid once", function()
    local status, body = generate("a fox [submit-http=429:1] [retry-after=1]", { Prefer = "wait=20" })
    assert.equal(200, status, cjson.encode(body) .. "\n" .. nginx:error_log())
    assert_sim_url(sim, cjson.encode(body))
    local stats = sim:stats()
    assert.equal(2, stats.submissions)   -- refused once, then taken
    assert.equal(1, stats.accepted)
  end)

  it("keeps a keyed generation answered 429: the same Idempotency-Key again gets the image, paid once", function()
    local prompt, key = "a keyed fox [submit-http=429:1] [retry-after=1]", { ["Idempotency-Key"] = "order-429" }
    local status, body, headers = generate(prompt, key)
    assert.equal(429, status, cjson.encode(body) .. "\n" .. nginx:error_log())
    assert.equal("rate_limited", body.error.kind)
    assert.equal("1", headers["retry-after"])
    assert.is_true(body.kept)
    assert.equal(0, sim:stats().accepted)   -- answered at the refusal: nothing paid yet
    -- the caller comes back with the same key, willing to wait out the rest of the limit: the task
    -- kept under it goes out when the provider allows, and this request waits for its image
    status, body = generate(prompt, { ["Idempotency-Key"] = "order-429", Prefer = "wait=10" })
    assert.equal(200, status, cjson.encode(body) .. "\n" .. nginx:error_log())
    local url = assert_sim_url(sim, cjson.encode(body))
    status, body = generate(prompt, key)
    assert.equal(200, status, cjson.encode(body))
    assert.equal(url, assert_sim_url(sim, cjson.encode(body)))
    local stats = sim:stats()
    assert.equal(2, stats.submissions)   -- the refused one and the one taken: never sent twice
    assert.equal(1, stats.accepted)
  end)
end)

-- The deadline ends the caller's wait, never a paid generation: a keyed one that outlasts
-- GENTASK_WAIT_SECONDS is answered 504, and the same key again fetches it, paid once.
describe("OpenResty with a paid generation longer than the server's wait (a journal)", function()
  local found, why = Nginx.find(lib_dir)
  if not found then
    pending(why)
    return
  end
  local sim, nginx, dir
  setup(function()
    sim = Sim.start()
    dir = host.capture("mktemp -d /tmp/gentask-openresty-journal.XXXXXX"):gsub("%s+$", "")
    nginx = Nginx.start {
      found = found, lib_dir = lib_dir, log_level = "info",
      env = { GENTASK_API_KEY = Sim.key, GENTASK_BASE_URL = sim.url .. "/foxapi", GENTASK_WAIT_SECONDS = "1",
              GENTASK_JOURNAL = dir .. "/tasks.db", GENTASK_POLL_INTERVAL = "0.05" },
    }
  end)
  teardown(function()
    if nginx then nginx:stop() end
    if sim then sim:stop() end
    if dir then os.execute("rm -rf '" .. dir .. "'") end
  end)

  it("answers 504, keeps it going, and the same Idempotency-Key fetches its image", function()
    local body = cjson.encode { prompt = "a slow fox [duration=2500]" }
    local key = { ["Idempotency-Key"] = "slow-1" }
    local status, answer = nginx:request("POST", "/generate", body, nil, 20, key)
    assert.equal(504, status, answer)
    assert.equal("deadline_exceeded", decode(answer).error.kind)
    -- asked again (each ask waits 1 s at most) until the generation has ended at the provider
    for _ = 1, 20 do
      status, answer = nginx:request("POST", "/generate", body, nil, 20, key)
      if status ~= 504 then break end
    end
    assert.equal(200, status, tostring(answer) .. "\n" .. nginx:error_log())
    assert_sim_url(sim, answer)
    local stats = sim:stats()
    assert.equal(1, stats.accepted)
    assert.equal(1, stats.submissions)
    assert.equal(0, stats.cancels)   -- never cancelled at the provider
  end)
end)

describe("OpenResty with webhooks (BFL, signed deliveries to the same worker's /webhook)", function()
  local found, why = Nginx.find(lib_dir)
  if not found then
    pending(why)
    return
  end
  local SECRET = "whsec-openresty-spec-5f3a"

  local sim, nginx
  setup(function()
    sim = Sim.start("--duration-ms " .. DURATION_MS)
    local port = Nginx.free_port()
    nginx = Nginx.start {
      found = found, lib_dir = lib_dir, log_level = "info", port = port,
      env = { GENTASK_API_KEY = Sim.key, GENTASK_BASE_URL = sim.url .. "/bfl", GENTASK_PROVIDER = "bfl",
              GENTASK_MODEL = "flux-pro-1.1", GENTASK_WAIT_SECONDS = "20",
              GENTASK_WEBHOOK_URL = ("http://127.0.0.1:%d/webhook"):format(port), GENTASK_WEBHOOK_SECRET = SECRET },
    }
  end)
  teardown(function()
    if nginx then nginx:stop() end
    if sim then sim:stop() end
  end)

  it("ends the waiting requests on the webhook, before any poll", function()
    sim:reset()
    local paths = {}
    for i = 1, 5 do paths[i] = "/generate?prompt=" .. escape("hooked fox " .. i) end
    for i, r in ipairs(nginx:request_all(paths)) do
      assert.equal(200, r.status, ("request %d: %s\n%s"):format(i, tostring(r.body), nginx:error_log()))
      assert_sim_url(sim, r.body)
    end
    local stats = sim:stats()
    assert.equal(5, stats.accepted)
    assert.equal(5, stats.webhooks.delivered)
    -- the fallback polls of a task that asked for a webhook come ten times slower than a
    -- generation takes here: none was due before the deliveries ended the tasks
    assert.equal(0, stats.polls)
  end)

  it("answers 413 to a body over gentask.webhook_max_body, unread, and reads a long one under it", function()
    local max = require("gentask").webhook_max_body
    local status, body = nginx:request("POST", "/webhook", ("x"):rep(max + 1), "application/json")
    assert.equal(413, status, body)
    -- longer than the server's 16k for prompts: the location's own limit and buffer apply, and the
    -- handler refuses it for its signature, not its size
    local long = cjson.encode { id = "x", status = "Ready", padding = ("x"):rep(100000) }
    status, body = nginx:request("POST", "/webhook", long, "application/json")
    assert.equal(401, status, body)
    assert.equal("authentication", decode(body).error.kind)
  end)

  it("refuses a forged delivery with 401 and keeps the secret out of its logs", function()
    local status, body = nginx:request("POST", "/webhook", cjson.encode { id = "x", status = "Ready" }, "application/json")
    assert.equal(401, status, body)
    assert.equal("authentication", decode(body).error.kind)
    local logs = nginx:logs()
    assert.truthy(logs:find("webhook refused", 1, true), "the refusal is logged")
    assert.is_nil(logs:find(SECRET, 1, true), "the webhook secret is in nginx's logs")
    assert.is_nil(logs:find(Sim.key, 1, true), "the API key is in nginx's logs")
  end)
end)

-- A keyed submit asks Redis on the engine's loop, never with nginx's worker held: with Redis hung
-- (SIGSTOP), a /ping sent after a keyed /generate is answered while the generation still waits
-- for Redis; with Redis back it ends, and the same Idempotency-Key again is the same generation.
describe("OpenResty with its journal in Redis (one nginx worker)", function()
  local Redis = require "support.redis"
  local found, why = Nginx.find(lib_dir)
  if not found or not Redis.installed() then
    pending(why or "redis-server is not installed (make deps installs it)")
    return
  end

  local sim, nginx, redis
  setup(function()
    sim = Sim.start "--duration-ms 300"
    redis = Redis.start()
    nginx = Nginx.start {
      found = found, lib_dir = lib_dir,
      env = { GENTASK_API_KEY = Sim.key, GENTASK_BASE_URL = sim.url .. "/foxapi", GENTASK_WAIT_SECONDS = "30",
              GENTASK_JOURNAL = redis:url "nginx", GENTASK_POLL_INTERVAL = "0.05" },
    }
  end)
  teardown(function()
    if nginx then nginx:stop() end
    if redis then
      redis:signal "CONT"
      redis:stop()
    end
    if sim then sim:stop() end
  end)

  it("answers /ping, sent after a keyed /generate, while Redis hangs; the generation then ends, paid once", function()
    -- the worker's client exists and has named its keys in Redis
    local warm = nginx:request_in_background("/generate?prompt=warm", { ["Idempotency-Key"] = "warm" })
    local warm_code, warm_body = warm.response(30)
    assert.equal(200, warm_code, tostring(warm_body) .. "\n" .. nginx:error_log())
    redis:signal "STOP"
    local keyed = nginx:request_in_background("/generate?prompt=keyed", { ["Idempotency-Key"] = "order-1" })
    -- the generation's request reaches nginx first (its key then waits for Redis); what is asserted
    -- is the order of the answers, not a time
    socket.sleep(0.5)
    local status = nginx:request("GET", "/ping", nil, nil, 10)
    assert.equal(200, status)
    assert.is_nil(keyed.done(), "the keyed /generate had an answer before Redis came back")
    redis:signal "CONT"
    local code, body = keyed.response(30)
    -- nginx's error log says why (the handler logs the error's kind, code and message): the prefix
    -- holding it is gone after teardown
    assert.equal(200, code, tostring(body) .. "\n" .. nginx:error_log())
    local url = assert_sim_url(sim, body)
    local again = nginx:request_in_background("/generate?prompt=keyed", { ["Idempotency-Key"] = "order-1" })
    local code2, body2 = again.response(30)
    assert.equal(200, code2, tostring(body2) .. "\n" .. nginx:error_log())
    assert.equal(url, assert_sim_url(sim, body2))
    assert.equal(2, sim:stats().submissions, "warm and order-1, each paid once")
  end)
end)
