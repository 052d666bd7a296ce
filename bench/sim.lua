-- bench/sim.lua [ARGS...] — gentask-sim for the bench's shell scripts, started through gentask.sim
-- (the one reader of the simulator's banner) on a free loopback port with ARGS. Prints one line,
-- "PORT ADMIN_PORT", and lives as long as the simulator; killing it ends the simulator too
-- (--die-with-parent). Run from the repository root, or with GENTASK_ROOT set.
local root = os.getenv "GENTASK_ROOT" or "."
package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
local simulator = require "gentask.sim"

local quoted = {}
for i, word in ipairs(arg) do quoted[i] = "'" .. word:gsub("'", "'\\''") .. "'" end
local server, why = simulator.start { bin = root .. "/build/gentask-sim", args = table.concat(quoted, " "),
                                      die_with_parent = true }
if not server then
  io.stderr:write("bench: ", why, "\n")
  os.exit(1)
end
io.write(server.port, " ", server.admin_port, "\n")
io.flush()
server.pipe:read "*a" -- until the simulator ends
