-- gentask.scheduler — coroutines and callbacks over the one engine.
--
-- Whoever waits for a task registers a "notify" on it: a coroutine (run/spawn) that is resumed
-- with the task, or a function that is called with it. A managed coroutine yields in Lua (never
-- across C, so PUC 5.1 and OpenResty are content); code outside one drives the engine itself until
-- what it waits for has happened. Either way, drain() is the one place that wakes waiters.

local core = require "gentask.core"
local errors = require "gentask.errors"
local plain = require "gentask.loop.plain"

local scheduler = {}

local engine = core.engine()
scheduler.engine = engine

local managed = {}      -- coroutine → its group while gentask owns it
local loose = { live = 0 }   -- the group of coroutines spawned outside any run()
local ready = {}        -- coroutines that yielded on their own: resumed on the next round
local waiters = {}      -- task → { notify, ... }: holds task and waiters until the task is done
local progress = {}     -- task → { last = n, fn, ... }
local alarm_owner = {}  -- alarm → notify
local failure           -- the first error a coroutine or callback raised; the driver re-raises it

local WAKE = {}         -- what gentask yields, so that a bare coroutine.yield() can be told apart

-- The host: how a caller outside any gentask coroutine idles until the engine has news. Plain
-- blocks in poll(2); host adapters (gentask.loop.*) replace it through scheduler.set_host:
--   idle(engine, seconds, runnable)  wait at most seconds (nil: until news) for the engine;
--                          runnable: coroutines of this context are ready, do not wait
--   driver                 true when the host's own driver steps and drains the engine
--   yields                 true when idle yields to the host (copas, cqueues, nginx)
--   context(), wake(ctx)   where a waiter yields to its host (a copas thread, an nginx request):
--                          a waiter woken from elsewhere is told by wake(ctx) to look again
--   pinned                 coroutines may only be resumed in the context that created them
--                          (OpenResty: one request's coroutines are not another's)
local host = { idle = plain.idle }
local owner = setmetatable({}, { __mode = "k" })      -- coroutine → its context
local deferred = setmetatable({}, { __mode = "k" })   -- context → { {co, value}, ... }

