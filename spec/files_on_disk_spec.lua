-- A finished task whose files are on disk is not downloaded again: a keyed submit answered from
-- the journal takes each file its record describes (path, bytes, SHA-256) when the file there is
-- that very file, and fetches nothing — so a re-run after the result URLs expired (here: the
-- simulator restarted, its URLs gone) keeps every file. A file missing, altered or replaced by a
-- symbolic link is fetched again, or, with the URLs gone, is a download error: never taken as good.
local Sim = require "support.sim"
local host = require "support.host"

local sh_quote, read, write, is_symlink, temp_path = host.quote, host.read, host.write, host.is_symlink,
  host.temp_path

-- The same bytes but one, in the middle: the size is the same, the checksum is not.
local function alter(path)
  local bytes = read(path)
  local at = math.floor(#bytes / 2)
  local flipped = string.char((bytes:byte(at) + 1) % 256)
  write(path, bytes:sub(1, at - 1) .. flipped .. bytes:sub(at + 1))
end

-- What a run submits: three keys, one of them with two results.
local PROMPTS = { fox = "a fox", owl = "an owl", pair = "two herons [n=2]" }
local KEYS = { "fox", "owl", "pair" }

-- Submits every key through a client of sim on journal, downloading into dir; returns the results
-- by key once the client is closed and collected, as a process that ended leaves its journal (a
-- live client's records are its own).
local function run(sim, journal, dir)
  local results = {}
  do
    local fox = sim:foxapi { journal = journal, download = { dir = dir }, max_retries = 1 }
    local tasks = {}
    for _, key in ipairs(KEYS) do tasks[key] = fox:submit("flux-dev", { prompt = PROMPTS[key] }, { key = key }) end
    for _, key in ipairs(KEYS) do results[key] = assert(tasks[key]:wait(10)) end
    assert.equal(0, (fox:close()))
    -- dropped by name: LuaJIT may keep a dead local's slot alive through collectgarbage()
    fox, tasks = nil, nil -- luacheck: ignore 311
  end
  collectgarbage()
  collectgarbage()
  return results
end

-- The simulator's record of the file requests made since `since` of them were made (its task
-- store stays: a reset would forget the tasks whose prompts colour their files).
local function served_since(sim, since)
  local paths = {}
  for i, r in ipairs(sim:stats(true).files) do
    if i > since then paths[#paths + 1] = r.path end
  end
  table.sort(paths)
  return paths
end

local function path_of(url) return url:match "^https?://[^/]+(/.*)$" end

local function same_files(expected, got)
  assert.equal(#expected, #got)
  for i, f in ipairs(expected) do
    for _, field in ipairs { "path", "sha256", "bytes", "content_type", "url" } do
      assert.equal(f[field], got[i][field], field)
    end
  end
end

describe("files on disk", function()
  local sim, journal, dir
  before_each(function()
    sim = Sim.start "--duration-ms 50"
    journal = temp_path()
    dir = temp_path()
  end)
  after_each(function()
    sim:stop()
    Sim.remove_journal(journal)
    os.execute("rm -rf " .. sh_quote(dir))
  end)

  -- the simulator's URLs die with it: a new one serves none of them
  local function restart()
    sim:stop()
    sim = Sim.start "--duration-ms 50"
  end

  it("are taken as the results' files when their URLs are gone: nothing submitted, nothing fetched", function()
    local first = run(sim, journal, dir)
    assert.equal(2, #first.pair.files)
    restart()
    local again = run(sim, journal, dir)
    for _, key in ipairs(KEYS) do
      assert.is_nil(again[key].download_errors)
      same_files(first[key].files, again[key].files)
      assert.equal(first[key].id, again[key].id)
    end
    local stats = sim:stats()
    assert.equal(0, stats.submissions)
    assert.equal(0, stats.downloads)
    -- and the journal still records them: a third run takes them again
    local third = run(sim, journal, dir)
    same_files(first.owl.files, third.owl.files)
    assert.equal(0, sim:stats().downloads)
  end)

  it("are fetched again when missing or altered, while the URLs live; the others are not", function()
    local first = run(sim, journal, dir)
    local good_fox = read(first.fox.files[1].path)
    alter(first.fox.files[1].path)
    assert.equal(#good_fox, #read(first.fox.files[1].path))
    os.remove(first.pair.files[2].path)
    local before = sim:stats().downloads
    local again = run(sim, journal, dir)
    same_files(first.fox.files, again.fox.files)
    same_files(first.pair.files, again.pair.files)
    same_files(first.owl.files, again.owl.files)
    assert.equal(good_fox, read(first.fox.files[1].path))
    local expected = { path_of(first.fox.files[1].url), path_of(first.pair.files[2].url) }
    table.sort(expected)
    assert.same(expected, served_since(sim, before))
    assert.equal(3, sim:stats().submissions) -- the first run's: none again
    assert.equal(0, sim:stats().downloads_with_key)
  end)

  it("altered with the URLs gone: a download error, never the altered file", function()
    local first = run(sim, journal, dir)
    alter(first.fox.files[1].path)
    local altered = read(first.fox.files[1].path)
    restart()
    local again = run(sim, journal, dir)
    assert.is_nil(again.fox.files[1])
    local err = again.fox.download_errors[1]
    assert.equal("download", err.phase)
    assert.equal("network", err.kind)
    assert.equal(altered, read(first.fox.files[1].path)) -- left as it was: nothing written over it
    same_files(first.owl.files, again.owl.files)
    assert.equal(0, sim:stats().downloads)
  end)

  -- A first run, then the owl's file replaced by a symbolic link to a copy of its very bytes.
  local function plant_link()
    local first = run(sim, journal, dir)
    local path = first.owl.files[1].path
    local elsewhere = temp_path()
    write(elsewhere, read(path))
    os.remove(path)
    assert.is_true(host.sh("ln -s " .. sh_quote(elsewhere) .. " " .. sh_quote(path)))
    return first, path, elsewhere
  end

  it("never follow a symbolic link planted at a file's path, even to the very bytes", function()
    local first, path, elsewhere = plant_link()
    assert.is_true(is_symlink(path))
    local before = sim:stats().downloads
    local again = run(sim, journal, dir)
    same_files(first.owl.files, again.owl.files)
    assert.same({ path_of(first.owl.files[1].url) }, served_since(sim, before)) -- the owl's, fetched again
    assert.is_false(is_symlink(path))       -- the download's rename replaced the link itself
    assert.equal(first.owl.files[1].bytes, #read(elsewhere)) -- the link's target untouched
    os.remove(elsewhere)
  end)

  it("with the URLs gone, a symbolic link at a file's path is a download error", function()
    local first, _, elsewhere = plant_link()
    restart()
    local again = run(sim, journal, dir)
    assert.is_nil(again.owl.files[1])
    assert.equal("download", again.owl.download_errors[1].phase)
    same_files(first.fox.files, again.fox.files)
    os.remove(elsewhere)
  end)

  it("count only where the download of now would write them: another directory fetches", function()
    local first = run(sim, journal, dir)
    local before = sim:stats().downloads
    local other = temp_path()
    local again = run(sim, journal, other)
    for _, key in ipairs(KEYS) do
      for i, f in ipairs(again[key].files) do
        assert.equal(other, f.path:sub(1, #other))
        assert.equal(first[key].files[i].sha256, f.sha256)
      end
    end
    assert.equal(4, #served_since(sim, before))
    os.execute("rm -rf " .. sh_quote(other))
  end)
end)
