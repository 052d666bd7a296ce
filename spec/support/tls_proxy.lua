-- An HTTPS + HTTP/2 front for the simulator: a throwaway CA and a server certificate for
-- 127.0.0.1/localhost made with the openssl command, and Debian's nginx on a free loopback port
-- proxying to an upstream (gentask-sim) with keepalive. Its access log has one line per request
-- with the connection, the TLS session's reuse, the protocols, the method, the status, the URI and
-- the Accept-Encoding asked for.
--
--   local TlsProxy = require "support.tls_proxy"
--   local why = TlsProxy.missing()              -- nil, or why it cannot run here (for pending)
--   local proxy = TlsProxy.start { upstream = sim.url }
--   gentask.client { ..., base_url = proxy.url .. "/foxapi", ca_file = proxy.ca_file }
--   proxy:mark(); ...; for _, r in ipairs(proxy:requests()) do ... end
--   proxy:stop()                                  -- stops nginx, removes every file it made
local socket = require "socket"
local host = require "support.host"

local TlsProxy = {}
TlsProxy.__index = TlsProxy

local DIR_PATTERN = "^/tmp/gentask%-tls%.%w+$"

local function sh_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local capture = host.capture

-- os.execute says true (5.2+, LuaJIT with 5.2 compatibility) or 0 (5.1) on success
local function succeeded(status)
  return status == true or status == 0
end

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local function nginx_path()
  local f = io.open "/usr/sbin/nginx"
  if f then f:close() end
  return host.command_path "nginx" or (f and "/usr/sbin/nginx")
end

--- nil when nginx (with SSL and HTTP/2) and openssl are there; otherwise why not, for pending().
function TlsProxy.missing()
  if not host.command_path "openssl" then return "openssl is not installed (make deps installs Debian's openssl)" end
  local nginx = nginx_path()
  if not nginx then return "nginx is not installed (make deps installs Debian's nginx)" end
  local configure = capture(sh_quote(nginx) .. " -V 2>&1")
  for _, module in ipairs { "http_ssl_module", "http_v2_module" } do
    if not configure:find(module, 1, true) then return nginx .. " is built without " .. module end
  end
end

TlsProxy.free_port = host.free_port

-- The throwaway CA (ca.pem) and the server's certificate (server.pem, server.key) in dir.
local function make_certificates(dir)
  write(dir .. "/server.ext", table.concat({
    "basicConstraints = critical, CA:FALSE",
    "keyUsage = critical, digitalSignature, keyEncipherment",
    "extendedKeyUsage = serverAuth",
    "subjectAltName = IP:127.0.0.1, DNS:localhost",
  }, "\n") .. "\n")
  local key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
  local steps = {
    "openssl req -x509 " .. key .. " -keyout ca.key -out ca.pem -days 2 -subj '/CN=gentask throwaway test CA'"
      .. " -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'",
    "openssl req " .. key .. " -keyout server.key -out server.csr -subj '/CN=localhost'",
    "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 2"
      .. " -extfile server.ext -out server.pem",
  }
  for _, step in ipairs(steps) do
    local ok = os.execute(("cd %s && LD_PRELOAD= %s >>openssl.log 2>&1"):format(sh_quote(dir), step))
    if not succeeded(ok) then error("openssl failed: " .. step .. "\n" .. (host.read(dir .. "/openssl.log") or "")) end
  end
end

-- One line per request; $uri (decoded, may hold spaces) last. $msec is when the line was written
-- (the response sent), $request_time how long since the request's first bytes were read and
-- $connection_time how long its connection had been open then, on nginx's clock in milliseconds:
-- they order a connection's opening against another's request.
local LOG_FORMAT = "$connection $connection_requests $ssl_session_reused $ssl_protocol $server_protocol"
  .. " $request_method $status $msec $request_time $connection_time $host $request_uri $uri \"$http_accept_encoding\""

