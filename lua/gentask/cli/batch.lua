-- gentask.cli.batch — runs the lines of a prompts file as tasks, one client per provider, and
-- keeps a record per line (what the progress, the JSON lines, the batch record and the contact
-- sheet show). Each submit carries the line's key and the client keeps a journal, so a re-run of
-- the same file pays only for the lines the journal has not seen: the others come back as their
-- journaled tasks, ended or still polling, with the files already on disk taken as they are.

local gentask = require "gentask"
local money = require "gentask.cli.money"
local outcome = require "gentask.cli.outcome"
local outdir = require "gentask.cli.outdir"
local progress = require "gentask.cli.progress"

local batch = {}

local function now_text()
  return os.date("!%Y-%m-%dT%H:%M:%SZ")
end

-- The journal of provider's client: the one named for the batch's own provider, a sibling file
-- for the others (a journal belongs to one API key, and each provider has its own).
function batch.journal_for(journal, provider, main_provider)
  if not journal or provider == main_provider then return journal end
  return (journal:gsub("%.db$", "")) .. "-" .. provider .. ".db"
end

--- The record of an entry before it runs: what status and the sheet show for a line not ended.
function batch.new_record(entry, provider)
  return { line = entry.n, key = entry.key, task_key = entry.task_key or entry.key, retries = entry.retries,
           file = entry.file,
           provider = provider, model = entry.model, prompt = entry.params and entry.params.prompt,
           state = "queued" }
end

-- A download that failed: the URL it came from, with when it stops working, so the file can
-- still be fetched (gentask fetch, or the same batch again) — the generation is paid.
local function download_problem(e, expires_at)
  local until_text = expires_at
    and (", it works until %s"):format(os.date("!%Y-%m-%dT%H:%M:%SZ", math.floor(expires_at))) or ""
  return { kind = e.kind, message = tostring(e.message), url = e.url,
           text = ("%s: %s (the file is at %s%s)"):format(e.kind, tostring(e.message), tostring(e.url), until_text) }
end

--- Takes what a download wrote (files: path, bytes, sha256) and why not (download_errors) into a
-- record: the batch's end and `fetch` alike.
function batch.take_files(record, files, download_errors, expires_at)
  local paths, saved, problems = {}, {}, {}
  for i, f in ipairs(files or {}) do
    paths[i] = f.path
    saved[i] = { path = f.path, bytes = f.bytes, sha256 = f.sha256 }
  end
  for _, e in pairs(download_errors or {}) do problems[#problems + 1] = download_problem(e, expires_at) end
  record.files = #paths > 0 and paths or nil
  record.saved = #saved > 0 and saved or nil
  record.download_errors = #problems > 0 and problems or nil
end

--- The file name a record's line saves under, when its record says one that names a file in the
-- directory (a record read back is data: no path climbs out of it); nil otherwise.
function batch.recorded_file(record)
  local name = record and record.file
  if type(name) == "string" and name ~= "" and not name:find("[/%z]") then return name end
end

-- The record of a line once its task has ended, with what it cost: the library's word (a task
-- the journal gave back, ended by an earlier run, carries the cost that run saw).
local function finish_record(record, result, err)
  record.ended_at = now_text()
  local ended = result or (type(err) == "table" and err) or nil
  record.cost = money.checked(ended and ended.cost)
  record.seconds = record.started and os.time() - record.started or nil
  record.started = nil
  if result then
    record.state = "succeeded"
    record.task_id = result.id
    record.urls = result.urls
    record.expires_at = result.expires_at
    batch.take_files(record, result.files, result.download_errors, result.expires_at)
  else
    record.state = "failed"
    record.error = outcome.error_record(err)
    record.task_id = type(err) == "table" and err.task_id or record.task_id
  end
end

--- The clients of the providers entries use, each with its journal: opened before anything is
-- paid, so a journal that cannot be opened or a missing key stops the batch whole.
-- settings: provider (the default), out, journal, concurrency, timeout, client_for(provider) → client
-- options or nil and why. Returns { [provider] = client }, or nil, why and whether the caller
-- is at fault (a key missing) rather than the machine (a journal that cannot be opened).
function batch.open_clients(entries, settings)
  local clients = {}
  for _, entry in ipairs(entries) do
    local provider = entry.provider or settings.provider
    if not clients[provider] then
      local opts, why = settings.client_for(provider)
      if not opts then
        batch.close(clients)
        return nil, why, true
      end
      opts.provider = provider
      opts.journal = batch.journal_for(settings.journal, provider, settings.provider)
      opts.max_in_flight = settings.concurrency
      opts.task_timeout = settings.timeout
      opts.download = { dir = settings.out }
      local ok, client = pcall(gentask.client, opts)
      if not ok then
        batch.close(clients)
        local usage = type(client) == "table" and client.kind == "usage" and not opts.journal
        local message = type(client) == "table" and tostring(client.message) or tostring(client)
        return nil, ("%s: %s"):format(provider, message), usage
      end
      clients[provider] = client
    end
  end
  return clients
