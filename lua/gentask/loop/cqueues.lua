-- gentask.loop.cqueues — gentask inside a cqueues controller: wait() in a cqueues coroutine
-- yields to the controller, which polls one fd for the engine (its wake fd: readable when a
-- socket curl watches is ready or the engine's next timer is due), never busy-polling.
--
--   local cqueues = require "cqueues"
--   local cq = cqueues.new()
--   require("gentask.loop.cqueues").start(cq)
--   cq:wrap(function()
--     local result, err = fox:submit("flux-dev", { prompt = "a red fox" }):result()
--   end)
--   assert(cq:loop())
--
-- start(cq) also runs a driver on cq while tasks are in flight, so that callbacks (task:on) fire
-- when nobody waits.
local cqueues = require "cqueues"
local scheduler = require "gentask.scheduler"
local plain = require "gentask.loop.plain"

local M = { wakeups = 0 }   -- how often a waiter or the driver woke up: events, never a spin

local engine = scheduler.engine
local controller, driving

local condition = require "cqueues.condition"

local woken = setmetatable({}, { __mode = "k" })   -- coroutine → condition another one signals

-- What cqueues polls: the engine's wake fd, its timer re-armed to the engine's next deadline.
local function wake_pollable()
  return { pollfd = engine:wake_fd(), events = "r" }
end

local function idle(_, seconds, runnable)
  if runnable or not cqueues.running() then return plain.idle(engine, seconds) end
  local co = coroutine.running()
  local cond = woken[co] or condition.new()
  woken[co] = cond
  cqueues.poll(wake_pollable(), cond, seconds)
  M.wakeups = M.wakeups + 1
  engine:step(0)
end

local function wake(co)
  if co and woken[co] then woken[co]:signal() end
end

local function report(err)
  if M.on_error then M.on_error(err) else io.stderr:write("gentask: ", tostring(err), "\n") end
end

local function driver()
  while engine:timeout() ~= nil do
    cqueues.poll(wake_pollable(), engine:timeout())
    M.wakeups = M.wakeups + 1
    local ok, err = pcall(scheduler.update)
    if not ok then report(err) end
  end
  driving = false
end

local function work_added()
  if driving or not controller then return end
  driving = true
  controller:wrap(driver)
end

--- Waits in cqueues coroutines yield to their controller; cq (optional) also runs the driver
-- that fires callbacks while nobody waits.
function M.start(cq)
  assert(engine:wake_fd(), "gentask.loop.cqueues needs the engine's wake fd (Linux)")
  controller = cq or controller
  scheduler.set_host { idle = idle, yields = true, context = coroutine.running, wake = wake }
  scheduler.on_work(work_added)
  return M
end

--- Gives the thread back to the plain (blocking) host.
function M.stop()
  scheduler.set_host(nil)
  scheduler.on_work(nil)
end

return M
