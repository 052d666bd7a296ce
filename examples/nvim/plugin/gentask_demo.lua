-- :GentaskImage [prompt] — generate an image from the current line (or the prompt given) and
-- show its URL when it is ready. The editor stays responsive meanwhile.
if vim.g.loaded_gentask_demo then return end
vim.g.loaded_gentask_demo = true

vim.api.nvim_create_user_command("GentaskImage", function(cmd)
  require("gentask_demo").image(cmd.args ~= "" and cmd.args or nil)
end, { nargs = "*", desc = "Generate an image from the current line through gentask" })
