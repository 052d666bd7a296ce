-- bench/peer_gentask.lua BASE_URL N POLL_INTERVAL — gentask's side of `make bench`, run by lua5.4
-- or luajit from the repository root (or with GENTASK_ROOT set): submits N FoxAPI tasks (FLORA runs
-- with BENCH_DIALECT=flora) with client:submit inside gentask.run, waits for them all with
-- gentask.settle, and prints one line {"ok": K, "n": N}. K counts tasks that succeeded with a
-- result URL.
--
-- Environment: BENCH_KEY (the API key, default sk-test-gentask); BENCH_CA (a CA file to trust over
-- https, passed as the client option ca_file); BENCH_DIALECT (foxapi, the default, or flora);
-- BENCH_MAX_REQUESTS (the client's max_requests; unset, gentask's default). Every
-- peer polls at one fixed interval, so the client gets poll_max_interval = poll_interval and a copy
-- of the provider's profile without the fields that would change that: FoxAPI's eta (gentask would
-- otherwise wait for the provider's estimated_time before its first poll, and make fewer requests
-- than the others) and FLORA's pollUrl (the simulator's own address: through nginx the polls would
-- bypass it). FLORA's submits carry the idempotency key the core gives each task. Failures are
-- summed up by kind on stderr; the line is printed whatever happens.
local root = os.getenv "GENTASK_ROOT" or "."
local version = jit and "luajit" or _VERSION:match "%d+%.%d+"
package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
package.cpath = root .. "/build/" .. version .. "/?.so;" .. package.cpath

local base_url, n, interval = arg[1], tonumber(arg[2]), tonumber(arg[3])
if not (base_url and n and interval) then
  io.stderr:write "usage: peer_gentask.lua BASE_URL N POLL_INTERVAL\n"
  os.exit(2)
end

local ok_count, failures = 0, {}
local function failed(what)
  what = tostring(what)
  failures[what] = (failures[what] or 0) + 1
end

local done, problem = pcall(function()
  local gentask = require "gentask"
  local dialect = os.getenv "BENCH_DIALECT" or ""
  if dialect == "" then dialect = "foxapi" end
  assert(dialect == "foxapi" or dialect == "flora", "BENCH_DIALECT is foxapi or flora, not " .. dialect)
  local profile = require("gentask.providers." .. dialect)
  local provider, fields = {}, {}
  for k, v in pairs(profile) do provider[k] = v end
  for k, v in pairs(profile.fields) do fields[k] = v end
  fields.eta = nil
  fields.poll_url = nil
  provider.fields = fields
  local ca_file = os.getenv "BENCH_CA"
  local client = gentask.client {
    provider = provider,
    api_key = os.getenv "BENCH_KEY" or "sk-test-gentask",
    base_url = base_url,
    poll_interval = interval,
    poll_max_interval = interval,
    max_requests = tonumber(os.getenv "BENCH_MAX_REQUESTS" or ""),
    ca_file = ca_file ~= "" and ca_file or nil,
  }
  gentask.run(function()
    local tasks = {}
    for i = 1, n do
      tasks[i] = client:submit("flux-dev", { prompt = "bench " .. i })
    end
    for _, r in ipairs(gentask.settle(tasks)) do
      if r.ok and r.value.url then
        ok_count = ok_count + 1
      elseif r.ok then
        failed "succeeded without a URL"
      else
        failed(r.error.kind .. ": " .. tostring(r.error.message))
      end
    end
  end)
end)
if not done then failed("the run raised: " .. tostring(problem)) end
for what, count in pairs(failures) do
  io.stderr:write(("peer_gentask: %d× %s\n"):format(count, what))
end
io.write(('{"ok": %d, "n": %d}\n'):format(ok_count, n))
