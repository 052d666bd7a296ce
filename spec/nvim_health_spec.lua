-- :checkhealth gentask in headless Neovim (lua/gentask/health.lua): the core, the loop, the keys
-- (the command's variables and key files, gentask.keys) and the journal, each an OK line when
-- right and an ERROR line, not a crash, when wrong; the key never appears in the report.
local host = require "support.host"
if not host.this_pass() then return end   -- Neovim embeds LuaJIT: one pass is enough

local cjson = require "cjson"
local keys = require "gentask.keys"
local providers = require "gentask.cli.providers"

local module = host.luajit_module

-- every variable a built-in provider's key could come from: unset, so that the machine's own
-- keys (if any) do not change what the report says
local function unset_keys()
  local words = {}
  for _, provider in ipairs(providers.built_in) do words[#words + 1] = "-u " .. keys.variable(provider) end
  return "env " .. table.concat(words, " ")
end

describe(":checkhealth gentask (headless Neovim)", function()
  local missing = host.missing("nvim", "neovim")
  if missing then
    pending(missing)
    return
  end

  local dir   -- a directory of this user's own for key files and journals
  setup(function()
    dir = host.temp_path()
    assert(host.sh("mkdir -m 700 " .. host.quote(dir)))
  end)
  teardown(function() if dir then os.execute("rm -rf " .. host.quote(dir)) end end)

  -- runs :checkhealth gentask with vim.g.gentask = config and the environment env (NAME = value);
  -- returns the report's lines and the whole text
  local function checkhealth(config, env, no_loop)
    local out = os.tmpname()
    local vars = {}
    for name, value in pairs(env or {}) do vars[#vars + 1] = name .. "=" .. host.quote(value) end
    local cmd = ("%s LD_PRELOAD= %s GENTASK_CPATH=%s GENTASK_OUT=%s GENTASK_DO=health GENTASK_CONFIG=%s "
      .. "GENTASK_NO_LOOP=%s timeout 60 nvim --headless -u NONE -i NONE --cmd 'set rtp^=.' "
      .. "--cmd 'set rtp^=examples/nvim' -c 'luafile spec/hosts/nvim_health_check.lua' >/dev/null 2>&1 </dev/null")
      :format(unset_keys(), table.concat(vars, " "), host.quote(module .. "/?.so"), host.quote(out),
        host.quote(config and cjson.encode(config) or ""), no_loop and "1" or "0")
    os.execute(cmd)
    local text = host.read(out) or "no output"
    os.remove(out)
    local lines = {}
    for line in text:gmatch "[^\n]+" do lines[#lines + 1] = line end
    return lines, text
  end

  -- the report's line of status ("OK", "ERROR", ...) that holds words, or nil
  local function line(lines, status, words)
    for _, l in ipairs(lines) do
      if l:find("- " .. status .. ": ", 1, true) and l:find(words, 1, true) then return l end
    end
  end

  local function count(lines, status)
    local n = 0
    for _, l in ipairs(lines) do if l:find("- " .. status .. ": ", 1, true) then n = n + 1 end end
    return n
  end

  it("says OK for the core, the loop and a key found in the provider's variable, and never shows the key", function()
    local secret = "sk-health-" .. tostring(os.time())
    local lines, text = checkhealth(nil, { FOXAPI_API_KEY = secret })
    assert.truthy(line(lines, "OK", require("gentask")._VERSION .. " loaded, on LuaJIT"), text)
    assert.truthy(line(lines, "OK", "gentask.core (the C module) from " .. module .. "/gentask/core.so"), text)
    assert.truthy(line(lines, "OK", "the engine runs in Neovim's loop"), text)
    assert.truthy(line(lines, "OK", "foxapi: found in $FOXAPI_API_KEY"), text)
    assert.truthy(line(lines, "INFO", "bfl ($BFL_API_KEY)"), text)
    assert.truthy(line(lines, "INFO", "no journal configured"), text)
    assert.equal(0, count(lines, "ERROR"), text)
    assert.is_nil(text:find(secret, 1, true), "the key is in the report")
  end)

  it("reports the configured provider's missing key as an ERROR line, and goes on", function()
    local lines, text = checkhealth({ provider = "bfl", client = { journal = dir .. "/none.db" } }, {})
    assert.is_nil(text:find("Failed to run healthcheck", 1, true), text)
    assert.truthy(line(lines, "ERROR", "bfl (the provider vim.g.gentask names): no key for bfl: BFL_API_KEY is not set"),
      text)
    assert.truthy(text:find("ADVICE", 1, true), text)
    -- the checks before and after it still ran
    assert.truthy(line(lines, "OK", "the engine runs in Neovim's loop"), text)
    assert.truthy(line(lines, "WARNING", "the journal " .. dir .. "/none.db is not checked"), text)
    assert.equal(1, count(lines, "ERROR"), text)
    assert.is_nil(io.open(dir .. "/none.db"), "a journal that was not checked was created")
  end)

  it("finds a key file, opens the journal with it, and refuses a journal of another API key", function()
    local secret = "sk-file-" .. tostring(os.time())
    local key_file = dir .. "/fox.key"
    host.write(key_file, secret .. "\n")
    assert(host.sh("chmod 600 " .. host.quote(key_file)))
    local journal = dir .. "/tasks.db"
    local config = { key_file = key_file, client = { journal = journal } }
    local lines, text = checkhealth(config, {})
    assert.truthy(line(lines, "OK", "foxapi: found in the key file " .. key_file), text)
    assert.truthy(line(lines, "OK", "the journal " .. journal .. " opens and is writable"), text)
    assert.equal(0, count(lines, "ERROR"), text)
    assert.is_nil(text:find(secret, 1, true), "the key is in the report")

    -- the same journal with another account's key: the library's own check says no
    local other = "sk-other-" .. tostring(os.time())
    lines, text = checkhealth({ client = { journal = journal } }, { FOXAPI_API_KEY = other })
    assert.truthy(line(lines, "ERROR", "the journal " .. journal .. " does not open"), text)
    assert.truthy(text:find("another API key", 1, true), text)
    assert.is_nil(text:find(other, 1, true), "the key is in the report")
    assert.is_nil(text:find(secret, 1, true), "the key is in the report")
  end)

  it("says ERROR when gentask's engine is not driven by Neovim's loop", function()
    local lines, text = checkhealth(nil, { FOXAPI_API_KEY = "sk-test" }, true)
    assert.truthy(line(lines, "ERROR", "the engine does not run in Neovim's loop"), text)
    assert.truthy(line(lines, "OK", "foxapi: found in $FOXAPI_API_KEY"), text)
  end)
end)
