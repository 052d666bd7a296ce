-- What the specs that run gentask inside another program (Neovim, LÖVE, nginx) share: finding
-- that program and gentask's LuaJIT build, reading the files they leave behind; and the file and
-- shell helpers every spec that touches the disk uses.
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

--- s quoted for sh: one word, whatever it holds.
function host.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- Whether path is a symbolic link (whatever it points to, or nothing).
function host.is_symlink(path)
  return host.sh("test -L " .. host.quote(path))
end

--- Writes bytes to path in place of what was there; raises when it cannot.
function host.write(path, bytes)
  local f = assert(io.open(path, "wb"))
  f:write(bytes)
  f:close()
end

--- Whether a shell command succeeded: os.execute says true (5.2+, LuaJIT) or 0 (5.1).
function host.sh(cmd)
  local status = os.execute(cmd)
  return status == true or status == 0
end

--- A path under the temporary directory that nothing is at yet.
function host.temp_path()
  local path = os.tmpname()
  os.remove(path)
  return path
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

--- What a shell command printed. LD_PRELOAD= : under `make sanitize` the ASan runtime is for the
--- Lua process alone (some commands, pgrep among them, deadlock with it preloaded).
function host.capture(cmd)
  local pipe = assert(io.popen("LD_PRELOAD= " .. cmd))
  local out = pipe:read "*a"
  pipe:close()
  return out
end

--- A loopback port nobody listens on right now (for a server a spec starts).
function host.free_port()
  local socket = require "socket"
  local server = assert(socket.bind("127.0.0.1", 0))
  local _, port = server:getsockname()
  server:close()
  return tonumber(port)
end

-- A daemon's exit leaves a zombie until its new parent reaps it (some containers' init never
-- does): that counts as gone.
local function alive(pid)
  local stat = host.read("/proc/" .. pid .. "/stat")
  if stat then return not stat:match "^%d+ %b() Z" end
  local ok = os.execute("kill -0 " .. pid .. " 2>/dev/null")
  return ok == true or ok == 0
end

--- Stops a daemon (nginx's master, and so its workers) by PID: TERM, then KILL after 5 s for a
-- worker stuck in a loop (nginx reads signals in its event loop). Its workers are found by
-- parent PID, never by name; LD_PRELOAD= keeps `make sanitize`'s ASan runtime out of pgrep.
function host.stop_daemon(pid)
  local socket = require "socket"
  local pipe = assert(io.popen("LD_PRELOAD= pgrep -P " .. pid .. " 2>/dev/null"))
  local workers = pipe:read "*a"
  pipe:close()
  os.execute("kill -TERM " .. pid .. " 2>/dev/null")
  local deadline = socket.gettime() + 5
  while alive(pid) and socket.gettime() < deadline do socket.sleep(0.02) end
  for worker in workers:gmatch "%d+" do
    if alive(worker) then os.execute("kill -KILL " .. worker .. " 2>/dev/null") end
  end
  if alive(pid) then os.execute("kill -KILL " .. pid .. " 2>/dev/null") end
end

return host
