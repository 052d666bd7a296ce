-- What a batch's tasks cost, shown by the gentask command (run as a subprocess against the
-- simulator): each JSON line's cost, the summary, `status`, the contact sheet and the progress
-- line say one total — the one the library's client:stats() adds up for the same requests, and the
-- journals' totals hold — and a re-run or a resume, which pays nothing, says it again without
-- counting it twice. The batch mixes
-- BFL (the submit answer reports credits), a BFL-dialect provider whose profile reports nothing
-- (its price table gives the cost: estimated), a moderated BFL line (not charged) and FoxAPI (no
-- cost known).
local gentask = require "gentask"
local Sim = require "support.sim"
local cli = require "support.cli"
local money = require "gentask.cli.money"

-- a key the simulator accepts, with characters that escape in JSON and URLs
local KEY = "sk-cost/secret+7"

-- the profile without a reported cost, where the command (and this spec) find it
local PROFILES = "spec/support/profiles/?.lua;"

local function close_to(expected, actual, what)
  assert.is_true(math.abs(expected - actual) < 1e-9, ("%s: expected %s, got %s"):format(what, expected, actual))
end

local json_lines = cli.json_lines

-- The task events by line, and the summary event.
local function events(out)
  local tasks, summary = {}, nil
  for _, e in ipairs(json_lines(out)) do
    if e.event == "task" then tasks[e.line] = e elseif e.event == "summary" then summary = e end
  end
  return tasks, summary
end

