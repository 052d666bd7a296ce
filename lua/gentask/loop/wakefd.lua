-- gentask.loop.wakefd — what the adapters for hosts that watch the engine's one wake fd share
-- (copas, cqueues): the idle of a waiting coroutine, a driver that fires callbacks while nobody
-- waits, a count of wake-ups, and start/stop. The host supplies how to wait:
--
--   context()            the coroutine the host may suspend here, or nil (then waiting blocks)
--   wait(ctx, seconds)   suspend until the wake fd is readable, ctx is woken, or seconds pass
--                        (ctx nil: the driver, which nobody wakes)
--   wake(ctx)            make ctx's wait return: what it waits for happened elsewhere
--   spawn(fn)            run fn as a host coroutine; false when the host cannot yet
local scheduler = require "gentask.scheduler"
local plain = require "gentask.loop.plain"

local engine = scheduler.engine

return function(name, hooks)
  local M = { wakeups = 0 }   -- how often a waiter or the driver woke up: events, never a spin
  local driving = false

  local function report(err)
    if M.on_error then M.on_error(err) else io.stderr:write("gentask: ", tostring(err), "\n") end
  end

  local function idle(_, seconds, runnable)
    local ctx = hooks.context()
    if runnable or not ctx then return plain.idle(engine, seconds) end
    hooks.wait(ctx, seconds)
    M.wakeups = M.wakeups + 1
    engine:step(0)
  end

  local function driver()
    while engine:timeout() ~= nil do
      hooks.wait(nil, engine:timeout())
      M.wakeups = M.wakeups + 1
      local ok, err = pcall(scheduler.update)
      if not ok then report(err) end
    end
    driving = false
  end

  local function work_added()
    if not driving then driving = hooks.spawn(driver) ~= false end
  end

  --- Waits in the host's coroutines yield to it; a driver fires callbacks while nobody waits.
  function M.install()
    assert(engine:wake_fd(), "gentask.loop." .. name .. " needs the engine's wake fd (Linux)")
    scheduler.set_host { idle = idle, yields = true, context = hooks.context, wake = hooks.wake }
    scheduler.on_work(work_added)
    return M
  end

  --- Gives the thread back to the plain (blocking) host.
  function M.stop()
    scheduler.set_host(nil)
    scheduler.on_work(nil)
  end

  return M
end
