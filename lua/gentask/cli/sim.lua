-- gentask.cli.sim — --sim: a gentask-sim (gentask.sim) the command starts on a free loopback
-- port and stops when it is done, so that anyone can try the command offline, with no key.

local simulator = require "gentask.sim"

local sim = {}

sim.key = simulator.key

--- Starts the simulator: { url =, pid = , ... } or nil and why. duration_ms: each task's
-- generation time. jwt: a provider whose auth signs tokens (Kling) is among those run: the
-- simulator checks tokens signed with its own test secret (gentask.sim's jwt), which the clients
-- are given as their secret_file. It ends with the command, a kill -9 included.
function sim.start(duration_ms, jwt)
  local server, why = simulator.start { args = ("--duration-ms %d"):format(duration_ms or 1000),
                                        die_with_parent = true, jwt = jwt }
  if not server then return nil, "--sim: " .. why end
  return server
end

function sim.stop(server)
  if server then server:stop() end
end

return sim
