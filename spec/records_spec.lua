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
  local pipe = assert(io.popen(command .. " 2>&1"))
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

local function remove_journal(path)
  for _, suffix in ipairs { "", "-wal", "-shm" } do os.remove(path .. suffix) end
end

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
    assert.truthy(succeeded(os.execute("chmod 0660 " .. quote(journal))))
    refused("chmod go-w '" .. journal .. "'")
    assert.truthy(succeeded(os.execute("chmod 0600 " .. quote(journal))))
    sim:foxapi { journal = journal } -- mended, it opens
  end)

  it("is refused when another user owns it, or its -wal", function()
    local me = sh("id -u"):gsub("%s+$", "")
    if me ~= "0" then return pending "chown to another user needs root" end
    sim:foxapi { journal = journal }
    assert.truthy(succeeded(os.execute("chown nobody " .. quote(journal))))
    refused("chown 0 '" .. journal .. "'")
    assert.truthy(succeeded(os.execute("chown 0 " .. quote(journal))))
    -- a -wal made first by another user would be read as the journal's own writes
    local wal = journal .. "-wal"
    assert.truthy(succeeded(os.execute("touch " .. quote(wal) .. " && chown nobody " .. quote(wal))))
    local ok, err = pcall(sim.foxapi, sim, { journal = journal })
    assert.is_false(ok)
    assert.truthy(err.message:find("chown 0 '" .. wal .. "'", 1, true), err.message)
  end)

  it("is refused in a directory others may write without the sticky bit", function()
    local dir = new_dir()
    assert.truthy(succeeded(os.execute("chmod 0777 " .. quote(dir))))
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
  assert.truthy(succeeded(os.execute(("mkdir -p %s %s && ln -s %s %s/link"):format(quote(root), quote(outside),
    quote(outside), quote(root)))))
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

  local recovered = make_client {}:recover { download = { dir = root } }
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
    local tasks = sim:foxapi({ journal = journal }):recover()
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

  it("answers a keyed submit while Redis is down as unavailable (code redis), nothing sent", function()
    local fox = sim:foxapi { journal = redis:url "down", redis_timeout = 0.2 }
    fox:submit("flux-dev", { prompt = "before" }, { key = "before" }):wait(10)
    local submissions = sim:stats().submissions
    redis:signal "STOP"
    local t = fox:submit("flux-dev", { prompt = "while down" }, { key = "down" })
    redis:signal "CONT"
    local _, err = t:result()
    assert.equal("unavailable", err.kind)
    assert.equal("redis", err.code)
    assert.equal("no", err.submitted)
    assert.equal(submissions, sim:stats().submissions)
    local _, failure = fox:submit("flux-dev", { prompt = "while down" }, { key = "down" }):result()
    -- Redis is back: the same key is looked up and the request sent now
    assert.is_nil(failure, tostring(failure))
    assert.equal(submissions + 1, sim:stats().submissions)
  end)
end)