local function render(self, upstream_port)
  local conf = {
    "worker_processes 1;",
    "pid logs/nginx.pid;",
    "error_log logs/error.log info;",
    "events { worker_connections 1024; }",
    "http {",
    "  log_format tls '" .. LOG_FORMAT .. "';",
    "  access_log logs/access.log tls;",
    "  client_body_temp_path temp/client_body;",
    "  proxy_temp_path temp/proxy;",
    "  fastcgi_temp_path temp/fastcgi;",
    "  uwsgi_temp_path temp/uwsgi;",
    "  scgi_temp_path temp/scgi;",
    "  upstream sim {",
    "    server 127.0.0.1:" .. upstream_port .. ";",
    "    keepalive 32;",
    "  }",
    "  server {",
    "    listen 127.0.0.1:" .. self.port .. " ssl http2;",
    "    ssl_certificate " .. self.dir .. "/server.pem;",
    "    ssl_certificate_key " .. self.dir .. "/server.key;",
    "    ssl_protocols TLSv1.2 TLSv1.3;",
    "    ssl_session_cache shared:SSL:1m;",
    "    ssl_session_tickets on;",
    "    client_max_body_size 1m;",
    "    keepalive_requests 100000;",   -- no GOAWAY after nginx's default 1000 requests mid-count
    "    location / {",
    "      proxy_pass http://sim;",
    "      proxy_http_version 1.1;",
    "      proxy_set_header Connection \"\";",
    "      proxy_buffering off;",
    "      proxy_read_timeout 60s;",
    "    }",
    "  }",
    -- a plain HTTP forward proxy (absolute-form requests) to the same simulator, for the proxy option
    "  server {",
    "    listen 127.0.0.1:" .. self.forward_port .. ";",
    "    location / {",
    "      proxy_pass http://sim;",
    "      proxy_http_version 1.1;",
    "      proxy_set_header Connection \"\";",
    "    }",
    "  }",
    "}",
  }
  -- nginx started by root runs its worker as nobody, who may not read the prefix (as on CI): the
  -- worker stays root here, in a test on loopback
  if capture("id -u"):match "^0" then table.insert(conf, 1, "user root;") end
  return table.concat(conf, "\n") .. "\n"
end

