-- gentask.cli.batch_command — `gentask batch` and `gentask resume`: a prompts file run as tasks.
-- Before the first submit, everything local is known to work — every line parses and can go,
-- each provider has its key, the output directory takes files, the journals open, and the batch
-- record is written (so status, resume and fetch work after a crash at any point). Then the lines
-- run; a line that failed is sent again only when asked (--retry-failed) and only when it was
-- never sent, or the user accepts paying twice (--retry-unknown).

local cjson = require "cjson.safe"
local batch = require "gentask.cli.batch"
local fail = require "gentask.cli.fail"
local lines = require "gentask.cli.lines"
local manifest = require "gentask.cli.manifest"
local money = require "gentask.cli.money"
local outcome = require "gentask.cli.outcome"
local outdir = require "gentask.cli.outdir"
local progress = require "gentask.cli.progress"
local providers = require "gentask.cli.providers"
local settings = require "gentask.cli.settings"
local sheet = require "gentask.cli.sheet"
local sim = require "gentask.cli.sim"

local batch_command = {}

-- Whether a provider the batch runs signs its tokens (Kling): --sim's simulator then checks them.
local function signs_tokens(entries, default_provider)
  if providers.signs_tokens(default_provider) then return true end
  for _, entry in ipairs(entries) do
    if entry.provider and providers.signs_tokens(entry.provider) then return true end
  end
  return false
end

local function absolute(path)
  if path:sub(1, 1) == "/" then return path end
  local pwd = os.getenv "PWD"
  return pwd and pwd ~= "" and (pwd .. "/" .. path) or path
end

--- The batch as its record keeps it, from `batch`'s options, so that resume runs it as it was given.
function batch_command.from_options(opts)
  local provider = opts.provider or (opts.sim and "foxapi")
  local base_urls, why = settings.by_provider(opts.base_url, provider, "--base-url")
  if not base_urls then fail.usage(why) end
  return { prompts = absolute(opts.prompts), out = absolute(opts.out), provider = provider,
           journal = absolute(opts.journal or (opts.out:gsub("/+$", "") .. "/gentask-journal.db")),
           concurrency = opts.concurrency, timeout = opts.timeout, sim = opts.sim or nil, base_urls = base_urls,
           progress = opts.progress }
end

--- The batch a journal's record names, for resume: its command, with --base-url given now
-- taking the place of the recorded one.
function batch_command.from_record(opts)
  local command = manifest.require(opts.journal).command
  command.base_urls = settings.recorded_addresses(command, opts.base_url)
  return command
end

-- Each line's key for this run: the line's own, or the derived key of its latest resend. A line
-- whose last run failed and may be resent (--retry-failed) gets a new one: a new request, which
-- the journal records. Returns the lines left alone because the provider may have them.
local function choose_keys(entries, by_key, opts)
  local retry_failed = opts.retry_failed or opts.retry_unknown
  local left_alone = {}
  for _, entry in ipairs(entries) do
    local last = by_key[entry.key]
    entry.retries = last and tonumber(last.retries) or 0
    if retry_failed and last and outcome.retryable(last, opts.retry_unknown) then
      entry.retries = entry.retries + 1
    elseif retry_failed and last and last.state == "failed" and last.error and last.error.submitted == "unknown" then
      left_alone[#left_alone + 1] = last
    end
    entry.task_key = entry.retries > 0 and ("%s~retry-%d"):format(entry.key, entry.retries) or entry.key
  end
  return left_alone
end

-- Each line's file name for this run: the one its record gave it before (the same files, run after
-- run), else its key's (gentask.cli.lines) unless files of that name are already in the
-- directory — another batch's, say — which are never written over: then "NAME-b2", "-b3", ….
local function choose_files(entries, by_key, out)
  local taken, used = nil, {}
  for _, entry in ipairs(entries) do
    local last_file = batch.recorded_file(by_key[entry.key])
    if last_file then
      entry.file = last_file
    else
      taken = taken or outdir.names_taken(out)
      local name, n = entry.file, 1
      while taken[name] or used[name] do
        n = n + 1
        name = ("%s-b%d"):format(entry.file, n)
      end
      entry.file = name
    end
    used[entry.file] = true
  end
end

-- The previous record of this journal's batch, if any: one that is there but refused stops the
-- batch (it must be readable to know which lines were resent).
local function previous_record(journal)
  local state, why, absent = manifest.load(journal)
  if not state and not absent then fail.trouble(why) end
  return state