-- The total of the task events, added up as a reader of the JSON lines would.
local function total_of(tasks)
  local total = money.new_total()
  local lines = {}
  for line in pairs(tasks) do lines[#lines + 1] = line end
  table.sort(lines)
  for _, line in ipairs(lines) do money.add(total, money.checked(tasks[line].cost)) end
  return total
end

local function assert_no_key(text, where)
  assert.is_nil(text:find(KEY, 1, true), "the key is in " .. where)
  assert.is_nil(text:find(KEY:gsub("/", "\\/"), 1, true), "the key is in " .. where)
end

-- the batch's lines: what each costs, from BFL's simulator (4 credits per output, a credit a
-- cent) and BFL's price table (flux-kontext-max $0.08 an image, flux-2-pro $0.03 a megapixel)
local ROWS = {
  '{"model": "flux-pro-1.1", "prompt": "a fox"}',
  '{"model": "flux-pro-1.1", "prompt": "two foxes [n=2]"}',
  '{"model": "flux-kontext-max", "provider": "bfl_estimated", "prompt": "an estimated fox"}',
  '{"model": "flux-2-pro", "provider": "bfl_estimated", "params": {"prompt": "a wide fox", "width": 2048, "height": 1024}}',
  '{"model": "flux-pro-1.1", "prompt": "a moderated fox [fail=Content_Moderated]"}',
  '{"model": "flux-dev", "provider": "foxapi", "prompt": "a fox of unknown price"}',
}
local PER_MP = 0.03 * 2048 * 1024 / 1e6
local WANT = {
  [1] = { amount = 0.04, currency = "USD", source = "reported" },
  [2] = { amount = 0.08, currency = "USD", source = "reported" },
  [3] = { amount = 0.08, currency = "USD", source = "price table" },
  [4] = { amount = PER_MP, currency = "USD", source = "price table" },
  [5] = { amount = 0, currency = "USD", source = "price table" },   -- moderated: BFL does not charge
}
local WORDS = "spent 0.2629 USD, 0.1429 of it estimated"

describe("the gentask command shows what tasks cost", function()
  local sim, dir, env, saved_path, prompts, out_dir, journal, args
  setup(function()
    saved_path = package.path
    package.path = PROFILES .. package.path
    sim = Sim.start("--duration-ms 100 --key " .. cli.quote(KEY))
    dir = cli.tmpdir()
    env = ("BFL_API_KEY=%s BFL_ESTIMATED_API_KEY=%s FOXAPI_API_KEY=%s"):format(cli.quote(KEY), cli.quote(KEY),
      cli.quote(KEY))
    prompts = dir .. "/costs.jsonl"
    cli.write(prompts, table.concat(ROWS, "\n") .. "\n")
    out_dir = dir .. "/out"
    journal = out_dir .. "/gentask-journal.db"
    args = ("batch %s -o %s -p bfl --base-url %s/bfl --base-url bfl_estimated=%s/bfl --base-url foxapi=%s/foxapi")
      :format(cli.quote(prompts), cli.quote(out_dir), sim.url, sim.url, sim.url)
  end)
  teardown(function()
    sim:stop()
    package.path = saved_path
    os.execute("rm -rf " .. cli.quote(dir))
  end)

  -- What the library's clients say they spent on the same requests (stats(), per provider), in
  -- the command's words.
  local function library_words()
    local total = money.new_total()
    gentask.run(function()
      local reported = sim:client("bfl", { api_key = KEY })
      local estimated = sim:client(require "gentask.providers.bfl_estimated",
        { api_key = KEY, base_url = sim.url .. "/bfl" })
      local tasks = {
        reported:submit("flux-pro-1.1", { prompt = "a fox" }),
        reported:submit("flux-pro-1.1", { prompt = "two foxes [n=2]" }),
        estimated:submit("flux-kontext-max", { prompt = "an estimated fox" }),
        estimated:submit("flux-2-pro", { prompt = "a wide fox", width = 2048, height = 1024 }),
        reported:submit("flux-pro-1.1", { prompt = "a moderated fox [fail=Content_Moderated]" }),
      }
      gentask.settle(tasks)
      for _, c in ipairs { reported, estimated } do
        local s = c:stats()
        money.add(total, { amount = s.spent - s.spent_estimated, currency = s.currency, source = "reported" })
        money.add(total, { amount = s.spent_estimated, currency = s.currency, source = "price table" })
        c:close()
      end
    end)
    return money.summary_text(total)
  end

  local function status_line()
    local out, err, status = cli.run("status --journal " .. cli.quote(journal))
    assert.equal(1, status, out .. err)   -- the moderated line failed
    return out:match("%d+ lines: [^\n]*")
  end

  local function sheet()
    return assert(cli.read(out_dir .. "/index.html"))
  end

  local function check_lines(tasks)
    for line, want in pairs(WANT) do
      local cost = tasks[line] and tasks[line].cost
      assert.is_table(cost, "line " .. line .. " has no cost")
      assert.equal(want.currency, cost.currency, "line " .. line)
      assert.equal(want.source, cost.source, "line " .. line)
      close_to(want.amount, cost.amount, "line " .. line)
    end
    assert.equal("failed", tasks[5].state)
    assert.equal("moderated", tasks[5].error.kind)
    assert.is_nil(tasks[6].cost, "FoxAPI's profile says nothing of cost")
    assert.equal("succeeded", tasks[6].state)
  end

  it("says one total in the JSON lines, the summary, status, the contact sheet and the library's stats", function()
    local before = sim:stats().submissions
    local out, err, status = cli.run(args .. " --progress json", env)
    assert.equal(1, status, out .. err)
    assert.equal(before + #ROWS, sim:stats().submissions)
    local tasks, summary = events(out)
    check_lines(tasks)
    -- the lines added up, the summary event, the library's own count of the same requests
    assert.equal(WORDS, money.summary_text(total_of(tasks)))
    assert.equal(WORDS, summary.spent_words)
    assert.equal(1, #summary.spent)
    assert.equal("USD", summary.spent[1].currency)
    close_to(0.2 + PER_MP, summary.spent[1].spent, "the summary's spent")
    close_to(0.08 + PER_MP, summary.spent[1].estimated, "the summary's estimated")
    assert.equal(WORDS, library_words())
    -- the journals (one per provider's key), whose totals every process on them shares
    local in_journals = 0
    for _, name in ipairs { "gentask-journal.db", "gentask-journal-bfl_estimated.db", "gentask-journal-foxapi.db" } do
      local pipe = assert(io.popen("sqlite3 " .. cli.quote(out_dir .. "/" .. name) .. " 'SELECT settled FROM totals'"))
      in_journals = in_journals + assert(tonumber(pipe:read "*a"), name)
      pipe:close()
    end
    close_to(0.2 + PER_MP, in_journals, "the journals' spend")
    -- status, from the batch record alone
    assert.matches("6 lines: 5 succeeded, 1 failed, 0 not finished; " .. WORDS .. " %(", status_line())
    -- the contact sheet: the total in its header, each card's cost
    local html = sheet()
    assert.truthy(html:find('<p class="spent">' .. WORDS .. "</p>", 1, true), html)
    assert.truthy(html:find('data-source="reported">0.08 USD</span>', 1, true))
    assert.truthy(html:find('data-source="price table">0.08 USD (estimated)</span>', 1, true))
    assert.truthy(html:find('data-source="price table">0.0629 USD (estimated)</span>', 1, true))
    assert.truthy(html:find('data-currency="USD" data-source="price table">0.00 USD (not charged)</span>', 1, true))
    local _, cards = html:gsub('<span class="cost"', "")
    assert.equal(5, cards, "a card per line whose cost is known")
    for _, name in ipairs { "gentask-journal.db.batch.json", "index.html" } do
      assert_no_key(cli.read(out_dir .. "/" .. name) or "", name)
    end
    assert_no_key(out .. err, "the batch's output")
  end)

  it("says it again on a re-run and a resume, which pay nothing and count nothing twice", function()
    local before = sim:stats().submissions
    -- the same batch again, the progress bar through a pipe: its last line and the summary line
    local out, err, status = cli.run(args .. " --progress bar", env)
    assert.equal(1, status, out .. err)
    assert.equal(before, sim:stats().submissions, "a re-run paid")
    assert.matches("%] 6/6 | done 5 failed 1 | [%d.]+/s ETA 0:00 | spent 0.2629 USD\27%[K\n", out)
    assert.truthy(out:find("5 succeeded, 1 failed of 6; " .. WORDS .. "; contact sheet: ", 1, true), out)
    -- resume, in JSON lines: each line's cost as the run that paid it saw it (reported stays reported)
    local resumed, err2, status2 = cli.run("resume --journal " .. cli.quote(journal) .. " --progress json", env)
    assert.equal(1, status2, resumed .. err2)
    assert.equal(before, sim:stats().submissions, "a resume paid")
    local tasks, summary = events(resumed)
    check_lines(tasks)
    assert.equal(WORDS, money.summary_text(total_of(tasks)))
    assert.equal(WORDS, summary.spent_words)
    assert.matches("; " .. WORDS .. " %(", status_line())
    assert.truthy(sheet():find('<p class="spent">' .. WORDS .. "</p>", 1, true))
  end)
end)

describe("the command's money words", function()
  it("round amounts to what they need, and say each currency of a mixed batch", function()
    assert.equal("0.30", money.amount_text(0.1 + 0.2, "USD"))
    assert.equal("3.20", money.amount_text(3.2, "USD"))
    assert.equal("0.0629", money.amount_text(0.0629145, "USD"))
    assert.equal("12", money.amount_text(12, "credits"))
    assert.equal("1.5", money.amount_text(1.5, "credits"))
    local total = money.new_total()
    money.add(total, { amount = 0.32, currency = "USD", source = "reported" })
    money.add(total, { amount = 12, currency = "credits", source = "reported" })
    assert.equal("spent 0.32 USD + 12 credits", money.summary_text(total))
    money.add(total, { amount = 2, currency = "credits", source = "price table" })
    assert.equal("spent 0.32 USD + 14 credits, 2 credits of it estimated", money.summary_text(total))
    assert.is_nil(money.summary_text(money.new_total()))
  end)

  it("take no cost from a record that is not well-formed: it is data, never shown as it is", function()
    assert.is_nil(money.checked { amount = -1, currency = "USD", source = "reported" })
    assert.is_nil(money.checked { amount = 0 / 0, currency = "USD", source = "reported" })
    assert.is_nil(money.checked { amount = "1", currency = "USD", source = "reported" })
    assert.is_nil(money.checked { amount = 1, currency = "\27[2JUSD", source = "reported" })
    assert.is_nil(money.checked { amount = 1, currency = "USD", source = "guessed" })
    assert.same({ amount = 1, currency = "USD", source = "reported" },
      money.checked { amount = 1, currency = "USD", source = "reported", extra = "x" })
  end)
end)
