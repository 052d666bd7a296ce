--- gentask inside a libuv loop (Neovim's vim.loop, or luv): one poll handle per
-- engine socket and one timer, driven by socket events, never by busy polling.
-- Coroutines started with gentask.spawn wait without blocking; a plain wait() outside one would
-- block the editor, so callbacks (task:on) are the way in from ordinary plugin code.
-- @module gentask.loop.uv
-- @usage
-- local gentask = require "gentask"
-- require("gentask.loop.uv").start()            -- once, in a plugin's setup
-- fox:submit("flux-dev", { prompt = line }):on("done", function(result, err) … end)
local scheduler = require "gentask.scheduler"

local M = {}

local uv, engine
local polls = {}      -- fd → uv poll handle
local timer
local errors = {}     -- what callbacks raised; handed to on_error

local sync

local function report(err)
  if M.on_error then M.on_error(err) else errors[#errors + 1] = err end
end

-- One round of gentask after the host woke us: run, then re-arm sockets and timer.
local function after_event()
  local ok, err = pcall(scheduler.update)
  if not ok then report(err) end
  sync()
end

local function watch(fd, events)
  local poll = polls[fd]
  if not poll then
    poll = uv.new_socket_poll(fd)
    polls[fd] = poll
  end
  poll:start(events, function(err, ready)
    engine:socket_action(fd, err and "e" or ready)
    after_event()
  end)
end

local function unwatch(fd)
  local poll = polls[fd]
  if not poll then return end
  polls[fd] = nil
  poll:stop()
  poll:close()
end

function sync()
  local changes = engine:socket_changes()
  for i = 1, #changes, 2 do
    local fd, events = changes[i], changes[i + 1]
    if events == "remove" then unwatch(fd) else watch(fd, events) end
  end
  engine:release_sockets()   -- removed fds are no longer watched: the engine may close them
  timer:stop()
  local seconds = engine:timeout()
  if seconds then timer:start(math.max(0, math.ceil(seconds * 1000)), 0, after_event) end
end

--- Hands the engine's sockets and timers to the uv loop.
-- @tparam[opt] table uv_module vim.uv, vim.loop or luv (default vim.loop, else luv)
-- @return the module
function M.start(uv_module)
  if engine then return M end
  uv = uv_module or (vim and vim.loop) or require "luv"
  engine = scheduler.engine
  timer = uv.new_timer()
  engine:host_loop(true)
  scheduler.on_work(sync)   -- a new submit or alarm: watch its sockets, re-arm the timer
  sync()
  return M
end

--- Errors raised by callbacks since the last call (when no on_error handler is set).
-- @treturn table the errors, oldest first
function M.errors()
  local out = errors
  errors = {}
  return out
end

return M
