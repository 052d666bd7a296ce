-- examples/openresty/generate.lua — an nginx content handler that turns a prompt into an image
-- URL through gentask (FoxAPI), without ever blocking the nginx worker.
--
--   location = /generate { content_by_lua_block { require("generate").handle() } }
--
--   curl -d '{"prompt": "a red fox in snow"}' http://127.0.0.1:8080/generate
--   curl 'http://127.0.0.1:8080/generate?prompt=a+red+fox+in+snow'
--     200 {"url": "https://..."}
--     4xx/5xx {"error": {"kind": "moderated", "message": "...", "retryable": false}}
--
-- With a journal (GENTASK_JOURNAL), a request may carry "Idempotency-Key: ..." (at most 200
-- characters): the same key again is the same generation, never paid twice — a client that lost
-- its answer asks again and gets that image.
--
-- A generation the provider refuses with 429 (its rate limit: nothing paid) is answered 429 at
-- once, with the provider's Retry-After; "Prefer: wait=N" (RFC 7240) lets the caller have the
-- server wait out the limit for up to N seconds first. A keyed generation answered 429 is kept
-- under its key and goes out when the provider allows: the same key again gets it, paid once.
--
-- Configuration comes from the environment (listed in nginx.conf's `env` lines, or the worker
-- does not see it): GENTASK_API_KEY (required), GENTASK_BASE_URL (default: the provider's own;
-- point it at gentask-sim to test offline), GENTASK_PROVIDER (default foxapi), GENTASK_MODEL
-- (default flux-dev), GENTASK_POLL_INTERVAL (seconds before the first poll; default gentask's),
-- for webhooks GENTASK_WEBHOOK_URL (this server's /webhook, as the provider reaches it) and
-- GENTASK_WEBHOOK_SECRET (BFL signs deliveries with it), and for several workers on one key
-- GENTASK_JOURNAL (an SQLite file all workers share, or a redis:// address several servers
-- share: one cap, one 429 pause, and webhooks that reach any worker) with GENTASK_MAX_IN_FLIGHT
-- (the key's cap on tasks in flight, for all of them).
--
-- Inside nginx, `require "gentask"` installs the ngx adapter by itself: task:result() yields to
-- nginx while the task is in flight, so one worker serves other requests (and other generations)
-- meanwhile. (The explicit form is require("gentask.loop.ngx").start { tick = 0.005 }.)
local gentask = require "gentask"
local metrics = require "gentask.metrics"

-- An instance of its own, so that these settings do not change cjson for other handlers.
local json = require("cjson.safe").new()
if json.encode_escape_forward_slash then json.encode_escape_forward_slash(false) end   -- OpenResty's cjson

local PROVIDER = os.getenv "GENTASK_PROVIDER" or "foxapi"
local MODEL = os.getenv "GENTASK_MODEL" or "flux-dev"
-- How long one request waits for its image before answering 504. It is the task's own deadline
-- too: a provider that keeps answering 429 or 503 is waited out until then (gentask holds the
-- submit back, nothing is paid), and the answer is then that 429 or 503. Keep it below the read
-- timeout of this server's clients.
local WAIT_SECONDS = tonumber(os.getenv "GENTASK_WAIT_SECONDS") or 300

-- How often a request whose submit the provider has not taken yet looks at what holds it: its
-- 429 is answered this soon after the provider's refusal (each look yields to nginx).
local HELD_CHECK_SECONDS = 0.05

-- A variable of the environment; unset or empty: nil (the client's default).
local function setting(name)
  local value = os.getenv(name)
  return value ~= "" and value or nil
end

-- An error kind → the HTTP status this server answers with. The caller of this server is not the
-- one holding the provider account: what only the operator can fix (the key, the credits, the
-- model name, a provider that broke) is a failure of this gateway's upstream, 502 or 503, never
-- 401/402/404, which would tell the caller that *their* credentials or URL were wrong. What the
-- caller can fix (the prompt) is a 4xx. Waiting is 429 (upstream rate limit: back-pressure the
-- caller should honour) or 503 (upstream down for now); running out of time is 504 as nginx's
-- own proxy says it. A kind missing here (a future one) answers 502.
local status_of_kind = {
  invalid_request = 400,   -- the provider refused the prompt or its parameters as written
  moderated = 422,         -- well-formed, refused by content policy: change the prompt
  input_unreachable = 422, -- an input URL in the request could not be fetched
  rate_limited = 429,      -- with Retry-After when the provider gave one
  authentication = 502,    -- this server's provider key is wrong: the operator's problem
  permission_denied = 502, -- this server's key may not use the model
  not_found = 502,         -- the configured model (or the task) is unknown to the provider
  conflict = 502,
  generation_failed = 502, -- the provider failed this generation; retryable, costs a new one
  server_error = 502,
  network = 502,           -- the provider could not be reached
  protocol = 502,          -- the provider answered something unreadable
  payment_required = 503,  -- out of credits: unavailable until the operator tops up
  unavailable = 503,       -- the model or service is down for now
  cancelled = 503,         -- the task was cancelled before it finished
  timeout = 504,           -- the provider's generation timed out
  deadline_exceeded = 504, -- WAIT_SECONDS ran out
  usage = 500,             -- gentask was called wrongly: a bug in this handler
}

local M = { status_of_kind = status_of_kind }

-- One client per worker, built on the first request: its sockets and timers belong to this
-- worker's event loop. (init_by_lua runs in the master, where they would be useless.) With
-- GENTASK_JOURNAL every worker's client opens the same file and the workers share the key: a
-- place per task in flight under one max_in_flight, the 429 pause, and webhook deliveries (a
-- delivery nginx hands to one worker ends the request waiting on another). A file goes in a
-- directory the workers' user can write (see README.md); workers that start together on a new
-- one all open it.
local client

local function get_client()
  if not client then
    local base_url = os.getenv "GENTASK_BASE_URL"
    if not os.getenv "GENTASK_API_KEY" then
      ngx.log(ngx.ERR, "GENTASK_API_KEY is not set: export it, and list it in an `env` line of nginx.conf")
    end
    client = gentask.client {
      provider = PROVIDER,
      api_key = os.getenv "GENTASK_API_KEY",
      base_url = base_url ~= "" and base_url or nil,
      webhook_url = setting "GENTASK_WEBHOOK_URL",
      webhook_secret = setting "GENTASK_WEBHOOK_SECRET",
      journal = setting "GENTASK_JOURNAL",
      max_in_flight = tonumber(setting "GENTASK_MAX_IN_FLIGHT"),
      poll_interval = tonumber(setting "GENTASK_POLL_INTERVAL"),
    }
  end
  return client
end

-- ---- /metrics: every worker's numbers, summed (the pattern nginx-lua-prometheus uses) ----------

-- Each worker publishes its snapshot in the shared dict (nginx.conf's lua_shared_dict) under its
-- worker id, so that whichever worker answers /metrics sums them all. A worker that nginx
-- replaced comes back under the same id and starts its counters from 0: Prometheus reads that as
-- a counter reset.
local METRICS_DICT = "gentask_metrics"

local function publish_metrics()
  local dict = ngx.shared[METRICS_DICT]
  if not dict then return end
  local encoded = json.encode(gentask.metrics())
  local ok, err = dict:set("worker:" .. ngx.worker.id(), encoded)
  if not ok then ngx.log(ngx.WARN, "gentask metrics not published: ", err) end
end

--- init_worker_by_lua: the worker publishes every `seconds`, whatever it is doing.
function M.publish_metrics_every(seconds)
  local ok, err = ngx.timer.every(seconds, function(premature)
    if not premature then publish_metrics() end
  end)
  if not ok then ngx.log(ngx.ERR, "gentask metrics: no timer: ", err) end
end

--- location = /metrics: every worker's snapshot (this one's as of now), summed and rendered.
function M.metrics()
  publish_metrics()
  local dict = ngx.shared[METRICS_DICT]
  local snapshots = {}
  for id = 0, ngx.worker.count() - 1 do
    local snapshot = dict and json.decode(dict:get("worker:" .. id) or "null")
    if type(snapshot) == "table" then snapshots[#snapshots + 1] = snapshot end
  end
  ngx.header["Content-Type"] = "text/plain; version=0.0.4"
  ngx.header["Cache-Control"] = "no-store"
  ngx.print(metrics.prometheus(metrics.sum(snapshots)))
end

local function send(status, body)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.header["Cache-Control"] = "no-store"
  ngx.say(json.encode(body))
end

local function send_error(status, kind, message, retryable)
  return send(status, { error = { kind = kind, message = message, retryable = retryable } })
end

-- The prompt from ?prompt=, a JSON body {"prompt": "..."} or a plain-text body.
local function read_prompt()
  local method = ngx.req.get_method()
  if method == "GET" then
    local prompt = ngx.req.get_uri_args().prompt
    return type(prompt) == "string" and prompt or nil
  end
  ngx.req.read_body()
  local body = ngx.req.get_body_data()
  if not body then return nil end
  if body:match "^%s*{" then
    local decoded = json.decode(body)
    return type(decoded) == "table" and type(decoded.prompt) == "string" and decoded.prompt or nil
  end
  return body
end

-- How long the caller lets this server wait out the provider's rate limit before answering 429:
-- RFC 7240's "Prefer: wait=N" (seconds), capped at WAIT_SECONDS; without it, 0.
--
-- A header, not a query argument: it is a preference about this one exchange, not part of what
-- is asked for (the same prompt and Idempotency-Key are the same generation whatever the wait),
-- and "wait" is the name HTTP gives it — a server may honour a preference in part and says what
-- it applied in Preference-Applied. Here it bounds the wait for a provider that has not taken the
-- generation (nothing paid); a generation the provider took is waited for to the end (up to
-- WAIT_SECONDS): it is paid, and an earlier answer would leave the caller nothing to fetch.
--
-- The default is 0, a 429 at once: that is what an API that meets a rate limit answers (the
-- providers' own APIs do), and what an API caller's client is built for — its own backoff, or
-- its queue, honours Retry-After. Holding the request instead hides the back-pressure, ties up a
-- connection per waiting caller, and outlasts the read timeouts of proxies in between (nginx's
-- own proxy_read_timeout is 60 s); a caller that would rather wait says so.
local function preferred_wait(headers)
  local values = headers["Prefer"]
  if type(values) == "string" then values = { values } end
  for _, value in ipairs(type(values) == "table" and values or {}) do
    for preference in value:gmatch "[^,]+" do
      -- a preference's own parameters (after ";") say nothing of the wait; its name is any case
      local seconds = (preference:match "^[^;]*"):lower():match '^%s*wait%s*=%s*"?(%d+)"?%s*$'
      if seconds then return math.min(tonumber(seconds), WAIT_SECONDS) end
    end
  end
end

-- Keyed generations answered 429 that go on unsent, under their key, until the provider takes
-- them (or their deadline ends them): held here so that this worker keeps them going, and the
-- same key asked again finds the same task. Done ones are let go at the next request.
local kept = {}

local function keep(key, task)
  for other, t in pairs(kept) do
    if t.done then kept[other] = nil end
  end
  kept[key] = task
end

-- The task's outcome: result, or the error to answer with and whether the provider's refusal
-- (nothing paid) ended the wait. A task the provider has not taken is looked at every
-- HELD_CHECK_SECONDS: refused with 429 (its own submit, or the client's pause it waits behind)
-- and past the caller's wait, it is answered. One that was taken is paid: waited for to the end.
local function await(task, started, refusal_wait)
  while task.state == "queued" or task.state == "submitting" do
    local result, err = task:result(HELD_CHECK_SECONDS)
    if result or err.kind ~= "deadline_exceeded" or task.done then return result, err end
    -- "queued": waiting out the refusal, no submit on the wire (one on the wire may be taken)
    local held_by = err.cause
    if task.state == "queued" and held_by and held_by.kind == "rate_limited" and held_by.submitted == "no"
      and ngx.now() - started >= refusal_wait then
      return nil, held_by, true
    end
  end
  -- started after the task's own deadline (WAIT_SECONDS from its submit): that deadline ends it
  return task:result(WAIT_SECONDS)
end

function M.handle()
  local method = ngx.req.get_method()
  if method ~= "GET" and method ~= "POST" then
    ngx.header["Allow"] = "GET, POST"
    return send_error(405, "invalid_request", "use GET ?prompt= or POST a prompt", false)
  end
  local prompt = read_prompt()
  if not prompt or not prompt:find "%S" then
    return send_error(400, "invalid_request", 'a prompt is required: ?prompt=... or {"prompt": "..."}', false)
  end

  local started = ngx.now()
  local headers = ngx.req.get_headers()
  local key = headers["Idempotency-Key"]
  if key ~= nil and (type(key) ~= "string" or #key > 200 or not os.getenv "GENTASK_JOURNAL") then
    return send_error(400, "invalid_request", "Idempotency-Key: one value of at most 200 characters, "
      .. "on a server with a journal", false)
  end
  -- a keyed submit asks the journal on the engine's loop (Redis too): it never holds the worker
  local ok, task = pcall(function()
    return get_client():submit(MODEL, { prompt = prompt }, { task_timeout = WAIT_SECONDS, key = key })
  end)
  local refusal_wait = preferred_wait(headers)
  if refusal_wait then ngx.header["Preference-Applied"] = "wait=" .. refusal_wait end
  local result, err, refused
  if ok then
    result, err, refused = await(task, started, refusal_wait or 0)
    if refused and key then
      keep(key, task)   -- it goes out when the provider allows; the same key again gets it
    elseif refused then
      task:cancel()     -- never sent (nothing paid), and nobody could ask for it again
    elseif err and err.kind == "deadline_exceeded" and not key then
      -- the deadline left a paid one for recover(); unkeyed, no caller can fetch it: stop it
      task:cancel()
    end
    publish_metrics()   -- its end is in /metrics at once, not at the next tick
    -- the deadline's cause says what kept it: the provider's 429 is this server's 429
    if err and err.kind == "deadline_exceeded" and err.cause then err = err.cause end
  else
    -- a usage error (a bad base URL, say) is a typed table already; anything else is a bug here,
    -- made one (gentask.errors.new: its tostring says kind, code and message like the others)
    err = gentask.errors.is(task) and task or gentask.errors.new { kind = "usage", message = tostring(task) }
  end
  -- worker: which nginx worker answered (with several, the logs of that pid tell its story)
  if result then return send(200, { url = result.url, id = task.id, worker = ngx.worker.pid() }) end

  local status = status_of_kind[err.kind] or 502
  -- The operator reads why here: tostring(err) is "gentask: KIND (provider, phase, HTTP status,
  -- code CODE, ids): MESSAGE" — the message as gentask wrote it, which the answer below does not
  -- carry for a usage error. It never shows the API key (the core scrubs it from every text).
  ngx.log(status >= 500 and ngx.ERR or ngx.INFO, "generation failed: ", tostring(err))
  if err.retry_after and (status == 429 or status == 503) then
    ngx.header["Retry-After"] = tostring(math.ceil(err.retry_after))
  end
  -- a usage error is this server's bug: its details (file names, lines) stay in the log
  local message = err.kind == "usage" and "the server could not submit the generation" or err.message or err.kind
  if not refused then return send_error(status, err.kind, message, err.retryable) end
  -- waited: the seconds this server waited out the limit; kept: a keyed one goes on under its key
  return send(status, { error = { kind = err.kind, message = message, retryable = err.retryable },
                        waited = math.floor((ngx.now() - started) * 1000 + 0.5) / 1000, kept = key ~= nil })
end

-- location = /webhook: a provider's push of a task's end. The delivery ends the /generate request
-- waiting on this worker for that task (a signed one at once; an unsigned one by an immediate
-- poll). A refused signature answers 401 and changes nothing. A delivery for a task this worker
-- does not hold is posted, with a journal, for the worker that holds it (its signature checked
-- here first), and acknowledged either way (the provider must not retry it forever).
function M.webhook()
  if ngx.req.get_method() ~= "POST" then
    ngx.header["Allow"] = "POST"
    return send_error(405, "invalid_request", "a webhook is a POST", false)
  end
  -- nginx.conf's client_max_body_size (1m, gentask.webhook_max_body) has refused a longer body
  -- with 413 unread; client_body_buffer_size keeps the rest in memory, where get_body_data finds it
  ngx.req.read_body()
  local body = ngx.req.get_body_data()
  if not body then return send_error(400, "invalid_request", "a webhook carries a body", false) end
  local delivery, err = get_client():webhook { headers = ngx.req.get_headers(), body = body }
  if not delivery then
    ngx.log(ngx.WARN, "webhook refused: ", tostring(err))
    -- the provider's keys not fetched yet (scheme "ed25519"): 503, and the provider sends it again
    local status = err.kind == "authentication" and 401 or err.code == "webhook_body_too_large" and 413
      or err.retryable and 503 or 400
    return send_error(status, err.kind, err.message, false)
  end
  ngx.log(ngx.INFO, "webhook for task ", tostring(delivery.id), ": ",
    delivery.task and "ended here" or delivery.posted and "posted for another worker" or "no task of ours")
  return send(200, { received = true, task = delivery.task ~= nil, posted = delivery.posted })
end

return M
