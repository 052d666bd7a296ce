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

local function resume(co, ...)
  -- A coroutine whose yield failed (PUC 5.1 cannot yield across pcall) may have died, or be the
  -- one running now, with a registration left behind: never resume it from there.
  if coroutine.status(co) ~= "suspended" then return end
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

--- Everything the engine queued since last time: progress callbacks, finished tasks, alarms.
local function drain()
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

-- Coroutines that yielded on their own get their turn.
local function run_ready()
  local round = ready
  ready = {}
  for i = 1, #round do resume(round[i]) end
end

--- Drives the engine until done() is true, idling in the host loop (plain: poll(2)) between events.
function scheduler.drive(done)
  while true do
    run_ready()
    raise_failure()
    if done() then return end
    local timeout = engine:timeout()
    if timeout == nil and #ready == 0 then
      error(errors.new { kind = "usage",
        message = "waiting for something that can never happen (no task in flight, no timer armed)" }, 0)
    end
    plain.idle(engine, #ready > 0 and 0 or timeout)
    drain()
    raise_failure()
    if done() then return end
  end
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

--- One round without waiting: for hosts that call gentask once per frame.
function scheduler.update()
  run_ready()
  engine:step(0)
  drain()
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
  local target = co or finished
  for i = 1, #pending do
    local list = waiters[pending[i]] or {}
    waiters[pending[i]] = list
    list[#list + 1] = target
  end
  local alarm = seconds and seconds < math.huge and engine:alarm(seconds)
  if alarm then
    alarm_owner[alarm] = co or function() result = result or "timeout" end
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
    ok, err = pcall(scheduler.drive, function() return result ~= nil end)
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
    alarm_owner[alarm] = function() rang = true end
    scheduler.drive(function() return rang end)
  end
  alarm:cancel()
end

return scheduler
