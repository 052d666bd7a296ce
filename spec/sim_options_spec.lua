-- gentask-sim's command line: the connection limit and the listen backlog are options, checked
-- before the simulator starts, and a simulator started with them serves as before.
local Sim = require "support.sim"

local bin = os.getenv "GENTASK_SIM" or "build/gentask-sim"

local function sh_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- stdout and stderr of `gentask-sim ARGS` that exits by itself, and its exit status
local function run(args)
  local pipe = assert(io.popen("LD_PRELOAD= " .. sh_quote(bin) .. " " .. args .. " 2>&1; echo \"rc=$?\""))
  local out = pipe:read "*a"
  pipe:close()
  local rc = tonumber(out:match "rc=(%d+)%s*$")
  return out:gsub("rc=%d+%s*$", ""), rc
end

describe("gentask-sim options", function()
  it("refuses a connection limit or backlog out of range, saying which", function()
    for _, case in ipairs {
      { "--max-connections 0", "--max-connections wants a number 1..1000000" },
      { "--max-connections many", "--max-connections wants a number 1..1000000: many" },
      { "--backlog 0", "--backlog wants a number 1..1000000" },
      { "--backlog 12x", "--backlog wants a number 1..1000000: 12x" },
      { "--backlog", "missing value for: --backlog" },
    } do
      local out, rc = run(case[1])
      assert.equal(2, rc, case[1])
      assert.truthy(out:find(case[2], 1, true), out)
    end
  end)

  it("refuses a connection limit the file descriptor limit cannot hold", function()
    local pipe = assert(io.popen "ulimit -Hn")
    local limit = tonumber(pipe:read "*l")
    pipe:close()
    if not limit or limit >= 999000 then return pending "the hard descriptor limit is too high to exceed" end
    local out, rc = run("--port 0 --max-connections 1000000")
    assert.equal(1, rc)
    assert.truthy(out:find("file descriptors", 1, true), out)
  end)

  it("documents both in --help, with the kernel's cap on the backlog", function()
    local out, rc = run "--help"
    assert.equal(0, rc)
    assert.truthy(out:find("--max-connections N", 1, true))
    assert.truthy(out:find("--backlog N", 1, true))
    assert.truthy(out:find("/proc/sys/net/core/somaxconn", 1, true))
  end)

  it("serves tasks under a small connection limit and backlog", function()
    local sim = Sim.start "--duration-ms 50 --max-connections 8 --backlog 4"
    local ok, err = pcall(function()
      local fox = sim:foxapi()
      local result = fox:submit("flux-dev", { prompt = "a fox [n=2]" }):wait(10)
      assert.equal(2, #result.urls)
      assert.equal(1, sim:stats().accepted)
    end)
    sim:stop()
    assert(ok, err)
  end)
end)
