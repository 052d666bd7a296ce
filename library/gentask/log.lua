---@meta gentask.log
-- gentask.log: the debug lines (lua/gentask/log.lua); GENTASK_LOG=debug or a client's log option.

---@class gentask.log
local log = {}

---One event (a request sent, an answer) as one line.
---@param event table
---@return string
function log.format(event) end

---Where a client's lines go: its own log function, else stderr when GENTASK_LOG=debug, else nil.
---@param option? fun(line: string)
---@return fun(line: string)|nil
function log.sink(option) end

return log
