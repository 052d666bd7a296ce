-- gentask_demo — a minimal Neovim plugin on gentask: :GentaskImage sends the current line as a
-- prompt and notifies the result URL (or the typed error) when the generation is done, without
-- blocking the editor. :help gentask says it all; in short, the configuration is vim.g.gentask
-- (setup() merges into it), every field optional:
--
--   vim.g.gentask = {
--     provider = "foxapi",        -- any gentask provider
--     model = "flux-dev",
--     key_file = nil,             -- a file (mode 600) holding the key, instead of the provider's
--                                 -- variable ($FOXAPI_API_KEY, $BFL_API_KEY, ..., as the command)
--     base_url = nil,             -- nil: the provider's own address (or a simulator's, a proxy's)
--     client = {},                -- more gentask.client options (journal, timeouts, polling, ...)
--   }
--
-- The key is read where the gentask command reads it (gentask.keys), never from this table: a
-- configuration is often kept in a public dotfiles repository.
--
-- gentask (lua/ and its LuaJIT build of gentask/core.so) must be where Neovim finds it: the
-- checkout (or a plugin manager's copy) on the runtimepath and build/luajit/?.so on package.cpath,
-- or installed by LuaRocks for LuaJIT (`luarocks --lua-version 5.1 make` in a checkout).
local M = {}

local defaults = { provider = "foxapi", model = "flux-dev", client = {} }

local client, client_made_for   -- built on first use, for the configuration it was made with

--- The configuration in force: vim.g.gentask over the defaults.
function M.config()
  local g = type(vim.g.gentask) == "table" and vim.g.gentask or {}
  return vim.tbl_deep_extend("force", defaults, g)
end

--- Merges opts into vim.g.gentask: setup{} and vim.g.gentask are one configuration, which
-- :checkhealth gentask reads too. Plain values only (vim.g holds no functions).
function M.setup(opts)
  local g = type(vim.g.gentask) == "table" and vim.g.gentask or {}
  vim.g.gentask = vim.tbl_deep_extend("force", g, opts or {})
end

-- vim.notify may not be called from a libuv callback ("fast event"), and gentask's callbacks
-- run in one (the uv adapter steps the engine when a socket is ready): go through vim.schedule.
local function notify(message, level)
  vim.schedule(function() vim.notify(message, level) end)
end

-- The client for config, made again when the configuration changed since the last one; or nil
-- and why there is none (no key: the message names where it was looked for, never a key).
local function get_client(config)
  local made_for = vim.inspect(config)
  if client and client_made_for == made_for then return client end
  local key, why = require("gentask.keys").find(config.provider, config.key_file)
  if not key then return nil, why .. " (or name a key file: vim.g.gentask.key_file)" end
  local gentask = require "gentask"
  -- hands gentask's sockets and timers to Neovim's loop (require "gentask" does it by itself in
  -- Neovim; saying it costs nothing and keeps older gentask versions working)
  require("gentask.loop.uv").start(vim.uv or vim.loop)
  local opts = vim.tbl_extend("force", {}, config.client)
  opts.provider, opts.api_key = config.provider, key
  opts.base_url = config.base_url ~= "" and config.base_url or nil
  client, client_made_for = gentask.client(opts), made_for
  return client
end

--- Submits prompt (default: the current line) and notifies the outcome when it comes.
function M.image(prompt)
  prompt = prompt or vim.api.nvim_get_current_line()
  if not prompt:find "%S" then
    vim.notify("GentaskImage: the line is empty: nothing to generate", vim.log.levels.WARN)
    return
  end
  local config = M.config()
  local ok, task = pcall(function()
    local c, why = get_client(config)
    if not c then error(why, 0) end
    return c:submit(config.model, { prompt = prompt })
  end)
  if not ok then   -- no key, or a usage error (a bad base_url, an unknown provider): a typed table
    vim.notify("GentaskImage: " .. tostring(task), vim.log.levels.ERROR)
    return
  end
  vim.notify(("GentaskImage: generating %q"):format(prompt), vim.log.levels.INFO)
  -- on("done") keeps the task alive until it ends; err is a typed table (err.kind, err.message,
  -- err.retryable ...) whose tostring never shows the key
  task:on("done", function(result, err)
    if result then
      notify(result.url, vim.log.levels.INFO)
    else
      notify("GentaskImage failed: " .. tostring(err), vim.log.levels.ERROR)
    end
  end)
  return task
end

return M
