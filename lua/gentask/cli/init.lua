-- gentask.cli — the `gentask` command on the library: run, batch, resume, status. bin/gentask
-- calls main(arg) and exits with what it returns.

local cjson = require "cjson.safe"
local gentask = require "gentask"
local args = require "gentask.cli.args"
local batch = require "gentask.cli.batch"
local keys = require "gentask.cli.keys"
local lines = require "gentask.cli.lines"
local manifest = require "gentask.cli.manifest"
local progress = require "gentask.cli.progress"
local sheet = require "gentask.cli.sheet"
local sim = require "gentask.cli.sim"

local cli = {}

-- Exit statuses: a script tells "some lines failed" (look at them) from "called wrongly" (fix the
-- call) from "could not run at all" (no simulator, no writable directory).
cli.EXIT = { ok = 0, failed = 1, usage = 2, trouble = 3 }

local function say(...)
  io.stderr:write("gentask: ", ...)
  io.stderr:write("\n")
end

local function absolute(path)
  if path:sub(1, 1) == "/" then return path end
  local pwd = os.getenv "PWD"
  return pwd and pwd ~= "" and (pwd .. "/" .. path) or path
end

local function make_dir(dir)
  return os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "'")
end

-- key=value: a JSON number, boolean or object as such, anything else as a string.
local function parse_param(text)
  local name, value = text:match("^([^=]+)=(.*)$")
  if not name then return nil end
  local decoded = cjson.decode(value)
  if decoded == nil or type(decoded) == "string" then decoded = value end
  return name, decoded
end

-- The parameter a provider takes an input image in.
local IMAGE_PARAM = { bfl = "input_image", flora = "image_url", modelslab = "init_image" }

-- How each provider's client is made: its key and address, or the simulator's.
local function client_settings(opts, server)
  return function(provider)
    if server then
      return { api_key = sim.key, base_url = server.url .. "/" .. provider }
    end
    local key, why = keys.find(provider, opts.key_file)
    if not key then return nil, why end
    return { api_key = key, base_url = opts.base_url and opts.base_url:gsub("/+$", "") or nil }
  end
end

local function start_sim(opts)
  if not opts.sim then return nil end
  local server, why = sim.start(opts.sim_duration_ms)
  if not server then error({ exit = cli.EXIT.trouble, message = why }, 0) end
  return server
end

local function run_command(opts)
  local provider = opts.provider or (opts.sim and "foxapi")
  if not provider then error({ exit = cli.EXIT.usage, message = "run needs -p PROVIDER (or --sim)" }, 0) end
  local params = { prompt = opts.prompt }
  for _, text in ipairs(opts.param) do
    local name, value = parse_param(text)
    if not name then error({ exit = cli.EXIT.usage, message = "--param wants key=value, not " .. text }, 0) end
    params[name] = value
  end
  if opts.image then params[IMAGE_PARAM[provider] or "image"] = gentask.file(opts.image) end
  if not make_dir(opts.out) then error({ exit = cli.EXIT.trouble, message = "cannot make " .. opts.out }, 0) end
  local server = start_sim(opts)
  local entry = { n = 1, model = opts.model, params = params }
  local ok, records = pcall(batch.run, { entry }, { provider = provider, out = opts.out,
    client_for = client_settings(opts, server), reporter = progress.reporter("none") })
  sim.stop(server)
  if not ok then error(records, 0) end
  local r = records[1]
  if r.state ~= "succeeded" then
    say(("%s: %s"):format(r.error.kind, tostring(r.error.message)))
    return r.error.kind == "usage" and cli.EXIT.usage or cli.EXIT.failed
  end
  for _, path in ipairs(r.files or {}) do print(path) end
  for _, problem in ipairs(r.download_errors or {}) do say("download: ", problem) end
  return r.files and cli.EXIT.ok or cli.EXIT.failed
end

-- The batch as the manifest keeps it, so that resume can run it again as it was given.
local function batch_command(opts)
  return { prompts = absolute(opts.prompts), out = absolute(opts.out),
           provider = opts.provider or (opts.sim and "foxapi"),
           journal = absolute(opts.journal or (opts.out:gsub("/+$", "") .. "/gentask-journal.db")),
           concurrency = opts.concurrency, sim = opts.sim or nil, base_url = opts.base_url, progress = opts.progress }
