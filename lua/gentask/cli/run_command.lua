-- gentask.cli.run_command — `gentask run`: one generation, its file saved and its path printed.
-- Everything local is checked first (the parameters, the prompt, the input image, the output
-- directory, the key); once it is paid, the result is never lost: a download that fails prints
-- the result's URL and how long it works.

local gentask = require "gentask"
local batch = require "gentask.cli.batch"
local fail = require "gentask.cli.fail"
local outdir = require "gentask.cli.outdir"
local params = require "gentask.cli.params"
local progress = require "gentask.cli.progress"
local providers = require "gentask.cli.providers"
local settings = require "gentask.cli.settings"
local sim = require "gentask.cli.sim"

local run_command = {}

function run_command.run(opts)
  local provider = opts.provider or (opts.sim and "foxapi")
  if not provider then fail.usage "run needs -p PROVIDER (or --sim)" end
  settings.check_timeout(opts.timeout)
  local p, why = params.of_run(opts.prompt, opts.param)
  if not p then fail.usage(why) end
  if opts.image then p[providers.input_image_param(provider)] = gentask.file(opts.image) end
  local key_files, why_keys = settings.by_provider(opts.key_file, provider, "--key-file")
  local base_urls, why_urls = settings.by_provider(opts.base_url, provider, "--base-url")
  if not key_files or not base_urls then fail.usage(why_keys or why_urls) end
  local ok_dir, why_dir = outdir.prepare(opts.out)
  if not ok_dir then fail.trouble(why_dir) end
  local server
  if opts.sim then
    local why_sim
    server, why_sim = sim.start(opts.sim_duration_ms, providers.signs_tokens(provider))
    if not server then fail.trouble(why_sim) end
  end
  local entry = { n = 1, model = opts.model, params = p, provider = provider }
  local clients, why_clients, caller = batch.open_clients({ entry }, { provider = provider, out = opts.out,
    timeout = opts.timeout, client_for = settings.client_for(key_files, base_urls, server) })
  if not clients then
    sim.stop(server)
    if caller then fail.usage(why_clients) end
    fail.trouble(why_clients)
  end
  local ok, records = pcall(batch.run, { entry }, clients, { provider = provider, out = opts.out,
    reporter = progress.reporter("none") })
  batch.close(clients)
  sim.stop(server)
  if not ok then error(records, 0) end
  local r = records[1]
  if r.state ~= "succeeded" then
    fail.say(("%s: %s (%s)"):format(r.error.kind, tostring(r.error.message), r.error.submitted_words))
    return r.error.kind == "usage" and fail.EXIT.usage or fail.EXIT.failed
  end
  for _, path in ipairs(r.files or {}) do print(path) end
  for _, problem in ipairs(r.download_errors or {}) do fail.say("download: ", problem.text) end
  if batch.check_files(records) > 0 then
    if r.task_id then fail.say("the task's id at ", provider, ": ", r.task_id) end
    return fail.EXIT.failed
  end
  return fail.EXIT.ok
end

return run_command
