-- Neovim: gentask runs inside the editor's libuv loop and never blocks it.
local Sim = require "support.sim"

local host = require "support.host"

local module = host.luajit_module

describe("Neovim (headless, uv adapter)", function()
  if not host.this_pass() then return end
  local missing = host.missing("nvim", "neovim")
  if missing then
    pending(missing)
    return
  end

  local sim
  setup(function() sim = Sim.start "--duration-ms 500" end)
  teardown(function() sim:stop() end)

  it("runs 100 tasks while a 10 ms timer keeps ticking: the loop is never blocked", function()
    local out = os.tmpname()
    local cmd = ("LD_PRELOAD= GENTASK_LPATH='lua/?.lua;lua/?/init.lua' GENTASK_CPATH='%s/?.so' GENTASK_BASE='%s/foxapi' "
      .. "GENTASK_OUT='%s' timeout 60 nvim --headless -u NONE -i NONE -c 'luafile spec/hosts/nvim_check.lua' "
      .. ">/dev/null 2>&1"):format(module, sim.url, out)
    os.execute(cmd)
    local f = io.open(out)
    local line = f and f:read "*l" or "no output"
    if f then f:close() end
    os.remove(out)
    local done, ok, ticks, max_gap = line:match "^(%d+) (%d+) (%d+) ([%d%.]+)$"
    assert.truthy(done, "nvim reported: " .. line)
    assert.equal(100, tonumber(done))
    assert.equal(100, tonumber(ok))
    -- generation takes 0.5 s at least: a loop that was never blocked ticked all through it
    assert.is_true(tonumber(ticks) >= 30, "ticks: " .. ticks)
    assert.is_true(tonumber(max_gap) < 250, "the longest pause between ticks was " .. max_gap .. " ms")
  end)
end)
