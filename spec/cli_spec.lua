-- The gentask command as a subprocess against the simulator: run, batch (a progress bar on a
-- pseudo-terminal, JSON lines otherwise), a batch killed with SIGKILL and run again paying only
-- for the rest, --sim, exit statuses, and the key in no output, journal or command line.
local cjson = require "cjson"
local Sim = require "support.sim"
local cli = require "support.cli"
local host = require "support.host"

-- a key the simulator accepts, with characters that escape in JSON and URLs
local KEY = "sk-cli/secret+7"

local function json_lines(out)
  local list = {}
  for line in out:gmatch "[^\n]+" do list[#list + 1] = cjson.decode(line) end
  return list
end

local function assert_no_key(text, where)
  assert.is_nil(text:find(KEY, 1, true), "the key is in " .. where)
  assert.is_nil(text:find(KEY:gsub("/", "\\/"), 1, true), "the key is in " .. where)
end

describe("the gentask command", function()
  local sim, dir, env, base
  setup(function()
    sim = Sim.start("--duration-ms 300 --key " .. KEY)
    dir = cli.tmpdir()
    env = "FOXAPI_API_KEY=" .. cli.quote(KEY)
    base = "-p foxapi --base-url " .. sim.url .. "/foxapi"
  end)
  teardown(function()
    sim:stop()
    os.execute("rm -rf " .. cli.quote(dir))
  end)

  it("runs from a checkout as it is: bin/gentask --help from another directory, no module paths set", function()
    if (os.getenv "GENTASK_BUILD" or "build") ~= "build" then
      pending "the command finds the checkout's own build/, which this run did not build"
      return
    end
    local root = assert(os.getenv "PWD")
    local pipe = assert(io.popen(("cd /tmp && env -u LUA_PATH -u LUA_CPATH -u LUA_PATH_5_4 -u LUA_CPATH_5_4 %s %s "
      .. "--help 2>&1; echo \"exit $?\""):format(cli.quote(arg[-1]), cli.quote(root .. "/bin/gentask"))))
    local out = pipe:read "*a"
    pipe:close()
    assert.truthy(out:match "^Usage: gentask", out)
    assert.truthy(out:match "exit 0\n$", out)
  end)

  it("--version prints the library's version; provider names are taken in any case", function()
    local out, err, status = cli.run "--version"
    assert.equal(0, status, err)
    assert.equal(require("gentask")._VERSION .. "\n", out)
    out, err, status = cli.run("run -p FOXAPI --base-url " .. sim.url .. "/foxapi -m flux-dev 'a fox in any case' -o "
      .. cli.quote(dir .. "/case"), env)
    assert.equal(0, status, err)
    assert.truthy(out:match "%.png\n$", out)
  end)

  it("run: one generation, the file saved and its path printed", function()
    local out, err, status = cli.run("run " .. base .. " -m flux-dev 'a red fox' -o " .. cli.quote(dir .. "/run"), env)
    local path = out:match "^(%S+)\n$"
    assert.equal(0, status, err)
    assert.truthy(path and path:match "%.png$", out)
    assert.equal("\137PNG", cli.read(path):sub(1, 4))
    assert_no_key(out .. err, "run's output")
  end)

  it("exit statuses: 2 for a usage error (nothing paid), 1 when the generation failed", function()
    local before = sim:stats().submissions
    local _, err, status = cli.run("run " .. base .. " -m flux-dev 'x' --image " .. cli.quote(dir .. "/missing.png"), env)
    assert.equal(2, status)
    assert.matches("usage", err)
    local _, err2, status2 = cli.run("run " .. base .. " -m flux-dev 'x'", "FOXAPI_API_KEY=")
    assert.equal(2, status2)
    assert.matches("FOXAPI_API_KEY", err2)
    local _, _, status3 = cli.run("run --no-such-option")
    assert.equal(2, status3)
    assert.equal(before, sim:stats().submissions)
    local _, err4, status4 = cli.run("run " .. base .. " -m flux-dev 'no [fail=content_policy_violation]' -o "
      .. cli.quote(dir .. "/run"), env)
    assert.equal(1, status4)
    assert.matches("moderated", err4)
  end)

  it("--sim: starts and stops its own simulator, with no key", function()
    local out, err, status = cli.run("run --sim -m flux-dev 'offline' -o " .. cli.quote(dir .. "/sim"), "FOXAPI_API_KEY=")
    assert.equal(0, status, err)
    assert.equal("\137PNG", cli.read(out:match "^(%S+)"):sub(1, 4))
  end)

  describe("batch", function()
    local prompts
    setup(function()
      prompts = dir .. "/prompts.jsonl"
      cli.write(prompts, table.concat({
        '{"model": "flux-dev", "prompt": "one"}',
        '{"model": "flux-dev", "prompt": "two <b>&amp;</b>"}',
        '{"model": "flux-dev", "prompt": "refused [fail=content_policy_violation]"}',
        '{"model": "flux-dev", "key": "mine", "params": {"prompt": "four"}}',
      }, "\n") .. "\n")
    end)

    it("writes a JSON line per task when stdout is not a terminal, then a summary; status and resume read it", function()
      local out_dir = dir .. "/json"
      local out, err, status = cli.run("batch " .. cli.quote(prompts) .. " -o " .. cli.quote(out_dir) .. " " .. base, env)
      assert.equal(1, status, err)   -- one line failed on purpose
      local events = json_lines(out)
      assert.same({ event = "start", total = 4 }, events[1])
      local by_line = {}
      for i = 2, 5 do by_line[events[i].line] = events[i] end
      assert.equal("succeeded", by_line[1].state)
      assert.equal("\137PNG", cli.read(by_line[1].files[1]):sub(1, 4))
      assert.equal(out_dir .. "/mine.png", by_line[4].files[1])
      -- refused after the provider took it (at a poll): paid, and said so
      assert.same({ "moderated", "yes", "accepted and paid" },
        { by_line[3].error.kind, by_line[3].error.submitted, by_line[3].error.submitted_words })
      assert.same({ 3, 1 }, { events[6].succeeded, events[6].failed })
      assert_no_key(out .. err, "batch's output")
      for _, name in ipairs { "gentask-journal.db", "gentask-journal.db.batch.json", "index.html" } do
        assert_no_key(cli.read(out_dir .. "/" .. name) or "", name)
      end
      local journal = cli.quote(out_dir .. "/gentask-journal.db")
      local report, _, st = cli.run("status --journal " .. journal)
      assert.equal(1, st)
      assert.matches("4 lines: 3 succeeded, 1 failed, 0 not finished", report)
      -- resume pays for nothing it already has
      local before = sim:stats().submissions
      local _, err2, st2 = cli.run("resume --journal " .. journal, env)
      assert.equal(1, st2, err2)
      assert.equal(before, sim:stats().submissions)
    end)

    it("draws one progress line, redrawn in place, on a terminal", function()
      local cmd = cli.command("batch " .. cli.quote(prompts) .. " -o " .. cli.quote(dir .. "/tty") .. " " .. base, env)
      -- script(1) runs the command on a pseudo-terminal of its own
      local pipe = assert(io.popen("LD_PRELOAD= script -qfec " .. cli.quote(cmd) .. " /dev/null"))
      local out = pipe:read "*a"
      pipe:close()
      assert.matches("\r%[[#.]+%] %d/4 ", out)
      assert.matches("\r%[####################%] 4/4 | done 3 failed 1 | [%d.]+/s ETA 0:00\27%[K\r?\n", out)
      assert.matches("3 succeeded, 1 failed of 4; contact sheet: [^\n]+/index.html", out)
      assert.is_nil(out:find('"event"', 1, true), "no JSON lines on a terminal")
    end)

    it("--sim killed with SIGKILL leaves no simulator running", function()
      local slow = dir .. "/slow.jsonl"
      cli.write(slow, '{"model": "flux-dev", "prompt": "slow [duration=30000]"}\n')
      local pipe = assert(io.popen("echo $$; exec " .. cli.command("batch " .. cli.quote(slow) .. " --sim -o "
        .. cli.quote(dir .. "/sim-killed"))))
      local pid = pipe:read "*l"
      assert.truthy((pipe:read "*l" or ""):find('"event":"start"', 1, true), "the batch started its simulator")
      local sim_pid = host.capture("pgrep -P " .. pid .. " gentask-sim"):match "%d+"
      assert.truthy(sim_pid, "the simulator is the command's child")
      os.execute("kill -9 " .. pid)
      pipe:close()
      -- running: its /proc entry is there and not a zombie (one whose new parent has not reaped it)
      local function running()
        local stat = host.read("/proc/" .. sim_pid .. "/stat")
        return stat ~= nil and not stat:match "^%d+ %b() Z"
      end
      local alive = true
      for _ = 1, 100 do -- bounded: at most 5 s
        alive = running()
        if not alive then break end
        os.execute "sleep 0.05"
      end
      assert.is_false(alive, "gentask-sim " .. sim_pid .. " outlived the command")
    end)

    it("killed with SIGKILL and run again, pays only for the lines not yet submitted", function()
      local many = dir .. "/many.jsonl"
      local rows = {}
      for i = 1, 12 do rows[i] = ('{"model": "flux-dev", "prompt": "kill %d [duration=600]"}'):format(i) end
      cli.write(many, table.concat(rows, "\n") .. "\n")
      -- the key from a file this time: nothing on a command line holds it, not even the test's own
      local key_file = dir .. "/key"
      cli.write(key_file, KEY .. "\n")
      os.execute("chmod 600 " .. cli.quote(key_file))   -- a key file others could read is refused
      local args = "batch " .. cli.quote(many) .. " -o " .. cli.quote(dir .. "/killed") .. " --concurrency 3 " .. base
        .. " --key-file " .. cli.quote(key_file)
      sim:reset()
      local pipe = assert(io.popen("echo $$; exec " .. cli.command(args)))
      local pid = pipe:read "*l"
      -- while it runs: the key is on no command line but the simulator's own (--key, the test's setup)
      local scan = "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done 2>/dev/null"
      local ps = host.capture("sh -c " .. cli.quote(scan))
      local seen = false
      for cmdline in ps:gmatch "[^\n]+" do
        if not cmdline:find("gentask-sim", 1, true) then assert_no_key(cmdline, "a command line: " .. cmdline) end
        seen = seen or cmdline:find("bin/gentask batch", 1, true) ~= nil
      end
      assert.is_true(seen, "the batch's command line was read")
      local ended = 0
      while ended < 4 do
        local line = assert(pipe:read "*l", "the batch ended before it was killed")
        if line:find('"event":"task"', 1, true) then ended = ended + 1 end
      end
      os.execute("kill -9 " .. pid)
      pipe:close()
      local first = sim:stats().submissions
      assert.is_true(first >= 4 and first < 12, "submitted before the kill: " .. first)
      local out, err = cli.run(args)
      -- every line ends: a success, or a submit the killed process had sent without an answer,
      -- which FoxAPI (no idempotency key) cannot be asked again without perhaps paying twice
      local succeeded = 0
      for _, event in ipairs(json_lines(out)) do
        if event.event == "task" and event.state == "succeeded" then succeeded = succeeded + 1
        elseif event.event == "task" then
          assert.equal("network", event.error.kind, err)
          assert.matches("it was not sent again", event.error.message)
        end
      end
      -- at most --concurrency submits can have been on their way when it was killed
      assert.is_true(succeeded >= 12 - 3, out)
      local stats = sim:stats_with_bodies()
      local bodies = 0
      for hash, e in pairs(stats.submits_by_body) do
        bodies = bodies + 1
        assert.equal(1, #e.attempts, "line " .. hash .. " was paid " .. #e.attempts .. " times")
      end
      assert.is_true(bodies >= succeeded and bodies <= 12)
      assert.equal(bodies, stats.submissions)
    end)
  end)
end)
