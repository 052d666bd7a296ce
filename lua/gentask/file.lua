--- Local files as parameter values: gentask.file("in.png") or gentask.file{ bytes =, name = }.
-- In a submit's params such a value is read, checked (it exists, it is an image, a video or
-- audio, it is not too large) and turned into what the provider takes (its profile's
-- `file_form`: a data URI by default, bare base64 where the provider documents that), all before
-- anything is sent: a missing file costs nothing.
-- @module gentask.file

local core = require "gentask.core"

local file = {}

local File = {}
File.__index = File
File.__tostring = function(f) return ("gentask.file(%s)"):format(f.path or f.name or "bytes") end

-- Larger inputs than this are refused unless the profile says otherwise: request bodies are
-- held in memory, and base64 makes them a third larger.
file.default_max_bytes = 10 * 1024 * 1024

--- A value for params (what gentask.file returns).
-- @tparam string|table spec a path, or { bytes =, name = }
-- @func usage raises the caller's mistake: usage(message, level)
-- @return the value
function file.new(spec, usage)
  if type(spec) == "string" and spec ~= "" then return setmetatable({ path = spec }, File) end
  if type(spec) == "table" and type(spec.bytes) == "string" then
    if spec.name ~= nil and type(spec.name) ~= "string" then usage("gentask.file{}: name must be a string", 3) end
    return setmetatable({ bytes = spec.bytes, name = spec.name }, File)
  end
  usage("gentask.file expects a path, or { bytes = string, name = string }", 3)
end

--- Whether value was made by gentask.file.
-- @param value any value
-- @treturn boolean
function file.is(value)
  return getmetatable(value) == File
end

local function read(f)
  if f.bytes then return f.bytes end
  local handle, err = io.open(f.path, "rb")
  if not handle then return nil, "cannot read " .. tostring(err) end
  local bytes, read_err = handle:read("*a")
  handle:close()
  if not bytes then return nil, ("cannot read %s: %s"):format(f.path, tostring(read_err)) end
  return bytes
end

-- One file as the provider takes it; nil and why when it cannot go.
local function encode(f, profile)
  local bytes, err = read(f)
  local what = f.path or f.name or "the bytes given"
  if not bytes then return nil, err end
  local max = profile.max_file_bytes or file.default_max_bytes
  if #bytes > max then
    return nil, ("%s is %d bytes, more than %s takes (%d)"):format(what, #bytes, tostring(profile.name), max)
  end
  local media_type = core.media_type(bytes)
  if not media_type or not media_type:match("^image/") and not media_type:match("^video/")
     and not media_type:match("^audio/") then
    return nil, ("%s is not an image, a video or audio (%s)"):format(what, media_type or "unknown content")
  end
  local encoded = core.base64(bytes)
  if profile.file_form == "base64" then return encoded end
  return ("data:%s;base64,%s"):format(media_type, encoded)
end

--- params with every gentask.file in it (at any depth) replaced by what the provider takes.
-- The caller's tables are left as they are. A table that contains itself cannot be JSON: it is
-- the caller's mistake, said as one.
-- @tparam table params the submit's params
-- @tparam table profile the provider's profile
-- @treturn[1] table the params to send
-- @return[2] nil when a file cannot go, or params hold a cycle
-- @treturn[2] string why
function file.encode_params(params, profile)
  if file.is(params) then
    return nil, "params are a table of the request's fields: a gentask.file goes in one "
      .. "(params.image = gentask.file(path))"
  end
  -- Most params are flat (a prompt, sizes, numbers): they go as they are, with nothing allocated.
  local flat = true
  for _, v in pairs(params) do
    if type(v) == "table" then
      flat = false
      break
    end
  end
  if flat then return params end
  local problem
  local open = {}   -- the tables being walked, from params down to here: one met again is a cycle
  local keys = {}   -- the keys from params down to here: a path is spelled only for a cycle's error
  local function where()
    local path = "params"
    for _, k in ipairs(keys) do
      path = type(k) == "number" and path .. "[" .. tostring(k) .. "]" or path .. "." .. tostring(k)
    end
    return path
  end
  local function walk(value)
    if file.is(value) then
      local encoded, err = encode(value, profile)
      problem = problem or err
      return encoded, true
    end
    if type(value) ~= "table" or problem then return value, false end
    if open[value] then
      problem = ("params cannot be sent as JSON: they hold a cycle (%s is a table it is inside)"):format(where())
      return value, false
    end
    open[value] = true
    local copy -- made at the first value that changes: a table without files is sent as it is
    for k, v in pairs(value) do
      if type(v) == "table" then
        keys[#keys + 1] = k
        local new, was = walk(v)
        keys[#keys] = nil
        if was then
          if not copy then
            copy = {}
            for k2, v2 in pairs(value) do copy[k2] = v2 end
          end
          copy[k] = new
        end
      end
    end
    open[value] = nil
    if copy then return setmetatable(copy, getmetatable(value)), true end
    return value, false
  end
  local encoded = walk(params)
  if problem then return nil, problem end
  return encoded
end

return file
