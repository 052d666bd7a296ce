-- Run inside headless Neovim by spec/nvim_health_spec.lua and spec/nvim_example_spec.lua, with the
-- checkout (".") and examples/nvim on the runtimepath. $GENTASK_DO says what to do:
--   health  vim.g.gentask = the JSON in $GENTASK_CONFIG, run :checkhealth gentask and write its
--           buffer to $GENTASK_OUT; $GENTASK_NO_LOOP=1 keeps gentask's uv adapter from starting
--           (the check must then say the engine does not run in Neovim's loop)
--   help    :helptags over $GENTASK_DOC_DIR, then :help gentask-setup; writes a JSON line
--           { helptags_error, help_error, file, line } (line: the one the cursor is on)
-- then quits.
package.cpath = os.getenv "GENTASK_CPATH" .. ";" .. package.cpath
local out = os.getenv "GENTASK_OUT"

local function write(text)
  local f = assert(io.open(out, "w"))
  f:write(text, "\n")
  f:close()
end

local function health()
  local config = os.getenv "GENTASK_CONFIG"
  if config and config ~= "" then vim.g.gentask = vim.json.decode(config) end
  if os.getenv "GENTASK_NO_LOOP" == "1" then
    -- what a host without a loop adapter would be: require "gentask" finds this one, a no-op
    package.loaded["gentask.loop.uv"] = { start = function() end }
  end
  vim.cmd "checkhealth gentask"
  write(table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n"))
end

local function help()
  local dir = os.getenv "GENTASK_DOC_DIR"
  local tags_ok, tags_err = pcall(vim.cmd, "helptags " .. vim.fn.fnameescape(dir))
  local help_ok, help_err = pcall(vim.cmd, "help gentask-setup")
  write(vim.json.encode {
    helptags_error = not tags_ok and tostring(tags_err) or vim.NIL,
    help_error = not help_ok and tostring(help_err) or vim.NIL,
    file = vim.api.nvim_buf_get_name(0),
    line = vim.api.nvim_get_current_line(),
  })
end

local what = os.getenv "GENTASK_DO"
local ok, err = pcall(what == "help" and help or health)
if not ok then write("harness failed: " .. tostring(err)) end
vim.cmd "qa!"
