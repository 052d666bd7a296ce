-- max_cost: a budget in money, in the profile's currency. Each submit holds the most it may cost
-- (the price table's word on its model and request) from its send until its cost is known; a
-- submit that the spend could not hold fails budget_exceeded before anything is sent, and one that
-- only the tasks in flight keep out waits for them. With a journal the spend is the journal's,
-- shared by every process on it — a file, or Redis — checked as each record becomes "sending".
-- Against the simulator's BFL dialect (it reports 4 credits, 0.04 USD, per image), real SQLite and
-- a real redis-server, with real processes.
local gentask = require "gentask"
local Sim = require "support.sim"
local Redis = require "support.redis"

local PRICE = 0.04 -- flux-pro-1.1 in BFL's price table, and what the simulator reports

local function close_to(expected, actual)
  assert.is_true(math.abs(expected - actual) < 1e-9, ("expected %s, got %s"):format(expected, actual))
end

-- The outcomes of tasks: how many succeeded, and the errors of the others by kind.
local function tally(tasks)
  local ok, kinds = 0, {}
  for _, outcome in ipairs(gentask.settle(tasks)) do
    if outcome.ok then
      ok = ok + 1
    else
      kinds[outcome.error.kind] = (kinds[outcome.error.kind] or 0) + 1
      if outcome.error.kind == "budget_exceeded" then assert.equal("no", outcome.error.submitted) end
    end
  end
  return ok, kinds
end

describe("max_cost on one client without a journal", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 200" end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  it("lets out what the budget holds, and fails the rest budget_exceeded, unsent", function()
    local c = sim:client("bfl", { max_cost = 0.10 })
    local tasks = {}
    for i = 1, 5 do tasks[i] = c:submit("flux-pro-1.1", { prompt = "budget " .. i }) end
    local ok, kinds = tally(tasks)
    assert.equal(2, ok) -- 3 × 0.04 > 0.10
    assert.same({ budget_exceeded = 3 }, kinds)
    assert.equal(2, sim:stats().submissions)
    close_to(2 * PRICE, c:stats().spent)
    c:close()
  end)

  it("spends the budget to its last cent: a price that fits exactly goes", function()
    local c = sim:client("bfl", { max_cost = 3 * PRICE })
    local tasks = {}
    for i = 1, 5 do tasks[i] = c:submit("flux-pro-1.1", { prompt = "exact " .. i }) end
    assert.equal(3, (tally(tasks)))
    assert.equal(3, sim:stats().submissions)
    c:close()
  end)

  it("holds a submit while a task in flight may cost the rest, and lets it go when that one was free", function()
    local c = sim:client("bfl", { max_cost = PRICE })
    -- BFL does not charge a moderated request: its bound comes back, and the next one goes
    local moderated = c:submit("flux-pro-1.1", { prompt = "first [fail=Content_Moderated]" })
    local next_one = c:submit("flux-pro-1.1", { prompt = "second" })
    local ok, err = pcall(moderated.wait, moderated, 10)
    assert.is_false(ok)
    assert.equal("moderated", err.kind)
    assert.same({ amount = 0, currency = "USD", source = "price table" }, err.cost)
    local result = assert(next_one:wait(10))
    close_to(PRICE, result.cost.amount)
    assert.equal(2, sim:stats().submissions)
    c:close()
  end)
end)

describe("max_cost, wrongly asked", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 50" end)
  teardown(function() sim:stop() end)

  it("is a usage error on a provider whose profile says nothing of cost", function()
    local ok, err = pcall(sim.client, sim, "foxapi", { max_cost = 1 })
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.matches("cost.currency", err.message, 1, true)
  end)

  it("is a usage error below 0, or for one submit", function()
    local ok, err = pcall(sim.client, sim, "bfl", { max_cost = -1 })
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.matches("max_cost must be an amount from 0", err.message, 1, true)
    local c = sim:client "bfl"
    ok, err = pcall(c.submit, c, "flux-pro-1.1", { prompt = "x" }, { max_cost = 1 })
    assert.is_false(ok)
    assert.matches("max_cost is a client option", tostring(err), 1, true)
    c:close()
  end)

  it("ends a task of a model the price table has no price for with usage, at once, unsent", function()
    sim:reset()
    local c = sim:client("bfl", { max_cost = 1 })
    local task = c:submit("flux-dev", { prompt = "no price" })
    assert.is_true(task.done)
    local ok, err = pcall(task.wait, task, 10)
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.equal("no", err.submitted)
    assert.matches("prices option", err.message, 1, true)
    assert.equal(0, sim:stats().submissions)
    c:close()
  end)
end)

-- A worker of a shared budget, in a process of its own: N BFL tasks of 0.04 through a client of
-- max_cost MAX on JOURNAL; it prints how many succeeded and how many the budget refused.
local WORKER = [[
  local gentask = require "gentask"
  local URL, JOURNAL, N, MAX, NAME = %q, %q, %d, %.17g, %q
  local c = gentask.client { provider = "bfl", api_key = os.getenv "GENTASK_SPEC_KEY", base_url = URL .. "/bfl",
    journal = JOURNAL, max_cost = MAX, poll_interval = 0.05, poll_max_interval = 0.1 }
  local tasks = {}
  for i = 1, N do tasks[i] = c:submit("flux-pro-1.1", { prompt = NAME .. " " .. i }) end
  local ok, refused = 0, 0
  for _, outcome in ipairs(gentask.settle(tasks)) do
    if outcome.ok then ok = ok + 1
    elseif outcome.error.kind == "budget_exceeded" and outcome.error.submitted == "no" then refused = refused + 1
    else print(tostring(outcome.error)) end
  end
  print(("succeeded %%d refused %%d spent %%.6f"):format(ok, refused, c:stats().spent))
  c:close()
]]

