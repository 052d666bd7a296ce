-- gentask.cli.batch — runs the lines of a prompts file as tasks, one client per provider, and
-- keeps a record per line (what the progress, the JSON lines, the manifest and the contact sheet
-- show). Each submit carries the line's key and the client keeps a journal, so a re-run of the
-- same file pays only for the lines the journal has not seen: the others come back as their
-- journaled tasks, ended or still polling.

local gentask = require "gentask"
local lines = require "gentask.cli.lines"

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

local function error_record(err)
  if type(err) == "table" then return { kind = err.kind, message = err.message } end
  return { kind = "usage", message = tostring(err) }
end

-- The record of a line once its task has ended.
local function finish_record(record, result, err)
  record.ended_at = now_text()
  record.seconds = record.started and os.time() - record.started or nil
  record.started = nil
  if result then
    record.state = "succeeded"
    record.task_id = result.id
    record.urls = result.urls
    local files, problems = {}, {}
    for i, f in ipairs(result.files or {}) do files[i] = f.path end
    for _, e in pairs(result.download_errors or {}) do
      problems[#problems + 1] = e.kind .. ": " .. tostring(e.message)
    end
    record.files = #files > 0 and files or nil
    record.download_errors = #problems > 0 and problems or nil
  else
    record.state = "failed"
    record.error = error_record(err)
    record.task_id = type(err) == "table" and err.task_id or nil
  end
end

--- Runs entries (gentask.cli.lines) with settings:
--   provider (the default), out (directory), journal (nil: none), concurrency, client_for(provider)
--   → the client options ({ api_key, base_url }) or nil and why; reporter (gentask.cli.progress);
--   on_record(records) after ends, a few times a second at most (the manifest's save).
-- Returns the records, in the file's order.
function batch.run(entries, settings)
  local records, clients, problems = {}, {}, {}
  local reporter = settings.reporter
  local function client_of(provider)
    if clients[provider] then return clients[provider] end
    if problems[provider] then return nil, problems[provider] end
    local opts, why = settings.client_for(provider)
    if opts then
      opts.provider = provider
      opts.journal = batch.journal_for(settings.journal, provider, settings.provider)
      opts.max_in_flight = settings.concurrency
      opts.download = { dir = settings.out }
      local ok, client = pcall(gentask.client, opts)
      if ok then clients[provider] = client return client end
      why = type(client) == "table" and client.message or tostring(client)
    end
    problems[provider] = why
    return nil, why
  end

  local tasks, pending, dirty = {}, 0, false
  local counts = { total = #entries, succeeded = 0, failed = 0, elapsed = 0, rate_ended = 0 }
  -- the time the batch has run, in the ticks it slept (os.time counts whole seconds only)
  local TICK = 0.25
  reporter:start(#entries)

  local function ended(record, result, err, counted_in_rate)
    finish_record(record, result, err)
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
      local record = { line = entry.n, key = entry.key, provider = provider, model = entry.model,
                       prompt = entry.params and entry.params.prompt, state = "queued", started = os.time() }
      records[i] = record
      local client, why = nil, entry.problem
      if not why then client, why = client_of(provider) end
      local ok, task = false, why
      if client then
        -- a line without a key (a single run) is saved under the provider's task id
        local options = { key = settings.journal and entry.key or nil,
                          download = { dir = settings.out, name = entry.key and lines.file_name(entry.key) } }
        ok, task = pcall(client.submit, client, entry.model, entry.params, options)
      end
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
      for _, task in pairs(tasks) do
        -- a task succeeds before its files are written: it is downloading until it is done
        local state = task.state == "succeeded" and "downloading" or task.state
        by_state[state] = (by_state[state] or 0) + 1
      end
      for _, state in ipairs { "queued", "submitting", "waiting", "polling", "downloading" } do
        counts[state] = by_state[state] or 0
      end
      reporter:tick(counts)
      save()
      gentask.sleep(TICK)
      counts.elapsed = counts.elapsed + TICK
    end
  end)
  for _, state in ipairs { "queued", "submitting", "waiting", "polling", "downloading" } do counts[state] = 0 end
  save()
  reporter:finish(counts)
  for _, client in pairs(clients) do client:close() end
  return records, counts
end

return batch
