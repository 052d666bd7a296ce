-- The reference in docs/ against what the library exports: every option, error kind, task state,
-- error field and metric appears on its page, every option a page documents exists (and is
-- accepted where the page says), docs/options.md is what tools/options_doc.lua makes now, and
-- every relative link of README.md and docs/ reaches a file (and a heading, for a page's anchor).
local gentask = require "gentask"
local core = require "gentask.core"
local metrics = require "gentask.metrics"
local docs = require "support.docs"

local function read(path) return assert(require("support.host").read(path), "cannot read " .. path) end

local render = dofile "tools/options_doc.lua"
local extra = dofile "tools/options_lua.lua"

-- The table cells of a page's rows that start with a `name`: name → the row's line
local function rows(text)
  local found = {}
  for name, line in text:gmatch "\n| `([%w_%.]+)` |([^\n]*)" do found[name] = line end
  return found
end

-- The names gentask.client and client:submit accept besides the core's: own_names in
-- lua/gentask/init.lua, read from its source (it is a local of the module)
local function own_names()
  local block = assert(read "lua/gentask/init.lua":match "\nlocal own_names = (%b{})", "own_names not found")
  local names = {}
  for scope, list in block:gmatch "(%a+) = (%b{})" do
    names[scope] = {}
    for name in list:gmatch "([%w_]+) = true" do names[scope][name] = true end
  end
  return names
end

describe("docs/options.md", function()
  it("is what tools/options_doc.lua makes from the core's options now (make options-doc)", function()
    assert.equal(render(core, extra), read "docs/options.md")
  end)

  it("gives every option a meaning: the core's from the core, the Lua layer's from tools/options_lua.lua", function()
    for _, o in ipairs(core.options) do
      assert.is_true(type(o.meaning) == "string" and o.meaning ~= "", o.name .. " has no meaning in the core")
    end
    for _, o in ipairs(extra.lua_layer) do
      for _, field in ipairs { "value", "default", "set_on", "meaning", "read_by" } do
        assert.is_true(type(o[field]) == "string" and o[field] ~= "", o.name .. " has no " .. field)
      end
    end
    for name in pairs(extra.see) do
      local known = false
      for _, o in ipairs(core.options) do known = known or o.name == name end
      assert.is_true(known, "tools/options_lua.lua links " .. name .. ", which is no core option")
    end
  end)

  it("has a row for every option the core exports and the Lua layer reads", function()
    local documented = rows(read "docs/options.md")
    for _, o in ipairs(core.options) do assert.is_not_nil(documented[o.name], o.name .. " is not documented") end
    local names = own_names()
    for scope, list in pairs(names) do
      for name in pairs(list) do assert.is_not_nil(documented[name], name .. " (" .. scope .. ") is not documented") end
    end
  end)

  it("documents only options that exist, each accepted where its row says", function()
    local by_name = {}
    for _, o in ipairs(core.options) do by_name[o.name] = o.scope == "task" and "client, submit" or "client" end
    for _, o in ipairs(extra.lua_layer) do
      assert.is_nil(by_name[o.name], o.name .. " is both the core's and the Lua layer's")
      by_name[o.name] = o.set_on
    end
    local documented = rows(read "docs/options.md")
    local names = own_names()
    local fox = gentask.client { provider = "foxapi", api_key = "k", base_url = "http://127.0.0.1:9" }
    local function refusal(call)
      local ok, err = pcall(call)
      return not ok and tostring(err) or ""
    end
    for name, line in pairs(documented) do
      local set_on = assert(by_name[name], "docs/options.md documents " .. name .. ", which no one reads")
      assert.truthy(line:find("| " .. set_on .. " |", 1, true), name .. ": its row does not say " .. set_on)
      -- an unknown name is refused as such; a known one with a value of the wrong type for its own reason
      local wrong = {}
      local on_client = refusal(function() gentask.client { provider = "foxapi", api_key = "k", [name] = wrong } end)
      local on_submit = refusal(function() fox:submit("flux-dev", {}, { [name] = wrong }) end)
      local unknown = "unknown option '" .. name .. "'"
      assert.equal(set_on:find "client" == nil, on_client:find(unknown, 1, true) ~= nil, name .. " on a client: " .. on_client)
      local submit_refused = on_submit:find(unknown, 1, true) or on_submit:find(name .. " is a client option", 1, true)
      assert.equal(set_on:find "submit" == nil, submit_refused ~= nil, name .. " on a submit: " .. on_submit)
      if not by_name[name]:find "client" then assert.is_nil(names.client[name], name) end
    end
    fox:close()
  end)
end)

describe("the reference", function()
  it("has a row for every error kind and every field of the error table (docs/errors.md)", function()
    local documented = rows(read "docs/errors.md")
    for _, kind in ipairs(core.kinds) do assert.is_not_nil(documented[kind.name], kind.name) end
    local text = read "docs/errors.md"
    for _, field in ipairs(core.error_fields) do
      assert.truthy(text:find("\n| `" .. field .. "`", 1, true) or text:find(", `" .. field .. "` |", 1, true),
        "docs/errors.md's field table lacks " .. field)
    end
  end)

  it("names every task state in the task's state row (docs/tasks.md)", function()
    local row = assert(rows(read "docs/tasks.md")["task.state"], "docs/tasks.md has no task.state row")
    for _, state in ipairs(core.states) do assert.truthy(row:find("`" .. state .. "`", 1, true), state) end
  end)

  it("has a row for every metric the library writes (docs/metrics.md)", function()
    local documented = rows(read "docs/metrics.md")
    local found = 0
    for name in metrics.prometheus(gentask.metrics()):gmatch "# TYPE (%S+)" do
      found = found + 1
      assert.is_not_nil(documented[name], "docs/metrics.md lacks " .. name)
    end
    assert.is_true(found >= 10, "metrics found: " .. found)
  end)
end)

-- GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens
local function slug(heading)
  local s = heading:gsub("`", ""):lower()
  s = s:gsub("\195([\128-\158])", function(c) return "\195" .. string.char(c:byte() + 32) end)   -- À-Þ
  for _, mark in ipairs { "—", "–", "…", "’", "×" } do s = s:gsub(mark, "") end
  return (s:gsub("[^%w%s%-_\128-\255]", ""):gsub("%s", "-"))
end

local function anchors(text)
  local found, seen = {}, {}
  local fence = false
  for line in (text .. "\n"):gmatch "(.-)\n" do
    if line:match "^%s*```" then fence = not fence end
    local heading = not fence and line:match "^#+%s+(.-)%s*$"
    if heading then
      local s = slug(heading)
      if seen[s] then found[s .. "-" .. seen[s]] = true else found[s] = true end
      seen[s] = (seen[s] or 0) + 1
    end
  end
  return found
end

-- Every link of a Markdown file outside code: { line =, target = }
local function links(text)
  local found, fence, number = {}, false, 0
  for line in (text .. "\n"):gmatch "(.-)\n" do
    number = number + 1
    if line:match "^%s*```" then fence = not fence
    elseif not fence then
      for target in line:gsub("`[^`]*`", ""):gmatch "%]%(([^)%s]+)%)" do
        found[#found + 1] = { line = number, target = target }
      end
    end
  end
  return found
end

describe("the links of README.md and docs/", function()
  it("reach a file of the repository, and a heading of it for an anchor", function()
    local checked, broken = 0, {}
    for _, file in ipairs(docs.files()) do
      local dir = file:match "^(.*)/" or "."
      for _, link in ipairs(links(read(file))) do
        local target = link.target
        if not target:match "^%a[%w+.-]*:" then   -- not https:, mailto:, …
          checked = checked + 1
          local path, anchor = target:match "^([^#]*)#?(.*)$"
          local where = ("%s:%d: %s"):format(file, link.line, target)
          local full = path == "" and file or dir .. "/" .. path
          local f = io.open(full, "rb")
          if not f then
            broken[#broken + 1] = where .. ": no such file"
          else
            f:close()
            if anchor ~= "" and full:match "%.md$" and not anchors(read(full))[anchor] then
              broken[#broken + 1] = where .. ": no such heading"
            end
          end
        end
      end
    end
    assert.same({}, broken)
    assert.is_true(checked >= 30, "relative links found: " .. checked)
  end)

  it("are read as GitHub reads a heading", function()
    assert.equal("who-is-working-on-it-gentaskfleet", slug "Who is working on it: `gentask.fleet`")
    assert.equal("löve-and-other-game-loops", slug "LÖVE and other game loops")
    assert.equal("the-lua-layers-options", slug "The Lua layer's options")
    assert.same({ ["a-b"] = true, ["a-b-1"] = true }, anchors "# A b\n```\n# not a heading\n```\n## A b\n")
  end)
end)
