-- Runs the gentask command (bin/gentask) as a subprocess with this interpreter and this process's
-- module paths, so that the spec tests the checkout's command on each Lua version.
local host = require "support.host"

local cli = {}

cli.quote = host.quote

--- The shell command that runs gentask with args (a string, already quoted), env prefixed. The
-- command's Lua gets this process's LD_PRELOAD (under `make sanitize`, the ASan runtime its
-- gentask.core needs) even when a wrapper around it (script, a shell) runs with none.
function cli.command(args, env)
  return ("env LD_PRELOAD=%s %s LUA_PATH=%s LUA_CPATH=%s GENTASK_SIM=%s %s bin/gentask %s"):format(
    cli.quote(os.getenv "LD_PRELOAD" or ""), env or "", cli.quote(package.path), cli.quote(package.cpath),
    cli.quote(os.getenv "GENTASK_SIM" or "build/gentask-sim"), cli.quote(arg[-1]), args)
end

--- Runs it to the end: stdout, stderr, exit status.
function cli.run(args, env)
  local err_path = os.tmpname()
  local pipe = assert(io.popen(cli.command(args, env) .. " 2>" .. err_path .. "; echo \"exit $?\""))
  local out = pipe:read "*a"
  pipe:close()
  local err = host.read(err_path) or ""
  os.remove(err_path)
  local status = tonumber(out:match "exit (%d+)\n$")
  return out:gsub("exit %d+\n$", ""), err, status
end

cli.read = host.read

--- The JSON events of the command's output, its other lines (a terminal's words) left out.
function cli.json_lines(out)
  local cjson = require "cjson"
  local list = {}
  for line in out:gmatch "[^\n]+" do
    local ok, event = pcall(cjson.decode, line)
    if ok and type(event) == "table" then list[#list + 1] = event end
  end
  return list
end

cli.write = host.write

function cli.tmpdir()
  local pipe = assert(io.popen "mktemp -d")
  local dir = pipe:read "*l"
  pipe:close()
  return dir
end

return cli
