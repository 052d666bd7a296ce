--- gentask inside a cqueues controller: wait() in a cqueues coroutine
-- yields to the controller, which polls one fd for the engine (its wake fd: readable when a
-- socket curl watches is ready or the engine's next timer is due), never busy-polling.
-- start(cq) also runs a driver on cq while tasks are in flight, so that callbacks (task:on) fire
-- when nobody waits.
-- @module gentask.loop.cqueues
-- @usage
-- local cqueues = require "cqueues"
-- local cq = cqueues.new()
-- require("gentask.loop.cqueues").start(cq)
-- cq:wrap(function()
--   local result, err = fox:submit("flux-dev", { prompt = "a red fox" }):result()
-- end)
-- assert(cq:loop())
local cqueues = require "cqueues"
local condition = require "cqueues.condition"
local scheduler = require "gentask.scheduler"

local engine = scheduler.engine
local controller
local woken = setmetatable({}, { __mode = "k" })   -- coroutine → condition another one signals

local M = require "gentask.loop.wakefd" ("cqueues", {
  context = function()
    if cqueues.running() then return coroutine.running() end
  end,
  -- the engine's wake fd, its timer re-armed to the engine's next deadline, and the condition
  wait = function(co, seconds)
    local wake_fd = { pollfd = engine:wake_fd(), events = "r" }
    if not co then return cqueues.poll(wake_fd, seconds) end
    local cond = woken[co] or condition.new()
    woken[co] = cond
    cqueues.poll(wake_fd, cond, seconds)
  end,
  wake = function(co)
    if co and woken[co] then woken[co]:signal() end
  end,
  spawn = function(fn)
    if not controller then return false end
    controller:wrap(fn)
  end,
})

--- Installs the adapter: waits in cqueues coroutines yield to the controller from now on.
-- @tparam[opt] table cq a cqueues controller, which also runs the driver that fires callbacks
-- (kept from an earlier call when nil)
-- @return the module
function M.start(cq)
  controller = cq or controller
  return M.install()
end

return M
