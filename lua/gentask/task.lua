--- The task's methods: wait, result, on, cancel, download.
-- A task is a userdata: the binding reads its fields (id, state, phase, progress, provider,
-- request_id, done, downloading, cancel_confirmed, cancel_error) from the core on every access
-- and offers primitives (core.task_cancel, task_error, task_urls, task_body); the methods are
-- built here, once, and handed to the binding with core.task_class. wait() yields here, in Lua,
-- never in C.
-- @module gentask.task

local core = require "gentask.core"
local cjson = require "cjson.safe"
local errors = require "gentask.errors"
local scheduler = require "gentask.scheduler"

local task = {}

-- One value and one error table per task, however often they are asked for.
local values = setmetatable({}, { __mode = "k" })
local failures = setmetatable({}, { __mode = "k" })

-- The final response, decoded only when a caller looks at result.raw.
local Result = {
  __index = function(result, key)
    if key ~= "raw" then return nil end
    local raw = cjson.decode(rawget(result, "_body") or "null")
    rawset(result, "raw", raw)
    return raw
  end,
}

-- The files a download wrote (files[i]) or why not (download_errors[i]), one of the two per
-- result, and when the URLs stop working: set on the result when the downloads end.
local function take_files(t, v)
  local files, failed, expires_at = core.task_files(t)
  v.expires_at = expires_at
  if next(files) == nil and next(failed) == nil then return files, failed end
  for _, e in pairs(failed) do errors.new(e) end
  v.files, v.download_errors = files, next(failed) ~= nil and failed or nil
  return files, failed
end

--- A finished task's outcome: true, result table | false, error table.
-- @local
function task.outcome(t)
  if t.state == "succeeded" then
    local v = values[t]
    if not v then
      local urls, texts = core.task_urls(t)
      v = setmetatable({ urls = urls, url = urls[1], texts = texts, id = t.id, provider = t.provider,
                         request_id = t.request_id, cost = core.task_cost(t), _body = core.task_body(t) }, Result)
      take_files(t, v)
      values[t] = v
    end
    return true, v
  end
  local e = failures[t]
  if not e then
    e = errors.new(core.task_error(t) or { kind = "protocol", message = "the task ended without an error" })
    e.cost = core.task_cost(t) -- what the failure cost, where that is known (0: nothing)
    failures[t] = e
  end
  return false, e
end

function task.deadline_error(t, seconds)
  return errors.new {
    kind = "deadline_exceeded", retryable = false, provider = t.provider, task_id = t.id,
    request_id = t.request_id, phase = t.phase,
    message = ("the wait of %gs ran out before the task finished; the task goes on"):format(seconds),
    -- what holds it, as the task's own deadline would say: a 429 its submit waits out, say
    cause = core.task_held_by(t),
  }
end

function task.check(t, level)
  if not core.is_task(t) then errors.usage("expected a gentask task, got " .. type(t), (level or 1) + 1) end
end

function task.check_timeout(seconds, level)
  if seconds ~= nil and (type(seconds) ~= "number" or seconds ~= seconds or seconds < 0) then
    errors.usage("timeout must be a number of seconds >= 0, got " .. tostring(seconds), (level or 1) + 1)
  end
end

local function stop_at_once() return true end

-- The one implementation behind wait() (raises) and result() (returns nil, err).
local function settle(t, seconds)
  task.check(t, 3)
  task.check_timeout(seconds, 3)
  if scheduler.wait_tasks({ t }, seconds, stop_at_once) == "timeout" then
    return false, task.deadline_error(t, seconds)
  end
  return task.outcome(t)
end

--- A task, made by client:submit, client:attach or client:recover.
-- @type Task

--- Waits for the task and returns its result; raises its error table.
-- Inside a gentask coroutine it yields, outside one it drives the engine. A wait that runs out
-- raises deadline_exceeded: the task goes on, and can be waited for again.
-- @function Task:wait
-- @number[opt] seconds how long to wait at most
-- @treturn table the result: { url, urls, texts, id, provider, request_id, cost, raw, files, … }
local function wait(t, seconds)
  local ok, value = settle(t, seconds)
  if not ok then error(value, 0) end
  return value
