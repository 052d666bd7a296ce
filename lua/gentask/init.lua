--- Drive asynchronous generative-media APIs (submit → poll → result) from Lua.
-- A client per provider submits tasks; a task is waited for, in a coroutine (gentask.run,
-- gentask.spawn) or a plain script, and ends with a result table or a typed error table
-- (gentask.errors). README.md is the guide; docs/ the reference.
-- @module gentask
-- @usage
-- local gentask = require "gentask"
-- local fox = gentask.client { provider = "foxapi", api_key = os.getenv "FOXAPI_API_KEY" }
-- local result = fox:submit("flux-dev", { prompt = "a red fox in snow" }):wait()
-- print(result.url)

local cjson = require "cjson.safe"
local core = require "gentask.core"
local errors = require "gentask.errors"
local log = require "gentask.log"
local scheduler = require "gentask.scheduler"
local task = require "gentask.task"
local file = require "gentask.file"

local unpack = table.unpack or unpack   -- 5.1 and LuaJIT keep it global

local gentask = { errors = errors, _VERSION = "gentask 0.1.0" }
-- The largest webhook body client:webhook reads (bytes): read at most one byte more from the request.
gentask.webhook_max_body = core.webhook_max_body
local engine = scheduler.engine
local usage = errors.usage

-- ---- clients ---------------------------------------------------------------------------------

local Client = {}
Client.__index = Client

-- The names a client's table and a submit's options may hold: the core's options (core.options:
-- name, unit, bounds, default, scope) and these. A misspelt name (max_retrys) is a usage error,
-- not a silent default. key names one request, so it is a submit's alone (no client default).
local own_names = {
  client = { provider = true, api_key = true, base_url = true, region = true, resubmit = true, download = true,
             log = true, prices = true },
  task = { resubmit = true, key = true, download = true },
}
for _, option in ipairs(core.options) do
  own_names.task[option.name] = true
  own_names.client[option.name] = true
end

