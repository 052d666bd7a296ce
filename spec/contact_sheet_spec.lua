-- The contact sheet (index.html of a batch) opened in headless Chromium: every image loads, every
-- failure shows its kind and message, and what came from the prompts file stays text.
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

  it("shows every image loaded and every failure with its kind and message", function()
    local prompts = dir .. "/prompts.jsonl"
    cli.write(prompts, table.concat({
      '{"model": "flux-dev", "prompt": "a fox"}',
      '{"model": "flux-dev", "prompt": "<img src=x onerror=alert(1)> & a heron"}',
      '{"model": "flux-dev", "prompt": "refused <b>bold</b> [fail=content_policy_violation]"}',
      '{"model": "flux-dev", "key": "with space#and?marks", "prompt": "a hare"}',
    }, "\n") .. "\n")
    local out_dir = dir .. "/sheet"
    local _, err, status = cli.run(("batch %s -o %s -p foxapi --base-url %s/foxapi"):format(cli.quote(prompts),
      cli.quote(out_dir), sim.url), "FOXAPI_API_KEY=" .. Sim.key)
    assert.equal(1, status, err)
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
    assert.matches('data%-probed="yes"', dom)

    local loaded, images = 0, 0
    for img in dom:gmatch "<img[^>]*>" do
      images = images + 1
      if img:find('data-loaded="yes"', 1, true) then loaded = loaded + 1 end
    end
    assert.equal(3, images)   -- the three that succeeded; the injected <img> stayed text
    assert.equal(images, loaded)
    local failed = assert(dom:match '<figure class="task failed"[^>]*>(.-)</figure>')
    assert.matches('<span class="kind">moderated</span>', failed)
    assert.matches('<span class="message">[^<]+</span>', failed)
    assert.matches("refused &lt;b&gt;bold&lt;/b&gt;", failed)
    assert.matches("&lt;img src=x onerror=alert%(1%)&gt; &amp; a heron", dom)
    assert.equal(3, select(2, dom:gsub('class="task succeeded"', "")))
  end)
end)
