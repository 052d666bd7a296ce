-- examples/nvim: the :GentaskImage plugin in headless Neovim, against the simulator. The
-- notification carries the image URL, and the editor handles typed commands while it waits. It is
-- configured through vim.g.gentask or setup{}, and finds its key where the command does
-- ($FOXAPI_API_KEY, or a key file); its help (doc/gentask.txt) has the tags :help opens.
local host = require "support.host"
if not host.this_pass() then return end   -- Neovim embeds LuaJIT: one pass is enough

local cjson = require "cjson"
local keys = require "gentask.keys"
local providers = require "gentask.cli.providers"
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

  -- every variable a built-in provider's key could come from: unset, so that the machine's own
  -- keys (if any) play no part
  local function unset_keys()
    local words = {}
    for _, provider in ipairs(providers.built_in) do words[#words + 1] = "-u " .. keys.variable(provider) end
    return "env " .. table.concat(words, " ")
  end

  -- runs the harness with the plugin configured by ("g": vim.g.gentask, "setup": setup{}), the
  -- key in $FOXAPI_API_KEY (env_key) or in a key file (key_file); returns its events in order:
  -- { event =, ms =, message =, level =, fast = }
  local function run_nvim(by, env_key, key_file)
    local out = os.tmpname()
    local cmd = ("%s %s LD_PRELOAD= GENTASK_LPATH='lua/?.lua;lua/?/init.lua' GENTASK_CPATH='%s/?.so' "
      .. "GENTASK_CONFIG_BY=%s GENTASK_KEY_FILE=%s GENTASK_BASE='%s/foxapi' GENTASK_OUT='%s' "
      .. "timeout 60 nvim --headless -u NONE -i NONE --cmd 'set rtp^=examples/nvim' "
      .. "-c 'runtime! plugin/gentask_demo.lua' -c 'luafile spec/hosts/nvim_example_check.lua' "
      .. ">/dev/null 2>&1 </dev/null"):format(unset_keys(), env_key and "FOXAPI_API_KEY=" .. host.quote(env_key) or "",
        module, by, host.quote(key_file or ""), sim.url, out)
    os.execute(cmd)
    local events = {}
    for line in io.lines(out) do events[#events + 1] = cjson.decode(line) end
    os.remove(out)
    return events
  end

  local function transcript_of(events)
    local lines = {}
    for _, e in ipairs(events) do
      lines[#lines + 1] = ("%8.1f ms %-6s %s"):format(e.ms, e.event, tostring(e.message or ""))
    end
    return table.concat(lines, "\n")
  end

  it("notifies the URL, a typed error for a refused prompt, and handles commands typed meanwhile", function()
    local events = run_nvim("g", Sim.key)
    local function transcript() return transcript_of(events) end
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
  -- the outcome notifications (not the "generating" notices) of a run
  local function outcomes(events)
    local list = {}
    for _, e in ipairs(events) do
      if e.event == "notify" and not e.message:find "^GentaskImage: generating" then list[#list + 1] = e end
    end
    return list
  end

  it("configured through setup{}, reads its key from a key file, as the command's --key-file", function()
    local dir = host.temp_path()
    assert(host.sh("mkdir -m 700 " .. host.quote(dir)))
    local key_file = dir .. "/foxapi.key"
    host.write(key_file, Sim.key .. "\n")
    assert(host.sh("chmod 600 " .. host.quote(key_file)))
    local events = run_nvim("setup", nil, key_file)
    os.execute("rm -rf " .. host.quote(dir))
    local text = transcript_of(events)
    assert.equal("done", events[#events].event, "Neovim did not finish:\n" .. text)
    local ended = outcomes(events)
    assert.equal(2, #ended, text)
    local url = ended[1].message:find(sim.url .. "/files/", 1, true) and ended[1] or ended[2]
    assert.truthy(url.message:find(sim.url .. "/files/", 1, true), text)
    assert.equal(2, url.level)
    assert.is_nil(text:find(Sim.key, 1, true), "the API key is in a notification")
  end)

  it("without a key, says which variable it read (the command's), and sends nothing", function()
    local events = run_nvim("g", nil, nil)
    local text = transcript_of(events)
    assert.equal("done", events[#events].event, "Neovim did not finish:\n" .. text)
    for _, e in ipairs(outcomes(events)) do
      assert.equal(4, e.level, text)   -- vim.log.levels.ERROR
      assert.truthy(e.message:find("no key for foxapi: FOXAPI_API_KEY is not set", 1, true), text)
    end
    assert.equal(2, #outcomes(events), text)
  end)

  it("has a vimdoc whose tags :helptags makes without error and :help gentask-setup opens", function()
    -- a copy: :helptags writes its tags file beside the doc, and the checkout stays as it is
    local rtp = host.temp_path()
    assert(host.sh(("mkdir -p %s/doc && cp examples/nvim/doc/gentask.txt %s/doc/"):format(host.quote(rtp),
      host.quote(rtp))))
    local out = os.tmpname()
    os.execute(("LD_PRELOAD= GENTASK_CPATH='%s/?.so' GENTASK_OUT=%s GENTASK_DO=help GENTASK_DOC_DIR=%s "
      .. "timeout 60 nvim --headless -u NONE -i NONE --cmd %s -c 'luafile spec/hosts/nvim_health_check.lua' "
      .. ">/dev/null 2>&1 </dev/null"):format(module, host.quote(out), host.quote(rtp .. "/doc"),
        host.quote("set rtp^=" .. rtp)))
    local report = cjson.decode(host.read(out) or "null")
    local tags = host.read(rtp .. "/doc/tags") or ""
    os.remove(out)
    os.execute("rm -rf " .. host.quote(rtp))
    assert.truthy(report, "Neovim wrote nothing")
    assert.equal(cjson.null, report.helptags_error)
    assert.equal(cjson.null, report.help_error)
    assert.equal(rtp .. "/doc/gentask.txt", report.file)
    assert.truthy(report.line:find("*gentask-setup*", 1, true), report.line)
    local made = {}
    for tag in tags:gmatch "([^\t\n]+)\t[^\n]*" do made[tag] = true end
    for _, tag in ipairs { "gentask", ":GentaskImage", "gentask-setup", "g:gentask", "gentask-keys",
                           "gentask-health", "gentask-install" } do
      assert.truthy(made[tag], "no tag " .. tag .. " in:\n" .. tags)
    end
  end)
end)
