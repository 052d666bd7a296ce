-- LÖVE: gentask inside a game's frame loop (gentask.loop.frame), headless, never blocking a frame.
local Sim = require "support.sim"

local host = require "support.host"

local read_all = host.read

local module = host.luajit_module
local TASKS = 50

describe("LÖVE (headless, frame adapter)", function()
  -- The host is always LÖVE on LuaJIT, whichever Lua runs busted: one pass of `make test` is enough.
  if not host.this_pass() then return end
  local missing = host.missing("love", "love")
  if missing then
    pending(missing)
    return
  end

  local sim, run
  setup(function() sim = Sim.start "--duration-ms 500" end)
  teardown(function() sim:stop() end)

  -- One run of spec/hosts/love serves both tests: its result line as a table, with what LÖVE
  -- printed and its exit status for the failure messages.
  local function love_run()
    if run then return run end
    local pipe = assert(io.popen "mktemp -d")
    local dir = pipe:read "*l"
    pipe:close()
    -- No display and no sound card: DISPLAY and WAYLAND_DISPLAY unset, conf.lua loads neither a
    -- window nor audio. HOME and the XDG dirs point at the temp dir (LÖVE's save directory lives
    -- there; the run writes nothing to it). LD_PRELOAD= : the ASan runtime is for busted's Lua only.
    local cmd = ("unset DISPLAY WAYLAND_DISPLAY; LD_PRELOAD= HOME='%s' XDG_DATA_HOME='%s/data' "
      .. "XDG_CONFIG_HOME='%s/config' XDG_CACHE_HOME='%s/cache' XDG_RUNTIME_DIR='%s' "
      .. "GENTASK_LPATH='lua/?.lua;lua/?/init.lua' GENTASK_CPATH='%s/?.so' GENTASK_BASE='%s/foxapi' "
      .. "GENTASK_OUT='%s/out' GENTASK_TASKS=%d timeout 60 love spec/hosts/love >'%s/log' 2>&1; echo $? >'%s/status'")
      :format(dir, dir, dir, dir, dir, module, sim.url, dir, TASKS, dir, dir)
    os.execute(cmd)
    local line = (read_all(dir .. "/out") or "no output"):gsub("\n$", "")
    run = { line = line, log = read_all(dir .. "/log") or "", status = tonumber(read_all(dir .. "/status")) }
    for k, v in line:gmatch "(%w[%w_]*)=(%S+)" do run[k] = tonumber(v) or v end
    os.execute("rm -rf '" .. dir .. "'")
    return run
  end

  local function about(r)
    return "love reported: " .. r.line .. " (exit " .. tostring(r.status) .. ")\n" .. r.log
  end

  it("runs 50 tasks while frames keep coming: frame.update() never blocks a frame", function()
    local r = love_run()
    assert.truthy(r.max_frame_ms, about(r))
    assert.equal(0, r.status, about(r))
    assert.equal(TASKS, r.done, about(r))
    assert.equal(TASKS, r.ok, about(r))
    -- generation takes 0.5 s at least; a loop never blocked had many frames all through it
    -- (LÖVE sleeps 1 ms a frame: several hundred are usual, a loop blocked on each poll has ~10)
    assert.is_true(r.elapsed_ms >= 500, "the tasks ended after " .. r.elapsed_ms .. " ms: the simulator did not hold them")
    assert.is_true(r.frames >= 50, "frames while the tasks ran: " .. r.frames .. "\n" .. about(r))
    -- the longest is the first frame, which sends all 50 submits (about 10 ms here)
    assert.is_true(r.max_frame_ms < 100, "the longest frame took " .. r.max_frame_ms .. " ms\n" .. about(r))
    print(("  LÖVE: %d tasks in %d ms (%.1f ms to submit them), %d frames, longest frame %.1f ms, longest update() %.1f ms")
      :format(r.done, r.elapsed_ms, r.load_ms, r.frames, r.max_frame_ms, r.max_update_ms))
  end)

  it("an idle frame.update() (nothing in flight) makes no garbage", function()
    local r = love_run()
    assert.truthy(r.idle_kb, about(r))
    -- the collector is stopped during the calls: any allocation would stay in the count. One
    -- byte a call would be ~100 KB; a few KB leave room for a trace LuaJIT might still compile.
    assert.is_true(r.idle_kb < 4, ("collectgarbage('count') grew by %s KB over %d idle calls"):format(r.idle_kb, r.idle_calls))
    print(("  LÖVE idle: %d calls of frame.update(), %.3f KB of garbage, %.3f µs a call")
      :format(r.idle_calls, r.idle_kb, r.idle_us))
  end)
end)
