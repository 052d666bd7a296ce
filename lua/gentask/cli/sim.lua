-- gentask.cli.sim — --sim: a gentask-sim the command starts on a free loopback port and stops
-- when it is done, so that anyone can try the command offline, with no key.

local sim = {}

-- The simulator's default test key: it accepts this one unless told otherwise.
sim.key = "sk-test-gentask"

local function exists(path)
  local f = io.open(path, "r")
  if f then f:close() end
  return f ~= nil
end

local function sh_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function dirname(path)
  return path:match("^(.*)/[^/]*$") or "."
end

-- package.searchpath, which PUC Lua 5.1 lacks
local function searchpath(name, path)
  if package.searchpath then return (package.searchpath(name, path)) end
  name = name:gsub("%.", "/")
  for template in path:gmatch "[^;]+" do
    local file = template:gsub("%?", name)
    if exists(file) then return file end
  end
end

--- Where gentask-sim is: $GENTASK_SIM; beside the gentask.core that was loaded, or in a bin/
-- above it (a checkout's build/ keeps both; a LuaRocks tree keeps core.so under lib/lua/5.x/
-- and the simulator's rock puts gentask-sim in the tree's bin/); else the PATH.
function sim.find()
  local named = os.getenv "GENTASK_SIM"
  if named and named ~= "" then return named end
  local core_path = searchpath("gentask.core", package.cpath)
  if core_path then
    local dir = dirname(core_path)
    for _ = 1, 5 do
      dir = dirname(dir)
      for _, candidate in ipairs { dir .. "/gentask-sim", dir .. "/bin/gentask-sim" } do
        if exists(candidate) then return candidate end
      end
    end
  end
  for dir in (os.getenv "PATH" or ""):gmatch("[^:]+") do
    if exists(dir .. "/gentask-sim") then return dir .. "/gentask-sim" end
  end
  return nil
end

--- Starts the simulator: { url =, pid = } or nil and why. duration_ms: each task's generation time.
function sim.start(duration_ms)
  local bin = sim.find()
  if not bin then
    return nil, "--sim: gentask-sim was not found (install the gentask-sim rock, set GENTASK_SIM, or put it in PATH)"
  end
  -- exec: the simulator is this process's own child, and --die-with-parent ends it with this
  -- process, a kill -9 included
  local command = ("exec %s --port 0 --duration-ms %d --die-with-parent"):format(sh_quote(bin), duration_ms or 1000)
  local pipe = io.popen(command, "r")
  local banner = pipe and pipe:read "*l" or ""
  local port, pid = banner:match "127%.0%.0%.1:(%d+) pid (%d+)"
  if not port then
    if pipe then pipe:close() end
    return nil, "--sim: gentask-sim did not start (" .. bin .. ")"
  end
  return { url = "http://127.0.0.1:" .. port, pid = pid, pipe = pipe }
end

function sim.stop(server)
  if not server then return end
  os.execute("kill " .. server.pid .. " 2>/dev/null")
  server.pipe:close()
end

return sim
