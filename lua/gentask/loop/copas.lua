-- gentask.loop.copas — gentask inside copas: wait() in a copas thread yields to copas, whose
-- select watches one fd for the engine (its wake fd: readable when a socket curl watches is ready
-- or the engine's next timer is due), so nothing busy-polls and the other threads run meanwhile.
--
--   local copas = require "copas"
--   require("gentask.loop.copas").start()
--   copas.addthread(function()
--     local result, err = fox:submit("flux-dev", { prompt = "a red fox" }):result()
--   end)
--   copas.loop()
--
-- The wake fd reaches copas as a LuaSocket-shaped object (getfd, receive), which is all copas'
-- select needs, so this works with copas releases old and new. A driver thread also runs while
-- tasks are in flight, so that callbacks (task:on) fire when no thread waits.
local copas = require "copas"
local scheduler = require "gentask.scheduler"
local plain = require "gentask.loop.plain"

local M = { wakeups = 0 }   -- how often a waiter or the driver woke up: events, never a spin

local engine = scheduler.engine
local driving = false

local poked = setmetatable({}, { __mode = "k" })   -- copas thread → woken by another thread

-- A stand-in socket for the wake fd. Its first receive always says "timeout", so the caller
-- yields to copas at least once (a submit that wakes the driver never runs it re-entrantly);
-- after that it answers as soon as the fd is readable, or at the next select once another thread
-- finished what this one waits for ("dirty": LuaSocket's select reports it ready at once).
local function wake_socket(thread)
  local fd = engine:wake_fd()
  local first = true
  local sock = { getfd = function() return fd end }
  function sock.dirty() return thread ~= nil and poked[thread] == true end
  function sock.receive()
    if first then
      first = false
      return nil, "timeout"
    end
    return "", nil
  end
  function sock.settimeout() end
  function sock.close() end   -- copas "closes" the socket a finished thread was woken by
  return sock
end

local function current_thread()
  local co, main = coroutine.running()
  if co ~= nil and not main then return co end
end

local function idle(_, seconds, runnable)
  local thread = current_thread()
  if runnable or not thread then return plain.idle(engine, seconds) end
  poked[thread] = nil
  copas.receive(wake_socket(thread))
  poked[thread] = nil
  M.wakeups = M.wakeups + 1
  engine:step(0)
end

local function wake(thread)
  if thread then poked[thread] = true end
end

local function report(err)
  if M.on_error then M.on_error(err) else io.stderr:write("gentask: ", tostring(err), "\n") end
end

local function driver()
  while engine:timeout() ~= nil do
    copas.receive(wake_socket(nil))
    M.wakeups = M.wakeups + 1
    local ok, err = pcall(scheduler.update)
    if not ok then report(err) end
  end
  driving = false
end

local function work_added()
  if driving then return end
  driving = true
  copas.addthread(driver)
end

--- Waits in copas threads yield to copas; a driver thread fires callbacks while nobody waits.
function M.start()
  assert(engine:wake_fd(), "gentask.loop.copas needs the engine's wake fd (Linux)")
  scheduler.set_host { idle = idle, yields = true, context = current_thread, wake = wake }
  scheduler.on_work(work_added)
  return M
end

--- Gives the thread back to the plain (blocking) host.
function M.stop()
  scheduler.set_host(nil)
  scheduler.on_work(nil)
end

return M
