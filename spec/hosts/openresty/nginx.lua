-- An nginx for spec/openresty_spec.lua: renders examples/openresty/nginx.conf into a temporary
-- prefix (a free loopback port, logs and temp files inside the prefix), starts it, talks to it,
-- and stops it by the PID in its pid file.
local socket = require "socket"
local http = require "socket.http"
local ltn12 = require "ltn12"

local Nginx = {}
Nginx.__index = Nginx

local EXAMPLE = "examples/openresty"
local DEBIAN_MODULES = "/usr/lib/nginx/modules"

local function sh_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local host = require "support.host"
local command_path = host.command_path

local function exists(path)
  local f = io.open(path)
  if f then f:close() end
  return f ~= nil
end

local read = host.read

-- os.execute says true (5.2+, LuaJIT with 5.2 compatibility) or 0 (5.1) on success
local function succeeded(status)
  return status == true or status == 0
end

local function capture(cmd)
  local pipe = assert(io.popen(cmd))
  local out = pipe:read "*a"
  pipe:close()
  return out
end

local function pwd()
  return (capture "pwd"):gsub("%s+$", "")
end

--- What to run, or nil and why nginx with the lua module cannot run here. Debian's nginx loads
-- the module (libnginx-mod-http-lua); OpenResty has it built in.
function Nginx.find(lib_dir)
  if not exists(lib_dir .. "/gentask/core.so") then
    return nil, "no LuaJIT build of gentask.core in " .. lib_dir .. " (make LUA=luajit builds it)"
  end
  local nginx = command_path "nginx" or (exists "/usr/sbin/nginx" and "/usr/sbin/nginx")
  if nginx and exists(DEBIAN_MODULES .. "/ngx_http_lua_module.so") and exists(DEBIAN_MODULES .. "/ndk_http_module.so") then
    return { bin = nginx, builtin_lua = false }
  end
  local openresty = command_path "openresty"
  if openresty then return { bin = openresty, builtin_lua = true } end
  if not nginx then return nil, "nginx is not installed (apt-get install nginx libnginx-mod-http-lua)" end
  return nil, "nginx's lua module is not installed (apt-get install libnginx-mod-http-lua)"
end

Nginx.free_port = host.free_port

