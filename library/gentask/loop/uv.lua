---@meta gentask.loop.uv
-- gentask.loop.uv: a libuv loop (Neovim's vim.uv / vim.loop, or luv); require "gentask" starts it in Neovim.

---@class gentask.loop.uv
---@field on_error? fun(err: any) called with what a callback raised
local uv = {}

---Hands the engine's sockets and timers to the uv loop.
---@param uv_module? table default vim.loop or luv
---@return gentask.loop.uv
function uv.start(uv_module) end

---Errors raised by callbacks since the last call (when no on_error handler is set).
---@return any[]
function uv.errors() end

return uv