end

--- The same wait, not raising.
-- @function Task:result
-- @number[opt] seconds how long to wait at most
-- @treturn[1] table the result
-- @return[2] nil
-- @treturn[2] table the error
local function result(t, seconds)
  local ok, value = settle(t, seconds)
  if ok then return value end
  return nil, value
end

--- Where task:download(dir_or_path) writes: a path whose last part has an extension names the
-- file (out/fox.png; with several results out/fox-1.png, …), anything else is a directory.
-- @local
function task.download_target(dir_or_path, name)
  local dir, base, ext = dir_or_path:match("^(.-)/?([^/]-)(%.%w+)$")
  if base and base ~= "" and name == nil then return dir ~= "" and dir or ".", base, ext end
  if dir_or_path:sub(1, 1) == "/" and dir_or_path:match("^/+$") then return "/", name end
  return (dir_or_path:gsub("/+$", "")), name
end

--- Fetches a succeeded task's results (again) through the engine.
-- Yields inside a gentask coroutine, drives the engine outside one.
-- @function Task:download
-- @string dir_or_path a path whose last part has an extension names the file; anything else is
-- a directory
-- @tparam[opt] table opts { name = the base name in a directory }
-- @treturn table the files written: { path, bytes, sha256, content_type, url } per result
-- @treturn table the download errors, per result
local function download(t, target, opts)
  task.check(t, 2)
  if type(target) ~= "string" or target == "" then errors.usage("download expects a directory or a file path", 2) end
  if opts ~= nil and type(opts) ~= "table" then errors.usage("download options must be a table", 2) end
  local name = opts and opts.name
  if name ~= nil and (type(name) ~= "string" or name == "") then errors.usage("download: name must be a string", 2) end
  if not t.done then scheduler.wait_tasks({ t }, nil, stop_at_once) end
  local dir, base, ext = task.download_target(target, name)
  local ok, why = core.task_download(t, dir, base, ext)
  if not ok then errors.usage("download: " .. tostring(why), 2) end
  scheduler.work_added()
  scheduler.wait_tasks({ t }, nil, stop_at_once)
  local _, v = task.outcome(t)
  return take_files(t, v)
end

--- Calls fn when the task ends, or when its progress changes.
-- "done": fn(result, err, task), keeping the task alive until then; "progress": fn(task, pct).
-- @function Task:on
-- @string event "done" or "progress"
-- @func fn the callback
-- @return the task
-- @usage task:on("done", function(result, err) print(result and result.url or tostring(err)) end)
local function on(t, event, fn)
  task.check(t, 2)
  if type(fn) ~= "function" then errors.usage("on() needs a function", 2) end
  if event == "done" then
    scheduler.on_done(t, function()
      local ok, value = task.outcome(t)
      if ok then fn(value, nil, t) else fn(nil, value, t) end
    end)
  elseif event == "progress" then
    scheduler.on_progress(t, fn)
  else
    errors.usage("unknown event '" .. tostring(event) .. "' (expected \"done\" or \"progress\")", 2)
  end
  return t
end

--- Stops polling at once, and sends the provider's cancel where it documents one.
-- Where the provider has the task, it is "cancelling" until the answer (task.cancel_confirmed);
-- until then the task is held, so that run() and a waiting wait() see the cancel through.
-- @function Task:cancel
local function cancel(t)
  task.check(t, 2)
  core.task_cancel(t)
  if not t.done then
    scheduler.on_done(t, function() end)
    scheduler.work_added()   -- a host loop watches the cancel's socket from now on
  end
end

-- Every method a task has, in one place.
core.task_class {
  wait = wait,
  result = result,
  on = on,
  cancel = cancel,
  download = download,
}

return task
