-- What the specs that run gentask inside another program (Neovim, LÖVE, nginx) share: finding
-- that program and gentask's LuaJIT build, reading the files they leave behind.
local host = {}

--- The LuaJIT build of gentask.core these hosts load (they all embed LuaJIT).
host.luajit_module = (os.getenv "GENTASK_BUILD" or "build") .. "/luajit"

--- The path of a command on $PATH, or nil.
function host.command_path(name)
  local pipe = io.popen("command -v " .. name .. " 2>/dev/null")
  local found = pipe:read "*l"
  pipe:close()
  if found and found ~= "" then return found end
end

--- A whole file, or nil when it cannot be read.
function host.read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read "*a"
  f:close()
  return s
end

--- Whether a host spec should run in this busted pass: the host is LuaJIT whichever Lua runs
-- busted, so one pass of `make test` is enough (a bare busted run, no GENTASK_LUA, runs it too).
function host.this_pass()
  local pass = os.getenv "GENTASK_LUA"
  return pass == nil or pass == "luajit"
end

--- nil when `command` (from Debian's `package`) and the LuaJIT build are there; otherwise why the
-- spec cannot run, for pending().
function host.missing(command, package)
  if not host.command_path(command) then
    return ("%s is not installed (make deps installs Debian's %s)"):format(command, package)
  end
  if not host.read(host.luajit_module .. "/gentask/core.so") then
    return "no LuaJIT build of gentask.core in " .. host.luajit_module .. " (make LUA=luajit builds it; make sanitize does not)"
  end
end

--- A loopback port nobody listens on right now (for a server a spec starts).
function host.free_port()
  local socket = require "socket"
  local server = assert(socket.bind("127.0.0.1", 0))
  local _, port = server:getsockname()
  server:close()
  return tonumber(port)
end

return host