end

local function run_batch(command, opts)
  if not command.provider then error({ exit = cli.EXIT.usage, message = "batch needs -p PROVIDER (or --sim)" }, 0) end
  if command.concurrency ~= nil and (command.concurrency < 1 or command.concurrency % 1 ~= 0) then
    error({ exit = cli.EXIT.usage, message = "--concurrency wants a whole number of tasks, at least 1" }, 0)
  end
  local entries, why = lines.read(command.prompts)
  if not entries then error({ exit = cli.EXIT.usage, message = why }, 0) end
  if not make_dir(command.out) then error({ exit = cli.EXIT.trouble, message = "cannot make " .. command.out }, 0) end
  local mode = opts.progress or command.progress or "auto"
  if mode == "auto" then mode = progress.stdout_is_terminal() and "bar" or "json" end
  local server = command.sim and start_sim { sim = true } or nil
  local title = ("gentask batch: %s"):format(command.prompts:match("[^/]*$"))
  local function save(records)
    manifest.save(command.journal, { command = command, records = records })
  end
  local ok, records, counts = pcall(batch.run, entries, {
    provider = command.provider, out = command.out, journal = command.journal, concurrency = command.concurrency,
    client_for = client_settings({ key_file = opts.key_file, base_url = command.base_url }, server),
    reporter = progress.reporter(mode), on_record = save,
  })
  sim.stop(server)
  if not ok then error(records, 0) end
  save(records)
  local index = sheet.write(command.out, records, title)
  local summary = { event = "summary", total = counts.total, succeeded = counts.succeeded, failed = counts.failed,
                    index = index, journal = command.journal }
  if mode == "json" then print(cjson.encode(summary))
  else print(("%d succeeded, %d failed of %d; contact sheet: %s"):format(counts.succeeded, counts.failed,
    counts.total, tostring(index))) end
  return counts.failed == 0 and cli.EXIT.ok or cli.EXIT.failed
end

local function status_command(opts)
  local state, why = manifest.load(opts.journal)
  if not state then error({ exit = cli.EXIT.usage, message = why }, 0) end
  local entries = lines.read(state.command.prompts) or {}
  local ended = {}
  for _, r in ipairs(state.records or {}) do
    if r.state == "succeeded" or r.state == "failed" then ended[r.key] = r end
  end
  local succeeded, failed, left = 0, 0, 0
  for _, entry in ipairs(entries) do
    local r = ended[entry.key]
    if not r then left = left + 1
    elseif r.state == "succeeded" then succeeded = succeeded + 1
    else
      failed = failed + 1
      print(("line %d failed: %s: %s"):format(r.line, r.error.kind, tostring(r.error.message)))
    end
  end
  print(("%d lines: %d succeeded, %d failed, %d not finished (%s)"):format(#entries, succeeded, failed, left,
    state.command.prompts))
  return (failed == 0 and left == 0) and cli.EXIT.ok or cli.EXIT.failed
end

--- main(argv) → exit status.
function cli.main(argv)
  local parser = args.parser()
  local parsed_ok, opts = parser:pparse(argv)
  if not parsed_ok then
    io.stderr:write(parser:get_usage(), "\n\ngentask: ", tostring(opts), "\n")
    return cli.EXIT.usage
  end
  local ok, status = pcall(function()
    if opts.command == "run" then return run_command(opts) end
    if opts.command == "batch" then return run_batch(batch_command(opts), opts) end
    if opts.command == "status" then return status_command(opts) end
    local state, why = manifest.load(opts.journal)   -- resume: the same batch again
    if not state then error({ exit = cli.EXIT.usage, message = why }, 0) end
    return run_batch(state.command, opts)
  end)
  if ok then return status end
  if type(status) == "table" and status.exit then
    say(status.message)
    return status.exit
  end
  if type(status) == "table" and status.kind then   -- a usage error from the library
    say(tostring(status))
    return status.kind == "usage" and cli.EXIT.usage or cli.EXIT.trouble
  end
  say(tostring(status))
  return cli.EXIT.trouble
end

return cli
