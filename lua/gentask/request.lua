--- What provider profiles' request functions share.
-- @module gentask.request

local request = {}

--- A shallow copy of params, so a profile can add and remove fields without touching the caller's.
-- @tparam table params the submit's params
-- @treturn table the copy
function request.copy(params)
  local body = {}
  for k, v in pairs(params) do body[k] = v end
  return body
end

--- A model or technique name that goes into a URL path: only plain names are accepted.
-- Raises otherwise.
-- @string name the name
-- @string what what it is, for the error
-- @treturn string name
function request.path_segment(name, what)
  if type(name) ~= "string" or not name:match("^[%w][%w%.%-_:]*$") then
    error(("%s must be a plain name (letters, digits, . - _ :), got %q"):format(what, tostring(name)), 0)
  end
  return name
end

--- The segments of a model id that is a path of plain names ("fal-ai/flux/dev").
-- Each is checked as path_segment checks a name (an empty one, "..", a "?" refused).
-- @string name the model id
-- @string what what it is, for the error
-- @treturn {string,...} the segments
function request.path_segments(name, what)
  if type(name) ~= "string" then request.path_segment(name, what) end   -- raises: not a name
  local segments = {}
  for segment in (name .. "/"):gmatch "([^/]*)/" do
    segments[#segments + 1] = request.path_segment(segment, what .. " segment")
  end
  return segments
end

return request
