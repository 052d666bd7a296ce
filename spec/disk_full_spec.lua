-- Our disk never ends paid work: a journal write that fails (here a real full disk, a tmpfs filled
-- while the answers of 60 submits are on their way) is kept and written again until it is in, so
-- that a crash after space came back loses nothing: recover() delivers every paid task, each
-- submitted once. Mounting a tmpfs needs root (make deps test runs as root); elsewhere: pending.
local Sim = require "support.sim"

local function sh_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- The batch: 60 keyed submits whose answers come 1.5 s after the simulator took them. It says
-- "sent PID" once every "sending" record is written, "failing: ERROR" once the journal's writes
-- fail, and "written" once every record is in again; then it waits to be killed.
local BATCH = [[
  local gentask = require "gentask"
  local URL, JOURNAL = %q, %q
  local fox = gentask.client { provider = "foxapi", api_key = os.getenv "GENTASK_SPEC_KEY",
    base_url = URL .. "/foxapi", journal = JOURNAL, poll_interval = 0.05, poll_max_interval = 0.1 }
  local tasks = {}
  for i = 1, 60 do
    tasks[i] = fox:submit("flux-dev", { prompt = ("full %%d [duration=3000 submit-slow=1500]"):format(i) },
                          { key = "full-" .. i })
  end
  local function say(...)
    io.stdout:write(...)
    io.stdout:write "\n"
    io.stdout:flush()
  end
  gentask.run(function()
    local s = fox:stats()
    while s.journal_pending > 0 or s.submits_on_wire < 60 do gentask.sleep(0.01); s = fox:stats() end
    say("sent ", io.open("/proc/self/stat"):read("*l"):match("^(%%d+)"))
    while not s.journal_error do gentask.sleep(0.01); s = fox:stats() end
    say("failing: ", s.journal_error)
    while s.journal_pending > 0 or s.accepted < 60 do gentask.sleep(0.01); s = fox:stats() end
    say "written"
    gentask.sleep(60)
  end)
]]

describe("a disk that fills while the answers of paid submits come in", function()
  local sim, mount, child_pid
  setup(function()
    sim = Sim.start "--duration-ms 3000"
    mount = os.tmpname()
    os.remove(mount)
    assert(os.execute("mkdir -p " .. sh_quote(mount)))
    if not os.execute("mount -t tmpfs -o size=2m tmpfs " .. sh_quote(mount) .. " 2>/dev/null") then
      os.execute("rmdir " .. sh_quote(mount))
      mount = nil
    end
  end)
  teardown(function()
    if child_pid then os.execute("kill -9 " .. child_pid .. " 2>/dev/null") end
    collectgarbage() -- the clients that hold the journal open
    collectgarbage()
    if mount then os.execute("umount " .. sh_quote(mount) .. " || umount -l " .. sh_quote(mount)) end
    os.execute("rmdir " .. sh_quote(mount or "/nonexistent") .. " 2>/dev/null")
    sim:stop()
  end)

  it("loses nothing: the writes wait for space, and recover() after a SIGKILL delivers every task", function()
    if not mount then
      pending "mounting a tmpfs needs root"
      return
    end
    local journal = mount .. "/tasks.db"
    local child = Sim.spawn_script(BATCH:format(sim.url, journal), { env = "GENTASK_SPEC_KEY=" .. Sim.key })
    local line = child.read_line() or ""
    child_pid = line:match "^sent (%d+)"
    if not child_pid then error("the batch did not start: " .. line .. child.wait()) end
    -- fill the disk while the 60 answers are on their way
    os.execute("dd if=/dev/zero of=" .. sh_quote(mount .. "/filler") .. " bs=64k 2>/dev/null")
    line = child.read_line() or ""
    assert.truthy(line:match "^failing: .*full", line)
    assert.is_nil(line:find(Sim.key, 1, true))
    os.remove(mount .. "/filler") -- space is back
    line = child.read_line() or ""
    assert.equal("written", line)
    os.execute("kill -9 " .. child_pid)
    child.wait()
    child_pid = nil

    local fox = sim:foxapi { journal = journal }
    local recovered = fox:recover()
    assert.equal(60, #recovered)
    for _, task in ipairs(recovered) do assert.truthy(task:wait(10).url) end
    assert.equal(60, sim:stats().submissions)
  end)
end)
