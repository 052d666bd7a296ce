-- examples/nvim: the :GentaskImage plugin in headless Neovim, against the simulator. The
-- notification carries the image URL, and the editor handles typed commands while it waits.
local host = require "support.host"
if not host.this_pass() then return end   -- Neovim embeds LuaJIT: one pass is enough

local cjson = require "cjson"
local Sim = require "support.sim"


local module = host.luajit_module
local DURATION_MS = 1000

describe("Neovim plugin example (examples/nvim, :GentaskImage)", function()
  local missing = host.missing("nvim", "neovim")
  if missing then
    pending(missing)
    return
  end

  local sim
  setup(function() sim = Sim.start("--duration-ms " .. DURATION_MS) end)
  teardown(function() if sim then sim:stop() end end)

  -- runs the harness; returns its events in order: { event =, ms =, message =, level =, fast = }
  local function run_nvim()
    local out = os.tmpname()
    local cmd = ("LD_PRELOAD= GENTASK_LPATH='lua/?.lua;lua/?/init.lua' GENTASK_CPATH='%s/?.so' "
      .. "GENTASK_API_KEY='%s' GENTASK_BASE_URL='%s/foxapi' GENTASK_OUT='%s' "
      .. "timeout 60 nvim --headless -u NONE -i NONE --cmd 'set rtp^=examples/nvim' "
      .. "-c 'runtime! plugin/gentask_demo.lua' -c 'luafile spec/hosts/nvim_example_check.lua' "
      .. ">/dev/null 2>&1 </dev/null"):format(module, Sim.key, sim.url, out)
    os.execute(cmd)
    local events = {}
    for line in io.lines(out) do events[#events + 1] = cjson.decode(line) end
    os.remove(out)
    return events
  end

  it("notifies the URL, a typed error for a refused prompt, and handles commands typed meanwhile", function()
    local events = run_nvim()
    local function transcript()
      local lines = {}
      for _, e in ipairs(events) do
        lines[#lines + 1] = ("%8.1f ms %-6s %s"):format(e.ms, e.event, tostring(e.message or ""))
      end
      return table.concat(lines, "\n")
    end
    local last = events[#events]
    assert.equal("done", last and last.event, "Neovim did not finish:\n" .. transcript())

    local url, refused, second_handled, second_generating
    for _, e in ipairs(events) do
      if e.event == "notify" then
        -- the plugin defers to the main loop: vim.notify is never called from a fast event
        assert.is_false(e.fast, "vim.notify called in a fast event: " .. e.message)
        assert.is_nil(e.message:find(Sim.key, 1, true), "the API key is in a notification")
        if e.message:find(sim.url .. "/files/", 1, true) then url = e end
        if e.message:find "^GentaskImage failed" then refused = e end
        if e.message:find "generating \"a fox %[fail" then second_generating = e end
      elseif e.event == "mark" and e.message == "second handled" then
        second_handled = e
      end
    end
    assert.truthy(url, "no notification with the simulator's URL:\n" .. transcript())
    assert.equal(2, url.level)   -- vim.log.levels.INFO
    assert.truthy(refused, "no notification of the refused prompt:\n" .. transcript())
    assert.equal(4, refused.level)   -- vim.log.levels.ERROR
    assert.truthy(refused.message:find("moderated", 1, true), refused.message)

    -- keys typed while the first image was generating were handled at once: the second command
    -- had run (and submitted) before the first generation's URL came back
    assert.truthy(second_handled, "the typed command never ran:\n" .. transcript())
    assert.truthy(second_generating, transcript())
    assert.is_true(second_handled.ms < url.ms, transcript())
    assert.is_true(second_generating.ms < url.ms, transcript())
  end)
end)
