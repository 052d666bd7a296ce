-- gentask.cli.params — `run`'s parameters from the command line, checked before anything is paid:
-- --param key=value takes a JSON number, boolean, null, object or array as such, and anything else
-- as a string — but a value that starts like JSON ({, [ or ") must be JSON: `x={oops` is a typo
-- to report, not a string to pay for.

local cjson = require "cjson.safe"
local core = require "gentask.core"
local lines = require "gentask.cli.lines"

local params = {}

--- name, value from "key=value"; nil and why when it is not one.
function params.parse(text)
  local name, value = text:match("^([^=]+)=(.*)$")
  if not name then return nil, "--param wants key=value, not " .. text end
  local decoded, why = cjson.decode(value)
  if decoded ~= nil and type(decoded) ~= "string" then return name, decoded end
  if value:match("^%s*[{%[\"]") then
    if decoded == nil then return nil, ("--param %s: %s is not JSON (%s)"):format(name, value, tostring(why)) end
    return name, decoded -- a JSON string, quotes and escapes read
  end
  return name, value
end

--- The params of `run`: prompt and every --param, or nil and why.
function params.of_run(prompt, texts)
  local bad = core.utf8_invalid_at(prompt)
  if bad then return nil, ("the prompt is not UTF-8 text (byte %d)"):format(bad) end
  if #prompt > lines.max_prompt_bytes then
    return nil, ("the prompt is %d bytes, more than the %d gentask takes"):format(#prompt, lines.max_prompt_bytes)
  end
  local out = { prompt = prompt }
  for _, text in ipairs(texts or {}) do
    bad = core.utf8_invalid_at(text)
    if bad then return nil, ("--param %s is not UTF-8 text (byte %d)"):format(text:match("^[^=]*"), bad) end
    local name, value = params.parse(text)
    if not name then return nil, value end
    out[name] = value
  end
  return out
end

return params
