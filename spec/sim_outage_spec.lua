-- gentask-sim's outage (POST /_sim/outage?ms=N): for N milliseconds the main port refuses connections,
-- a request on a connection opened before gets no answer, the admin endpoints keep answering, and the
-- tasks go on generating; then it ends by itself.
local cjson = require "cjson"
local socket = require "socket"
local Sim = require "support.sim"

-- curl's exit status, the HTTP status and the body of one request (exit status 7: could not connect)
local function curl(method, url, body)
  local data = body and (" -d '" .. body .. "'") or ""
  local pipe = assert(io.popen(("LD_PRELOAD= curl -s --max-time 5 -w '\\n%%{http_code}' -H 'Authorization: Bearer %s'"
    .. " -X %s%s '%s'; echo \"rc=$?\""):format(Sim.key, method, data, url)))
  local out = pipe:read "*a"
  pipe:close()
  local text, status, rc = out:match "^(.-)\n?(%d%d%d)rc=(%d+)%s*$"
  return tonumber(rc), tonumber(status), text
end

local function submit(sim, prompt)
  local rc, status, text = curl("POST", sim.url .. "/foxapi/v1/images/generations",
    cjson.encode { model = "flux-dev", prompt = prompt })
  assert(rc == 0 and status == 200, text)
  return cjson.decode(text).id
end

-- A connection to the main port, opened now and kept alive across requests.
local function connect(sim)
  local conn = assert(socket.tcp())
  conn:settimeout(2)
  assert(conn:connect("127.0.0.1", sim.port))
  return conn
end

