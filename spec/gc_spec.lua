-- Tasks collected while in flight are cancelled cleanly: no crash, no growth, no zombie polling.
local gentask = require "gentask"
local Sim = require "support.sim"

-- An object whose finalizer calls fn: the collector finalizes what a cycle found unreachable one
-- after another, each of them already gone from weak tables (newproxy: Lua 5.1 and LuaJIT call
-- __gc on userdata only).
local function on_collect(fn)
  if newproxy then
    local proxy = newproxy(true)
    getmetatable(proxy).__gc = fn
    return proxy
  end
  return setmetatable({}, { __gc = fn })
end

describe("garbage collection of in-flight tasks", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 5000" end)
  teardown(function() sim:stop() end)

  it("submitting and dropping 1,000 tasks neither leaks nor keeps polling", function()
    local fox = sim:foxapi { poll_interval = 0.01 }
    sim:reset()
    local function churn(n)
      for i = 1, n do
        local task = fox:submit("flux-dev", { prompt = "dropped " .. i })   -- luacheck: ignore 231
        -- let some get past their submit so that both submitting and waiting tasks are collected
        if i % 4 == 0 then gentask.update() end
        task = nil   -- luacheck: ignore
        if i % 50 == 0 then collectgarbage() end
      end
      collectgarbage()
      collectgarbage()
    end
    churn(100)   -- warm up: caches, the connection pool, interned strings
    local memory_before = collectgarbage "count"
    churn(900)
    local memory_after = collectgarbage "count"
    assert.equal(0, gentask.stats().live_tasks, "the core freed every task")
    assert.is_true(memory_after - memory_before < 256,
      ("Lua memory grew by %.0f KiB"):format(memory_after - memory_before))

    local before = sim:stats()
    assert.is_true(before.submissions <= 1000)
    gentask.run(function() gentask.sleep(0.2) end)   -- long enough for 20 poll intervals
    assert.equal(before.polls, sim:stats().polls, "no collected task is still polled")
  end)

  it("collecting a finished task, a failed task and a client is safe in any order", function()
    -- in a coroutine of its own, dropped before the final collection: LuaJIT may still see the
    -- last round's values in stack slots of a frame that returned (one task was seen alive past
    -- the final collection when the rounds ran on the test's own stack), a dead coroutine's
    -- stack is garbage as a whole
    local rounds = coroutine.wrap(function()
      for _ = 1, 20 do
        local fox = sim:foxapi()
        local ok = fox:submit("flux-dev", { prompt = "x [duration=1]" })
        local bad = fox:submit("flux-dev", { prompt = "x [http=500]" })
        ok:result()
        bad:result()
        fox, ok, bad = nil, nil, nil   -- luacheck: ignore
        collectgarbage()
      end
    end)
    rounds()
    rounds = nil   -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    assert.equal(0, gentask.stats().live_tasks)
  end)

  it("counts the live tasks of every client on the engine together, a collected client's too", function()
    local live = gentask.stats().live_tasks
    local counted
    local round = coroutine.wrap(function()   -- its own stack: see above
      local one, other = sim:foxapi(), sim:foxapi()
      local first = one:submit("flux-dev", { prompt = "one [duration=1]" })
      local second = other:submit("flux-dev", { prompt = "other [duration=1]" })
      one = nil   -- luacheck: ignore
      collectgarbage()
      collectgarbage()
      counted = gentask.stats().live_tasks   -- a task holds its collected client
      assert(first:result())
      assert(second:result())
    end)
    round()
    round = nil   -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    assert.equal(live + 2, counted)
    assert.equal(live, gentask.stats().live_tasks)
  end)

  -- A keyed submit between the cycle that found a task's box unreachable and that box's finalizer
  -- (an nginx worker answering the same Idempotency-Key again) still finds the task in the core,
  -- whose box is gone from the binding's weak map: it is that task again, never a refusal.
  local Redis = require "support.redis"
  local journals = {
    { "a journal file", function()
      local path = os.tmpname()
      os.remove(path)
      return path, function() Sim.remove_journal(path) end
    end },
  }
  if Redis.installed() then
    journals[2] = { "a journal in Redis", function()
      local redis = Redis.start()
      return redis:url "collected", function() redis:stop() end
    end }
  end
  for _, row in ipairs(journals) do
    it(("a keyed submit made while the key's ended task is being collected is that task, paid once (%s)")
        :format(row[1]), function()
      local journal, remove = row[2]()
      local fox = sim:foxapi { journal = journal }
      finally(function()   -- busted keeps one finally: the client goes first, then its journal
        fox:close()
        remove()
      end)
      sim:reset()
      local PROMPT, KEY = "collected fox [duration=1]", "order-collected"
      local answers = {}
      local function submit_again()
        local ok, task = pcall(fox.submit, fox, "flux-dev", { prompt = PROMPT }, { key = KEY })
        answers[#answers + 1] = { ok = ok, task = task }
      end
      local seen = setmetatable({}, { __mode = "v" })
      local url
      -- finalizers on either side of the task's box: whichever order the collector calls them in,
      -- one of them runs before the box's own
      local first = coroutine.wrap(function()
        local before = on_collect(submit_again)   -- luacheck: ignore 231
        local task = fox:submit("flux-dev", { prompt = PROMPT }, { key = KEY })
        url = assert(task:result()).url
        local after = on_collect(submit_again)   -- luacheck: ignore 231
        seen.task = task
        before, task, after = nil, nil, nil   -- luacheck: ignore
      end)
      first()
      first = nil   -- luacheck: ignore
      collectgarbage()
      collectgarbage()
      assert.is_nil(seen.task, "the first task's box was collected")
      assert.equal(2, #answers)
      local check = coroutine.wrap(function()   -- its dead stack holds no box past the collection
        for i, answer in ipairs(answers) do
          assert.is_true(answer.ok, ("submit %d in a finalizer: %s"):format(i, tostring(answer.task)))
          local result, err = answer.task:result()
          assert.is_table(result, tostring(err))
          assert.equal(url, result.url)
        end
      end)
      check()
      check, answers = nil, nil   -- luacheck: ignore
      collectgarbage()
      collectgarbage()
      -- each box released its task once: the one its two boxes shared is freed with the last
      assert.equal(0, gentask.stats().live_tasks, "the core freed every task")
      assert.equal(1, sim:stats().submissions, "one generation, paid once")
    end)
  end
  -- A task let go of while its files are on their way is kept until they are written (whoever
  -- submitted it with a download wants them): a keyed submit of the same request meanwhile takes
  -- that task back, files and all, never a refusal and never a second generation.
  it("a keyed submit of a task let go of while its files download takes it back, paid once", function()
    local journal, dir = os.tmpname(), os.tmpname()
    os.remove(journal)
    os.remove(dir)
    local fox = sim:foxapi { journal = journal }
    finally(function()
      fox:close()
      Sim.remove_journal(journal)
      os.execute("rm -rf '" .. dir .. "'")
    end)
    sim:reset()
    local PROMPT, KEY = "fox with slow files [duration=1] [download-slow=1000]", "order-files"
    collectgarbage()
    collectgarbage()
    local live = gentask.stats().live_tasks
    local seen = setmetatable({}, { __mode = "v" })
    local first = coroutine.wrap(function()
      local task = fox:submit("flux-dev", { prompt = PROMPT }, { key = KEY, download = { dir = dir } })
      while not (task.state == "succeeded" and task.downloading) do gentask.sleep(0.01) end
      seen.task = task
    end)
    first()
    first = nil   -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    assert.is_nil(seen.task, "the first task's box was collected")
    assert.equal(live + 1, gentask.stats().live_tasks, "the task is kept for its files")

    local again = coroutine.wrap(function()
      local task = fox:submit("flux-dev", { prompt = PROMPT }, { key = KEY })
      local result, err = task:result()
      assert.is_table(result, tostring(err))
      assert.is_table(result.files and result.files[1], "the files came with the task taken back")
      local file = assert(io.open(result.files[1].path, "rb"), "its file is written")
      file:close()
    end)
    again()
    again = nil   -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    assert.equal(live, gentask.stats().live_tasks, "the task taken back is freed with its box")
    assert.equal(1, sim:stats().submissions, "one generation, paid once")
  end)
end)
