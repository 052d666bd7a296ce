---@meta gentask.sim
-- gentask.sim: starts gentask-sim, the simulator of the providers' APIs, on a loopback port
-- (lua/gentask/sim.lua; the gentask-sim rock installs the simulator).

---@class gentask.sim.Options
---@field bin? string the simulator (default sim.find())
---@field port? integer default 0: a free one
---@field args? string more options, one shell-quoted string ("--duration-ms 200")
---@field die_with_parent? boolean it ends with this process, a kill -9 included
---@field stderr? string a file its stderr is appended to
---@field tries? integer start again this many times, 0.1 s apart, while the port is still held
---@field secret_files? table<string, string> variables the shell reads from files (NAME = path)
---@field jwt? boolean Bearer headers must carry HS256 tokens of sim.key signed with sim.jwt_secret

---A running simulator.
---@class gentask.sim.Server
---@field url string "http://127.0.0.1:PORT"
---@field admin_url string its admin address
---@field port integer
---@field admin_port integer
---@field pid integer
---@field secret_file? string (jwt) a file holding sim.jwt_secret, for a client's secret_file option
local Server = {}

---Stops it: SIGTERM lets it answer the requests it holds first; "KILL" (a crash) does not.
---@param signal? string
function Server:stop(signal) end

---@class gentask.sim
---@field key string the simulator's default test key
---@field jwt_secret string its test secret for providers that sign tokens (Kling)
local sim = {}

---Where gentask-sim is: $GENTASK_SIM, beside gentask.core, in a bin/ above it, or on the PATH.
---@return string|nil path
function sim.find() end

---Starts the simulator.
---@param options? gentask.sim.Options
---@return gentask.sim.Server|nil server
---@return string|nil why
function sim.start(options) end

---Stops a simulator sim.start started.
---@param server gentask.sim.Server
---@param signal? string
function sim.stop(server, signal) end

return sim
