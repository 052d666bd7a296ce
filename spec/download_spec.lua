-- Results as files: fetched through the engine with no key, written whole or not at all, checked
-- against the simulator's own record of what it served; and local files as inputs.
local gentask = require "gentask"
local Sim = require "support.sim"

local function temp_dir()
  local dir = os.tmpname()
  os.remove(dir)
  return dir
end

local function listing(dir)
  local names = {}
  local pipe = io.popen("ls -A '" .. dir .. "' 2>/dev/null")
  for name in pipe:lines() do names[#names + 1] = name end
  pipe:close()
  table.sort(names)
  return names
end

local function sha256_of(path)
  local pipe = io.popen("sha256sum '" .. path .. "'")
  local line = pipe:read "*l"
  pipe:close()
  return line and line:match "^(%x+)"
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read "*a"
  f:close()
  return s
end

-- The simulator's record of each file request, by path: { {number, status, sha256, key_seen}, … }
local function served(sim)
  local by_path = {}
  for _, r in ipairs(sim:stats(true).files) do
    by_path[r.path] = by_path[r.path] or {}
    table.insert(by_path[r.path], r)
  end
  return by_path
end

local function path_of(url) return url:match "^https?://[^/]+(/.*)$" end

describe("downloads", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 50" end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  it("write every result as soon as the task succeeds, with the simulator's checksum and no key", function()
    local dir = temp_dir()
    local fox = sim:foxapi { download = { dir = dir } }
    local result = fox:submit("flux-dev", { prompt = "three foxes [n=3]" }):wait()
    assert.equal(3, #result.files)
    assert.is_nil(result.download_errors)
    assert.equal(3, #result.urls)   -- the URLs stay on the result
    local record = served(sim)
    for i, f in ipairs(result.files) do
      assert.equal(dir .. "/" .. result.id .. "-" .. i .. ".png", f.path)
      assert.equal(result.urls[i], f.url)
      assert.equal("image/png", f.content_type)
      assert.equal(#read(f.path), f.bytes)
      assert.equal(sha256_of(f.path), f.sha256)
      local seen = record[path_of(f.url)]
      assert.equal(1, #seen)
      assert.equal(seen[1].sha256, f.sha256)
      assert.is_false(seen[1].key_seen)
      assert.equal("\137PNG\r\n\26\n", read(f.path):sub(1, 8))
    end
    assert.are_not.equal(result.files[1].sha256, result.files[2].sha256)
    assert.equal(0, sim:stats().downloads_with_key)
    assert.truthy(result.expires_at > os.time() + 86000, "FoxAPI documents 24 h")
  end)

  it("never sends the key, as a header (BFL's x-key) or otherwise", function()
    local dir = temp_dir()
    local bfl = sim:client("bfl", { download = { dir = dir, name = "lighthouse" } })
    local result = bfl:submit("flux-dev", { prompt = "a lighthouse" }):wait()
    assert.equal(dir .. "/lighthouse.png", result.files[1].path)
    local stats = sim:stats(true)
    assert.equal(1, #stats.files)
    assert.is_false(stats.files[1].key_seen)
    assert.equal(0, stats.downloads_with_key)
    assert.truthy(result.expires_at <= os.time() + 600 and result.expires_at > os.time() + 500,
      "BFL's signed URLs live about 10 minutes")
  end)

  it("gives different prompts different images", function()
    local dir = temp_dir()
    local fox = sim:foxapi()
    local a = fox:submit("flux-dev", { prompt = "red" })
    local b = fox:submit("flux-dev", { prompt = "blue" })
    local fa = assert(a:download(dir .. "/a.png"))
    local fb = assert(b:download(dir .. "/b.png"))
    assert.equal(dir .. "/a.png", fa[1].path)
    assert.are_not.equal(fa[1].sha256, fb[1].sha256)
  end)

  it("leaves nothing under the final name when a cut download cannot be finished", function()
    local dir = temp_dir()
    local fox = sim:foxapi { max_retries = 0, download = { dir = dir, name = "cut" } }
    local t = fox:submit("flux-dev", { prompt = "a fox [download-cut=2000]" })
    local result = t:wait()   -- never raises for a download
    assert.equal("succeeded", t.state)
    assert.is_nil(result.files[1])
    local err = result.download_errors[1]
    assert.truthy(gentask.errors.is(err, "network"))
    assert.equal("download", err.phase)
    assert.is_true(err.retryable)
    assert.same({}, listing(dir))   -- neither the final name nor a temporary file
  end)

  it("finishes a cut download by trying again, and the file is whole", function()
    local dir = temp_dir()
    local fox = sim:foxapi { download = { dir = dir, name = "cut" } }
    local result = fox:submit("flux-dev", { prompt = "a fox [download-cut=2000:2]" }):wait()
    local f = assert(result.files[1])
    local seen = served(sim)[path_of(f.url)]
    assert.equal(3, #seen)
    assert.same({ 0, 0, 200 }, { seen[1].status, seen[2].status, seen[3].status })
    assert.equal(seen[3].sha256, f.sha256)
    assert.equal(sha256_of(f.path), f.sha256)
    assert.same({ "cut.png" }, listing(dir))
  end)

  it("tries a 500 again, and reports a 404 at once as not_found", function()
    local dir = temp_dir()
    local fox = sim:foxapi { download = { dir = dir } }
    local ok = fox:submit("flux-dev", { prompt = "a [download-http=500:2]" }):wait()
    assert.truthy(ok.files[1])
    local missing = fox:submit("flux-dev", { prompt = "b [download-http=404:9]" }):wait()
    local err = missing.download_errors[1]
    assert.equal("not_found", err.kind)
    assert.equal(404, err.status)
    assert.equal(1, err.attempts)
  end)

  it("refuses a file over max_download_bytes without keeping any of it", function()
    local dir = temp_dir()
    local fox = sim:foxapi { max_download_bytes = 100, download = { dir = dir } }
    local result = fox:submit("flux-dev", { prompt = "big" }):wait()
    assert.equal("protocol", result.download_errors[1].kind)
    assert.truthy(result.download_errors[1].message:find "max_download_bytes")
    assert.same({}, listing(dir))
  end)

  it("keeps a dropped task alive until its files are written", function()
    local dir = temp_dir()
    local fox = sim:foxapi { download = { dir = dir, name = "orphan" } }
    local live = gentask.stats().live_tasks
    fox:submit("flux-dev", { prompt = "dropped [download-slow=100]" })
    collectgarbage()
    collectgarbage()
    while #listing(dir) == 0 or listing(dir)[1] ~= "orphan.png" do gentask.sleep(0.02) end
    assert.same({ "orphan.png" }, listing(dir))
    while gentask.stats().live_tasks > live do gentask.sleep(0.02) end   -- and then it is freed
  end)

  it("downloads 200 results at once while the engine keeps polling other tasks", function()
    local dir = temp_dir()
    local fox = sim:foxapi { download = { dir = dir } }
    local slow = {}
    for i = 1, 3 do slow[i] = fox:submit("flux-dev", { prompt = "slow " .. i .. " [duration=60000] [eta=10]" }) end
    local results = gentask.run(function()
      local tasks = {}
      for i = 1, 200 do
        tasks[i] = fox:submit("flux-dev", { prompt = "batch " .. i .. " [download-slow=200]" })
      end
      return gentask.all(tasks)
    end)
    local stats = sim:stats(true)
    local first_file, last_file = math.huge, 0
    for _, r in ipairs(stats.files) do
      first_file = math.min(first_file, r.at_ms)
      last_file = math.max(last_file, r.at_ms)
    end
    for _, t in ipairs(slow) do
      assert.is_false(t.done)
      local polls = stats.tasks[t.id]
      assert.truthy(polls.last_poll_ms > first_file, "polls went on while files were on the wire")
    end
    local names = listing(dir)
    assert.equal(200, #names)
    local record = served(sim)
    for _, r in ipairs(results) do
      local f = r.files[1]
      assert.equal(record[path_of(f.url)][1].sha256, f.sha256)
    end
    assert.equal(200, #stats.files)
    assert.equal(0, stats.downloads_with_key)
    for _, t in ipairs(slow) do t:cancel() end
  end)
end)

describe("gentask.file", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 50" end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  -- a real PNG to send: one the simulator made
  local function a_png()
    local dir = temp_dir()
    local t = sim:foxapi():submit("flux-dev", { prompt = "an input" })
    return assert(t:download(dir .. "/input.png"))[1].path
  end

  it("reaches BFL as bare base64 that decodes to the file's bytes", function()
    local path = a_png()
    sim:reset()
    local bfl = sim:client("bfl")
    bfl:submit("flux-kontext-pro", { prompt = "edit it", input_image = gentask.file(path) }):wait()
    local inputs = sim:stats().inputs
    assert.equal(1, #inputs)
    assert.equal("input_image", inputs[1].field)
    assert.equal("base64", inputs[1].form)
    assert.equal(sha256_of(path), inputs[1].sha256)
  end)

  it("reaches FoxAPI as a data URI, also from bytes and deep in params", function()
    local path = a_png()
    sim:reset()
    local fox = sim:foxapi()
    fox:submit("flux-dev", { prompt = "edit", image_urls = { gentask.file { bytes = read(path), name = "x.png" } } })
       :wait()
    local inputs = sim:stats().inputs
    assert.equal(1, #inputs)
    assert.equal("data_uri", inputs[1].form)
    assert.equal("image/png", inputs[1].type)
    assert.equal(sha256_of(path), inputs[1].sha256)
  end)

  it("sends a copy of params with the file encoded, the caller's tables left as they were", function()
    local path = a_png()
    sim:reset()
    local image = gentask.file(path)
    local sizes = { 512, 512 }
    local params = { prompt = "edit", sizes = sizes, image_urls = { "https://example.com/a.png", image } }
    sim:foxapi():submit("flux-dev", params):wait()
    assert.equal(1, #sim:stats().inputs)
    assert.equal(image, params.image_urls[2])
    assert.equal("https://example.com/a.png", params.image_urls[1])
    assert.equal(sizes, params.sizes)
    assert.same({ 512, 512 }, sizes)
  end)

  it("names where a cycle closes, however deep, refuses a file as the params, and sends nothing", function()
    local fox = sim:foxapi()
    local params = { prompt = "x", list = { "a", { name = "b" } } }
    params.list[2].back = params.list
    local ok, err = pcall(fox.submit, fox, "flux-dev", params)
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.truthy(err.message:find("params.list[2].back", 1, true), err.message)
    -- a file given as the params themselves would send its local path: refused, nothing sent
    ok, err = pcall(fox.submit, fox, "flux-dev", gentask.file "/tmp/in.png")
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.truthy(err.message:find("gentask.file goes in one", 1, true), err.message)
    assert.equal(0, sim:stats().submissions)
  end)

  it("refuses a missing file or one that is no image before anything is paid", function()
    local fox = sim:foxapi()
    local ok, err = pcall(fox.submit, fox, "flux-dev", { prompt = "x", image = gentask.file "/nonexistent/in.png" })
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.truthy(err.message:find("/nonexistent/in.png", 1, true))
    ok, err = pcall(fox.submit, fox, "flux-dev", { prompt = "x", image = gentask.file { bytes = "plain text" } })
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.equal(0, sim:stats().submissions)
  end)
end)
