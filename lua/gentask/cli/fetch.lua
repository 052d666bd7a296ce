-- gentask.cli.fetch — `gentask fetch`: the files of a batch's finished lines that are not on disk
-- (a download that failed, a file deleted since), asked of the provider again by the task's id —
-- a poll, never a submit — and saved where the batch saves them, while the provider still has
-- them. The batch record and the contact sheet are brought up to date.

local gentask = require "gentask"
local batch = require "gentask.cli.batch"
local fail = require "gentask.cli.fail"
local lines = require "gentask.cli.lines"
local manifest = require "gentask.cli.manifest"
local outcome = require "gentask.cli.outcome"
local settings = require "gentask.cli.settings"
local sheet = require "gentask.cli.sheet"

local fetch = {}

-- The lines to fetch: succeeded, with a task id, and a file that is not on disk.
local function wanted(records)
  batch.check_files(records)
  local list = {}
  for i, r in ipairs(records) do
    if r.state == "succeeded" and r.missing and type(r.task_id) == "string" then list[#list + 1] = i end
  end
  return list
end

function fetch.run(opts)
  local state = manifest.require(opts.journal)
  local command, records = state.command, state.records
  local to_fetch = wanted(records)
  if #to_fetch == 0 then
    print "every finished line's files are on disk: nothing to fetch"
    return fail.EXIT.ok
  end
  if command.sim then
    fail.trouble "this batch ran with --sim: its simulator, and the results it held, ended with it"
  end
  local key_files, why_keys = settings.by_provider(opts.key_file, command.provider, "--key-file")
  if not key_files then fail.usage(why_keys) end
  -- the clients as the batch opens them, with no journal: a poll by id is never a submit
  local providers = {}
  for n, i in ipairs(to_fetch) do providers[n] = { provider = records[i].provider } end
  local clients, why_clients, caller = batch.open_clients(providers, { provider = command.provider, out = command.out,
    client_for = settings.client_for(key_files, settings.recorded_addresses(command, opts.base_url), nil) })
  if not clients then
    if caller then fail.usage(why_clients) end
    fail.trouble(why_clients)
  end
  local fetched, failed = 0, 0
  gentask.run(function()
    local tasks = {}
    for n, i in ipairs(to_fetch) do
      tasks[n] = clients[records[i].provider]:attach(records[i].task_id, { model = records[i].model })
    end
    for n, result in ipairs(gentask.settle(tasks)) do
      local r = records[to_fetch[n]]
      local files, problems
      if result.ok then
        local name = batch.recorded_file(r) or lines.file_name(r.key)
        files, problems = tasks[n]:download(command.out, { name = name })
      end
      if files and next(files) and not next(problems or {}) then
        batch.take_files(r, files, nil, nil)
        fetched = fetched + 1
        for _, path in ipairs(r.files) do print(path) end
      else
        failed = failed + 1
        local _, e = next(problems or {})
        e = e or result.error or { kind = "protocol", message = "the provider's answer named no file" }
        fail.say(("line %d: %s: %s"):format(r.line, tostring(e.kind), tostring(e.message)))
      end
    end
  end)
  batch.close(clients)
  local missing = batch.check_files(records)
  manifest.save(command.journal, state)
  sheet.write_batch(command, records)
  print(("%d fetched, %d not (%d lines still without their files)"):format(fetched, failed, missing))
  for _, r in ipairs(records) do
    if r.missing then print("  " .. outcome.describe(r)) end
  end
  return missing == 0 and fail.EXIT.ok or fail.EXIT.failed
end

return fetch
