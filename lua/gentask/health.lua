-- gentask.health — `:checkhealth gentask` in Neovim: the core loads, the engine runs in Neovim's
-- loop, which providers have a key, and the journal (if one is configured) opens.
--
-- It lives in the library, not in a plugin: it checks the library, whichever plugin uses it, and
-- ships with it. Neovim finds it as lua/gentask/health.lua on the runtimepath (0.7 and later):
-- put the library's checkout (or a plugin manager's copy of it) on the runtimepath.
--
-- The configuration it reads is vim.g.gentask, the table the example plugin reads too:
-- { provider =, key_file =, base_url =, client = { journal = ..., ... } }. A key is never shown:
-- only where it was found ("found in $FOXAPI_API_KEY").

local M = {}

local unpack = table.unpack or unpack   -- LuaJIT keeps it global

-- Neovim's health API changed names twice: require("health").report_* (0.7),
-- vim.health.report_* (0.8, 0.9), vim.health.start/ok/... (0.10 and later).
local function reporter()
  local api = vim.health
  if api and api.start then
    return { start = api.start, ok = api.ok, info = api.info, warn = api.warn, error = api.error }
  end
  if not (api and api.report_start) then api = require "health" end
  return { start = api.report_start, ok = api.report_ok, info = api.report_info, warn = api.report_warn,
           error = api.report_error }
end

local function config()
  local g = vim.g.gentask
  return type(g) == "table" and g or {}
end

--- The provider a gentask configuration (vim.g.gentask) uses: its provider, else foxapi.
function M.provider(cfg)
  return type(cfg.provider) == "string" and cfg.provider or "foxapi"
end

-- Where gentask.core was found: package.cpath, or a runtimepath's lua/ (Neovim's own loader).
local function core_path()
  local path = package.searchpath and package.searchpath("gentask.core", package.cpath)
  if path then return path end
  local on_rtp = vim.api.nvim_get_runtime_file("lua/gentask/core.so", false)[1]
  return on_rtp or "an unknown place (not on package.cpath nor the runtimepath)"
end

local function check_core(report)
  report.start "gentask: the library"
  local ok, gentask = pcall(require, "gentask")
  if not ok then
    report.error("require \"gentask\" failed: " .. tostring(gentask), {
      "put gentask's lua/ on package.path (or its checkout on the runtimepath)",
      "put the LuaJIT build of gentask.core on package.cpath (a checkout: make LUA=luajit, then build/luajit/?.so)",
    })
    return nil
  end
  report.ok(("%s loaded, on %s"):format(tostring(gentask._VERSION), jit and jit.version or _VERSION))
  report.ok("gentask.core (the C module) from " .. core_path())
  return gentask
end

-- A coroutine sleeps on an engine timer: only an engine driven by Neovim's loop wakes it while
-- vim.wait runs that loop (nothing else steps the engine in an editor).
local function check_loop(report, gentask)
  report.start "gentask: Neovim's loop"
  local loop_name = vim.uv and "vim.uv" or "vim.loop"
  local woke = false
  local ok, err = pcall(gentask.spawn, function()
    gentask.sleep(0.01)
    woke = true
  end)
  if ok then vim.wait(2000, function() return woke end, 5) end
  if woke then
    report.ok(("the engine runs in Neovim's loop (%s): a gentask.sleep in a coroutine ended"):format(loop_name))
  else
    report.error(("the engine does not run in Neovim's loop (%s)%s"):format(loop_name,
      ok and ": a gentask.sleep of 10 ms did not end in 2 s" or ": " .. tostring(err)),
      { "call require(\"gentask.loop.uv\").start(vim.uv or vim.loop) once, before the first submit" })
  end
end

-- Every built-in provider whose key is found, and where; an error when the provider configured in
-- vim.g.gentask has none.
local function check_keys(report)
  report.start "gentask: API keys"
  local keys = require "gentask.keys"
  local cfg = config()
  local chosen = M.provider(cfg)
  local missing = {}
  -- the command's providers, in its order; a profile of one's own (vim.g.gentask.provider) too
  local providers = { unpack(require("gentask.cli.providers").built_in) }
  if not vim.tbl_contains(providers, chosen) then table.insert(providers, 1, chosen) end
  for _, provider in ipairs(providers) do
    local key, where = keys.find(provider, provider == chosen and cfg.key_file or nil)
    if key then
      report.ok(("%s: found in %s"):format(provider, where))
    elseif provider == chosen then
      report.error(("%s (the provider vim.g.gentask names): %s"):format(provider, where), {
        ("set $%s before starting Neovim, or name a key file only you can read: vim.g.gentask.key_file")
          :format(keys.variable(provider)),
      })
    else
      missing[#missing + 1] = ("%s ($%s)"):format(provider, keys.variable(provider))
    end
  end
  if #missing > 0 then report.info("no key for " .. table.concat(missing, ", ")) end
end

-- The journal opens as the plugin's client would open it: the library's own checks (its owner, its
-- mode, the API key it belongs to, its version) run then; then whether this user may write it.
local function check_journal(report, gentask)
  report.start "gentask: the journal"
  local cfg = config()
  local journal = type(cfg.client) == "table" and cfg.client.journal or nil
  if journal == nil then
    report.info "no journal configured (vim.g.gentask.client.journal): tasks are not kept across restarts"
    return
  end
  local provider = M.provider(cfg)
  local key, where = require("gentask.keys").find(provider, cfg.key_file)
  if not key then
    report.warn(("the journal %s is not checked: it belongs to an API key, and %s"):format(tostring(journal), where))
    return
  end
  local ok, client = pcall(gentask.client, { provider = provider, api_key = key, base_url = cfg.base_url,
                                             journal = journal })
  if not ok then
    report.error(("the journal %s does not open: %s"):format(tostring(journal), tostring(client)))
    return
  end
  client:close()
  local is_redis = tostring(journal):match "^rediss?://"
  if not is_redis then
    local uv = vim.uv or vim.loop
    if not uv.fs_access(journal, "W") then
      report.error(("the journal %s opens but this user may not write it"):format(journal))
      return
    end
  end
  report.ok(("the journal %s opens%s"):format(is_redis and "in Redis" or journal,
    is_redis and "" or " and is writable"))
end

--- The checks :checkhealth gentask runs.
function M.check()
  local report = reporter()
  local gentask = check_core(report)
  if not gentask then return end
  check_loop(report, gentask)
  check_keys(report)
  check_journal(report, gentask)
end

return M