end

function batch.close(clients)
  for _, client in pairs(clients) do client:close() end
end

-- What the progress shows per state.
local STATES = progress.STATES

--- Runs entries (gentask.cli.lines, each with its task_key) through clients (open_clients) with
-- settings: provider (the default), out (directory), journal (nil: none), reporter
-- (gentask.cli.progress), on_record(records) after ends and as task ids become known, a few times
-- a second at most (the batch record's save). Returns the records, in the file's order, and the counts.
function batch.run(entries, clients, settings)
  local records = {}
  local reporter = settings.reporter
  local tasks, pending, dirty = {}, 0, false
  local counts = { total = #entries, succeeded = 0, failed = 0, elapsed = 0, rate_ended = 0,
                   spent = money.new_total() }
  -- the time the batch has run, in the ticks it slept (os.time counts whole seconds only)
  local TICK = 0.25
  reporter:start(#entries)

  local function ended(record, result, err, counted_in_rate)
    finish_record(record, result, err)
    money.add(counts.spent, record.cost)
    if record.state == "succeeded" then counts.succeeded = counts.succeeded + 1
    else counts.failed = counts.failed + 1 end
    if counted_in_rate then counts.rate_ended = counts.rate_ended + 1 end
    reporter:ended(record)
    dirty = true
  end
  -- the records are saved a few times a second, not at each end: a big batch would write its
  -- whole record once per task
  local function save()
    if dirty and settings.on_record then settings.on_record(records) end
    dirty = false
  end

  gentask.run(function()
    for i, entry in ipairs(entries) do
      local provider = entry.provider or settings.provider
      local record = batch.new_record(entry, provider)
      record.started = os.time()
      records[i] = record
      -- a line without a key (a single run) is saved under the provider's task id
      local options = { key = settings.journal and record.task_key or nil,
                        download = { dir = settings.out, name = settings.journal and entry.file or nil } }
      local client = clients[provider]
      local ok, task = pcall(client.submit, client, entry.model, entry.params, options)
      if not ok then
        ended(record, nil, task, false)
      else
        tasks[i] = task
        pending = pending + 1
        -- a line the journal had already ended comes back done at once: not this run's rate
        local fresh = not task.done
        task:on("done", function(result, err)
          pending = pending - 1
          tasks[i] = nil
          ended(record, result, err, fresh)
        end)
      end
    end
    -- the progress line is redrawn a few times a second while anything is still going
    while pending > 0 do
      local by_state = {}
      for i, task in pairs(tasks) do
        -- a task succeeds before its files are written: it is downloading until it is done
        local state = task.state == "succeeded" and "downloading" or task.state
        by_state[state] = (by_state[state] or 0) + 1
        -- the provider's id, once it answered: status shows it, and it is what `fetch` asks for
        if task.id and records[i].task_id ~= task.id then
          records[i].task_id = task.id
          dirty = true
        end
      end
      for _, state in ipairs(STATES) do counts[state] = by_state[state] or 0 end
      reporter:tick(counts)
      save()
      gentask.sleep(TICK)
      counts.elapsed = counts.elapsed + TICK
    end
  end)
  for _, state in ipairs(STATES) do counts[state] = 0 end
  save()
  reporter:finish(counts)
  return records, counts
end

--- Marks each succeeded record whose files are not all on disk, whole (record.missing), and
-- counts them: the command's exit status is 0 only when every line's files are there.
function batch.check_files(records)
  local missing = 0
  for _, r in ipairs(records) do
    r.missing = nil
    if r.state == "succeeded" then
      local path, why = outdir.missing(r.saved)
      if r.download_errors and not path then
        path, why = r.download_errors[1].url, r.download_errors[1].text
      end
      if path then
        r.missing = { path = path, why = why,
                      advice = "run the same command again, or gentask fetch, while the result URL works" }
        missing = missing + 1
      end
    end
  end
  return missing
end

return batch
