-- gentask.cli.fleet — the first part of `gentask status`: what every process sharing the journal
-- is doing (gentask.fleet), as lines of key=value that a script can read:
--   fleet: N live owners
--   owner ID host=HOST pid=PID lease_ms=MS places=N     (host=- pid=- where Redis keeps none)
--   tasks: queued=N sending=N accepted=N ended=N
--   tasks PROVIDER: queued=N sending=N accepted=N ended=N   (one per provider, when several)
--   cap: none | cap: N
--   spend: currency=USD settled=N held=N max_cost=N|none sent=N   (spend: none sent=N: no currency)
--   pause: none | pause: until=YYYY-MM-DDTHH:MM:SSZ left_ms=MS
-- A journal in Redis is found by the account's key, taken where `batch` takes it (the provider's
-- variable, or --key-file); it goes to the library alone, never into what is printed.

local gentask = require "gentask"
local errors = require "gentask.errors"
local fail = require "gentask.cli.fail"
local keys = require "gentask.cli.keys"

local fleet = {}

local STAGES = { "queued", "sending", "accepted", "ended" }

function fleet.is_redis(journal)
  return journal:match("^redis://") ~= nil
end

-- What the store says is data another process wrote: shown without spaces or control bytes, so
-- that it can neither break a line's fields nor steer the terminal.
local function shown(text)
  return tostring(text):gsub("[%c%s\127-\255]", "?")
end

local function counts(tasks)
  local parts = {}
  for _, stage in ipairs(STAGES) do parts[#parts + 1] = ("%s=%d"):format(stage, tasks[stage] or 0) end
  return table.concat(parts, " ")
end

local function key_for(opts)
  if not fleet.is_redis(opts.journal) then return nil end
  if not opts.provider and not opts.key_file then
    fail.usage "a journal in Redis is found by its API key: give -p PROVIDER (its key's variable) or --key-file FILE"
  end
  local key, why = keys.find(opts.provider or "the journal", opts.key_file)
  if not key then fail.usage(why) end
  return key
end

--- The fleet of opts.journal, read: stops (usage or trouble) when it cannot be.
function fleet.read(opts)
  local ok, result, e = pcall(gentask.fleet, { journal = opts.journal, api_key = key_for(opts) })
  if not ok then
    if errors.is(result, "usage") then fail.usage(result.message) end
    error(result, 0)
  end
  if not result then fail.trouble(e.message) end
  return result
end

--- Prints the fleet (see the head of this file).
function fleet.print(f)
  print(("fleet: %d live owner%s"):format(#f.owners, #f.owners == 1 and "" or "s"))
  for _, o in ipairs(f.owners) do
    print(("owner %s host=%s pid=%s lease_ms=%d places=%d"):format(shown(o.id), o.host and shown(o.host) or "-",
      o.pid and tostring(o.pid) or "-", math.floor(o.lease_left * 1000 + 0.5), o.places))
  end
  print("tasks: " .. counts(f.tasks))
  local names = {}
  for name in pairs(f.providers) do names[#names + 1] = name end
  table.sort(names)
  if #names > 1 then
    for _, name in ipairs(names) do print(("tasks %s: %s"):format(shown(name), counts(f.providers[name]))) end
  end
  print(f.cap and ("cap: %g"):format(f.cap) or "cap: none")
  local s = f.spend
  if s then
    -- the journal's spend as max_cost counts it: ended tasks' costs, and what tasks in flight hold
    local max_cost = s.max_cost and ("%.6g"):format(s.max_cost) or "none"
    print(("spend: currency=%s settled=%.6g held=%.6g max_cost=%s sent=%d"):format(shown(s.currency), s.settled,
      s.held, max_cost, f.sent))
  else
    print(("spend: none sent=%d"):format(f.sent or 0))
  end
  if f.paused_until then
    print(("pause: until=%s left_ms=%d"):format(os.date("!%Y-%m-%dT%H:%M:%SZ", math.floor(f.paused_until)),
      math.floor(f.pause_left * 1000 + 0.5)))
  else
    print "pause: none"
  end
end

return fleet
