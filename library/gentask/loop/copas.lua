---@meta gentask.loop.copas
-- gentask.loop.copas: wait() in a copas thread yields to copas.

---@class gentask.loop.copas
---@field on_error? fun(err: any) called with what a callback raised (default: printed on stderr)
---@field wakeups integer how often a wait was woken
local copas = {}

---Installs the adapter.
---@return gentask.loop.copas
function copas.start() end

---Installs the adapter without a controller (what start does).
---@return table
function copas.install() end

---Uninstalls it.
function copas.stop() end

return copas
