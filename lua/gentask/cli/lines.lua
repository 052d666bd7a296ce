-- gentask.cli.lines — a prompts file: one JSON object per line, { model, params, key, provider }
-- (or prompt = "..." as a shorthand for params.prompt). Blank lines and lines starting with # are
-- skipped. Each line gets a key that names its request in the journal: its own, or one made of
-- its line number and its content, so that re-running the same file pays for nothing twice and
-- an edited line is a new request.

local cjson = require "cjson.safe"

local lines = {}

-- Two 31-bit polynomial hashes (floating-point arithmetic stays exact below 2^53, and Lua 5.1
-- has no bit operators): enough to tell an edited line from the original.
local function digest(s)
  local a, b = 7, 11
  for i = 1, #s do
    local c = s:byte(i)
    a = (a * 31 + c) % 2147483647
    b = (b * 131 + c) % 2147483629
  end
  return ("%08x%08x"):format(a, b)
end

--- The key of line number n with raw text, when the line names none.
function lines.derived_key(n, text)
  return ("line-%d-%s"):format(n, digest(text))
end

--- Reads path: a list of { n, key, model, params, provider, problem }; nil and why when the file
-- cannot be read. A line that is not a usable object keeps its problem (it fails, the rest go on).
function lines.read(path)
  local f, err = io.open(path, "r")
  if not f then return nil, "cannot read the prompts file: " .. tostring(err) end
  local list, n = {}, 0
  for text in f:lines() do
    n = n + 1
    text = text:gsub("\r$", "")
    if text:match("%S") and not text:match("^%s*#") then
      local value = cjson.decode(text)
      local entry = { n = n, key = lines.derived_key(n, text) }
      if type(value) ~= "table" then
        entry.problem = ("line %d is not a JSON object"):format(n)
      else
        entry.model, entry.provider = value.model, value.provider
        entry.params = type(value.params) == "table" and value.params or {}
        if value.prompt ~= nil and entry.params.prompt == nil then entry.params.prompt = value.prompt end
        if value.key ~= nil then entry.key = tostring(value.key) end
        if type(entry.model) ~= "string" or entry.model == "" then
          entry.problem = ("line %d names no model"):format(n)
        elseif entry.provider ~= nil and type(entry.provider) ~= "string" then
          entry.problem = ("line %d: provider must be a string"):format(n)
        elseif entry.provider then
          entry.provider = entry.provider:lower() -- "BFL" is bfl, as on the command line
        end
      end
      list[#list + 1] = entry
    end
  end
  f:close()
  return list
end

--- A file name made of a key: what is not a letter, digit, '-', '_' or '.' becomes '_'.
function lines.file_name(key)
  return (key:gsub("[^%w%-_.]", "_"):gsub("^%.", "_"))
end

return lines
