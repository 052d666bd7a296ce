-- tools/depgraph.lua DIR [--list] — the file-to-file dependencies of the C under DIR (make depgraph:
-- the core), as a new engineer would draw them: file A depends on file B when A calls a function B defines,
-- names a type B's header declares, or includes B. It prints the files, the levels of the graph
-- (the longest chain of dependencies below a file, plus one), the dependencies, the arrows that run
-- back up (inside a circle: a chain leads from their end back to their start) and the circles (files
-- that depend on each other through however many steps); with --list, what ties each circle and
-- each file's level. Then the same for the folders under DIR (the layers): a folder depends on
-- another when one of its files does on one of the other's; it prints the folders from the bottom
-- up, the arrows that point up a layer (inside a circle of folders), and the includes that reach
-- into a folder past its face (FOLDER/FOLDER.h, the one header its callers include).
-- Text only, no compiler: names are matched as words outside comments and strings.
local dir = assert(arg[1], "usage: lua tools/depgraph.lua DIR [--list]")
local list = arg[2] == "--list"

local function lines_of(path)
  local f = assert(io.open(path, "r"))
  local text = f:read "*a"
  f:close()
  return text
end

-- every .c and .h under dir, sorted, as paths relative to the working directory
local files = {}
local pipe = assert(io.popen("find " .. dir .. " -name '*.[ch]' | sort"))
for path in pipe:lines() do files[#files + 1] = path end
pipe:close()

-- What each file offers others: a .c file its functions that are not static (the clang-formatted
-- core puts a definition's return type and name on one line, the body's brace on the next); a
-- header its types. Declarations are not dependencies: a header depends only on what it includes
-- and the types it names; a .c file on the functions it calls, the types it names, its includes.
local function_in, type_in, struct_in, text_of = {}, {}, {}, {}
local KEYWORDS = { ["if"] = true, ["while"] = true, ["for"] = true, ["switch"] = true, ["return"] = true,
                   sizeof = true }
for _, path in ipairs(files) do
  local text = lines_of(path)
  text_of[path] = text
  for line in text:gmatch "[^\n]+" do
    local fn = line:match "^[%a_][%w_ %*]-[%s%*]([%a_][%w_]*)%("
    if fn and path:match "%.c$" and not line:match "^static" and not line:match ";%s*$" and not KEYWORDS[fn] then
      function_in[fn] = function_in[fn] or path
    end
    -- a type belongs to the header whose typedef names it (a forward "typedef struct x x;" is
    -- enough to name it); a struct's body elsewhere only lays it out
    if path:match "%.h$" then
      local ty = line:match "^typedef%s+struct%s+[%a_][%w_]*%s+([%a_][%w_]*);" or line:match "^} ([%a_][%w_]*);"
        or line:match "^typedef%s+[^%(]-([%a_][%w_]*);%s*$"
      if ty then type_in[ty] = type_in[ty] or path end
      local body = line:match "^struct%s+([%a_][%w_]*)%s*{"
      if body then struct_in[body] = struct_in[body] or path end
    end
  end
end

for name, path in pairs(struct_in) do type_in[name] = type_in[name] or path end

-- "a/b/../c.h" as "a/c.h"
local function normal(path)
  local parts = {}
  for part in path:gmatch "[^/]+" do
    if part == ".." and #parts > 0 and parts[#parts] ~= ".." then
      parts[#parts] = nil
    elseif part ~= "." then
      parts[#parts + 1] = part
    end
  end
  return table.concat(parts, "/")
end

-- edges: the names a file uses, and its includes
local deps, count = {}, 0
for _, path in ipairs(files) do
  local to = {}
  local is_c = path:match "%.c$"
  -- comments and strings name things without using them
  local code = text_of[path]:gsub("/%*.-%*/", ""):gsub("//[^\n]*", ""):gsub('"[^"\n]*"', '""')
  for name in code:gmatch "[%a_][%w_]*" do
    local where = (is_c and function_in[name]) or type_in[name]
    if where and where ~= path then to[where] = to[where] or name end
  end
  for inc in text_of[path]:gmatch '#include%s+"([^"]+)"' do
    local target = normal((path:match "^(.*/)" or "") .. inc)
    if text_of[target] and target ~= path then to[target] = to[target] or "#include" end
  end
  deps[path] = to
  for _ in pairs(to) do count = count + 1 end
end

-- circles: Tarjan's strongly connected components
local index, low, on_stack, stack, next_index, component_of, components = {}, {}, {}, {}, 0, {}, {}
local function connect(v)
  index[v], low[v] = next_index, next_index
  next_index = next_index + 1
  stack[#stack + 1], on_stack[v] = v, true
  for w in pairs(deps[v]) do
    if not index[w] then
      connect(w)
      low[v] = math.min(low[v], low[w])
    elseif on_stack[w] then
      low[v] = math.min(low[v], index[w])
    end
  end
  if low[v] == index[v] then
    local c = {}
    repeat
      local w = table.remove(stack)
      on_stack[w] = nil
      c[#c + 1], component_of[w] = w, #components + 1
    until w == v
    table.sort(c)
    components[#components + 1] = c
  end
end
for _, path in ipairs(files) do if not index[path] then connect(path) end end

-- levels on the graph of circles: a file's level is one more than the highest below it
local level_of = {}
local function level(c)
  if level_of[c] then return level_of[c] end
  level_of[c] = 0
  local l = 0
  for _, v in ipairs(components[c]) do
    for w in pairs(deps[v]) do
      if component_of[w] ~= c then l = math.max(l, level(component_of[w]) + 1) end
    end
  end
  level_of[c] = l
  return l
end
local levels, circles, up = 0, {}, 0
for c, members in ipairs(components) do
  levels = math.max(levels, level(c) + 1)
  if #members > 1 then circles[#circles + 1] = members end
end
-- an arrow runs back up when it stays inside a circle: some chain leads from its end back to its start
for _, path in ipairs(files) do
  for w in pairs(deps[path]) do
    if component_of[w] == component_of[path] then up = up + 1 end
  end
end

print(("%s: %d files, %d levels, %d dependencies, %d inside circles, %d circles"):format(dir, #files, levels, count,
  up, #circles))
for i, members in ipairs(circles) do print(("circle %d: %s"):format(i, table.concat(members, " "))) end
if list then
  for _, members in ipairs(circles) do
    for _, v in ipairs(members) do
      for w, name in pairs(deps[v]) do
        if component_of[w] == component_of[v] then print(("  %s -> %s (%s)"):format(v, w, name)) end
      end
    end
  end
  local by_level = {}
  for _, path in ipairs(files) do by_level[#by_level + 1] = { level(component_of[path]), path } end
  table.sort(by_level, function(a, b) return a[1] > b[1] or a[1] == b[1] and a[2] < b[2] end)
  for _, row in ipairs(by_level) do print(("level %2d  %s"):format(row[1], row[2])) end
end

-- The folders (layers): each file's folder is its first directory under dir ("." for a file at
-- the top). A folder's face is FOLDER/FOLDER.h.
local prefix = normal(dir) .. "/"
local function folder_of(path)
  return path:sub(#prefix + 1):match "^([^/]+)/" or "."
end
local folder_set, folder_list, folder_deps, past_face = {}, {}, {}, {}
for _, path in ipairs(files) do
  local f = folder_of(path)
  if not folder_set[f] then
    folder_set[f] = true
    folder_list[#folder_list + 1] = f
    folder_deps[f] = {}
  end
end
table.sort(folder_list)
for _, path in ipairs(files) do
  local from = folder_of(path)
  for w, name in pairs(deps[path]) do
    local to = folder_of(w)
    if to ~= from then
      folder_deps[from][to] = folder_deps[from][to] or (path .. " -> " .. w .. " (" .. name .. ")")
      local face = prefix .. to .. "/" .. to .. ".h"
      if name == "#include" and w ~= face then past_face[#past_face + 1] = path .. " -> " .. w end
    end
  end
end
-- levels of folders, and the folders that depend on each other (a circle: some arrow points up)
local folder_level, visiting, folder_up = {}, {}, {}
local function flevel(f)
  if folder_level[f] then return folder_level[f] end
  if visiting[f] then return 0 end
  visiting[f] = true
  local l = 0
  for to in pairs(folder_deps[f]) do
    if visiting[to] and not folder_level[to] then
      folder_up[#folder_up + 1] = f .. " -> " .. to .. ": " .. folder_deps[f][to]
    else
      l = math.max(l, flevel(to) + 1)
    end
  end
  visiting[f] = nil
  folder_level[f] = l
  return l
end
for _, f in ipairs(folder_list) do flevel(f) end
table.sort(folder_list, function(a, b)
  return folder_level[a] < folder_level[b] or folder_level[a] == folder_level[b] and a < b
end)
local folder_arrows = 0
for _, f in ipairs(folder_list) do for _ in pairs(folder_deps[f]) do folder_arrows = folder_arrows + 1 end end
table.sort(past_face)
local FOLDERS = "%s: %d folders, bottom up: %s; %d dependencies between folders, %d pointing up a layer, %d includes"
  .. " past a face"
print(FOLDERS:format(dir, #folder_list, table.concat(folder_list, " < "), folder_arrows, #folder_up, #past_face))
for _, line in ipairs(folder_up) do print("  up: " .. line) end
for _, line in ipairs(past_face) do print("  past a face: " .. line) end
if list then
  for _, f in ipairs(folder_list) do
    local below = {}
    for to in pairs(folder_deps[f]) do below[#below + 1] = to end
    table.sort(below)
    local calls = #below > 0 and table.concat(below, " ") or "nothing"
    print(("folder %-9s level %d, calls %s"):format(f, folder_level[f], calls))
  end
end
