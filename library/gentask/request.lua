---@meta gentask.request
-- gentask.request: what provider profiles' request functions share (lua/gentask/request.lua).

---@class gentask.request
local request = {}

---A shallow copy of params.
---@param params table
---@return table
function request.copy(params) end

---name, when it is a plain name that may go into a URL path; raises otherwise.
---@param name string
---@param what string what it is, for the error
---@return string
function request.path_segment(name, what) end

---The segments of a model id that is a path ("fal-ai/flux/dev"), each checked as path_segment checks a name.
---@param name string
---@param what string
---@return string[]
function request.path_segments(name, what) end

return request
