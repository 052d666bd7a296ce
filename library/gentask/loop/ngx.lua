---@meta gentask.loop.ngx
-- gentask.loop.ngx: OpenResty; require "gentask" starts it inside nginx.

---@class gentask.loop.ngx
---@field tick number how often the driver looks at curl's sockets while tasks are in flight (seconds)
local ngx_loop = {}

---Installs the adapter.
---@param options? {tick?: number}
---@return gentask.loop.ngx
function ngx_loop.start(options) end

return ngx_loop
