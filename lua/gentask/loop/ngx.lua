--- gentask inside OpenResty (nginx + lua-nginx-module, LuaJIT), where a blocking
-- call would stall every request of the worker.
-- nginx cannot watch curl's sockets for us, so each worker runs one driver, an ngx.timer light
-- thread that steps the engine without waiting (step(0)) every `tick` seconds while anything is
-- in flight, and sleeps on a semaphore when nothing is. Waiting requests never touch the engine:
-- each sleeps on a semaphore of its own that the driver posts when what it waits for happened.
-- One poller per worker costs the same with one waiting request as with a thousand, and a
-- callback (task:on) registered by a request that has already answered still runs, in the driver.
-- A coroutine can only be resumed from the request (or timer) that created it, so the scheduler
-- resumes each gentask coroutine in its own context: the driver leaves it a note and posts its
-- semaphore, and the request's own wait loop resumes it.
-- @module gentask.loop.ngx
-- @usage
-- -- in a content handler (or an ngx.timer): nothing to set up, require "gentask" detects nginx
-- local result, err = fox:submit("flux-dev", { prompt = prompt }):result(120)
local scheduler = require "gentask.scheduler"
local semaphore = require "ngx.semaphore"

local M = { tick = 0.005 }

local engine = scheduler.engine
local started, driver_running = false, false
local driver_wakeup                       -- the sleeping driver's semaphore
local DRIVER = {}                         -- the driver's context, the same for its whole life
local sema_of = setmetatable({}, { __mode = "k" })   -- context → its waiting semaphore

local function request_ctx()
  return ngx.ctx
end

-- ngx.ctx raises in phases that have none (init): those count as the driver's
local function context()
  local ok, ctx = pcall(request_ctx)
  return ok and ctx or DRIVER
end

local function wake(ctx)
  local sema = sema_of[ctx]
  if sema and sema:count() < 0 then sema:post(1) end
end

local function report(err)
  ngx.log(ngx.ERR, "gentask: ", tostring(err))
end

-- The worker's driver: lives as long as the worker, so that coroutines it started (callbacks)
-- can always be resumed in it.
local function drive(premature)
  if premature then return end
  ngx.ctx = DRIVER
  sema_of[DRIVER] = driver_wakeup
  while not ngx.worker.exiting() do
    local ok, err = pcall(scheduler.update)
    if not ok then report(err) end
    local due = engine:timeout()
    if due == nil then
      -- nothing in flight: until new work arrives, waking each second to see whether nginx is
      -- shutting the worker down (a reload or quit waits for this timer to return)
      driver_wakeup:wait(1)
    else
      ngx.sleep(math.max(0.001, math.min(due, M.tick)))
    end
  end
end

local function work_added()
  if driver_running then
    if driver_wakeup:count() < 0 then driver_wakeup:post(1) end
    return
  end
  local ok, err = ngx.timer.at(0, drive)
  if ok then driver_running = true else report("cannot start the driver: " .. tostring(err)) end
end

-- A request's (or timer's) wait: sleep until the driver has news for it, whatever the engine's
-- own timeout (the driver keeps that). The cap only bounds the cost of a lost post.
local function idle(_, _, runnable)
  if runnable then return end
  work_added()
  local ctx = context()
  local sema = sema_of[ctx]
  if not sema then
    sema = semaphore.new()
    sema_of[ctx] = sema
  end
  sema:wait(1)
end

--- Installs the adapter (require "gentask" does it by itself inside OpenResty).
-- @tparam[opt] table options { tick = how often the driver looks at curl's sockets while tasks
-- are in flight, in seconds (default 0.005) }
-- @return the module
function M.start(options)
  if options and options.tick then M.tick = options.tick end
  if started then return M end
  started = true
  driver_wakeup = semaphore.new()
  scheduler.set_host { idle = idle, driver = true, yields = true, pinned = true,
    context = context, wake = wake }
  scheduler.on_work(work_added)
  return M
end

return M
