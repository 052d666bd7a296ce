-- Run inside headless Neovim by spec/nvim_example_spec.lua, with examples/nvim on the runtimepath
-- and its plugin/ sourced. The plugin is configured as $GENTASK_CONFIG_BY says: "g" sets
-- vim.g.gentask, "setup" calls require("gentask_demo").setup{}, with the simulator's address
-- ($GENTASK_BASE) and the key file $GENTASK_KEY_FILE (if any). Line 1 is generated with
-- :GentaskImage; while it is in flight, keys typed into the editor move to line 2 and run
-- :GentaskImage again (a prompt the simulator refuses), then mark that they were handled. Every
-- vim.notify and the mark are written to $GENTASK_OUT as JSON lines {event, ms, message, level,
-- fast}, then Neovim quits.
package.path = os.getenv "GENTASK_LPATH" .. ";" .. package.path
package.cpath = os.getenv "GENTASK_CPATH" .. ";" .. package.cpath
local uv = vim.loop
local out = assert(io.open(os.getenv "GENTASK_OUT", "w"))
local started = uv.hrtime()

local function record(event, message, level)
  out:write(vim.json.encode {
    event = event, ms = (uv.hrtime() - started) / 1e6, message = message, level = level,
    fast = vim.in_fast_event(),
  }, "\n")
  out:flush()
end

local settings = { base_url = os.getenv "GENTASK_BASE", client = { poll_interval = 0.05 } }
local key_file = os.getenv "GENTASK_KEY_FILE"
if key_file and key_file ~= "" then settings.key_file = key_file end
if os.getenv "GENTASK_CONFIG_BY" == "setup" then
  require("gentask_demo").setup(settings)
else
  vim.g.gentask = settings
end

local outcomes = 0
local function finish(event)
  record(event)
  out:close()
  vim.schedule(function() vim.cmd "qa!" end)
end

vim.notify = function(message, level)
  record("notify", message, level)
  -- the plugin's "generating ..." notices are not outcomes
  if not message:find "^GentaskImage: generating" then
    outcomes = outcomes + 1
    if outcomes == 2 then finish "done" end
  end
end
_G.gentask_example_mark = function(name) record("mark", name) end

local guard = uv.new_timer()
guard:start(20000, 0, vim.schedule_wrap(function() finish "timeout" end))

vim.api.nvim_buf_set_lines(0, 0, -1, false, {
  "a red fox in snow, from neovim",
  "a fox [fail=content_policy_violation]",
})
vim.api.nvim_win_set_cursor(0, { 1, 0 })
vim.cmd "GentaskImage"
record("mark", "first submitted")

-- what a user types 100 ms later, while the first image is being generated
vim.defer_fn(function()
  record("mark", "typing")
  vim.api.nvim_input "j:GentaskImage<CR>:lua gentask_example_mark('second handled')<CR>"
end, 100)
