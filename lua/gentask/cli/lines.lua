-- gentask.cli.lines — a prompts file: one JSON object per line, { model, params, key, provider }
-- (or prompt = "..." as a shorthand for params.prompt). Blank lines and lines starting with # are
-- skipped. Each line gets a key that names its request in the journal: its own, or one made of
-- its line number and its content, so that re-running the same file pays for nothing twice and
-- an edited line is a new request. Every line is checked here, before anything is paid: one that
-- cannot go keeps its problem, and the command sends nothing while any line has one.

local cjson = require "cjson.safe"
local core = require "gentask.core"

local lines = {}

-- The longest prompt taken, in bytes: far above what the providers read (a few thousand
-- characters), low enough that a pasted file is caught before it is paid for and copied into the
-- journal, the batch record, the contact sheet and every JSON line.
lines.max_prompt_bytes = 64 * 1024

-- Two 31-bit polynomial hashes (floating-point arithmetic stays exact below 2^53, and Lua 5.1
-- has no bit operators): enough to tell an edited line from the original. Derived keys are made
-- of it, so it stays as it is: a new hash would make every journaled line new, and pay again.
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

-- Why a decoded line cannot be sent, or nil.
local function problem_of(entry, value, n)
  if type(entry.model) ~= "string" or entry.model == "" then return ("line %d names no model"):format(n) end
  if entry.provider ~= nil and type(entry.provider) ~= "string" then
    return ("line %d: provider must be a string"):format(n)
  end
  if value.params ~= nil and type(value.params) ~= "table" then
    return ("line %d: params must be an object"):format(n)
  end
  if value.key ~= nil and type(value.key) ~= "string" and type(value.key) ~= "number" then
    return ("line %d: key must be a string"):format(n)
  end
  if entry.key == "" then return ("line %d: key is empty"):format(n) end
  local prompt = entry.params.prompt
  if type(prompt) == "string" and #prompt > lines.max_prompt_bytes then
    return ("line %d: the prompt is %d bytes, more than the %d gentask takes"):format(n, #prompt,
      lines.max_prompt_bytes)
  end
end

-- One line's text → its entry.
local function entry_of(text, n)
  local entry = { n = n, key = lines.derived_key(n, text) }
  local bad = core.utf8_invalid_at(text)
  if bad then
    entry.problem = ("line %d is not UTF-8 text (byte %d): JSON, and the providers, take only UTF-8"):format(n, bad)
    return entry
  end
  local value, why = cjson.decode(text)
  if type(value) ~= "table" then
    -- lua-cjson says where it stopped ("... at character 12")
    entry.problem = ("line %d is not a JSON object: %s"):format(n, why or ("it is a " .. type(value)))
    return entry
  end
  entry.model, entry.provider = value.model, value.provider
  entry.params = type(value.params) == "table" and value.params or {}
  if value.prompt ~= nil and entry.params.prompt == nil then entry.params.prompt = value.prompt end
  if type(value.key) == "string" or type(value.key) == "number" then entry.key = tostring(value.key) end
  entry.problem = problem_of(entry, value, n)
  if not entry.problem and entry.provider then entry.provider = entry.provider:lower() end -- "BFL" is bfl
  return entry
end

--- Reads path: a list of { n, key, file, model, params, provider, problem }; nil and why when the file
-- cannot be read. Two lines with one key, or one file name, are a problem of the second.
function lines.read(path)
  local f, err = io.open(path, "r")
  if not f then return nil, "cannot read the prompts file: " .. tostring(err) end
  local list, n, seen = {}, 0, {}
  for text in f:lines() do
    n = n + 1
    text = text:gsub("\r$", "")
    if text:match("%S") and not text:match("^%s*#") then
      local entry = entry_of(text, n)
      entry.file = lines.file_name(entry.key)
      if not entry.problem and (seen[entry.key] or seen[entry.file]) then
        entry.problem = ("line %d has the key or the file name of line %d (%s): each line needs its own"):format(n,
          seen[entry.key] or seen[entry.file], entry.key)
      end
      seen[entry.key] = seen[entry.key] or n
      seen[entry.file] = seen[entry.file] or n
      list[#list + 1] = entry
    end
  end
  f:close()
  return list
end

--- The problems of entries, one per line that has one (an empty list: every line can go).
function lines.problems(entries)
  local list = {}
  for _, entry in ipairs(entries) do
    if entry.problem then list[#list + 1] = entry.problem end
  end
  return list
end

-- Longest readable part of a file name: with the hash, the index of a second file and the
-- extension, a name stays far below the 255 bytes a file system takes.
local NAME_MAX = 100

--- The file name a key's results are saved under: the key itself where it is a plain name
-- (letters, digits, '-', '_', '.'); otherwise its readable part with a short hash of the whole
-- key, so that keys that read alike ("a/b", "a b", "a_b") never share a file, and a long key
-- makes a name a file system takes.
function lines.file_name(key)
  local plain = key:gsub("[^%w%-_.]", "_"):gsub("^%.", "_")
  if plain == key and #key <= NAME_MAX then return key end
  return ("%s-%s"):format(plain:sub(1, NAME_MAX), core.sha256(key):sub(1, 10))
end

return lines
