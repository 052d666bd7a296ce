-- The gentask command keeps every paid result (issue 21), run as a subprocess against the
-- simulator: nothing is paid before everything local is known to work (exit 2 or 3, 0 submits);
-- a killed batch resumes from its record; --retry-failed resends only what was never sent;
-- a failed download says where the file is and `fetch` saves it later; a full disk and a long key
-- end with a status that is not 0 and files that appear with resume; planted symlinks in the
-- output directory are not followed; key files and records others could read are refused.
local Sim = require "support.sim"
local cli = require "support.cli"
local host = require "support.host"

local KEY = Sim.key

local json_lines = cli.json_lines

local function events_of(out, kind)
  local list = {}
  for _, e in ipairs(json_lines(out)) do
    if e.event == kind then list[#list + 1] = e end
  end
  return list
end

local function by_line(out)
  local map = {}
  for _, e in ipairs(events_of(out, "task")) do map[e.line] = e end
  return map
end

local function prompts_file(path, rows)
  cli.write(path, table.concat(rows, "\n") .. "\n")
  return path
end

local function is_root()
  return host.capture("id -u"):match "^0" ~= nil
end

local sh = host.sh

describe("the gentask command keeps every paid result", function()
  local sim, dir, env
  setup(function()
    sim = Sim.start "--duration-ms 200"
    dir = cli.tmpdir()
    env = ("FOXAPI_API_KEY=%s BFL_API_KEY=%s FLORA_API_KEY=%s"):format(KEY, KEY, KEY)
  end)
  teardown(function()
    sim:stop()
    os.execute("rm -rf " .. cli.quote(dir))
  end)

  local function base(provider)
    return ("--base-url %s/%s"):format(sim.url, provider or "foxapi")
  end

  describe("nothing is paid before everything local is known to work", function()
    local good
    setup(function()
      good = prompts_file(dir .. "/good.jsonl", { '{"model": "flux-dev", "prompt": "a fox"}' })
    end)

    local function refused(args, want_status, want_message, extra_env)
      local before = sim:stats().submissions
      local out, err, status = cli.run(args, (extra_env or env))
      assert.equal(want_status, status, out .. err)
      assert.matches(want_message, err)
      assert.equal(before, sim:stats().submissions, "a submit was paid: " .. err)
    end

    it("an output path that is a file, or a directory that cannot be written: exit 3", function()
      local file = dir .. "/a-file"
      cli.write(file, "x")
      refused(("batch %s -o %s -p foxapi %s"):format(cli.quote(good), cli.quote(file), base()), 3,
        "cannot make the output directory")
      refused(("run -p foxapi %s -m flux-dev 'x' -o %s"):format(base(), cli.quote(file .. "/sub")), 3,
        "cannot make the output directory")
      -- read-only: root writes through a mode, so as root a read-only mount, else an immutable
      -- directory; as anyone else, a mode
      local ro = dir .. "/read-only"
      assert(sh("mkdir -p " .. cli.quote(ro)))
      local mounted = is_root() and sh("mount -t tmpfs -o size=1m,ro tmpfs " .. cli.quote(ro) .. " 2>/dev/null")
      local immutable = is_root() and not mounted and sh("chattr +i " .. cli.quote(ro) .. " 2>/dev/null")
      if is_root() and not (mounted or immutable) then
        pending "root, and neither a read-only mount nor chattr +i works here: no directory root cannot write"
        return
      end
      if not is_root() then assert(sh("chmod 555 " .. cli.quote(ro))) end
      refused(("batch %s -o %s -p foxapi %s"):format(cli.quote(good), cli.quote(ro), base()), 3,
        "cannot write in the output directory")
      refused(("run -p foxapi %s -m flux-dev 'x' -o %s"):format(base(), cli.quote(ro)), 3,
        "cannot write in the output directory")
      if mounted then os.execute("umount " .. cli.quote(ro)) end
      if immutable then os.execute("chattr -i " .. cli.quote(ro)) end
    end)

    it("a line of a mixed batch whose provider has no key: exit 2", function()
      local mixed = prompts_file(dir .. "/mixed.jsonl", {
        '{"model": "flux-dev", "prompt": "fox line"}',
        '{"model": "flux-pro-1.1", "provider": "bfl", "prompt": "bfl line"}',
      })
      refused(("batch %s -o %s -p foxapi %s"):format(cli.quote(mixed), cli.quote(dir .. "/mixed"), base()), 2,
        "no key for bfl: set BFL_API_KEY", "FOXAPI_API_KEY=" .. KEY .. " BFL_API_KEY=")
    end)

    it("--base-url without a prefix is -p's provider's alone: another provider keeps its own address", function()
      local mixed = prompts_file(dir .. "/mixed-urls.jsonl", {
        '{"model": "flux-dev", "prompt": "fox line"}',
        '{"model": "flux-pro-1.1", "provider": "bfl", "prompt": "bfl line"}',
      })
      local out, err, status = cli.run(("batch %s -o %s -p foxapi %s --base-url bfl=%s/bfl"):format(cli.quote(mixed),
        cli.quote(dir .. "/mixed-urls"), base(), sim.url), env)
      assert.equal(0, status, out .. err)
      local lines = by_line(out)
      assert.same({ "succeeded", "succeeded" }, { lines[1].state, lines[2].state })
    end)

    it("a line that is not JSON, not UTF-8, too long, or a key twice: exit 2, each line named", function()
      local bad = prompts_file(dir .. "/bad.jsonl", {
        '{"model": "flux-dev", "prompt": "fine"}',
        '{"model": "flux-dev", "prompt": oops}',
        '{"model": "flux-dev", "prompt": "caf\233"}',
        '{"model": "flux-dev", "prompt": "' .. ("x"):rep(70000) .. '"}',
        '{"model": "flux-dev", "key": "k", "prompt": "one"}',
        '{"model": "flux-dev", "key": "k", "prompt": "two"}',
      })
      local before = sim:stats().submissions
      local _, err, status = cli.run(("batch %s -o %s -p foxapi %s"):format(cli.quote(bad), cli.quote(dir .. "/bad"),
        base()), env)
      assert.equal(2, status, err)
      assert.matches("line 2 is not a JSON object: .*character", err)
      assert.matches("line 3 is not UTF%-8 text %(byte %d+%)", err)
      assert.matches("line 4: the prompt is 700%d%d bytes, more than the 65536", err)
      assert.matches("line 6 has the key or the file name of line 5", err)
      assert.is_nil(err:find("line 1 ", 1, true), "a good line is not named")
      assert.equal(before, sim:stats().submissions)
    end)

    it("a --param that starts like JSON but is not, or a prompt that is not UTF-8: exit 2", function()
      refused(("run -p foxapi %s -m flux-dev 'x' --param 'size={oops' -o %s"):format(base(), cli.quote(dir)), 2,
        "%-%-param size: {oops is not JSON")
      refused(("run -p foxapi %s -m flux-dev $(printf 'caf\\351') -o %s"):format(base(), cli.quote(dir)), 2,
        "the prompt is not UTF%-8 text")
    end)

    it("a key file others can read is refused with the chmod to run: exit 2", function()
      local key_file = dir .. "/open-key"
      cli.write(key_file, KEY .. "\n")
      assert(sh("chmod 644 " .. cli.quote(key_file)))
      refused(("run -p foxapi %s -m flux-dev 'x' --key-file %s -o %s"):format(base(), cli.quote(key_file),
        cli.quote(dir)), 2, "run chmod 600 " .. key_file:gsub("%p", "%%%0"), "FOXAPI_API_KEY=")
      assert(sh("chmod 600 " .. cli.quote(key_file)))
      local out, err, status = cli.run(("run -p foxapi %s -m flux-dev 'x' --key-file %s -o %s"):format(base(),
        cli.quote(key_file), cli.quote(dir .. "/keyed")), "FOXAPI_API_KEY=")
      assert.equal(0, status, err)
      assert.is_nil((out .. err):find(KEY, 1, true), "the key is in the output")
    end)
  end)

  it("the batch record and the sheet are the owner's alone; planted symlinks at their old temporary names are not followed",
    function()
      local out_dir = dir .. "/planted"
      assert(sh("mkdir -p " .. cli.quote(out_dir)))
      local victim = dir .. "/victim"
      cli.write(victim, "untouched")
      for _, name in ipairs { "index.html.tmp", "gentask-journal.db.batch.json.tmp" } do
        assert(sh(("ln -s %s %s"):format(cli.quote(victim), cli.quote(out_dir .. "/" .. name))))
      end
      local prompts = prompts_file(dir .. "/planted.jsonl", { '{"model": "flux-dev", "prompt": "a fox"}' })
      local _, err, status = cli.run(("batch %s -o %s -p foxapi %s"):format(cli.quote(prompts), cli.quote(out_dir),
        base()), env)
      assert.equal(0, status, err)
      assert.equal("untouched", cli.read(victim))
      for _, name in ipairs { "index.html", "gentask-journal.db.batch.json" } do
        assert.equal("600", host.capture("stat -c %a " .. cli.quote(out_dir .. "/" .. name)):match "%d+", name)
      end
    end)

  it("a file another batch saved under the same name is never written over", function()
    local out_dir = dir .. "/shared-out"
    local first = prompts_file(dir .. "/first.jsonl", { '{"model": "flux-dev", "key": "cover", "prompt": "first"}' })
    local second = prompts_file(dir .. "/second.jsonl", { '{"model": "flux-dev", "key": "cover", "prompt": "second"}' })
    local _, err, status = cli.run(("batch %s -o %s -p foxapi %s"):format(cli.quote(first), cli.quote(out_dir), base()),
      env)
    assert.equal(0, status, err)
    local cover = assert(cli.read(out_dir .. "/cover.png"))
    local other = "--journal " .. cli.quote(dir .. "/second-journal.db")
    local out
    out, err, status = cli.run(("batch %s -o %s %s -p foxapi %s"):format(cli.quote(second), cli.quote(out_dir), other,
      base()), env)
    assert.equal(0, status, err)
    assert.equal(out_dir .. "/cover-b2.png", by_line(out)[1].files[1])
    assert.equal(cover, cli.read(out_dir .. "/cover.png"), "the first batch's file was written over")
    -- run again, the second batch keeps its own name and file: nothing fetched
    local before = sim:stats().downloads
    out, err, status = cli.run(("batch %s -o %s %s -p foxapi %s"):format(cli.quote(second), cli.quote(out_dir), other,
      base()), env)
    assert.equal(0, status, err)
    assert.equal(out_dir .. "/cover-b2.png", by_line(out)[1].files[1])
    assert.equal(before, sim:stats().downloads)
  end)

  it("SIGKILL before any task ended, then resume: every line ends, each submit paid once", function()
    local rows = {}
    for i = 1, 6 do rows[i] = ('{"model": "thumbnail-v3", "prompt": "killed early %d [duration=1500]"}'):format(i) end
    local prompts = prompts_file(dir .. "/early.jsonl", rows)
    local out_dir = dir .. "/early"
    local journal = out_dir .. "/gentask-journal.db"
    sim:reset()
    local pipe = assert(io.popen("echo $$; exec " .. cli.command(("batch %s -o %s -p flora %s"):format(
      cli.quote(prompts), cli.quote(out_dir), base "flora"), env)))
    local pid = pipe:read "*l"
    -- killed once the provider took some, before any ended (each takes 1.5 s)
    for _ = 1, 200 do
      if sim:stats().accepted >= 3 then break end
      os.execute "sleep 0.02"
    end
    os.execute("kill -9 " .. pid)
    pipe:close()
    assert.is_true(sim:stats().accepted >= 3)
    local report = cli.run("status --journal " .. cli.quote(journal))
    assert.matches("6 lines: 0 succeeded, 0 failed, 6 not finished", report)
    local out, err, status = cli.run("resume --journal " .. cli.quote(journal), env)
    assert.equal(0, status, out .. err)
    local lines = by_line(out)
    for i = 1, 6 do assert.equal("succeeded", lines[i] and lines[i].state, "line " .. i) end
    local stats = sim:stats()
    assert.equal(6, stats.accepted, "a line was paid twice or not at all")
    assert.equal(0, stats.duplicate_submits)
  end)

  it("--retry-failed sends again only the lines never sent; --retry-unknown the ones the provider may have",
    function()
      -- at most one task generating per key and dialect: the first line's task (its connection cut
      -- after the provider took it: submitted unknown) keeps the next two refused (429) until
      -- their deadline: never sent. BFL's two lines (one refused for good) are another dialect's.
      local busy = Sim.start "--max-active 1 --duration-ms 200"
      finally(function() busy:stop() end)
      local prompts = prompts_file(dir .. "/retry.jsonl", {
        '{"model": "flux-dev", "prompt": "cut [submit-reset-after=1 duration=9000]"}',
        '{"model": "flux-dev", "prompt": "refused one"}',
        '{"model": "flux-dev", "prompt": "refused two"}',
        '{"model": "flux-pro-1.1", "provider": "bfl", "prompt": "bfl fine"}',
        '{"model": "flux-pro-1.1", "provider": "bfl", "prompt": "bfl refused [http=422]"}',
      })
      local args = ("batch %s -o %s -p foxapi --base-url %s/foxapi --base-url bfl=%s/bfl --concurrency 1"):format(
        cli.quote(prompts), cli.quote(dir .. "/retry"), busy.url, busy.url)
      local out, err, status = cli.run(args .. " --timeout 6", env)
      assert.equal(1, status, err)
      local first = by_line(out)
      assert.same({ "network", "unknown" }, { first[1].error.kind, first[1].error.submitted })
      assert.equal("the provider may have received this request: check before retrying",
        first[1].error.submitted_words)
      for i = 2, 3 do assert.same({ "failed", "no" }, { first[i].state, first[i].error.submitted }) end
      assert.equal("succeeded", first[4].state)
      assert.same({ "invalid_request", "no", false }, { first[5].error.kind, first[5].error.submitted,
        first[5].error.retryable })
      local summary = events_of(out, "summary")[1]
      assert.equal(4, #summary.problems)

      local accepted = busy:stats().accepted
      out, err, status = cli.run(args .. " --retry-failed", env)
      assert.equal(1, status, err)
      assert.matches("line 1 is left alone: the provider may have received", err)
      local second = by_line(out)
      for i = 2, 3 do
        assert.same({ "succeeded", "line-" .. i }, { second[i].state, second[i].task_key:match "^line%-%d+" })
        assert.matches("~retry%-1$", second[i].task_key)
      end
      assert.same({ "failed", "failed" }, { second[1].state, second[5].state })
      assert.equal(accepted + 2, busy:stats().accepted, "only the two lines never sent were sent again")

      accepted = busy:stats().accepted
      out, err, status = cli.run(args .. " --retry-unknown", env)
      local third = by_line(out)
      -- sent again under a new key (the simulator took it: +1 below); how it ends depends on
      -- whether its body's bytes are the first attempt's (the cut applies to a body's first
      -- attempt, and lua-cjson writes a table's keys in no fixed order)
      assert.matches("~retry%-1$", third[1].task_key)
      assert.equal(accepted + 1, busy:stats().accepted, "only the line the provider may have had was sent again")
      assert.equal("failed", third[5].state)
      assert.equal(1, status, "the line refused for good is never resent: " .. err)
    end)

  it("a failed download prints where the file is; gentask fetch saves it later", function()
    local prompts = prompts_file(dir .. "/fetch.jsonl", {
      '{"model": "flux-dev", "key": "lost", "prompt": "a fox [download-http=404:1]"}',
    })
    local out_dir = dir .. "/fetch"
    local out, err, status = cli.run(("batch %s -o %s -p foxapi %s --progress bar"):format(cli.quote(prompts),
      cli.quote(out_dir), base()), env)
    assert.equal(1, status, err)
    assert.matches("line 1 succeeded but http://127%.0%.0%.1:%d+/files/[^ ]+ is missing: .*gentask fetch", out)
    local journal = cli.quote(out_dir .. "/gentask-journal.db")
    local fetched, err2, status2 = cli.run("fetch --journal " .. journal, env)
    assert.equal(0, status2, fetched .. err2)
    assert.equal("\137PNG", cli.read(out_dir .. "/lost.png"):sub(1, 4))
    local report, _, st = cli.run("status --journal " .. journal)
    assert.equal(0, st, report)
  end)

  it("run: a failed download prints the result's URL and exits 1", function()
    local out, err, status = cli.run(("run -p foxapi %s -m flux-dev 'a fox [download-http=404:1]' -o %s"):format(
      base(), cli.quote(dir .. "/run-lost")), env)
    assert.equal(1, status, out .. err)
    assert.matches("download: .*the file is at http://127%.0%.0%.1:%d+/files/", err)
  end)

  it("a full disk during the downloads and a 300-byte key: not 0; resume saves the files once space is back",
    function()
      if not is_root() then
        pending "mounting a tmpfs needs root (make deps test runs as root)"
        return
      end
      local mount = dir .. "/small"
      assert(sh("mkdir -p " .. cli.quote(mount)))
      if not sh("mount -t tmpfs -o size=256k tmpfs " .. cli.quote(mount) .. " 2>/dev/null") then
        pending "a tmpfs cannot be mounted here"
        return
      end
      -- the disk is full but for a few KB: the journal is elsewhere, the images do not fit
      local filler = cli.quote(mount .. "/filler")
      assert(sh(("head -c %d /dev/zero > %s 2>/dev/null; truncate -s -16K %s"):format(1024 * 1024, filler, filler)))
      local long_key = ("k"):rep(300)
      local rows = { ('{"model": "flux-dev", "key": "%s", "prompt": "long key"}'):format(long_key) }
      for i = 1, 3 do rows[#rows + 1] = ('{"model": "flux-dev", "prompt": "full %d"}'):format(i) end
      local prompts = prompts_file(dir .. "/full.jsonl", rows)
      local journal = dir .. "/full-journal.db"
      local out, err, status = cli.run(("batch %s -o %s --journal %s -p foxapi %s"):format(cli.quote(prompts),
        cli.quote(mount), cli.quote(journal), base()), env)
      assert.equal(1, status, out .. err)
      assert.matches('"missing":[1-9]', out)
      os.remove(mount .. "/filler")
      local before = sim:stats().submissions
      out, err, status = cli.run("resume --journal " .. cli.quote(journal), env)
      assert.equal(0, status, out .. err)
      assert.equal(before, sim:stats().submissions, "resume paid again")
      local names = host.capture("ls " .. cli.quote(mount))
      assert.equal(4, select(2, names:gsub("%.png", "")), names)
      for name in names:gmatch "[^\n]+" do assert.is_true(#name < 255, name) end
      assert.matches("kkkk%-%x+%.png", names)
      os.execute("umount " .. cli.quote(mount))
    end)
end)
