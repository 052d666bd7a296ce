-- The contact sheet (index.html of a batch) opened in headless Chromium: every image loads, every
-- failure shows its kind, its message and whether it was paid, what came from the prompts file
-- stays text; keys that read alike keep their own images, and a re-run after the result URLs
-- died (a new simulator) pays nothing, downloads nothing and keeps every image.
local Sim = require "support.sim"
local cli = require "support.cli"
local host = require "support.host"

-- Marks each image of the page with whether it loaded, once the page has, for --dump-dom to show.
local PROBE = [[
<script>
window.addEventListener("load", function () {
  document.querySelectorAll("img").forEach(function (img) {
    img.setAttribute("data-loaded", img.complete && img.naturalWidth > 0 ? "yes" : "no");
  });
  document.body.setAttribute("data-probed", "yes");
});
</script>
]]

describe("the contact sheet in headless Chromium", function()
  local browser = host.command_path "chromium" or host.command_path "chromium-browser"
  if not browser then
    it("is skipped: chromium is not installed (make deps installs it)", function() pending "no chromium" end)
    return
  end

  local sim, dir
  setup(function()
    sim = Sim.start("--duration-ms 100")
    dir = cli.tmpdir()
  end)
  teardown(function()
    sim:stop()
    os.execute("rm -rf " .. cli.quote(dir))
  end)

  -- The page opened in Chromium with the probe: its DOM once loaded, and how many images loaded of how many.
  local function open_in_browser(out_dir)
    local page = assert(cli.read(out_dir .. "/index.html"))
    -- the probe goes into a copy beside the page, so that its relative image paths hold
    cli.write(out_dir .. "/probe.html", (page:gsub("</body>", function() return PROBE .. "</body>" end)))
    local profile = cli.tmpdir()
    -- LD_PRELOAD= : under `make sanitize` the ASan runtime is for the Lua process alone
    local pipe = assert(io.popen(("LD_PRELOAD= %s --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      .. "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=%s "
      .. "--virtual-time-budget=5000 --dump-dom %s 2>/dev/null"):format(browser, cli.quote(profile),
      cli.quote("file://" .. out_dir .. "/probe.html"))))
    local dom = pipe:read "*a"
    pipe:close()
    os.execute("rm -rf " .. cli.quote(profile))
    os.remove(out_dir .. "/probe.html")
    assert.matches('data%-probed="yes"', dom)
    local loaded, images = 0, 0
    for img in dom:gmatch "<img[^>]*>" do
      images = images + 1
      if img:find('data-loaded="yes"', 1, true) then loaded = loaded + 1 end
    end
    return dom, loaded, images
  end

  local function batch(prompts, out_dir, url)
    return cli.run(("batch %s -o %s -p foxapi --base-url %s/foxapi --progress json"):format(cli.quote(prompts),
      cli.quote(out_dir), url), "FOXAPI_API_KEY=" .. Sim.key)
  end

  it("shows every image loaded and every failure with its kind, message and whether it was paid", function()
    local prompts = dir .. "/prompts.jsonl"
    cli.write(prompts, table.concat({
      '{"model": "flux-dev", "prompt": "a fox"}',
      '{"model": "flux-dev", "prompt": "<img src=x onerror=alert(1)> & a heron"}',
      '{"model": "flux-dev", "prompt": "refused <b>bold</b> [fail=content_policy_violation]"}',
      '{"model": "flux-dev", "key": "with space#and?marks", "prompt": "a hare"}',
    }, "\n") .. "\n")
    local out_dir = dir .. "/sheet"
    local _, err, status = batch(prompts, out_dir, sim.url)
    assert.equal(1, status, err)
    local dom, loaded, images = open_in_browser(out_dir)
    assert.equal(3, images)   -- the three that succeeded; the injected <img> stayed text
    assert.equal(images, loaded)
    local failed = assert(dom:match '<figure class="task failed"[^>]*>(.-)</figure>')
    assert.matches('<span class="kind">moderated</span>', failed)
    assert.matches('<span class="message">[^<]+</span>', failed)
    assert.matches('<span class="submitted" data%-submitted="yes">accepted and paid</span>', failed)
    assert.matches("refused &lt;b&gt;bold&lt;/b&gt;", failed)
    assert.matches("&lt;img src=x onerror=alert%(1%)&gt; &amp; a heron", dom)
    assert.equal(3, select(2, dom:gsub('class="task succeeded"', "")))
  end)

  it("keys that read alike are three files and three images; a re-run after the URLs died keeps them all", function()
    local prompts = dir .. "/alike.jsonl"
    cli.write(prompts, table.concat({
      '{"model": "flux-dev", "key": "a/b", "prompt": "one"}',
      '{"model": "flux-dev", "key": "a b", "prompt": "two"}',
      '{"model": "flux-dev", "key": "a_b", "prompt": "three"}',
    }, "\n") .. "\n")
    local out_dir = dir .. "/alike"
    local _, err, status = batch(prompts, out_dir, sim.url)
    assert.equal(0, status, err)
    local pngs = host.capture("cd " .. cli.quote(out_dir) .. " && ls *.png | sort")
    assert.equal(3, select(2, pngs:gsub("%.png", "")), pngs)
    assert.matches("\na_b%.png\n$", pngs)   -- the plain key keeps its own name
    local _, loaded, images = open_in_browser(out_dir)
    assert.same({ 3, 3 }, { images, loaded })
    -- a new simulator: the old one's tasks and result URLs are gone
    local fresh = Sim.start("--duration-ms 100")
    local _, err2, status2 = batch(prompts, out_dir, fresh.url)
    local stats = fresh:stats()
    fresh:stop()
    assert.equal(0, status2, err2)
    assert.same({ 0, 0 }, { stats.submissions, stats.downloads }, "nothing paid, nothing downloaded")
    local _, loaded2, images2 = open_in_browser(out_dir)
    assert.same({ 3, 3 }, { images2, loaded2 })
  end)
end)
