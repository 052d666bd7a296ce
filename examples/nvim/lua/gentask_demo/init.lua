-- gentask_demo — a minimal Neovim plugin on gentask: :GentaskImage sends the current line as a
-- prompt and notifies the result URL (or the typed error) when the generation is done, without
-- blocking the editor.
--
--   require("gentask_demo").setup {         -- optional; these are the defaults
--     provider = "foxapi",                  -- any gentask provider
--     model = "flux-dev",
--     api_key = os.getenv "GENTASK_API_KEY",
--     base_url = os.getenv "GENTASK_BASE_URL",   -- nil: the provider's own (or gentask-sim's address)
--     client = {},                          -- more gentask.client options (timeouts, polling, ...)
--   }
--
-- gentask (lua/ and its LuaJIT build of gentask/core.so) must be on package.path/cpath, e.g.
-- installed by LuaRocks for LuaJIT (`luarocks --lua-version 5.1 make` in a checkout), or a checkout's
-- lua/ and build/luajit/ added to package.path and package.cpath in init.lua.
local M = {}

local config = {
  provider = os.getenv "GENTASK_PROVIDER" or "foxapi",
  model = os.getenv "GENTASK_MODEL" or "flux-dev",
  api_key = os.getenv "GENTASK_API_KEY",
  base_url = os.getenv "GENTASK_BASE_URL",
  client = {},
}

local client   -- built on first use, after setup() had its say

function M.setup(opts)
  config = vim.tbl_extend("force", config, opts or {})
  client = nil
end

-- vim.notify may not be called from a libuv callback ("fast event"), and gentask's callbacks
-- run in one (the uv adapter steps the engine when a socket is ready): go through vim.schedule.
local function notify(message, level)
  vim.schedule(function() vim.notify(message, level) end)
end

local function get_client()
  if client then return client end
  local gentask = require "gentask"
  -- hands gentask's sockets and timers to Neovim's loop (require "gentask" does it by itself in
  -- Neovim; saying it costs nothing and keeps older gentask versions working)
  require("gentask.loop.uv").start(vim.loop)
  local opts = vim.tbl_extend("force", {}, config.client)
  opts.provider, opts.api_key = config.provider, config.api_key
  opts.base_url = config.base_url ~= "" and config.base_url or nil
  client = gentask.client(opts)
  return client
end

--- Submits prompt (default: the current line) and notifies the outcome when it comes.
function M.image(prompt)
  prompt = prompt or vim.api.nvim_get_current_line()
  if not prompt:find "%S" then
    vim.notify("GentaskImage: the line is empty: nothing to generate", vim.log.levels.WARN)
    return
  end
  if not config.api_key then
    vim.notify("GentaskImage: no API key: set $GENTASK_API_KEY or setup { api_key = ... }", vim.log.levels.ERROR)
    return
  end
  local ok, task = pcall(function() return get_client():submit(config.model, { prompt = prompt }) end)
  if not ok then   -- a usage error (a bad base_url, an unknown provider): a typed table too
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
