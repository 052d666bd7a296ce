---@meta gentask.errors
-- gentask.errors: the error kinds, is() and the usage error (lua/gentask/errors.lua).

---@class gentask.errors
---@field kinds table<gentask.ErrorKind, boolean> kind → whether trying again can help (the core's default)
local errors = {}

---Gives t the error metatable; fills retryable from the kind when absent.
---@param t table an error table: kind, message, …
---@return gentask.Error
function errors.new(t) end

---True when err is a gentask error (of the given kind, when one is given).
---@param err any
---@param kind? gentask.ErrorKind
---@return boolean
function errors.is(err, kind) end

---Raises a usage error at the caller's caller.
---@param message string
---@param level? integer
function errors.usage(message, level) end

return errors
