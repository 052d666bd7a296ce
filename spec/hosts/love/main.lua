-- Run inside LÖVE 11.4 (headless, see conf.lua) by spec/love_spec.lua: love.load submits
-- $GENTASK_TASKS tasks to the simulator through the foxapi provider, love.update drives them with
-- gentask.loop.frame, one update() per frame, and counts the frames and the longest one while the
-- tasks run. Once they have all ended it measures idle frames — frame.update() with nothing in
-- flight, many times, with the collector stopped — then writes one line of key=value pairs to
-- $GENTASK_OUT and quits:
--
--   done= ok= frames= max_frame_ms= max_update_ms= load_ms= elapsed_ms= idle_calls= idle_kb= idle_us=
--
-- or "error=<message>" / "timeout ..." when something went wrong.
package.path = os.getenv "GENTASK_LPATH" .. ";" .. package.path
package.cpath = os.getenv "GENTASK_CPATH" .. ";" .. package.cpath
local out = os.getenv "GENTASK_OUT"
local N = tonumber(os.getenv "GENTASK_TASKS") or 50
local IDLE_CALLS = tonumber(os.getenv "GENTASK_IDLE_CALLS") or 100000
local GUARD = 30   -- seconds: a run that has not ended by then reports "timeout"

local gentask, frame
local getTime = love.timer.getTime

local done, ok = 0, 0
local frames, max_frame, max_update = 0, 0, 0
local started, load_time
local finished = false

local function report(line)
  if finished then return end
  finished = true
  local f = assert(io.open(out, "w"))
  f:write(line, "\n")
  f:close()
  love.event.quit()
end

local function fail(err)
  report("error=" .. tostring(err):gsub("%s+", " "))
end

-- Idle frames: everything has ended, nothing is in flight. The collector is stopped so that any
-- allocation shows in collectgarbage("count") instead of being swept away; a short warm-up first
-- lets LuaJIT compile the loop (a new trace is a GC object: ~1 KB in the same total).
local function spin(update, n)
  for _ = 1, n do update() end
end

local function idle_cost()
  local update = frame.update
  spin(update, 1000)   -- the same loop as below, so its trace exists before the count is taken
  collectgarbage "collect"
  collectgarbage "stop"
  local before = collectgarbage "count"
  local t0 = getTime()
  spin(update, IDLE_CALLS)
  local t1 = getTime()
  local after = collectgarbage "count"
  collectgarbage "restart"
  return after - before, (t1 - t0) / IDLE_CALLS * 1e6
end

function love.load()
  local okload, err = pcall(function()
    gentask = require "gentask"
    frame = require "gentask.loop.frame"
    local fox = gentask.client {
      provider = "foxapi", api_key = "sk-test-gentask", base_url = os.getenv "GENTASK_BASE",
      poll_interval = 0.05, poll_max_interval = 0.1,
    }
    started = getTime()
    for i = 1, N do
      fox:submit("flux-dev", { prompt = "from love " .. i }):on("done", function(result)
        done = done + 1
        if result and type(result.url) == "string" then ok = ok + 1 end
      end)
    end
    load_time = getTime() - started
  end)
  if not okload then fail(err) end
end

function love.update(dt)
  if finished then return end
  local t0 = getTime()
  local okupdate, err = pcall(frame.update)
  local spent = getTime() - t0
  if not okupdate then return fail(err) end
  frames = frames + 1
  if dt > max_frame then max_frame = dt end
  if spent > max_update then max_update = spent end
  local elapsed = getTime() - started
  if done == N then
    local okidle, kb, us = pcall(idle_cost)
    if not okidle then return fail(kb) end
    report(("done=%d ok=%d frames=%d max_frame_ms=%.2f max_update_ms=%.2f load_ms=%.2f elapsed_ms=%.0f"
      .. " idle_calls=%d idle_kb=%.3f idle_us=%.3f")
      :format(done, ok, frames, max_frame * 1e3, max_update * 1e3, load_time * 1e3, elapsed * 1e3, IDLE_CALLS, kb, us))
  elseif elapsed > GUARD then
    report(("timeout done=%d ok=%d frames=%d"):format(done, ok, frames))
  end
end

-- An error LÖVE catches itself (outside the pcalls above) still ends the run with a line the
-- spec can show; without a window the default handler would only print it.
function love.errorhandler(msg)
  fail(msg)
  print(debug.traceback("Error: " .. tostring(msg), 2))
end