local function defer(co, ctx, value)
  local list = deferred[ctx] or {}
  deferred[ctx] = list
  list[#list + 1] = { co, value }
  host.wake(ctx)
end

local function resume(co, ...)
  -- A coroutine whose yield failed (PUC 5.1 cannot yield across pcall) may have died, or be the
  -- one running now, with a registration left behind: never resume it from there.
  if coroutine.status(co) ~= "suspended" then return end
  if host.pinned and owner[co] ~= nil and owner[co] ~= host.context() then
    return defer(co, owner[co], (...))
  end
  local ok, token = coroutine.resume(co, ...)
  if coroutine.status(co) == "dead" and managed[co] then
    managed[co].live = managed[co].live - 1
    managed[co] = nil
  end
  if not ok then
    if failure == nil then failure = type(token) == "table" and token or debug.traceback(co, tostring(token)) end
  elseif coroutine.status(co) == "suspended" and token ~= WAKE then
    ready[#ready + 1] = co
  end
end

local function call(fn, ...)
  local ok, err = pcall(fn, ...)
  if not ok and failure == nil then failure = err end
end

local function notify(target, value)
  if type(target) == "thread" then resume(target, value) else call(target, value) end
end

--- The coroutine gentask may yield from, or nil when the caller must block instead.
function scheduler.current()
  local co = coroutine.running()
  return co and managed[co] and co or nil
end

--- A group counts the coroutines of one run(): it ends when they all have. A coroutine spawned
-- from inside another joins its group, so run() waits for everything its function started.
function scheduler.group()
  return { live = 0 }
end

local function current_group()
  return managed[coroutine.running() or false] or loose
end

function scheduler.spawn(group, fn, ...)
  local co = coroutine.create(fn)
  group = group or current_group()
  managed[co] = group
  if host.pinned then owner[co] = host.context() end
  group.live = group.live + 1
  resume(co, ...)
  return co
end

--- How many managed coroutines have not finished (all groups).
function scheduler.live()
  local n = 0
  for _ in pairs(managed) do n = n + 1 end
  return n
end

-- Clients whose debug events are wanted (gentask.log): core client → function(event). Held
-- strongly: a script that drops its client while the tasks go on still gets their lines. Once the
-- client's Lua table is gone (owners is weak) and nothing of it is in flight, it is let go.
local loggers = {}
local owners = setmetatable({}, { __mode = "v" })
local logging = false

--- Hands a client's debug events to fn(event) from now on, while wrapper (the client's table) lives
-- or its tasks run.
function scheduler.log_events(core_client, fn, wrapper)
  loggers[core_client] = fn
  owners[core_client] = wrapper
  core_client:log(true)
  logging = true
end

-- Lines are written before the waiters they concern wake, so a log reads in the order things happened.
local function flush_logs()
  for core_client, fn in pairs(loggers) do
    local events = core_client:take_log()
    for i = 1, events and #events or 0 do call(fn, events[i]) end
    if owners[core_client] == nil then
      local s = core_client:stats()
      if s.in_flight == 0 and s.queued == 0 then
        loggers[core_client] = nil   -- safe while iterating: assigning nil to an existing field
        core_client:log(false)
      end
    end
  end
  logging = next(loggers) ~= nil
end

--- Everything the engine queued since last time: debug events, progress callbacks, finished
-- tasks, alarms.
local function drain()
  if logging then flush_logs() end
  local changed = engine:changed()
  for i = 1, #changed do
    local task = changed[i]
    local p = progress[task]
    if p and task.progress ~= p.last then
      p.last = task.progress
      for j = 1, #p do call(p[j], task, task.progress) end
    end
    if task.done then
      progress[task] = nil
      local list = waiters[task]
      waiters[task] = nil
      for j = 1, #(list or {}) do notify(list[j], task) end
    end
  end
  local fired = engine:fired()
  for i = 1, #fired do
    local target = alarm_owner[fired[i]]
    alarm_owner[fired[i]] = nil
    if target then notify(target, fired[i]) end
  end
end

local function raise_failure()
  if failure ~= nil then
    local err = failure
    failure = nil
    error(err, 0)
  end
end

local function mine_deferred()
  return host.pinned and deferred[host.context()]
end

-- Coroutines that yielded on their own get their turn, and those woken elsewhere for this context.
local function run_ready()
  local round = ready
  ready = {}
  for i = 1, #round do resume(round[i]) end
  local list = mine_deferred()
  if list then
    deferred[host.context()] = nil
    for i = 1, #list do resume(list[i][1], list[i][2]) end
  end
end

--- Installs a host loop's idle (and context) functions; see `host` above.
function scheduler.set_host(h)
  host = h or { idle = plain.idle }
end

-- A host loop's hook, called when new work may need its attention (a submit, an alarm), so that
-- it can watch the new sockets and re-arm its timer. Plain mode needs none.
local work_hook

function scheduler.on_work(fn)
  work_hook = fn
end

function scheduler.work_added()
  if work_hook then work_hook() end
end

--- Drives the engine until done() is true, idling in the host loop (plain: poll(2)) between events.
local function drive(done)
  while true do
    run_ready()
    raise_failure()
    if done() then return end
    local timeout = engine:timeout()
    local runnable = #ready > 0 or mine_deferred() ~= nil
    if timeout == nil and not runnable then
      error(errors.new { kind = "usage",
        message = "waiting for something that can never happen (no task in flight, no timer armed)" }, 0)
    end
    host.idle(engine, runnable and 0 or timeout, runnable)
    if not host.driver then drain() end
    raise_failure()
    if done() then return end
  end
end

-- PUC Lua 5.1 cannot yield across pcall, and hosts that yield while idling (copas) do just that.
local pcall_yields = _VERSION ~= "Lua 5.1" or jit ~= nil

--- Runs fn(...) protected where the host allows it: true, or false and the error.
local function protected(fn, ...)
  if pcall_yields or not host.yields then return pcall(fn, ...) end
  fn(...)
  return true
end

function scheduler.drive(done)
  local ok, err = protected(drive, done)
  -- a blocking wait moved sockets and timers behind a host loop's back: let it look again
  scheduler.work_added()
  if not ok then error(err, 0) end
end


--- One round without waiting: for hosts that call gentask once per frame.
function scheduler.update()
  if #ready > 0 or mine_deferred() then run_ready() end
  -- step() counts what it queued: an idle frame costs one call and no allocation
  if engine:step(0) > 0 then drain() elseif logging then flush_logs() end
  raise_failure()
end

local function remove(list, value)
  for i = #list, 1, -1 do
    if list[i] == value then table.remove(list, i) return end
  end
end

-- A user's callback runs in a coroutine of its own, in the group of the code that registered
-- it: it may wait and yield like any coroutine (on PUC 5.1 too), it never delays the waiters of
-- the same task, and run() waits for it as for anything else its function started.

--- Registers fn(task) for when the task is done (at once if it already is). The callback counts
-- in its group from now on, so run() also waits for the callbacks its function registered.
function scheduler.on_done(task, fn)
  local group = current_group()
  if task.done then return scheduler.spawn(group, fn, task) end
  group.live = group.live + 1
  local function start(t)
    group.live = group.live - 1
    scheduler.spawn(group, fn, t)
  end
  local list = waiters[task] or {}
  waiters[task] = list
  list[#list + 1] = start
end

--- Registers fn(task, progress) for every change of the task's progress.
function scheduler.on_progress(task, fn)
  if task.done then return end
  local p = progress[task] or { last = task.progress }
  progress[task] = p
  local group = current_group()
  p[#p + 1] = function(...) scheduler.spawn(group, fn, ...) end
end

-- A function waiter may be called from another context (OpenResty: the worker's driver): it
-- then wakes the context that waits, which looks at what the function recorded.
local function waking(fn)
  if not host.wake then return fn end
  local ctx = host.context()
  return function(...)
    fn(...)
    host.wake(ctx)
  end
end

--- Waits for tasks. stop(task) is asked about each task as it finishes (those already done
-- first); returns "stopped" as soon as it says true, "all" when every task is done, or
-- "timeout" when seconds pass first. Costs O(#tasks) however many tasks finish.
function scheduler.wait_tasks(tasks, seconds, stop)
  local result
  local pending, seen = {}, {}
  for i = 1, #tasks do
    local task = tasks[i]
    if not seen[task] then
      seen[task] = true
      if task.done then
        if stop(task) then return "stopped" end
      else
        pending[#pending + 1] = task
      end
    end
  end
  if #pending == 0 then return "all" end
  local remaining = #pending
  local counted = {}
  local function finished(task)
    if not seen[task] or counted[task] or not task.done then return end   -- a stale wake-up
    counted[task] = true
    remaining = remaining - 1
    if stop(task) then result = "stopped" elseif remaining == 0 then result = "all" end
  end

  local co = scheduler.current()
  local target = co or waking(finished)
  for i = 1, #pending do
    local list = waiters[pending[i]] or {}
    waiters[pending[i]] = list
    list[#list + 1] = target
  end
  local alarm = seconds and seconds < math.huge and engine:alarm(seconds)
  if alarm then
    alarm_owner[alarm] = co or waking(function() result = result or "timeout" end)
    scheduler.work_added()
  end

  local ok, err = true, nil
  if co then
    while not result do
      local woken_by = coroutine.yield(WAKE)
      if woken_by == alarm then result = "timeout" else finished(woken_by) end
    end
  else
    -- a callback's error may come out of the driver: unregister before passing it on
    ok, err = protected(scheduler.drive, function() return result ~= nil end)
  end

  for i = 1, #pending do
    local list = waiters[pending[i]]
    if list then
      remove(list, target)
      if #list == 0 then waiters[pending[i]] = nil end
    end
  end
  if alarm then
    alarm_owner[alarm] = nil
    alarm:cancel()
  end
  if not ok then error(err, 0) end
  return result
end

--- Sleeps inside a managed coroutine, or blocks the caller (driving the engine) for seconds.
function scheduler.sleep(seconds)
  local alarm = engine:alarm(seconds)
  scheduler.work_added()
  local co = scheduler.current()
  if co then
    alarm_owner[alarm] = co
    repeat until coroutine.yield(WAKE) == alarm
  else
    local rang = false
    alarm_owner[alarm] = waking(function() rang = true end)
    scheduler.drive(function() return rang end)
  end
  alarm:cancel()
end

return scheduler
