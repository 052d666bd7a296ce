---@meta gentask.file
-- gentask.file: local files as parameter values (lua/gentask/file.lua); callers use gentask.file().

---@class gentask.file
---@field default_max_bytes integer the largest input unless the profile says otherwise (10 MiB)
local file = {}

---A value for params.
---@param spec string|{bytes: string, name?: string}
---@param usage fun(message: string, level: integer) raises the caller's mistake
---@return gentask.File
function file.new(spec, usage) end

---Whether value was made by gentask.file.
---@param value any
---@return boolean
function file.is(value) end

---params with every gentask.file in it replaced by what the provider takes; nil and why when one cannot go.
---@param params table
---@param profile gentask.Profile
---@return table|nil params
---@return string|nil why
function file.encode_params(params, profile) end

return file