end

local function check_command(command)
  if not command.provider then fail.usage "batch needs -p PROVIDER (or --sim)" end
  if command.concurrency ~= nil and (command.concurrency < 1 or command.concurrency % 1 ~= 0) then
    fail.usage "--concurrency wants a whole number of tasks, at least 1"
  end
  settings.check_timeout(command.timeout)
end

local function summary_of(records, counts, index, command, missing)
  local failed = {}
  for _, r in ipairs(records) do
    if r.state == "failed" or r.missing then
      failed[#failed + 1] = { line = r.line, key = r.key, kind = r.error and r.error.kind,
                              message = r.error and r.error.message or r.missing.why,
                              submitted = r.error and r.error.submitted,
                              submitted_words = r.error and r.error.submitted_words,
                              missing = r.missing and r.missing.path }
    end
  end
  local spent = money.total(records)
  return { event = "summary", total = counts.total, succeeded = counts.succeeded, failed = counts.failed,
           missing = missing, index = index, journal = command.journal, problems = #failed > 0 and failed or nil,
           spent = money.json(spent), spent_words = money.summary_text(spent) }
end

local function report(mode, records, summary)
  if mode == "json" then
    print(cjson.encode(summary))
    return
  end
  print(("%d succeeded, %d failed of %d%s; contact sheet: %s"):format(summary.succeeded, summary.failed,
    summary.total, summary.spent_words and "; " .. summary.spent_words or "", tostring(summary.index)))
  for _, r in ipairs(records) do
    if r.state == "failed" or r.missing then print("  " .. outcome.describe(r)) end
  end
end

--- Runs command (from_options or from_record) with opts (the key files, --progress, retries):
-- the exit status.
function batch_command.run(command, opts)
  check_command(command)
  local entries, why = lines.read(command.prompts)
  if not entries then fail.usage(why) end
  local problems = lines.problems(entries)
  if #problems > 0 then fail.usage_list(problems, ("%s has lines that cannot be sent"):format(command.prompts)) end
  local key_files, why_keys = settings.by_provider(opts.key_file, command.provider, "--key-file")
  if not key_files then fail.usage(why_keys) end
  local previous = previous_record(command.journal)
  local last_by_key = manifest.by_key(previous)
  local left_alone = choose_keys(entries, last_by_key, opts)
  local ok_dir, why_dir = outdir.prepare(command.out)
  if not ok_dir then fail.trouble(why_dir) end
  choose_files(entries, last_by_key, command.out)

  local server
  if command.sim then
    local why_sim
    server, why_sim = sim.start(nil, signs_tokens(entries, command.provider))
    if not server then fail.trouble(why_sim) end
  end
  local run_settings = { provider = command.provider, out = command.out, journal = command.journal,
                         concurrency = command.concurrency, timeout = command.timeout,
                         client_for = settings.client_for(key_files, command.base_urls, server) }
  local clients, why_clients, caller = batch.open_clients(entries, run_settings)
  if not clients then
    sim.stop(server)
    if caller then fail.usage(why_clients .. "; nothing was sent") end
    fail.trouble(why_clients .. "; nothing was sent")
  end
  local function save(records)
    return manifest.save(command.journal, { command = command, records = records })
  end
  local queued = {}
  for i, entry in ipairs(entries) do queued[i] = batch.new_record(entry, entry.provider or command.provider) end
  local saved, why_saved = save(queued)
  if not saved then
    batch.close(clients)
    sim.stop(server)
    fail.trouble("cannot write the batch record: " .. tostring(why_saved) .. "; nothing was sent")
  end
  for _, r in ipairs(left_alone) do
    fail.say(("line %d is left alone: %s; --retry-unknown sends it again (you may pay twice)"):format(r.line,
      r.error.submitted_words))
  end

  local mode = opts.progress or command.progress or "auto"
  if mode == "auto" then mode = progress.stdout_is_terminal() and "bar" or "json" end
  run_settings.reporter = progress.reporter(mode)
  run_settings.on_record = save
  local ok, records, counts = pcall(batch.run, entries, clients, run_settings)
  batch.close(clients)
  sim.stop(server)
  if not ok then error(records, 0) end
  local missing = batch.check_files(records)
  save(records)
  local index = sheet.write_batch(command, records)
  report(mode, records, summary_of(records, counts, index, command, missing))
  return (counts.failed == 0 and missing == 0) and fail.EXIT.ok or fail.EXIT.failed
end

return batch_command