-- Options a client (or one submit) accepts are the core's; resubmit, a structured one, is
-- checked here.
local function check_options(opts, level, scope)
  for name in pairs(opts) do
    if not own_names[scope][name] then usage(("unknown option '%s'"):format(tostring(name)), level + 1) end
  end
  local problem = core.check_options(opts, scope)
  if problem then usage(problem, level + 1) end
  if opts.key ~= nil and (type(opts.key) ~= "string" or opts.key == "" or #opts.key > 4096) then
    usage("key must be a non-empty string (the caller's own name for this request)", level + 1)
  end
  local d = opts.download
  if d ~= nil and (type(d) ~= "table" or type(d.dir) ~= "string" or d.dir == ""
                   or (d.name ~= nil and (type(d.name) ~= "string" or d.name == ""))) then
    usage("download must be { dir = \"directory\", name = \"base name\" (optional) }", level + 1)
  end
  local r = opts.resubmit
  if r ~= nil then
    if type(r) ~= "table" or type(r.kinds) ~= "table" or (r.max ~= nil and type(r.max) ~= "number") then
      usage("resubmit must be { kinds = { kind, ... }, max = n }", level + 1)
    end
    for _, kind in ipairs(r.kinds) do
      if errors.kinds[kind] == nil then usage("resubmit.kinds: unknown kind " .. tostring(kind), level + 1) end
    end
  end
end

local function load_profile(provider)
  if type(provider) == "table" then return provider end
  if type(provider) ~= "string" or not provider:match("^[%w_]+$") then
    usage("client{provider=} must be a provider name or a profile table", 4)
  end
  local ok, profile = pcall(require, "gentask.providers." .. provider)
  if not ok then usage("unknown provider '" .. provider .. "'", 4) end
  return profile
end

--- Makes a client of one provider.
-- Every option but provider is optional; the core's options (`require("gentask.core").options`:
-- unit, bounds, default) and provider, api_key, base_url, region, resubmit, download, log, prices.
-- A misspelt name or a value outside its bounds is a usage error at once.
-- @tparam table opts the options: provider (a name or a profile table), api_key, base_url, …
-- @treturn Client the client
-- @usage local bfl = gentask.client { provider = "bfl", api_key = key, max_in_flight = 4 }
function gentask.client(opts)
  if type(opts) ~= "table" then usage("gentask.client expects a table of options", 2) end
  local profile = load_profile(opts.provider)
  if opts.api_key ~= nil and type(opts.api_key) ~= "string" then usage("api_key must be a string", 2) end
  local base_url = opts.base_url or profile.base_url
  if opts.region ~= nil then
    local regions = type(profile.regions) == "table" and profile.regions or {}
    if opts.base_url ~= nil then usage("give base_url or region, not both", 2) end
    base_url = regions[opts.region]
    if type(opts.region) ~= "string" or not base_url then
      local names = {}
      for name in pairs(regions) do names[#names + 1] = name end
      table.sort(names)
      usage(("%s has no region '%s'%s"):format(tostring(profile.name), tostring(opts.region),
        #names > 0 and " (regions: " .. table.concat(names, ", ") .. ")" or ""), 2)
    end
  end
  if type(base_url) ~= "string" or not base_url:match("^https?://") then
    usage("base_url must be an http(s) URL", 2)
  end
  if type(profile.request) ~= "function" then usage("the provider profile has no request function", 2) end
  check_options(opts, 2, "client")
  -- a provider that authenticates (a header, or the key in the body) cannot work without one
  if type(profile.auth) == "table" and (opts.api_key == nil or opts.api_key == "") then
    usage(("api_key is required for %s"):format(tostring(profile.name)), 2)
  end
  if opts.log ~= nil and type(opts.log) ~= "function" then usage("log must be a function(line)", 2) end
  local ok, core_client = pcall(engine.client, engine, profile, base_url, opts.api_key, opts)
  if not ok then
    -- the core says whose fault: the caller's (usage), or the store's (unavailable, with its code)
    local e = type(core_client) == "table" and core_client or { kind = "usage", message = tostring(core_client) }
    if e.kind == "usage" then usage(e.message, 2) end
    error(errors.new { kind = e.kind, retryable = e.retryable, code = e.code, message = e.message }, 2)
  end
  local sink = log.sink(opts.log)
  -- the key stays in the core: this table never holds it
  local client = setmetatable({ _core = core_client, _profile = profile, provider = profile.name,
                                base_url = base_url, _download = opts.download }, Client)
  if sink then scheduler.log_events(core_client, function(event) sink(log.format(event)) end, client) end
  return client
end

--- A client of one provider, made by gentask.client. Its key stays in the C core.
-- @type Client
function Client:__tostring()
  return ("gentask.client(%s %s)"):format(tostring(self.provider), self.base_url)
end

--- Starts a task.
-- The submit starts at once (or queues behind the client's max_in_flight); wait() for its
-- outcome.
-- @string model the provider's model name
-- @tparam[opt] table params the request's parameters (gentask.file values are read first)
-- @tparam[opt] table options this task's options, overriding the client's (and key, download)
-- @treturn gentask.task the task
function Client:submit(model, params, options)
  if getmetatable(self) ~= Client then usage("call submit as client:submit(model, params)", 2) end
  if type(model) ~= "string" or model == "" then usage("submit expects a model name", 2) end
  if params ~= nil and type(params) ~= "table" then usage("submit params must be a table", 2) end
  if self._core:closed() then usage("the client is closed: it takes no more submits", 2) end
  if options ~= nil then
    if type(options) ~= "table" then usage("submit options must be a table", 2) end
    check_options(options, 2, "task")
  end
  -- local files are read, checked and encoded first: a missing one is refused before anything is paid
  local problem
  params, problem = file.encode_params(params or {}, self._profile)
  if not params then usage(problem, 2) end
  local ok, request = pcall(self._profile.request, model, params)
  if not ok then usage(tostring(request), 2) end
  local body, err = cjson.encode(request.body)
  if not body then usage("params cannot be sent as JSON: " .. tostring(err), 2) end
  -- body is what the journal keeps: the core adds the key (ModelsLab's body field) to what it sends only
  local t, refusal = self._core:submit(request.path, body, request.poll_path, options, model, options and options.key)
  if not t then usage(refusal, 2) end
  -- results fetched as soon as it succeeds (name default: the caller's key, else the task's id)
  local download = options and options.download or self._download
  if download then core.task_download(t, download.dir, download.name) end
  scheduler.work_added()   -- a host loop watches the new request's socket from now on
  return t
end

--- Hands one webhook delivery the caller's HTTP server received to the client.
-- Where the provider signs (the profile's webhook.scheme: BFL's hex HMAC, Standard Webhooks,
-- Ed25519 with published keys) and the client can check it, a missing, wrong, stale or replayed
-- signature is refused (err.kind "authentication", phase "webhook"; keys not fetched yet:
-- "unavailable", retryable) and nothing changes; a valid one is read as a poll answer and ends
-- the matching task at once. Where nothing can be verified, the matching task polls now instead.
-- @tparam table delivery { headers = { name = value, … }, body = raw body string }
-- @treturn[1] table what the payload says (state, id, progress, urls), verified, task (this
-- client's task with that id, or nil) and posted (not this client's task: handed through the
-- shared journal to the client of the key that holds it)
-- @return[2] nil
-- @treturn[2] table the error
function Client:webhook(delivery)
  if getmetatable(self) ~= Client then usage("call webhook as client:webhook{ headers =, body = }", 2) end
  if type(delivery) ~= "table" or type(delivery.body) ~= "string" then
    usage("webhook expects { headers = { name = value, ... }, body = raw body string }", 2)
  end
  if delivery.headers ~= nil and type(delivery.headers) ~= "table" then usage("webhook headers must be a table", 2) end
  local reading, t = self._core:webhook(delivery.headers or {}, delivery.body)
  if not reading then return nil, errors.new(t) end
  reading.task = t
  scheduler.work_added()   -- a task told to poll now has a new request on the wire
  return reading
end

--- Resumes the tasks a stopped process left in the journal.
-- One task per journal record that has not ended: accepted ones are polled, queued ones
-- submitted, sending ones resent where an idempotency key makes it safe (FLORA) and failed with
-- submitted = "unknown" where not. Needs the client's journal. A record is data: the files it
-- asks for are written only under options.download.dir (else the client's download.dir), never
-- where the record alone says.
-- @tparam[opt] table options task options; download takes a dir only, and no key
-- @treturn {gentask.task,...} the tasks
function Client:recover(options)
  if getmetatable(self) ~= Client then usage("call recover as client:recover()", 2) end
  if self._core:closed() then usage("the client is closed: it recovers nothing", 2) end
  if options ~= nil then
    if type(options) ~= "table" then usage("recover options must be a table", 2) end
    check_options(options, 2, "task")
    if options.key ~= nil then usage("recover takes no key: each record keeps its own", 2) end
    if options.download and options.download.name ~= nil then
      usage("recover's download takes a dir only: each record keeps its own file names", 2)
    end
  end
  local download = options and options.download or self._download
  local tasks, err = self._core:recover(options, download and download.dir)
  -- a journal in Redis answers on the engine's loop: the engine runs (this coroutine yields, or
  -- a plain script drives it) until it has, and every other task goes on meanwhile
  while tasks == false do
    gentask.sleep(0.005)
    tasks, err = self._core:recover(options, download and download.dir)
  end
  if not tasks then
    if type(err) ~= "table" then usage(tostring(err), 2) end
    error(errors.new(err), 2)
  end
  scheduler.work_added()
  return tasks
end

--- Polls a task the provider already has (submitted by another process, say); never submits.
-- FLORA and APIXO need the model to know where to poll; poll_url, where the provider gave one
-- (BFL's polling_url), is followed only on the provider's own host.
-- @string id the provider's task id
-- @tparam[opt] table where { model =, poll_url = }
-- @tparam[opt] table options task options
-- @treturn gentask.task the task
function Client:attach(id, where, options)
  if getmetatable(self) ~= Client then usage("call attach as client:attach(id)", 2) end
  if type(id) ~= "string" or id == "" then usage("attach expects the provider's task id", 2) end
  if id:find "%c" then usage("attach: the task id holds a NUL or control character", 2) end
  if where ~= nil and type(where) ~= "table" then
    usage("attach's second argument must be { model =, poll_url = }", 2)
  end
  where = where or {}
  if where.model ~= nil and type(where.model) ~= "string" then usage("attach: model must be a string", 2) end
  if where.poll_url ~= nil and type(where.poll_url) ~= "string" then usage("attach: poll_url must be a string", 2) end
  if options ~= nil then
    if type(options) ~= "table" then usage("attach options must be a table", 2) end
    check_options(options, 2, "task")
  end
  local poll_path
  if where.model then
    local ok, request = pcall(self._profile.request, where.model, {})
    if not ok then usage(tostring(request), 2) end
    poll_path = request.poll_path
  end
  local static = type(self._profile.poll) == "table" and self._profile.poll.path
  if not (poll_path or static or where.poll_url) then
    usage(("attach on %s needs { model = } to know where to poll"):format(tostring(self.provider)), 2)
  end
  local t = self._core:attach(id, where.poll_url, poll_path, options)
  scheduler.work_added()
  return t
end

-- A journal whose writes keep failing (a full disk, Redis away) is waited for this long by close().
local CLOSE_PATIENCE = 5

--- Stops taking submits, and returns once those on the wire are answered.
-- A task not yet submitted ends cancelled (submitted = "no"); the submits on the wire are
-- answered and journaled. Accepted tasks poll on as long as something drives the engine (wait
-- for them, or leave them to a journal's recover()). A journal whose writes have failed for
-- CLOSE_PATIENCE seconds in a row is not waited for longer; its records are still written if
-- the engine runs on.
-- @treturn int how many journal records it could not write (0: all are written)
-- @treturn ?string the journal's error
function Client:close()
  if getmetatable(self) ~= Client then usage("call close as client:close()", 2) end
  self._core:close()
  local function busy()
    local s = self._core:stats()
    return s.submits_on_wire > 0 or (s.journal_pending > 0 and s.journal_failing_for < CLOSE_PATIENCE)
  end
  while busy() do gentask.sleep(0.01) end
  local s = self._core:stats()
  return s.journal_pending, s.journal_error
end

--- What the client is doing now.
-- @treturn table in_flight, queued, accepted, cap (learned from 429s), max_in_flight, requests,
-- requests_queued, paused_for, submits, refused, submitted (what max_submits counts; with a
-- journal, over every process that used it), submits_on_wire, journal_pending (records not
-- written yet), journal_failing_for (seconds the journal's writes have failed in a row; 0 while
-- they succeed) and journal_error (why, while they fail)
function Client:stats()
  if getmetatable(self) ~= Client then usage("call stats as client:stats()", 2) end
  return self._core:stats()
end

--- What the client counted since it was made.
-- Its requests by phase and HTTP status with their durations, its tasks by model and outcome
-- with theirs, resends, 429s, pauses, refusals, budget refusals, and the in_flight and queued
-- gauges. Plain data: render it with require("gentask.metrics").prometheus(snapshot).
-- docs/metrics.md says what each number is.
-- @treturn table the snapshot
function Client:metrics()
  if getmetatable(self) ~= Client then usage("call metrics as client:metrics()", 2) end
  return self._core:metrics()
end

--- Reading responses, concurrency, files, metrics and the fleet.
-- @section more

--- Reads a response received elsewhere (a webhook, a proxy's log) exactly as the engine reads one.
-- For a success whose results a second request fetches (the profile's `result`), the reading
-- has fetch_result = true with result_url or result_id. Phase "result" reads that second
-- request's answer.
-- @tparam table response { provider =, phase = "submit"|"poll"|"result", status =, headers =, body = }
-- @treturn ?table the error table the response is, or nil
-- @treturn ?table else what it says: { state, provider_state, id, progress, urls, texts, poll_url }
function gentask.classify(response)
  if type(response) ~= "table" then usage("classify expects a table", 2) end
  local profile = load_profile(response.provider)
  local phase = response.phase or "poll"
  if phase ~= "submit" and phase ~= "poll" and phase ~= "result" then
    usage("phase must be \"submit\", \"poll\" or \"result\"", 2)
  end
  if type(response.status) ~= "number" then usage("status must be the HTTP status number", 2) end
  if response.headers ~= nil and type(response.headers) ~= "table" then usage("headers must be a table", 2) end
  if response.body ~= nil and type(response.body) ~= "string" then usage("body must be a string", 2) end
  local ok, err, reading = pcall(core.classify, profile, phase, response.status, response.headers, response.body)
  if not ok then usage(tostring(err), 2) end
  if err then return errors.new(err) end
  return nil, reading
end

-- ---- concurrency -----------------------------------------------------------------------------

local function check_tasks(tasks, seconds)
  if type(tasks) ~= "table" then usage("expected a list of tasks", 3) end
  for i = 1, #tasks do task.check(tasks[i], 3) end
  task.check_timeout(seconds, 3)
end

--- Runs fn in a coroutine and drives every task until fn and everything it spawned are done.
-- An error in fn or in a spawned coroutine is raised here.
-- @func fn the function
-- @param ... its arguments
-- @return fn's results
function gentask.run(fn, ...)
  if type(fn) ~= "function" then usage("run expects a function", 2) end
  if scheduler.current() then return fn(...) end   -- already inside: just call
  local results
  local args, nargs = { ... }, select("#", ...)
  local group = scheduler.group()
  scheduler.spawn(group, function()
    local function keep(...) results = { n = select("#", ...), ... } end
    keep(fn(unpack(args, 1, nargs)))
  end)
  scheduler.drive(function() return group.live == 0 end)
  return unpack(results, 1, results.n)
end

--- Starts fn in a new coroutine now; it runs until its first wait and is resumed by the engine.
-- @func fn the function
-- @param ... its arguments
function gentask.spawn(fn, ...)
  if type(fn) ~= "function" then usage("spawn expects a function", 2) end
  scheduler.spawn(nil, fn, ...)
end

--- Every task's result, in order; raises the first failure as soon as it happens.
-- @tparam {gentask.task,...} tasks the tasks
-- @number[opt] seconds how long to wait at most
-- @treturn {table,...} the results
function gentask.all(tasks, seconds)
  check_tasks(tasks, seconds)
  local failed
  local outcome = scheduler.wait_tasks(tasks, seconds, function(t)
    if t.state ~= "succeeded" then failed = t return true end
  end)
  if outcome == "stopped" then error(select(2, task.outcome(failed)), 0) end
  local results = {}
  for i = 1, #tasks do
    if not tasks[i].done then error(task.deadline_error(tasks[i], seconds), 0) end
    results[i] = select(2, task.outcome(tasks[i]))
  end
  return results
end

--- The first task to succeed; when every task fails, raises the first one's error.
-- @tparam {gentask.task,...} tasks the tasks
-- @number[opt] seconds how long to wait at most
-- @treturn table the result
-- @treturn int its task's index
function gentask.any(tasks, seconds)
  check_tasks(tasks, seconds)
  if #tasks == 0 then usage("any() needs at least one task", 2) end
  local winner
  local outcome = scheduler.wait_tasks(tasks, seconds, function(t)
    if t.state == "succeeded" then winner = t return true end
  end)
  if outcome == "stopped" then
    for i = 1, #tasks do if tasks[i] == winner then return select(2, task.outcome(winner)), i end end
  end
  if outcome == "timeout" then error(task.deadline_error(tasks[1], seconds), 0) end
  error(select(2, task.outcome(tasks[1])), 0)
end

--- Waits for every task; never raises for a task's failure.
-- @tparam {gentask.task,...} tasks the tasks
-- @number[opt] seconds how long to wait at most
-- @treturn {table,...} { {ok = true, value = result}, {ok = false, error = err}, … }
function gentask.settle(tasks, seconds)
  check_tasks(tasks, seconds)
  scheduler.wait_tasks(tasks, seconds, function() return false end)
  local out = {}
  for i = 1, #tasks do
    local t = tasks[i]
    if t.done then
      local ok, value = task.outcome(t)
      out[i] = ok and { ok = true, value = value } or { ok = false, error = value }
    else
      out[i] = { ok = false, error = task.deadline_error(t, seconds) }
    end
  end
  return out
end

--- A local file as a parameter value.
-- It is sent as the provider takes it (a data URI, or base64 where its profile says so).
-- @tparam string|table spec a path, or { bytes =, name = }
-- @return the value for params
function gentask.file(spec)
  return file.new(spec, usage)
end

--- Pauses the calling coroutine (or blocks a plain script) while tasks go on.
-- @number[opt] seconds how long (default 0)
function gentask.sleep(seconds)
  task.check_timeout(seconds, 2)
  scheduler.sleep(seconds or 0)
end

--- Advances every task without waiting: for hosts that call gentask once per frame.
-- @function gentask.update
gentask.update = scheduler.update

--- Every client of this process summed per provider.
-- Those a script let go of while their tasks go on included, as require("gentask.metrics").sum
-- makes it and its prometheus() renders.
-- @treturn table { providers = { [name] = … }, bounds = … }
function gentask.metrics()
  return require("gentask.metrics").sum(engine:metrics())
end

--- What every process sharing a journal is doing.
-- It writes nothing (a file is neither created nor migrated, no record taken over) and blocks
-- until answered: api_key (Redis only: it names the account's keys there) is used for that and
-- kept nowhere. A missing journal, a missing key for Redis, a bad option: a usage error, raised.
-- @tparam table opts { journal = FILE or "redis://…", api_key =, redis_timeout = }
-- @treturn[1] table { owners = { { id, host, pid, lease_left, places }, … }, tasks = { queued,
-- sending, accepted, ended }, providers = { [name] = the same }, paused_until, pause_left, cap,
-- sent (records whose submit went out), spend = { currency, settled, held, max_cost } (as
-- max_cost counts it; nil where no client with a cost currency wrote) }
-- @return[2] nil when the store cannot be read
-- @treturn[2] table the error: unavailable, code "journal" or "redis"
function gentask.fleet(opts)
  if type(opts) ~= "table" then usage("gentask.fleet expects a table: { journal = FILE or redis:// address }", 2) end
  if type(opts.journal) ~= "string" or opts.journal == "" then
    usage("fleet{journal=} must name a journal file or a redis:// address", 2)
  end
  if opts.api_key ~= nil and type(opts.api_key) ~= "string" then usage("api_key must be a string", 2) end
  local timeout = opts.redis_timeout
  if timeout ~= nil and not (type(timeout) == "number" and timeout > 0) then
    usage("redis_timeout must be a number of seconds above 0", 2)
  end
  local fleet, e = core.fleet(opts.journal, opts.api_key, timeout)
  if fleet then return fleet end
  if type(e) ~= "table" then return nil, errors.new { kind = "unavailable", message = tostring(e) } end
  if e.kind == "usage" then usage(e.message, 2) end
  return nil, errors.new { kind = e.kind, retryable = e.retryable, code = e.code, message = e.message }
end

--- Counters for tests and monitoring: tasks the core still holds.
-- @treturn table { live_tasks =, coroutines = }
function gentask.stats()
  return { live_tasks = engine:live_tasks(), coroutines = scheduler.live() }
end

-- Hosts that can be recognised get their adapter at once: OpenResty (a blocking wait would stall
-- the worker) and Neovim (its libuv loop). Game loops, copas and cqueues start theirs explicitly:
-- require("gentask.loop.frame" | "gentask.loop.copas" | "gentask.loop.cqueues").
if type(ngx) == "table" and type(ngx.timer) == "table" and ngx.config and ngx.config.ngx_lua_version then
  require("gentask.loop.ngx").start()
elseif type(vim) == "table" and (vim.uv or vim.loop) then
  require("gentask.loop.uv").start(vim.uv or vim.loop)
end

return gentask
