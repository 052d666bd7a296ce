-- Run inside headless Neovim by spec/nvim_spec.lua: 100 tasks through the uv adapter while a
-- 10 ms uv timer keeps ticking; writes "done ok ticks max_gap_ms" to $GENTASK_OUT and quits.
package.path = os.getenv "GENTASK_LPATH" .. ";" .. package.path
package.cpath = os.getenv "GENTASK_CPATH" .. ";" .. package.cpath
local uv = vim.loop
local out = os.getenv "GENTASK_OUT"

local function finish(line)
  local f = assert(io.open(out, "w"))
  f:write(line, "\n")
  f:close()
  vim.schedule(function() vim.cmd "qa!" end)
end

local gentask = require "gentask"
require("gentask.loop.uv").start()
local fox = gentask.client {
  provider = "foxapi", api_key = "sk-test-gentask", base_url = os.getenv "GENTASK_BASE",
  poll_interval = 0.05, poll_max_interval = 0.1,
}

local ticks, max_gap, last = 0, 0, uv.hrtime()
local ticker = uv.new_timer()
ticker:start(10, 10, function()
  local now = uv.hrtime()
  max_gap = math.max(max_gap, (now - last) / 1e6)
  last = now
  ticks = ticks + 1
end)

local guard = uv.new_timer()
guard:start(30000, 0, function() finish "timeout" end)

local done, ok = 0, 0
for i = 1, 100 do
  fox:submit("flux-dev", { prompt = "from neovim " .. i }):on("done", function(result)
    done = done + 1
    if result then ok = ok + 1 end
    if done == 100 then
      ticker:stop()
      guard:stop()
      finish(("%d %d %d %.1f"):format(done, ok, ticks, max_gap))
    end
  end)
end
