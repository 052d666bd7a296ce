---@meta gentask.loop.cqueues
-- gentask.loop.cqueues: wait() in a cqueues coroutine yields to the controller.

---@class gentask.loop.cqueues
---@field on_error? fun(err: any) called with what a callback raised (default: printed on stderr)
---@field wakeups integer how often a wait was woken
local cqueues = {}

---Installs the adapter; cq (kept from an earlier call when nil) also runs the driver that fires callbacks.
---@param cq? table a cqueues controller
---@return gentask.loop.cqueues
function cqueues.start(cq) end

---Installs the adapter without a controller (what start does).
---@return table
function cqueues.install() end

---Uninstalls it.
function cqueues.stop() end

return cqueues
