-- bench/waiting_memory.lua BASE_URL N — what a task costs while it waits between polls.
--
-- Submits N FoxAPI tasks of 20 s (the simulator's eta= word asks for the first poll at 10 s),
-- waits until every one is answered and waiting, collects garbage, and reads the process's
-- resident memory: (RSS now - RSS before) / N is the cost of a waiting task, C core and Lua
-- layer together. Then it lets every task finish and counts the successes. Requests on the wire
-- stay capped by the client's max_requests (256 by default), so waiting tasks hold no socket.
-- Run from the checkout, against `build/gentask-sim --port 0 --max-connections 15000`:
--   lua5.4 bench/waiting_memory.lua http://127.0.0.1:PORT 100000
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/5.4/?.so;" .. package.cpath
local gentask = require "gentask"

local base_url, n = arg[1], tonumber(arg[2] or "10000")
assert(base_url and n, "usage: waiting_memory.lua BASE_URL N")

local function rss_kb()
  for line in io.lines "/proc/self/status" do
    local kb = line:match "^VmRSS:%s+(%d+)"
    if kb then return tonumber(kb) end
  end
end

local fox = gentask.client { provider = "foxapi", api_key = "sk-test-gentask", base_url = base_url .. "/foxapi",
  poll_interval = 5, poll_max_interval = 5 }
collectgarbage()
collectgarbage()
local before = rss_kb()
local tasks = {}
for i = 1, n do tasks[i] = fox:submit("flux-dev", { prompt = "waiting " .. i .. " [duration=20000] [eta=10000]" }) end
local waiting
repeat
  gentask.sleep(0.2)
  waiting = 0
  for i = 1, n do if tasks[i].state == "waiting" then waiting = waiting + 1 end end
until waiting == n
collectgarbage()
collectgarbage()
local during = rss_kb()
local ok = 0
for _, outcome in ipairs(gentask.settle(tasks)) do if outcome.ok then ok = ok + 1 end end
print(("%d tasks: RSS %d KB before, %d KB while all wait (%.2f KB per waiting task); %d/%d succeeded")
  :format(n, before, during, (during - before) / n, ok, n))