-- One GET on an open connection: the status and body, or nil and the socket's complaint when the
-- connection was closed without an answer.
local function get(conn, path)
  assert(conn:send(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n"):format(path, Sim.key)))
  local status_line, err = conn:receive "*l"
  if not status_line then return nil, err end
  local length = 0
  while true do
    local line = assert(conn:receive "*l")
    if line == "" then break end
    length = tonumber(line:lower():match "^content%-length:%s*(%d+)") or length
  end
  return tonumber(status_line:match "^HTTP/1%.1 (%d+)"), length > 0 and assert(conn:receive(length)) or ""
end

-- Waits until the main port answers again; the simulator's clock then (GET /_sim/stats now_ms).
local function wait_for_answers(sim, seconds)
  local deadline = socket.gettime() + seconds
  repeat
    if curl("GET", sim.url .. "/files/probe.png") == 0 then return sim:stats().now_ms end
    socket.sleep(0.02)
  until socket.gettime() > deadline
  error("the main port did not answer again within " .. seconds .. " s")
end

describe("gentask-sim outage", function()
  local sim

  before_each(function()
    sim = Sim.start "--duration-ms 200"
  end)

  after_each(function()
    sim:stop()
  end)

  it("refuses new connections, answers the admin endpoints, and ends by itself with the tasks further on", function()
    local id = submit(sim, "a fox [duration=250]")
    local outage = sim:outage(400)
    assert.is_true(outage.ok)

    assert.equal(7, curl("GET", sim.url .. "/foxapi/v1/tasks/" .. id), "a connect to the main port is refused")
    local stats = sim:stats(true)
    assert.equal(outage.until_ms, stats.outage_until_ms)
    assert.is_true(stats.now_ms < outage.until_ms)
    assert.equal(0, stats.tasks[id].polls)

    local answered_ms = wait_for_answers(sim, 3)
    assert.is_true(answered_ms >= outage.until_ms, "not before its end")
    assert.is_true(answered_ms < outage.until_ms + 500, "soon after its end")
    local rc, status, text = curl("GET", sim.url .. "/foxapi/v1/tasks/" .. id)
    assert.are.same({ 0, 200 }, { rc, status })
    local task = cjson.decode(text)
    assert.equal("completed", task.status, "it went on generating through the outage")
    assert.equal(100, task.progress)
    stats = sim:stats(true)
    assert.equal(0, stats.outage_until_ms)
    assert.equal(1, stats.tasks[id].polls)
    assert.equal(1, stats.submissions)
  end)

  it("closes a kept-alive connection on its next request, unanswered, but answers admin requests on one", function()
    local conn, admin_conn = connect(sim), connect(sim)
    assert.equal(404, (get(conn, "/foxapi/v1/tasks/task-unknown")))
    assert.equal(200, (get(admin_conn, "/_sim/stats?tasks=0")))
    local outage = sim:outage(300)

    local status, err = get(conn, "/foxapi/v1/tasks/task-unknown")
    assert.is_nil(status, "no answer")
    assert.is_true(err == "closed" or err == "connection reset by peer", err)
    local admin_status, body = get(admin_conn, "/_sim/stats?tasks=0")
    assert.equal(200, admin_status)
    assert.equal(outage.until_ms, cjson.decode(body).outage_until_ms)
    conn:close()
    admin_conn:close()

    local stats = sim:stats()
    assert.equal(1, stats.outage_refused)
    assert.equal(1, stats.polls, "the refused poll never reached the simulator: only the first is counted")
    wait_for_answers(sim, 3)
    stats = sim:stats()
    assert.equal(1, stats.outage_refused, "kept after the end")
    assert.equal(0, stats.outage_until_ms)
  end)

  it("ends at once with ms=0 or a reset, which zeroes the count", function()
    local conn = connect(sim)
    assert.is_true(sim:outage(60000).ok)
    assert.equal(7, curl("GET", sim.url .. "/files/a.png"))
    assert.is_nil((get(conn, "/files/a.png")))
    assert.are.same({ ok = true, until_ms = 0 }, sim:outage(0))
    assert.equal(200, select(2, curl("GET", sim.url .. "/files/a.png")))
    assert.equal(1, sim:stats().outage_refused)

    assert.is_true(sim:outage(60000).ok)
    assert.equal(7, curl("GET", sim.url .. "/files/a.png"))
    sim:reset()
    assert.equal(200, select(2, curl("GET", sim.url .. "/files/a.png")))
    local stats = sim:stats()
    assert.are.same({ 0, 0 }, { stats.outage_refused, stats.outage_until_ms })
  end)

  -- an error the dialect's own table does not list (a method its submit path does not take) is
  -- answered in its words; BFL's once crashed the simulator, reading a code that was not there
  it("answers a GET on a submit path 405 in each dialect's words, and serves on", function()
    for _, case in ipairs {
      { "/bfl/v1/flux-dev", function(body) return body.detail end },
      { "/foxapi/v1/images/generations", function(body) return body.error.message end },
      { "/flora/techniques/x/runs", function(body) return body.error.message end },
    } do
      local rc, status, text = curl("GET", sim.url .. case[1])
      assert.are.same({ 0, 405 }, { rc, status }, case[1])
      assert.equal("Method GET is not allowed here; use POST", case[2](cjson.decode(text)), case[1])
    end
    assert.equal(0, sim:stats().submissions)
  end)

  it("answers 400 to a length that is not 1..600000 ms, and 405 to a GET", function()
    for _, query in ipairs { "ms=-1", "ms=600001", "ms=abc", "ms=1.5", "ms=", "", "seconds=601", "seconds=1e3",
                             "ms=5&seconds=1" } do
      local rc, status, text = curl("POST", sim.admin_url .. "/_sim/outage?" .. query)
      assert.are.same({ 0, 400 }, { rc, status }, query)
      assert.equal("invalid_parameters", cjson.decode(text).error.code, query)
    end
    assert.equal(405, select(2, curl("GET", sim.admin_url .. "/_sim/outage?ms=5")))
    local rc, status, text = curl("POST", sim.admin_url .. "/_sim/outage?seconds=0.25")
    assert.are.same({ 0, 200 }, { rc, status })
    local outage = cjson.decode(text)
    assert.is_true(outage.until_ms - sim:stats().now_ms <= 250)
    assert.equal(0, sim:stats().outage_refused, "nothing refused: no request came")
  end)

  it("lets a gentask submit ride it out: a refused connect is sent again, and lands once", function()
    local fox = sim:foxapi { backoff_initial = 0.2, backoff_max = 0.4, max_retries = 5 }
    local outage = sim:outage(300)
    local result = fox:submit("flux-dev", { prompt = "a lighthouse [duration=20]" }):wait(10)
    assert.truthy(result.url)
    local stats = sim:stats_with_bodies()
    assert.equal(1, stats.submissions, "the refused attempts never reached the simulator")
    assert.equal(1, stats.accepted)
    for _, logical in pairs(stats.submits_by_body) do
      assert.are.same({ 1, 200 }, { #logical.attempts, logical.statuses[1] })
      assert.is_true(logical.attempts[1] >= outage.until_ms, "the attempt that reached it came after the outage")
    end
  end)
end)