--- TlsProxy.start { upstream = "http://127.0.0.1:PORT" } → a running nginx: .url
-- ("https://127.0.0.1:PORT"), .ca_file (the throwaway CA's PEM), .dir (everything it made), and
-- .forward_proxy ("http://127.0.0.1:PORT2", a plain HTTP forward proxy to the same upstream).
-- On failure it cleans up after itself and raises, with nginx's logs.
function TlsProxy.start(opts)
  local upstream_port = assert(tostring(opts.upstream):match "^http://127%.0%.0%.1:(%d+)/?$",
    "upstream must be http://127.0.0.1:PORT")
  local dir = capture("mktemp -d /tmp/gentask-tls.XXXXXX"):gsub("%s+$", "")
  assert(dir:match(DIR_PATTERN), "mktemp failed: " .. dir)
  local self = setmetatable({ dir = dir, port = TlsProxy.free_port(), forward_port = TlsProxy.free_port(),
                              ca_file = dir .. "/ca.pem", offset = 0 }, TlsProxy)
  self.url = "https://127.0.0.1:" .. self.port
  self.forward_proxy = "http://127.0.0.1:" .. self.forward_port
  local ok, err = pcall(function()
    os.execute("chmod 755 " .. sh_quote(dir) .. " && mkdir -p " .. sh_quote(dir) .. "/conf " .. sh_quote(dir)
      .. "/logs " .. sh_quote(dir) .. "/temp")
    make_certificates(dir)
    write(dir .. "/conf/nginx.conf", render(self, upstream_port))
    -- -e: the error log before the configuration is read goes into the prefix too, not /var/log
    -- daemonizes once the configuration is loaded and the port bound: the pid file names the master
    local started = os.execute(("LD_PRELOAD= %s -p %s -c conf/nginx.conf -e logs/error.log >%s/logs/startup.log 2>&1")
      :format(sh_quote(nginx_path()), sh_quote(dir .. "/"), sh_quote(dir)))
    if not succeeded(started) then error("nginx did not start:\n" .. self:logs()) end
    local deadline = socket.gettime() + 5
    while socket.gettime() < deadline do
      local client = socket.tcp()
      client:settimeout(1)
      local connected = self:pid() and client:connect("127.0.0.1", self.port)
      client:close()
      if connected then return end
      socket.sleep(0.02)
    end
    error("nginx did not listen on port " .. self.port .. " within 5 s:\n" .. self:logs())
  end)
  if not ok then
    self:stop()
    error(err, 0)
  end
  return self
end

function TlsProxy:pid()
  local s = host.read(self.dir .. "/logs/nginx.pid")
  return s and s:match "%d+"
end

--- Stops the master (and its worker) by PID, then removes every file it made. Safe to call twice,
-- and after a failed start.
function TlsProxy:stop()
  local pid = self:pid()
  if pid then host.stop_daemon(pid) end
  if self.dir and self.dir:match(DIR_PATTERN) then os.execute("rm -rf " .. sh_quote(self.dir)) end
  self.dir = nil
end

--- Everything nginx wrote to its logs (startup, error, access).
function TlsProxy:logs()
  if not self.dir then return "" end
  local out = {}
  for _, name in ipairs { "startup.log", "error.log", "access.log" } do
    out[#out + 1] = host.read(self.dir .. "/logs/" .. name) or ""
  end
  return table.concat(out, "\n")
end

--- From now on, requests() lists only the requests logged after this call.
function TlsProxy:mark()
  self.offset = #(host.read(self.dir .. "/logs/access.log") or "")
end

local function read_requests(self)
  local log = (host.read(self.dir .. "/logs/access.log") or ""):sub(self.offset + 1)
  local list = {}
  for line in log:gmatch "[^\n]+" do
    local connection, requests, reused, tls, protocol, method, status, msec, took, open_for, host_name, request_uri,
          uri, accept_encoding =
      line:match '^(%d+) (%d+) (%S+) (%S+) (%S+) (%S+) (%d+) ([%d.]+) ([%d.]+) ([%d.]+) (%S+) (%S+) (.*) "([^"]*)"$'
    assert(connection, "an access log line the spec cannot read: " .. line)
    list[#list + 1] = { connection = tonumber(connection), requests = tonumber(requests), reused = reused, tls = tls,
                        protocol = protocol, method = method, status = tonumber(status), host = host_name,
                        request_uri = request_uri, uri = uri, line = line, answered = tonumber(msec),
                        accept_encoding = accept_encoding ~= "-" and accept_encoding or nil,
                        read = tonumber(msec) - tonumber(took), opened = tonumber(msec) - tonumber(open_for) }
  end
  return list
end

--- The requests logged since mark(), in order: { connection =, requests = (the connection's
-- count so far), reused = ("r" a resumed TLS session, "." a full handshake), tls = "TLSv1.3",
-- protocol = "HTTP/2.0", method =, status =, host = (the Host, or the host of an absolute-form
-- request), request_uri =, uri =, accept_encoding = (the Accept-Encoding asked for, nil when
-- none), answered = (when nginx logged it, seconds on its clock, to the millisecond), read =
-- (when its first bytes were read), opened = (when its connection was accepted, on the same
-- clock) }. nginx logs a request just after sending its response, so a client can be done before
-- the line is written: with `expected`, waits (up to 5 s) until that many are there.
function TlsProxy:requests(expected)
  local list = read_requests(self)
  local deadline = socket.gettime() + 5
  while expected and #list < expected and socket.gettime() < deadline do
    socket.sleep(0.01)
    list = read_requests(self)
  end
  return list
end

return TlsProxy
