--- Starts gentask-sim, the simulator of the providers' APIs, on a loopback port.
-- It reads the simulator's banner: the one place that does, for the command's --sim, the specs,
-- the soak and the bench (the gentask-sim rock installs the simulator; csrc/sim). Replay mode's
-- files (replay/*.json) are compiled into the simulator and served under /NAME with no option:
-- an installed gentask-sim has them; args = "--replay FILE" serves another (gentask-sim --help,
-- "Replay mode").
-- @module gentask.sim
-- @usage
-- local server = assert(require("gentask.sim").start())
-- local fox = gentask.client { provider = "foxapi", api_key = sim.key, base_url = server.url .. "/foxapi" }
-- server:stop()

local sim = {}

-- The simulator's default test key: it accepts this one unless told otherwise (--key).
sim.key = "sk-test-gentask"

-- The simulator's test secret for a provider whose auth signs tokens (Kling's auth.jwt): start's
-- jwt option has the simulator check tokens signed with it, the access key being sim.key. As
-- public as sim.key: a test value, never a user's secret.
sim.jwt_secret = "sk-test-gentask-jwt-secret"

local function exists(path)
  local f = io.open(path, "r")
  if f then f:close() end
  return f ~= nil
end

local function sh_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
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

--- Where gentask-sim is.
-- $GENTASK_SIM; beside the gentask.core that was loaded, or in a bin/ above it (a checkout's
-- build/ keeps both; a LuaRocks tree keeps core.so under lib/lua/5.x/ and the simulator's rock
-- puts gentask-sim in the tree's bin/); else the PATH.
-- @treturn ?string the path, or nil
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

-- The simulator's first line, "gentask-sim listening on 127.0.0.1:PORT pid PID admin
-- 127.0.0.1:ADMIN_PORT", as { port =, pid =, admin_port = }; nil when line is not that.
local function banner_of(line)
  local port, pid = tostring(line or ""):match "127%.0%.0%.1:(%d+) pid (%d+)"
  local admin_port = tostring(line or ""):match "admin 127%.0%.0%.1:(%d+)"
  if not (port and admin_port) then return nil end
  return { port = tonumber(port), pid = tonumber(pid), admin_port = tonumber(admin_port) }
end

local Server = {}
Server.__index = Server

-- The test secret in a new file only its owner may read: the form a client's secret_file option
-- takes, and what the simulator's shell reads into GENTASK_SIM_JWT_SECRET (no command line).
local function test_secret_file()
  local path = os.tmpname()
  local f = io.open(path, "w")
  if not f then return nil end
  f:write(sim.jwt_secret, "\n")
  f:close()
  os.execute("chmod 600 " .. sh_quote(path))
  return path
end

--- Starts the simulator.
-- @tparam[opt] table opts all optional: bin (default sim.find()), port (default 0: a free one),
-- args (more options, one shell-quoted string: "--duration-ms 200"), die_with_parent (it ends
-- with this process, a kill -9 included), stderr (a file its stderr is appended to), tries
-- (start again this many times, 0.1 s apart, while the port is still held: a restart on the same
-- port), secret_files ({ NAME = path }: variables the shell reads from files, so that a secret,
-- --jwt-issuer's GENTASK_SIM_JWT_SECRET, is on no command line), jwt (true: Bearer headers must
-- carry HS256 tokens of the access key sim.key signed with sim.jwt_secret, --jwt-issuer; the
-- server's secret_file holds that secret for a client's secret_file option, and is removed when
-- it stops)
-- @treturn[1] table { url, admin_url, port, admin_port, pid, secret_file?, stop = fn(self, signal) }
-- @return[2] nil
-- @treturn[2] string why
function sim.start(opts)
  opts = opts or {}
  local bin = opts.bin or sim.find()
  if not bin then
    return nil, "gentask-sim was not found (install the gentask-sim rock, set GENTASK_SIM, or put it in PATH)"
  end
  local secret_files, args, secret_file = opts.secret_files or {}, opts.args or "", nil
  if opts.jwt then
    secret_file = test_secret_file()
    if not secret_file then return nil, "gentask-sim: the test secret's file could not be written" end
    local given = secret_files
    secret_files = { GENTASK_SIM_JWT_SECRET = secret_file }
    for name, path in pairs(given) do secret_files[name] = path end
    args = "--jwt-issuer " .. sh_quote(sim.key) .. " " .. args
  end
  -- LD_PRELOAD= : under `make sanitize` only the Lua process may load the ASan runtime. exec: the
  -- simulator is this process's own child (what --die-with-parent watches)
  local exports = ""
  for name, path in pairs(secret_files) do
    exports = exports .. ("%s=\"$(cat %s)\" "):format(name, sh_quote(path))
  end
  local command = ("%sLD_PRELOAD= exec %s --port %d%s %s%s"):format(exports, sh_quote(bin), opts.port or 0,
    opts.die_with_parent and " --die-with-parent" or "", args,
    opts.stderr and " 2>>" .. sh_quote(opts.stderr) or "")
  local tries = opts.tries or 1
  for try = 1, tries do
    local pipe = io.popen(command, "r")
    local banner = banner_of(pipe and pipe:read "*l")
    if banner then
      banner.pipe = pipe
      banner.url = "http://127.0.0.1:" .. banner.port
      banner.admin_url = "http://127.0.0.1:" .. banner.admin_port
      banner.secret_file = secret_file
      return setmetatable(banner, Server)
    end
    if pipe then pipe:close() end
    if try < tries then os.execute "sleep 0.1" end
  end
  if secret_file then os.remove(secret_file) end
  return nil, "gentask-sim did not start (" .. bin .. ")"
end

--- Stops a simulator sim.start started.
-- SIGTERM lets it answer the requests it holds first; signal "KILL" (a crash) does not.
-- @tparam table server what sim.start returned
-- @string[opt] signal "KILL", …
function sim.stop(server, signal)
  os.execute(("kill %s%d 2>/dev/null"):format(signal and "-" .. signal .. " " or "", server.pid))
  server.pipe:close()
  if server.secret_file then os.remove(server.secret_file) end
end

Server.stop = sim.stop

return sim
