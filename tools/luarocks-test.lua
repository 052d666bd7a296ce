-- `luarocks test` runs this (the rockspec's test = { type = "command", script = ... }), from the
-- checkout or an unpacked release, with the interpreter of its --lua-version: it builds
-- gentask.core and gentask-sim for that interpreter (make all LUA=5.4 | 5.1 | luajit) and runs
-- the busted specs with the same interpreter through spec/run.sh, as `make test` does for one
-- version: every spec/*_spec.lua (.busted), or the files given after `--`:
--   luarocks --lua-version 5.4 test gentask-scm-1.rockspec -- spec/version_spec.lua
-- Not test.type = "busted": LuaRocks' busted type first requires busted as a rock, installing it
-- (and its dependencies) from luarocks.org when no tree holds it, so it fails offline where busted
-- comes from apt (Debian's busted is no rock); and it would run the specs without the build, the
-- simulator and the paths spec/run.sh gives them.

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function run(command)
  local ok, how, code = os.execute(command)
  if type(ok) == "number" then return ok == 0 end   -- Lua 5.1: the wait status
  return ok == true and how == "exit" and code == 0
end

local lua = arg[-1] or "lua"
local runtime = rawget(_G, "jit") and "luajit" or _VERSION:match "%d+%.%d+"
local files = {}
for i = 1, #arg do files[#files + 1] = quote(arg[i]) end

if not run("make --no-print-directory all LUA=" .. runtime) then
  io.stderr:write("luarocks test: make all LUA=", runtime, " failed\n")
  os.exit(1)
end
os.exit(run(("GENTASK_BUILD=build GENTASK_LUA=%s sh spec/run.sh %s build/%s %s")
  :format(runtime, quote(lua), runtime, table.concat(files, " "))) and 0 or 1)
