-- A webhook receiver on a free loopback port for specs: receiver.url to give the provider;
-- receiver.next() yields (gentask.sleep) until one request came, answers 200 and returns
-- { request_line =, headers = { lower-case name = value }, body = }. Like any host, it reads no
-- body over gentask.webhook_max_body: 413, unread.
local gentask = require "gentask"
local socket = require "socket"

local MAX_BODY = gentask.webhook_max_body

local function read_request(conn)
  conn:settimeout(2)   -- the simulator sent the whole request before waiting for the answer
  local request_line = assert(conn:receive "*l")
  local headers = {}
  while true do
    local line = assert(conn:receive "*l")
    if line == "" then break end
    local name, value = line:match "^([^:]+):%s*(.*)$"
    headers[name:lower()] = value
  end
  local length = tonumber(headers["content-length"])
  if not length or length > MAX_BODY then
    conn:send "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    conn:close()
    error("a webhook body of " .. tostring(length) .. " bytes: refused unread")
  end
  local body = assert(conn:receive(length))
  conn:send "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
  conn:close()
  return { request_line = request_line, headers = headers, body = body }
end

return function()
  local server = assert(socket.bind("127.0.0.1", 0))
  server:settimeout(0)
  local _, port = server:getsockname()
  local self = { url = ("http://127.0.0.1:%d/hook"):format(port) }
  function self.next()
    for _ = 1, 500 do
      local conn = server:accept()
      if conn then return read_request(conn) end
      gentask.sleep(0.01)
    end
    error("no webhook came")
  end
  function self.close() server:close() end
  return self
end
