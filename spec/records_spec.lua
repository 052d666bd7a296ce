-- A journal record is data, never an instruction: a journal another user could write is refused,
-- and recover() writes files only under the directory its caller names, whatever a record (one
-- planted in the SQLite file with the sqlite3 command, or in a real Redis with redis-cli) says.
-- With them: an owner killed but not reaped is dead, an answer from the journal keeps its id,
-- a table that contains itself is the caller's mistake, and a store that fails (a full disk, a
-- locked journal, Redis down) is `unavailable` with a code, never `usage`.
local gentask = require "gentask"
local Sim = require "support.sim"
local Redis = require "support.redis"

local function sh(command)
  -- LD_PRELOAD= : under make sanitize only Lua itself may load the ASan runtime
  local pipe = assert(io.popen("LD_PRELOAD= " .. command .. " 2>&1"))
  local output = pipe:read "*a"
  pipe:close()
  return output
end

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function succeeded(status)
  return status == true or status == 0 -- Lua 5.1 answers a number
end

local remove_journal = Sim.remove_journal

local function new_dir()
  return (sh("mktemp -d"):gsub("%s+$", ""))
end

local function mode_of(path)
  return (sh("stat -c %a " .. quote(path)):gsub("%s+$", ""))
end

-- Every file under dir (find's paths), as one string: what a download may have written.
local function files_under(dir)
  return sh("find " .. quote(dir) .. " -type f")
end

local function sqlite(journal, sql)
  local output = sh("sqlite3 " .. quote(journal) .. " " .. quote(sql))
  assert.equal("", output, output)
end

describe("a journal file", function()
  local sim, journal
  setup(function() sim = Sim.start() end)
  teardown(function() sim:stop() end)
  before_each(function()
    journal = os.tmpname()
    os.remove(journal) -- the client creates it
  end)
  after_each(function() remove_journal(journal) end)

  local function refused(pattern)
    local ok, err = pcall(sim.foxapi, sim, { journal = journal })
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.truthy(err.message:find(pattern, 1, true), err.message)
    assert.truthy(err.message:find(journal, 1, true), "names the file: " .. err.message)
    assert.is_nil(tostring(err):find(Sim.key, 1, true))
    return err
  end

  it("is made 0600, and so are its -wal and -shm", function()
    local fox = sim:foxapi { journal = journal }
    fox:submit("flux-dev", { prompt = "private" }):wait(10)
    assert.equal("600", mode_of(journal))
    assert.equal("600", mode_of(journal .. "-wal"))
    assert.equal("600", mode_of(journal .. "-shm"))
  end)

  it("is refused when its group or others may write it, saying what to run", function()
    sim:foxapi { journal = journal }
    assert.truthy(succeeded(os.execute("LD_PRELOAD= chmod 0660 " .. quote(journal))))
    refused("chmod go-w '" .. journal .. "'")
    assert.truthy(succeeded(os.execute("LD_PRELOAD= chmod 0600 " .. quote(journal))))
    sim:foxapi { journal = journal } -- mended, it opens
  end)

  it("is refused when another user owns it, its -wal or its -journal", function()
    local me = sh("id -u"):gsub("%s+$", "")
    if me ~= "0" then return pending "chown to another user needs root" end
    sim:foxapi { journal = journal }
    assert.truthy(succeeded(os.execute("LD_PRELOAD= chown nobody " .. quote(journal))))
    refused("chown 0 '" .. journal .. "'")
    assert.truthy(succeeded(os.execute("LD_PRELOAD= chown 0 " .. quote(journal))))
    -- a -wal made first by another user would be read as the journal's own writes, a -journal
    -- rolled back into it
    for _, suffix in ipairs { "-wal", "-journal" } do
      local planted = journal .. suffix
      local plant = ("LD_PRELOAD= touch %s && LD_PRELOAD= chown nobody %s"):format(quote(planted), quote(planted))
      assert.truthy(succeeded(os.execute(plant)))
      local ok, err = pcall(sim.foxapi, sim, { journal = journal })
      assert.is_false(ok)
      assert.truthy(err.message:find("chown 0 '" .. planted .. "'", 1, true), err.message)
      os.remove(planted)
    end
  end)

  it("is refused in a directory others may write without the sticky bit", function()
    local dir = new_dir()
    assert.truthy(succeeded(os.execute("LD_PRELOAD= chmod 0777 " .. quote(dir))))
    local ok, err = pcall(sim.foxapi, sim, { journal = dir .. "/tasks.db" })
    assert.is_false(ok)
    assert.truthy(err.message:find("chmod go-w '" .. dir .. "'", 1, true), err.message)
    os.execute("rm -rf " .. quote(dir))
  end)
end)

-- Plants, in each of the finished records of keys, a download spec (JSON) and no files, as a
-- writer of the journal could, and lets their owner go: recover() finds them to finish.
local function plant_sqlite(journal, plants)
  for key, spec in pairs(plants) do
    sqlite(journal, ("UPDATE records SET download = '%s', files = NULL, owner = NULL WHERE caller_key = '%s'")
      :format(spec, key))
  end
end

local function plant_redis(redis, plants)
  for key, spec in pairs(plants) do
    local found
    for name in redis:cli("--scan --pattern '*:rec:*'"):gmatch "[^\n]+" do
      if redis:cli("HGET " .. name .. " caller_key"):gsub("%s+$", "") == key then found = name end
    end
    assert.truthy(found, "the record of " .. key)
    local prefix, id = found:match "^(.*):rec:(.*)$"
    redis:cli(("HSET %s download %s"):format(found, quote(spec)))
    redis:cli(("HDEL %s files owner"):format(found))
    redis:cli(("ZADD %s:live 1 %s"):format(prefix, id))
  end
end

-- The records: each a finished task whose files went under root; then planted (see above) to name
-- paths outside root in every way a path can leave it, and one inside it.
local function planted_recovery(make_client, plant)
  local base = new_dir()
  local root, outside = base .. "/root", base .. "/outside"
  local make_dirs = ("LD_PRELOAD= mkdir -p %s %s && LD_PRELOAD= ln -s %s %s/link"):format(quote(root),
    quote(outside), quote(outside), quote(root))
  assert.truthy(succeeded(os.execute(make_dirs)))
  local first = make_client { download = { dir = root } }
  local keys = { "climbs", "absolute", "link", "extension", "inside", "relative" }
  local tasks = {}
  for i, key in ipairs(keys) do tasks[i] = first:submit("flux-dev", { prompt = "planted " .. key }, { key = key }) end
  gentask.all(tasks, 10)
  first:close()
  os.execute("rm -rf " .. quote(root) .. "/*.png")
  plant({
    climbs = ('{"dir":"%s/../outside","name":"evil"}'):format(root),
    absolute = ('{"dir":"%s","name":"evil"}'):format(outside),
    link = ('{"dir":"%s/link","name":"evil"}'):format(root),
    extension = ('{"dir":"%s","name":"evil","extension":"/../../outside/evil"}'):format(root),
    inside = ('{"dir":"%s/sub","name":"kept"}'):format(root),
    relative = '{"dir":"../../../../../../../../../../tmp","name":"evil"}',
  })

  local second = make_client {}
  local recovered = second:recover { download = { dir = root } }
  assert.equal(#keys, #recovered)
  local kinds = {}
  for _, t in ipairs(recovered) do
    local result = t:wait(10)
    assert.truthy(result.url, "the paid result is delivered")
    assert.truthy(t.id, "the task keeps its id")
    if result.download_errors then
      local e = result.download_errors[1]
      kinds[#kinds + 1] = e.kind .. " " .. e.code
      assert.equal("download", e.phase)
    else
      kinds[#kinds + 1] = "written " .. result.files[1].path
    end
  end
  table.sort(kinds)
  assert.same({ "permission_denied download_dir", "permission_denied download_dir", "permission_denied download_dir",
                "permission_denied download_dir", "written " .. root .. "/evil._______outside_evil",
                "written " .. root .. "/sub/kept.png" }, kinds)
  assert.equal("", files_under(outside), "nothing written outside root")
  assert.is_nil(files_under("/tmp"):find("/tmp/evil", 1, true))
  -- every record is finished with: nothing is left to recover
  -- closed: what its tasks came to is written before the store goes (the specs stop Redis)
  second:close()
  assert.equal(0, #make_client {}:recover { download = { dir = root } })
  os.execute("rm -rf " .. quote(base))
end

describe("recover() and a record planted", function()
  local sim, journal
  setup(function() sim = Sim.start() end)
  teardown(function() sim:stop() end)
  before_each(function()
    journal = os.tmpname()
    os.remove(journal)
  end)
  after_each(function() remove_journal(journal) end)

  it("in the SQLite file writes nothing outside the directory its caller names", function()
    planted_recovery(function(opts)
      opts.journal = journal
      return sim:foxapi(opts)
    end, function(plants) plant_sqlite(journal, plants) end)
  end)

  it("writes no file at all when its caller names no directory; the URLs are delivered", function()
    local dir = new_dir()
    local fox = sim:foxapi { journal = journal }
    fox:submit("flux-dev", { prompt = "kept" }, { key = "k" }):wait(10)
    fox:close()
    plant_sqlite(journal, { k = ('{"dir":"%s","name":"x"}'):format(dir) })
    local fresh = sim:foxapi { journal = journal }
    local ok, err = pcall(fresh.recover, fresh, { download = { dir = dir, name = "x" } })
    assert.is_false(ok)
    assert.equal("usage", err.kind) -- each record keeps its own names
    local tasks = fresh:recover()
    assert.equal(1, #tasks)
    local result = tasks[1]:wait(10)
    assert.truthy(result.url)
    assert.equal("permission_denied", result.download_errors[1].kind)
    assert.truthy(result.download_errors[1].message:find("recover { download = { dir", 1, true))
    assert.equal("", files_under(dir))
    os.execute("rm -rf " .. quote(dir))
  end)
end)

describe("recover() and a record planted in Redis", function()
  if not Redis.installed() then return pending "redis-server is not installed" end
  local sim, redis
  setup(function()
    sim = Sim.start()
    redis = Redis.start()
  end)
  teardown(function()
    redis:stop()
    sim:stop()
  end)

  it("writes nothing outside the directory its caller names", function()
    planted_recovery(function(opts)
      opts.journal = redis:url "planted"
      return sim:foxapi(opts)
    end, function(plants) plant_redis(redis, plants) end)
  end)

  -- Redis is asked on the engine's loop: a keyed submit waits for it (its deadline ends it unsent,
  -- the store's error its cause), and recover() says unavailable once it has waited for it
  it("makes a keyed submit wait while Redis is down, and recover() answer unavailable (code redis)", function()
    local fox = sim:foxapi { journal = redis:url "down", redis_timeout = 0.2 }
    fox:submit("flux-dev", { prompt = "before" }, { key = "before" }):wait(10)
    local submissions = sim:stats().submissions
    redis:signal "STOP"
    local _, err = fox:submit("flux-dev", { prompt = "while down" }, { key = "down", task_timeout = 1 }):result()
    local ok, recovered = pcall(fox.recover, fox)
    local waiting = fox:submit("flux-dev", { prompt = "while down" }, { key = "down" })
    redis:signal "CONT"
    assert.equal("deadline_exceeded", err.kind, tostring(err))
    assert.equal("no", err.submitted)
    assert.equal("unavailable", err.cause and err.cause.kind, tostring(err))
    assert.equal("redis", err.cause.code)
    assert.truthy(err.cause.message:find("key down", 1, true), err.cause.message)
    assert.is_nil(tostring(err):find(Sim.key, 1, true))
    assert.is_nil(tostring(err.cause):find(Sim.key, 1, true))
    assert.is_false(ok)
    assert.equal("unavailable", recovered.kind, tostring(recovered))
    assert.equal("redis", recovered.code)
    -- Redis is back: the key is looked up and the request sent now, once
    local _, failure = waiting:result()
    assert.is_nil(failure, tostring(failure))
    assert.equal(submissions + 1, sim:stats().submissions)
    fox:close() -- its records written before the specs stop Redis
  end)
end)

describe("the smaller faults", function()
  local sim, journal
  setup(function() sim = Sim.start() end)
  teardown(function() sim:stop() end)
  before_each(function()
    sim:reset()
    journal = os.tmpname()
    os.remove(journal)
  end)
  after_each(function() remove_journal(journal) end)

  it("takes the tasks of an owner killed and not reaped (a zombie) at once", function()
    local out = os.tmpname()
    -- the worker's parent execs into sleep, which never reaps it: killed, it stays a zombie
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write(([[
      local gentask = require "gentask"
      local fox = gentask.client { provider = "foxapi", api_key = %q, base_url = %q, journal = %q,
                                   max_in_flight = 6 }   -- an owner that holds places: a row with its pid
      local keep = {}
      for i = 1, 3 do keep[i] = fox:submit("flux-dev", { prompt = "zombie " .. i .. " [duration=60000]" }) end
      while not (keep[1].id and keep[2].id and keep[3].id) do gentask.sleep(0.01) end
      gentask.sleep(0.2)   -- accepted, and journaled so
      local pid = io.open("/proc/self/stat"):read("*l"):match("^(%%d+)")
      io.open(%q, "w"):write(pid .. "\n"):close()
      os.execute("kill -9 " .. pid)
    ]]):format(Sim.key, sim.url .. "/foxapi", journal, out))
    f:close()
    local lua = arg and arg[-1] or "lua"
    local paths = ("package.path=%q package.cpath=%q"):format(package.path, package.cpath)
    local parent_file = os.tmpname()
    os.execute(("sh -c %s >/dev/null 2>&1 &"):format(quote(("echo $$ > %s; %s -e %s %s & exec sleep 60"):format(
      quote(parent_file), lua, quote(paths), quote(script)))))
    local worker
    for _ = 1, 1000 do
      local r = io.open(out)
      worker = r and r:read "*l"
      if r then r:close() end
      local stat = worker and io.open("/proc/" .. worker .. "/stat")
      local state = stat and stat:read("*l"):match "%) (%a)"
      if stat then stat:close() end
      if state == "Z" then break end
      worker = nil
      gentask.sleep(0.02)
    end
    assert.truthy(worker, "the worker died and is a zombie")
    local tasks = sim:foxapi({ journal = journal }):recover()
    local p = io.open(parent_file)
    os.execute("kill " .. p:read "*l") -- the sleep: the zombie is reaped now
    p:close()
    os.remove(parent_file)
    os.remove(script)
    os.remove(out)
    assert.equal(3, #tasks)
    for _, t in ipairs(tasks) do assert.truthy(t.id) end
    for _, t in ipairs(tasks) do t:cancel() end
  end)

  it("keeps the id of a result answered from the journal", function()
    local fox = sim:foxapi { journal = journal }
    local first = fox:submit("flux-dev", { prompt = "once" }, { key = "once" })
    local id = first:wait(10).id
    assert.truthy(id)
    local again = sim:foxapi({ journal = journal }):submit("flux-dev", { prompt = "once" }, { key = "once" })
    assert.equal(id, again.id)
    assert.equal(id, again:wait(10).id)
    assert.equal(1, sim:stats().submissions)
  end)

  it("refuses params that contain themselves as a usage error", function()
    local params = { prompt = "loop", nested = {} }
    params.nested.back = params
    local ok, err = pcall(sim.foxapi(sim).submit, sim:foxapi(), "flux-dev", params)
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.truthy(err.message:find("params.nested.back", 1, true), err.message)
    -- a table met twice without a cycle is no cycle
    local shared = { "a" }
    sim:foxapi():submit("flux-dev", { prompt = "twice", a = shared, b = shared }):wait(10)
  end)

  it("answers recover() on a journal another process has locked as unavailable (code journal)", function()
    sim:foxapi { journal = journal }
    local release = Sim.lock_journal(journal)
    local fox = sim:foxapi { journal = journal }
    local ok, err = pcall(fox.recover, fox)
    release()
    assert.is_false(ok)
    assert.equal("unavailable", err.kind)
    assert.equal("journal", err.code)
    assert.is_true(err.retryable)
  end)

  it("reports a full disk during a download as unavailable (code disk)", function()
    local dir = new_dir()
    if not succeeded(os.execute("LD_PRELOAD= mount -t tmpfs -o size=64k tmpfs " .. quote(dir) .. " 2>/dev/null")) then
      os.execute("rm -rf " .. quote(dir))
      return pending "mounting a small tmpfs needs root"
    end
    os.execute("LD_PRELOAD= dd if=/dev/zero of=" .. quote(dir .. "/filler") .. " bs=4k 2>/dev/null")
    local result = sim:foxapi():submit("flux-dev", { prompt = "no room" }, { download = { dir = dir } }):wait(10)
    os.execute("LD_PRELOAD= umount " .. quote(dir) .. " && LD_PRELOAD= rm -rf " .. quote(dir))
    assert.truthy(result.url, "the paid result is delivered")
    local e = result.download_errors[1]
    assert.equal("unavailable", e.kind, tostring(e))
    assert.equal("disk", e.code)
  end)
end)
