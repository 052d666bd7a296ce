-- The editor's types (library/, LuaLS `---@meta` files) against what the library exports, both
-- ways: every option, error kind, task state, task field and method, error field, and every name
-- of gentask, gentask.core and the plain modules is annotated, and nothing is annotated that does
-- not exist. There is no lua-language-server in Debian: the meta files are read here as text, in
-- the few forms they use (see parse), and loaded as Lua to be sure they are Lua.
local gentask = require "gentask"   -- gentask.task hands the task methods to the binding on load
local core = require "gentask.core"

local function read(path) return assert(require("support.host").read(path), "cannot read " .. path) end

local function meta_files()
  local files = {}
  local pipe = assert(io.popen "find library -name '*.lua' | LC_ALL=C sort")
  for path in pipe:lines() do files[#files + 1] = path end
  pipe:close()
  return files
end

-- The classes and aliases of the meta files:
--   ---@class NAME             then its ---@field lines: classes[NAME].fields[field] = type (with `?`)
--   local VAR = {}             right after a class: VAR is that class
--   function VAR:m() / VAR.m   a method or function of VAR's class: classes[NAME].functions[m]
--   ---@alias NAME "a"|"b"     or ---@alias NAME then ---| "a" lines: aliases[NAME] = { "a", "b" }
-- A name met twice (a field, a function, a class, an alias) is recorded in `twice`.
local function parse(files)
  local classes, aliases, twice = {}, {}, {}
  for _, path in ipairs(files) do
    local class, alias, class_name
    local of_var = {}
    for line in (read(path) .. "\n"):gmatch "([^\n]*)\n" do
      local new_class = line:match "^%-%-%-@class%s+([%w_%.]+)"
      local alias_name, inline = line:match "^%-%-%-@alias%s+([%w_%.]+)%s*(.*)$"
      local field, optional, field_type = line:match "^%-%-%-@field%s+([%w_]+)(%??)%s+(%S+)"
      local var = line:match "^local%s+([%w_]+)%s*=%s*{}%s*$"
      local owner, fn = line:match "^function%s+([%w_]+)[:%.]([%w_]+)%s*%("
      if new_class then
        if classes[new_class] then twice[#twice + 1] = "class " .. new_class end
        class_name, alias = new_class, nil
        class = { fields = {}, functions = {}, file = path }
        classes[new_class] = class
      elseif alias_name then
        if aliases[alias_name] then twice[#twice + 1] = "alias " .. alias_name end
        alias, class = {}, nil
        aliases[alias_name] = alias
        for value in inline:gmatch '"([^"]*)"' do alias[#alias + 1] = value end
      elseif alias and line:match "^%-%-%-|" then
        alias[#alias + 1] = assert(line:match '^%-%-%-|%s*"([^"]*)"', path .. ": " .. line)
      elseif class and field then
        if class.fields[field] then twice[#twice + 1] = class_name .. "." .. field end
        class.fields[field] = field_type .. optional
      elseif class and var then
        of_var[var] = class
        class = nil
      elseif owner and of_var[owner] then
        local functions = of_var[owner].functions
        if functions[fn] then twice[#twice + 1] = owner .. "." .. fn end
        functions[fn] = true
      elseif not line:match "^%-%-%-" then
        class, alias = nil, nil   -- a class's fields and an alias's values are one comment block
      end
    end
  end
  return classes, aliases, twice
end

local classes, aliases, twice = parse(meta_files())

-- `a` and `b` as two sorted lists: what a lacks of b, what a has beyond b.
local function difference(a, b)
  local missing, extra = {}, {}
  for name in pairs(b) do if not a[name] then missing[#missing + 1] = name end end
  for name in pairs(a) do if not b[name] then extra[#extra + 1] = name end end
  table.sort(missing)
  table.sort(extra)
  return missing, extra
end

-- The annotated names (fields and functions) of a class must be exactly `exported` (a set).
local function assert_same_names(class_name, annotated, exported)
  local missing, extra = difference(annotated, exported)
  assert.same({}, missing, class_name .. ": exported but not annotated")
  assert.same({}, extra, class_name .. ": annotated but not exported")
end

local function class(name)
  local c = classes[name]
  assert(c, "no ---@class " .. name .. " in library/")
  return c
end

-- every name a class annotates, field or function
local function names_of(name)
  local c, names = class(name), {}
  for field in pairs(c.fields) do names[field] = true end
  for fn in pairs(c.functions) do names[fn] = true end
  return names
end

local function set(list)
  local s = {}
  for _, name in ipairs(list) do s[name] = true end
  return s
end

local function count(s)
  local n = 0
  for _ in pairs(s) do n = n + 1 end
  return n
end

local function keys(t)
  local s = {}
  for k in pairs(t) do s[k] = true end
  return s
end

-- The names gentask.client and a submit accept beside the core's options: the `own_names` table
-- of lua/gentask/init.lua, read as text ({ client = { a = true, … }, task = { … } }).
local function own_names(scope)
  local body = read("lua/gentask/init.lua"):match "local own_names = (%b{})"
  assert(body, "lua/gentask/init.lua has no own_names table")
  local list = assert(body:match(scope .. "%s*=%s*(%b{})"), "own_names has no " .. scope)
  local names = {}
  for name in list:gmatch "([%w_]+)%s*=%s*true" do names[name] = true end
  return names
end

-- The Lua type an option of each unit takes (what core.check_options accepts).
local UNIT_TYPE = { seconds = "number", count = "integer", bytes = "integer", money = "number", text = "string",
                    flag = "boolean" }

describe("the editor's types (library/)", function()
  it("are one definition each, in files that are Lua and say ---@meta", function()
    assert.same({}, twice)
    for _, path in ipairs(meta_files()) do
      assert.truthy(read(path):match "^%-%-%-@meta", path .. " does not begin with ---@meta")
      assert.truthy(loadfile(path), path .. " is not Lua")
    end
  end)

  it("annotate every client option of the core and gentask.client's own, and no other", function()
    local exported = own_names "client"
    for _, o in ipairs(core.options) do exported[o.name] = true end
    assert_same_names("gentask.ClientOptions", keys(class("gentask.ClientOptions").fields), exported)
    assert.equal(#core.options + count(own_names "client"), count(exported))   -- no name in both
  end)

  it("annotate every option one submit takes (the core's per-task ones and the submit's own), and no other", function()
    local exported = own_names "task"
    for _, o in ipairs(core.options) do
      if o.scope == "task" then exported[o.name] = true end
    end
    assert_same_names("gentask.SubmitOptions", keys(class("gentask.SubmitOptions").fields), exported)
  end)

  it("give each core option the Lua type of its unit, optional", function()
    for _, class_name in ipairs { "gentask.ClientOptions", "gentask.SubmitOptions" } do
      local fields = class(class_name).fields
      for _, o in ipairs(core.options) do
        local annotated = fields[o.name]
        if annotated or o.scope == "task" then
          assert.truthy(UNIT_TYPE[o.unit], o.name .. ": a unit this spec does not know: " .. o.unit)
          assert.equal(UNIT_TYPE[o.unit] .. "?", annotated, class_name .. "." .. o.name)
        end
      end
    end
  end)

  it("name every error kind of the core, in its order, and no other", function()
    local names = {}
    for i, kind in ipairs(core.kinds) do names[i] = kind.name end
    assert.same(names, aliases["gentask.ErrorKind"])
  end)

  it("name every task state of the core, in its order, and no other", function()
    assert.same(core.states, aliases["gentask.TaskState"])
  end)

  it("annotate every method a task has, and no other", function()
    -- the list gentask.task hands the binding: core.task_class { wait = wait, … }
    local list = read("lua/gentask/task.lua"):match "\ncore%.task_class%s*(%b{})"
    assert(list, "lua/gentask/task.lua no longer calls core.task_class { … }")
    local methods = {}
    for name in list:gmatch "([%w_]+)%s*=" do methods[name] = true end
    assert.is_true(count(methods) >= 5)
    -- and what the binding holds: the upvalue of the task metatable's __index (PUC 5.1's debug
    -- library does not read a C function's upvalues; 5.4 and LuaJIT do)
    local _, held = debug.getupvalue(debug.getregistry()["gentask.task"].__index, 1)
    if held ~= nil or _VERSION ~= "Lua 5.1" or type(jit) == "table" then assert.same(methods, keys(held)) end
    assert_same_names("gentask.Task methods", class("gentask.Task").functions, methods)
  end)

  it("annotate every field the binding reads for a task, and no other", function()
    local source = read "csrc/lua/task.c"
    local index = assert(source:match "static int task_index%b()%s*(%b{})", "csrc/lua/task.c: no task_index")
    local fields = {}
    for name in index:gmatch 'strcmp%(key, "([%w_]+)"%)' do fields[name] = true end
    assert.is_true(count(fields) >= 8)
    assert_same_names("gentask.Task fields", keys(class("gentask.Task").fields), fields)
  end)

  it("annotate every field of the error table (the core's error_fields, and the cost gentask.task adds)", function()
    local exported = set(core.error_fields)
    assert.truthy(read("lua/gentask/task.lua"):match "e%.cost = ", "gentask.task no longer adds cost to an error")
    exported.cost = true
    assert_same_names("gentask.Error", keys(class("gentask.Error").fields), exported)
  end)

  it("annotate every method of a client, and no other", function()
    local methods = {}
    for name in read("lua/gentask/init.lua"):gmatch "\nfunction Client:([%w_]+)%(" do
      if not name:match "^__" then methods[name] = true end   -- metamethods are not called by name
    end
    assert.is_true(count(methods) >= 7)
    assert_same_names("gentask.Client methods", class("gentask.Client").functions, methods)
  end)

  it("annotate every name gentask, gentask.core and the plain modules export, and no other", function()
    assert_same_names("gentask", names_of "gentask", keys(gentask))
    assert_same_names("gentask.core", names_of "gentask.core", keys(core))
    -- the host adapters (gentask.loop.copas, …) load only inside their hosts: not required here
    for _, name in ipairs { "gentask.errors", "gentask.sim", "gentask.metrics", "gentask.log", "gentask.file",
                            "gentask.request", "gentask.loop.frame", "gentask.keys" } do
      assert_same_names(name, names_of(name), keys(require(name)))
    end
  end)
end)
