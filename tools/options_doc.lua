-- tools/options_doc.lua — docs/options.md, made from the options themselves: the core's table
-- (gentask.core.options: name, unit, bounds, default, scope and meaning, from
-- csrc/core/base/options.c) and the Lua layer's (tools/options_lua.lua). `make options-doc` runs
-- it and writes the page; spec/reference_spec.lua fails when the committed page is not what it
-- makes now, so an option added to the core without its page cannot go unseen.
--
--   lua5.4 tools/options_doc.lua > docs/options.md    (gentask.core on package.cpath)
--
-- Loaded with dofile, it returns render(core, extra) → the page's text, and writes nothing.

local INTRO = [[
<!-- Made by tools/options_doc.lua (make options-doc) from gentask.core.options and
     tools/options_lua.lua: edit those, not this page. -->
# Options

A client takes its options once, in `gentask.client { … }`; a submit may override the client's
value of the options set on "client, submit" for itself, in `client:submit(model, params, options)`.
Every option is optional but `provider` (and `api_key`, for a provider that needs one):

```lua
local fox = gentask.client { provider = "foxapi", api_key = os.getenv "FOXAPI_API_KEY",
                             task_timeout = 600, max_in_flight = 4 }
local task = fox:submit("flux-dev", { prompt = "a red fox" }, { task_timeout = 120 })
print(task:wait().url)
```

Each option is checked when it is given: a value outside its bounds (a time of 0 among them), a
misspelt name, a missing `api_key` for a provider that needs one, or a client's option given to
one submit (`max_in_flight`) is a `usage` error at once, naming the option and its bounds.
]]

local CORE = [[
## The core's options

`require("gentask.core").options` lists these, in this order: `name`, `unit`, `min`, `max`,
`default`, `scope` (`client`, or `task`: a submit may set it too) and `meaning`. It is the one
table the C core reads; the binding sets each option through it, so no second list can drift.
Times are in seconds (fractions allowed), counts and bytes are whole numbers, a text's bounds
are its length in bytes, and money is in the profile's cost currency.
]]

local LUA_LAYER = [[
## The Lua layer's options

These the Lua layer reads itself, not the core's table: their values are tables, functions or
provider profiles, or they say where the client talks to. `gentask.client` and `client:submit`
accept exactly the names of this page (`own_names` in `lua/gentask/init.lua`, with the core's).
]]

local function number(x)
  if x == math.huge then return "∞" end
  if x == math.floor(x) and math.abs(x) < 1e15 then return ("%d"):format(x) end
  return ("%.14g"):format(x)
end

-- A number of bytes as people read it where it is a whole number of KiB, MiB or GiB
local function bytes(x)
  for _, u in ipairs { { 2 ^ 30, "GiB" }, { 2 ^ 20, "MiB" }, { 2 ^ 10, "KiB" } } do
    if x >= u[1] and x % u[1] == 0 and x / u[1] < 1024 then
      return ("%s (%s %s)"):format(number(x), number(x / u[1]), u[2])
    end
  end
  return number(x)
end

local FOREVER = 1e9   -- the core's "never" for a time (csrc/core/base/options.c, FOREVER_S)

local function bounds(o)
  if o.unit == "flag" then return "`true`, `false`" end
  if o.unit == "text" then return ("%s to %s bytes long"):format(number(o.min), number(o.max)) end
  local show = o.unit == "bytes" and bytes or number
  local suffix = o.unit == "seconds" and " s" or ""
  if o.unit == "seconds" and o.max >= FOREVER then return ("≥ %s%s"):format(show(o.min), suffix) end
  return ("%s to %s%s"):format(show(o.min), show(o.max), suffix)
end

local function default(o)
  if o.default == nil then return "none" end
  if o.unit == "flag" then return ("`%s`"):format(tostring(o.default)) end
  if o.unit == "bytes" then return bytes(o.default) end
  return number(o.default) .. (o.unit == "seconds" and " s" or "")
end

-- A table cell: a `|` would end it
local function cell(text)
  return (tostring(text):gsub("|", "\\|"))
end

local function row(cells)
  local out = {}
  for i, c in ipairs(cells) do out[i] = cell(c) end
  return "| " .. table.concat(out, " | ") .. " |"
end

--- The page for core (gentask.core) and extra (tools/options_lua.lua's table).
local function render(core, extra)
  local lines = { INTRO, CORE }
  lines[#lines + 1] = "| option | unit | bounds | default | set on | meaning |"
  lines[#lines + 1] = "|---|---|---|---|---|---|"
  for _, o in ipairs(core.options) do
    assert(type(o.meaning) == "string" and o.meaning ~= "", "the core's option " .. o.name .. " has no meaning")
    local meaning = o.meaning
    if extra.see[o.name] then meaning = ("%s ([more](%s))"):format(meaning, extra.see[o.name]) end
    lines[#lines + 1] = row { ("`%s`"):format(o.name), o.unit, bounds(o), default(o),
                              o.scope == "client" and "client" or "client, submit", meaning }
  end
  lines[#lines + 1] = "\n" .. LUA_LAYER
  lines[#lines + 1] = "| option | value | default | set on | meaning | read by |"
  lines[#lines + 1] = "|---|---|---|---|---|---|"
  for _, o in ipairs(extra.lua_layer) do
    for _, field in ipairs { "value", "default", "set_on", "meaning", "read_by" } do
      assert(type(o[field]) == "string" and o[field] ~= "",
        ("tools/options_lua.lua: %s has no %s"):format(o.name, field))
    end
    lines[#lines + 1] = row { ("`%s`"):format(o.name), o.value, o.default, o.set_on, o.meaning, o.read_by }
  end
  return table.concat(lines, "\n") .. "\n"
end

-- Run as a script (not loaded by a spec): write the page on stdout
if arg and arg[0] and arg[0]:match "options_doc%.lua$" then
  local here = arg[0]:match "^(.*)/[^/]*$" or "."
  io.write(render(require "gentask.core", dofile(here .. "/options_lua.lua")))
end

return render
