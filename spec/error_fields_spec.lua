-- The error table's fields exist once, in the core (core.error_fields): the library's error, the
-- journal's record of the task that failed and the command's JSON line carry the same names, for
-- a real failed task on the simulator, and none of them carries the key the provider echoed.
local cjson = require "cjson"
local core = require "gentask.core"
local Sim = require "support.sim"
local cli = require "support.cli"
local host = require "support.host"

-- the field names of t, in core.error_fields' order (any other name is listed after them)
local function names_of(t)
  local names, listed = {}, {}
  for _, name in ipairs(core.error_fields) do
    listed[name] = true
    if t[name] ~= nil then names[#names + 1] = name end
  end
  for name in pairs(t) do
    if not listed[name] then names[#names + 1] = name end
  end
  return names
end

-- the ended records' outcomes in a journal file, read with the sqlite3 command
local function journal_outcomes(path)
  local out = host.capture(("sqlite3 -json %s %s"):format(cli.quote(path),
    cli.quote "SELECT outcome FROM records WHERE outcome IS NOT NULL ORDER BY id"))
  local outcomes = {}
  for _, row in ipairs(cjson.decode(out)) do outcomes[#outcomes + 1] = cjson.decode(row.outcome) end
  return outcomes
end

local function assert_no_key(text, where)
  assert.is_nil(text:find(Sim.key, 1, true), "the key is in " .. where)
end

describe("the error table's fields", function()
  local sim, dir
  setup(function()
    sim = Sim.start "--duration-ms 100"
    dir = cli.tmpdir()
  end)
  teardown(function()
    sim:stop()
    os.execute("rm -rf " .. cli.quote(dir))
  end)

  it("are the core's one list", function()
    assert.same({ "kind", "retryable", "message", "provider", "phase", "submitted", "status", "code", "stage",
      "request_id", "task_id", "body", "retry_after", "attempts", "idempotency_key", "cause" }, core.error_fields)
  end)

  -- a submit the provider refuses (503) until the task's time runs out: deadline_exceeded, with
  -- the last refusal as its cause, and never sent
  it("are the same in the library's error, the journal's record and the command's JSON line", function()
    local prompt = "refused until the deadline [http=503]"
    local journal = dir .. "/library.db"
    local fox = sim:foxapi { journal = journal, task_timeout = 1 }
    local _, err = fox:submit("flux-dev", { prompt = prompt }):result()
    fox:close()
    assert.equal("deadline_exceeded", err.kind)
    assert.equal("unavailable", err.cause.kind)
    local library, library_cause = names_of(err), names_of(err.cause)
    for _, name in ipairs { "kind", "retryable", "message", "provider", "phase", "submitted", "attempts", "cause" } do
      assert.truthy(err[name] ~= nil, name .. " is missing from the library's error")
    end
    for _, name in ipairs { "status", "code", "body" } do
      assert.truthy(err.cause[name] ~= nil, name .. " is missing from the library's cause")
    end

    local recorded = journal_outcomes(journal)
    assert.equal(1, #recorded)
    assert.equal("failed", recorded[1].state)
    assert.same(library, names_of(recorded[1].error))
    assert.same(library_cause, names_of(recorded[1].error.cause))

    local prompts = dir .. "/prompts.jsonl"
    cli.write(prompts, cjson.encode { model = "flux-dev", prompt = prompt } .. "\n")
    local out, stderr, status = cli.run(("batch %s -o %s --timeout 1 -p foxapi --base-url %s/foxapi"):format(
      cli.quote(prompts), cli.quote(dir .. "/cli"), sim.url), "FOXAPI_API_KEY=" .. cli.quote(Sim.key))
    assert.equal(1, status, stderr)
    local line
    for text in out:gmatch "[^\n]+" do
      local event = cjson.decode(text)
      if event.event == "task" then line = event end
    end
    assert.truthy(line and line.error, out)
    assert.equal("not sent: nothing was paid", line.error.submitted_words) -- the command's own addition
    line.error.submitted_words = nil
    assert.same(library, names_of(line.error))
    assert.same(library_cause, names_of(line.error.cause))
  end)

  it("carry no key where the provider echoed it back", function()
    local journal = dir .. "/echo.db"
    local fox = sim:foxapi { journal = journal }
    local _, err = fox:submit("flux-dev", { prompt = "x [echo-key]" }):result()
    fox:close()
    assert.truthy(err.body, "the error keeps the body the key was echoed in")
    assert_no_key(cjson.encode(journal_outcomes(journal)), "the journal's record")
    local prompts = dir .. "/echo.jsonl"
    cli.write(prompts, '{"model": "flux-dev", "prompt": "x [echo-key]"}\n')
    local out, stderr = cli.run(("batch %s -o %s -p foxapi --base-url %s/foxapi"):format(cli.quote(prompts),
      cli.quote(dir .. "/echo"), sim.url), "FOXAPI_API_KEY=" .. cli.quote(Sim.key))
    assert.truthy(out:find('"body"', 1, true), "the JSON line carries the error's body")
    assert_no_key(out .. stderr, "the command's output")
    assert_no_key(cli.read(dir .. "/echo/gentask-journal.db.batch.json") or "", "the batch record")
  end)
end)