--- Nginx.start { found = Nginx.find(...), lib_dir =, lua_dir =, env = { NAME = value }, log_level = "info",
--   port = N, workers = N, reuseport = true }
-- (lua_dir: the folder holding gentask/init.lua, default the checkout's lua/; a LuaRocks tree's
-- share/lua/5.1 with lib_dir its lib/lua/5.1)
-- (port: one chosen beforehand, for an environment that names nginx's own URL; default a free one;
-- workers: worker_processes, default the example's 1; reuseport: a listening socket per worker, so
-- that the kernel spreads connections over the workers rather than the first awake taking most)
function Nginx.start(opts)
  local root = pwd()
  local prefix = capture("mktemp -d /tmp/gentask-openresty.XXXXXX"):gsub("%s+$", "")
  -- readable by the worker, which drops to nobody when the master runs as root
  os.execute("chmod 755 " .. sh_quote(prefix) .. " && mkdir -p " .. sh_quote(prefix) .. "/conf "
    .. sh_quote(prefix) .. "/logs " .. sh_quote(prefix) .. "/temp")
  local self = setmetatable({ prefix = prefix, port = opts.port or Nginx.free_port() }, Nginx)
  self.url = "http://127.0.0.1:" .. self.port

  local conf = assert(read(EXAMPLE .. "/nginx.conf"), "no " .. EXAMPLE .. "/nginx.conf")
  local lib_dir = opts.lib_dir:match "^/" and opts.lib_dir or root .. "/" .. opts.lib_dir
  local values = {
    LISTEN = "127.0.0.1:" .. self.port,
    GENTASK_LUA = opts.lua_dir or root .. "/lua",
    GENTASK_LIB = lib_dir,
    EXAMPLE_DIR = root .. "/" .. EXAMPLE,
  }
  conf = conf:gsub("@([%w_]+)@", function(name) return values[name] end)
  local leftover = conf:match "@[%w_]+@"
  assert(not leftover, "nginx.conf has a placeholder the spec does not know: " .. tostring(leftover))
  local n
  if opts.workers then
    conf, n = conf:gsub("\nworker_processes %d+;", "\nworker_processes " .. opts.workers .. ";")
    assert(n == 1, "nginx.conf has no worker_processes line")
  end
  if opts.reuseport then
    conf, n = conf:gsub("(\n%s*listen [%d%.:]+);", "%1 reuseport;")
    assert(n == 1, "nginx.conf has no listen line")
  end
  if opts.log_level then conf = conf:gsub("(error_log logs/error%.log) %a+;", "%1 " .. opts.log_level .. ";") end
  if opts.found.builtin_lua then conf = conf:gsub("\nload_module [^\n]*", "\n") end
  -- nginx started by root runs its worker as nobody, who cannot read a checkout under /root (as
  -- on CI): the worker stays root here, in a test on loopback
  local id = io.popen "id -u"
  if id:read "*l" == "0" then conf = "user root;\n" .. conf end
  id:close()
  local f = assert(io.open(prefix .. "/conf/nginx.conf", "w"))
  f:write(conf)
  f:close()

  local env = { "LD_PRELOAD=" }   -- under `make sanitize` only the Lua process loads ASan
  for name, value in pairs(opts.env or {}) do env[#env + 1] = name .. "=" .. sh_quote(value) end
  -- daemonizes once the configuration is loaded and the port bound: the pid file names the master
  local ok = os.execute(("%s %s -p %s -c conf/nginx.conf >%s/logs/startup.log 2>&1"):format(
    table.concat(env, " "), sh_quote(opts.found.bin), sh_quote(prefix .. "/"), sh_quote(prefix)))
  if not succeeded(ok) then
    local log = read(prefix .. "/logs/startup.log") or ""
    self:stop()
    error("nginx did not start: " .. log .. (read(prefix .. "/logs/error.log") or ""))
  end
  local deadline = socket.gettime() + 5
  while socket.gettime() < deadline do
    if self:pid() and self:request("GET", "/ping", nil, nil, 1) == 200 then return self end
    socket.sleep(0.02)
  end
  local log = self:logs()
  self:stop()
  error("nginx did not answer /ping within 5 s: " .. log)
end

function Nginx:pid()
  local s = read(self.prefix .. "/logs/nginx.pid")
  return s and s:match "%d+"
end

--- Stops the master (and so its worker) by PID, then removes the prefix. A worker stuck in a
-- loop ignores TERM (nginx reads signals in its event loop): it is killed by PID after 5 s.
function Nginx:stop()
  local pid = self:pid()
  if pid then host.stop_daemon(pid) end
  if self.prefix and self.prefix:match "^/tmp/gentask%-openresty%." then
    os.execute("rm -rf " .. sh_quote(self.prefix))
  end
end

--- Everything nginx wrote to its logs (error, access, startup).
function Nginx:logs()
  local out = {}
  for _, name in ipairs { "startup.log", "error.log", "access.log" } do
    out[#out + 1] = read(self.prefix .. "/logs/" .. name) or ""
  end
  return table.concat(out, "\n")
end

function Nginx:error_log()
  return read(self.prefix .. "/logs/error.log") or ""
end

--- One request, blocking: status, body, headers (lower-case names). body is sent as is, with
-- request_headers { name = value } if given. A worker that does not answer within `seconds`
-- (default 20): nil and the reason.
function Nginx:request(method, path, body, content_type, seconds, request_headers)
  local chunks = {}
  local saved = http.TIMEOUT   -- socket.http reads its timeout from the module
  http.TIMEOUT = seconds or 20
  local sent_headers = {}
  for name, value in pairs(request_headers or {}) do sent_headers[name:lower()] = value end
  if body then
    sent_headers["content-length"] = #body
    sent_headers["content-type"] = content_type or "application/json"
  end
  local ok, res, status, headers = pcall(http.request, {
    method = method,
    url = self.url .. path,
    source = body and ltn12.source.string(body) or nil,
    headers = sent_headers,
    sink = ltn12.sink.table(chunks),
  })
  http.TIMEOUT = saved
  if not ok or not res then return nil, tostring(ok and status or res), {} end   -- nil, why
  return status, table.concat(chunks), headers or {}
end

--- Starts a GET in the background (curl), with headers { name = value } if given: returns a
--- handle with done() and response().
function Nginx:request_in_background(path, headers)
  local base = os.tmpname()
  local handle = { body = base .. ".body", code = base .. ".code", finished = base .. ".done", base = base }
  local header_args = {}
  for name, value in pairs(headers or {}) do header_args[#header_args + 1] = "-H " .. sh_quote(name .. ": " .. value) end
  os.execute(("(LD_PRELOAD= curl -s -m 30 %s -o %s -w '%%{http_code}' %s >%s; date +%%s.%%N >%s) >/dev/null 2>&1 &"):format(
    table.concat(header_args, " "), sh_quote(handle.body), sh_quote(self.url .. path), sh_quote(handle.code),
    sh_quote(handle.finished)))
  --- the wall-clock time the response had been read, or nil while the request is in flight
  function handle.done()
    local s = read(handle.finished)
    return s and tonumber(s:match "[%d%.]+")
  end
  --- waits for the response: status, body, finished_at
  function handle.response(seconds)
    local deadline = socket.gettime() + (seconds or 30)
    while not handle.done() and socket.gettime() < deadline do socket.sleep(0.01) end
    local finished_at = handle.done()
    local status, body = tonumber(read(handle.code) or ""), read(handle.body)
    for _, p in ipairs { handle.body, handle.code, handle.finished, handle.base } do os.remove(p) end
    return status, body, finished_at
  end
  return handle
end

--- GETs every path at once (curl --parallel): { {status =, body =}, ... } in order.
function Nginx:request_all(paths)
  local dir = capture("mktemp -d /tmp/gentask-openresty-out.XXXXXX"):gsub("%s+$", "")
  local args = {}
  for i, path in ipairs(paths) do
    args[#args + 1] = ("-o %s/%d %s"):format(sh_quote(dir), i, sh_quote(self.url .. path))
  end
  local out = capture(("LD_PRELOAD= curl -s --no-progress-meter -m 30 --parallel --parallel-immediate --parallel-max %d"
    .. " -w '%%{url_effective} %%{http_code}\\n' %s 2>/dev/null"):format(#paths, table.concat(args, " ")))
  local status_of = {}
  for url, code in out:gmatch "(%S+) (%d+)\n" do status_of[url] = tonumber(code) end
  local responses = {}
  for i, path in ipairs(paths) do
    responses[i] = { status = status_of[self.url .. path], body = read(dir .. "/" .. i) }
  end
  os.execute("rm -rf " .. sh_quote(dir))
  return responses
end

return Nginx
