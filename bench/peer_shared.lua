-- bench/peer_shared.lua BASE_URL N JOURNAL — one run of `make bench-shared`: N FoxAPI tasks
-- submitted at once through a client whose journal option is JOURNAL ("" for none: the key's
-- state in the process; a file path: the SQLite journal; redis://…: Redis), waited for with
-- gentask.settle. Prints {"ok": K, "n": N}. Run from the repository root (or with GENTASK_ROOT).
local root = os.getenv "GENTASK_ROOT" or "."
local version = jit and "luajit" or _VERSION:match "%d+%.%d+"
package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
package.cpath = root .. "/build/" .. version .. "/?.so;" .. package.cpath

local base_url, n, journal = arg[1], tonumber(arg[2]), arg[3]
if not (base_url and n and journal) then
  io.stderr:write "usage: peer_shared.lua BASE_URL N JOURNAL\n"
  os.exit(2)
end

local gentask = require "gentask"
local client = gentask.client {
  provider = "foxapi",
  api_key = os.getenv "BENCH_KEY" or "sk-test-gentask",
  base_url = base_url,
  journal = journal ~= "" and journal or nil,
  poll_interval = 0.1,
  poll_max_interval = 0.1,
}
local tasks = {}
for i = 1, n do tasks[i] = client:submit("flux-dev", { prompt = "bench " .. i }) end
local ok, failures = 0, {}
for _, outcome in ipairs(gentask.settle(tasks)) do
  if outcome.ok then
    ok = ok + 1
  else
    local what = tostring(outcome.error.kind)
    failures[what] = (failures[what] or 0) + 1
  end
end
client:close()
for what, count in pairs(failures) do io.stderr:write(("peer_shared: %d× %s\n"):format(count, what)) end
io.write(('{"ok": %d, "n": %d}\n'):format(ok, n))