local function spawn_worker(sim, journal, n, max, name)
  return Sim.spawn_script(WORKER:format(sim.url, journal, n, max, name), { env = "GENTASK_SPEC_KEY=" .. Sim.key })
end

-- Two workers of 6 tasks each on one journal under a budget of 5 tasks: the simulator takes 5
-- submits in all, however the two processes' submits interleave, and the two spends add up to it.
local function expect_shared_budget(sim, journal)
  local workers = { spawn_worker(sim, journal, 6, 5 * PRICE, "a"), spawn_worker(sim, journal, 6, 5 * PRICE, "b") }
  local outputs = {}
  for i, worker in ipairs(workers) do outputs[i] = worker.wait() end -- every one, before any assertion
  local succeeded, refused, spent = 0, 0, 0
  for _, output in ipairs(outputs) do
    local ok, no, money = output:match "succeeded (%d+) refused (%d+) spent ([%d.]+)"
    assert.truthy(ok, output)
    succeeded, refused, spent = succeeded + tonumber(ok), refused + tonumber(no), spent + tonumber(money)
  end
  assert.equal(5, succeeded, table.concat(outputs, "\n"))
  assert.equal(7, refused, table.concat(outputs, "\n"))
  assert.equal(5, sim:stats().submissions)
  close_to(5 * PRICE, spent)
  -- the journal's own count, as gentask.fleet (and gentask status) reads it
  local fleet = assert(gentask.fleet { journal = journal, api_key = Sim.key })
  assert.equal(5, fleet.sent)
  assert.equal("USD", fleet.spend.currency)
  close_to(5 * PRICE, fleet.spend.settled)
  close_to(0, fleet.spend.held)
  close_to(5 * PRICE, fleet.spend.max_cost)
end

describe("max_cost shared by two processes on one journal", function()
  local sim
  setup(function() sim = Sim.start "--duration-ms 300" end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  it("a file: they stop at the budget together, and the journal holds the spend", function()
    local journal = os.tmpname()
    os.remove(journal)
    expect_shared_budget(sim, journal)
    Sim.remove_journal(journal)
  end)

  if not Redis.installed() then
    pending "Redis: redis-server is not installed (make deps installs Debian's redis-server)"
    return
  end

  it("Redis: they stop at the budget together", function()
    local redis = Redis.start()
    local ok, err = pcall(expect_shared_budget, sim, redis:url "budget")
    redis:stop()
    assert(ok, err)
  end)
end)

describe("a task's cost in the journal", function()
  local sim, journal
  setup(function() sim = Sim.start "--duration-ms 50" end)
  teardown(function() sim:stop() end)
  before_each(function()
    sim:reset()
    journal = os.tmpname()
    os.remove(journal) -- the client creates it
  end)
  after_each(function() Sim.remove_journal(journal) end)

  it("is given back with a keyed task's recorded end, and spent by nobody twice", function()
    local first = sim:client("bfl", { journal = journal })
    local paid = assert(first:submit("flux-pro-1.1", { prompt = "kept" }, { key = "row-1" }):wait(10))
    assert.same({ amount = PRICE, currency = "USD", source = "reported" }, paid.cost)
    first:close()
    local again = sim:client("bfl", { journal = journal })
    local answered = assert(again:submit("flux-pro-1.1", { prompt = "kept" }, { key = "row-1" }):wait(10))
    assert.same(paid.cost, answered.cost)
    assert.equal(0, again:stats().spent) -- the first client paid it and counted it
    assert.equal(1, sim:stats().submissions)
    again:close()
  end)

  it("keeps what BFL's submit answer reported for the process that recovers the task", function()
    -- BFL says a task's cost in its submit answer only: the process that recovers it never sees it
    local output = Sim.run_script(([[
      local gentask = require "gentask"
      local Sim = require "support.sim"
      local c = gentask.client { provider = "bfl", api_key = os.getenv "GENTASK_SPEC_KEY",
        base_url = %q .. "/bfl", journal = %q, poll_interval = 0.05 }
      Sim.accepted(c:submit("flux-pro-1.1", { prompt = "recovered [duration=1500]" }))
      assert(Sim.until_true(function() return c:stats().journal_pending == 0 end, 5))
      print "accepted"
      io.stdout:flush()
      local pid = io.open("/proc/self/stat"):read("*l"):match("^(%%d+)")
      os.execute("kill -9 " .. pid)
    ]]):format(sim.url, journal), { env = "GENTASK_SPEC_KEY=" .. Sim.key })
    assert.matches("accepted", output, 1, true)
    local c = sim:client("bfl", { journal = journal })
    local tasks = c:recover()
    assert.equal(1, #tasks)
    local result = assert(tasks[1]:wait(10))
    assert.same({ amount = PRICE, currency = "USD", source = "reported" }, result.cost)
    close_to(PRICE, c:stats().spent)
    assert.equal(1, sim:stats().submissions)
    c:close()
  end)
end)
