-- Starts a real redis-server for a spec: loopback on a free port, a unix socket and its
-- append-only file in a temporary directory, nothing saved elsewhere. Stop it with r:stop().
-- Every command runs with LD_PRELOAD= : under `make sanitize` only the Lua process may load ASan.
local socket = require "socket"

local Redis = {}
Redis.__index = Redis

local function sh(command)
  local pipe = assert(io.popen("LD_PRELOAD= " .. command .. " 2>&1"))
  local output = pipe:read "*a"
  pipe:close()
  return output
end

-- A port nobody listens on now: the kernel picks one for a socket we close at once.
local function free_port()
  local server = assert(socket.bind("127.0.0.1", 0))
  local _, port = server:getsockname()
  server:close()
  return tonumber(port)
end

--- Whether redis-server and redis-cli are here (make deps installs them).
function Redis.installed()
  local found = os.execute "command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1"
  return found == true or found == 0 -- Lua 5.1 answers a number
end

local function write_private(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  sh("chmod 600 " .. path)
end

--- Redis.start([opts]) → a running redis-server: port, dir, socket (the unix socket's path).
--- opts.password: the default user's (requirepass); opts.users: { { name =, password = }, ... },
--- ACL users who may do anything; opts.volatile: nothing kept on disk (no append-only file, no
--- snapshots); opts.later: not started yet (r:launch() starts it). Passwords go in a config file
--- of the server's directory (mode 0600), never on a command line; redis-cli reads the default
--- user's from REDISCLI_AUTH, set by the shell.
function Redis.start(opts)
  opts = opts or {}
  local dir = sh("mktemp -d"):gsub("%s+$", "")
  local r = setmetatable({ port = free_port(), dir = dir, socket = dir .. "/redis.sock", volatile = opts.volatile,
                           password = opts.password }, Redis)
  local conf = {}
  -- quoted: a password may hold spaces (none of the specs' holds a quote or a backslash)
  if opts.password then conf[#conf + 1] = ("requirepass \"%s\""):format(opts.password) end
  for _, user in ipairs(opts.users or {}) do
    conf[#conf + 1] = ("user %s on \">%s\" ~* &* +@all"):format(user.name, user.password)
  end
  write_private(dir .. "/redis.conf", table.concat(conf, "\n") .. "\n")
  if opts.password then write_private(dir .. "/auth", opts.password) end
  if not opts.later then r:launch() end
  return r
end

--- (Re)starts the server on the same port and directory: what the append-only file kept comes back.
function Redis:launch()
  sh(("redis-server %s/redis.conf --port %d --bind 127.0.0.1 --save '' --appendonly %s --dir %s --unixsocket %s "
        .. "--unixsocketperm 700 --daemonize yes --pidfile %s/redis.pid --logfile %s/redis.log")
       :format(self.dir, self.port, self.volatile and "no" or "yes", self.dir, self.socket, self.dir, self.dir))
  for _ = 1, 200 do
    if self:cli("PING"):match "PONG" then
      local f = io.open(self.dir .. "/redis.pid")
      self.pid = f and f:read "*l"
      if f then f:close() end
      if self.pid then return end
    end
    socket.sleep(0.02)
  end
  error("redis-server did not start: " .. sh("cat " .. self.dir .. "/redis.log"))
end

local function percent_encoded(text)
  return (text:gsub("[^%w%-._~]", function(c) return ("%%%02X"):format(c:byte()) end))
end

--- redis://127.0.0.1:PORT/prefix, or the unix socket's form with unix = true; with user and
--- password (user "": the default user), the URL that carries them, percent-encoded.
function Redis:url(prefix, unix, user, password)
  local userinfo = password and percent_encoded(user or "") .. ":" .. percent_encoded(password) .. "@" or ""
  if unix then return "redis://" .. userinfo .. self.socket .. "/" .. prefix end
  return ("redis://%s127.0.0.1:%d/%s"):format(userinfo, self.port, prefix)
end

--- redis-cli's output for one command (its arguments as one shell string).
function Redis:cli(args)
  local auth = self.password and ("REDISCLI_AUTH=\"$(cat %s/auth)\" "):format(self.dir) or ""
  return sh(("%sredis-cli -p %d %s"):format(auth, self.port, args))
end

--- Every key and its value, as text: what a reader of this Redis could see.
function Redis:dump()
  local out = {}
  for key in self:cli("--scan"):gmatch "[^\n]+" do
    local kind = self:cli("TYPE " .. key):gsub("%s+$", "")
    local read = ({ string = "GET", hash = "HGETALL", set = "SMEMBERS", zset = "ZRANGE %s 0 -1 WITHSCORES",
                    list = "LRANGE %s 0 -1" })[kind] or "DUMP"
    out[#out + 1] = key .. " " .. kind .. " " .. self:cli(read:find "%%s" and read:format(key) or read .. " " .. key)
  end
  return table.concat(out, "\n")
end

--- Sends signal (TERM, KILL, STOP, CONT) to the server.
function Redis:signal(name)
  sh(("kill -%s %s"):format(name, self.pid))
end

--- Waits until the server's process is gone (after TERM or KILL).
function Redis:wait_gone()
  for _ = 1, 500 do
    -- a zombie (a container's init may not reap a daemon) is gone too: it holds no port
    local state = sh("ps -o stat= -p " .. self.pid)
    if state:match "^%s*$" or state:match "^%s*Z" then return end
    socket.sleep(0.02)
  end
end

function Redis:stop()
  if self.pid then
    self:signal "CONT"
    self:signal "KILL"
    self:wait_gone()
  end
  sh("rm -rf " .. self.dir)
end

return Redis
