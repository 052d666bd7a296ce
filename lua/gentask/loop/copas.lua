--- gentask inside copas: wait() in a copas thread yields to copas, whose
-- select watches one fd for the engine (its wake fd: readable when a socket curl watches is ready
-- or the engine's next timer is due), so nothing busy-polls and the other threads run meanwhile.
-- The wake fd reaches copas as a LuaSocket-shaped object (getfd, receive), which is all copas'
-- select needs, so this works with copas releases old and new. A driver thread also runs while
-- tasks are in flight, so that callbacks (task:on) fire when no thread waits.
-- @module gentask.loop.copas
-- @usage
-- local copas = require "copas"
-- require("gentask.loop.copas").start()
-- local done = false
-- copas.addthread(function()
--   local result, err = fox:submit("flux-dev", { prompt = "a red fox" }):result()
--   done = true
-- end)
-- while not done do copas.step() end   -- copas.loop() never returns in copas 1.x (Debian's)
local copas = require "copas"
local scheduler = require "gentask.scheduler"

local engine = scheduler.engine
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

local M = require "gentask.loop.wakefd" ("copas", {
  context = function()
    local co, main = coroutine.running()
    if co ~= nil and not main then return co end
  end,
  -- copas has no timers: the wake fd's own timer is the deadline
  wait = function(thread)
    if thread then poked[thread] = nil end   -- what woke the last wait is spent
    copas.receive(wake_socket(thread))
  end,
  wake = function(thread)
    if thread then poked[thread] = true end
  end,
  spawn = copas.addthread,
})

--- Installs the adapter: waits in copas threads yield to copas from now on.
-- @function start
-- @return the module
M.start = M.install

return M
