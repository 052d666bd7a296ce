-- gentask.cli.args — the command line, parsed by argparse (Debian's lua-argparse). No option takes
-- an API key: a command line is visible to every user of the machine (ps, /proc/*/cmdline).

local argparse = require "argparse"
local providers = require "gentask.cli.providers"

local args = {}

-- Settings that belong to one provider: without a prefix they are -p's provider's; a batch that
-- mixes providers gives one per provider as PROVIDER=VALUE.
local function per_provider(cmd)
  cmd:option("--key-file", "Read the API key from this file (mode 600) instead of the provider's environment "
    .. "variable; PROVIDER=FILE for another provider of the batch. Repeatable."):count("*")
  cmd:option("--base-url", "Send requests here instead of the provider's own address (a proxy, a simulator); "
    .. "PROVIDER=URL for another provider of the batch. Repeatable."):count("*")
end

local function timeout(cmd)
  cmd:option("--timeout", "Seconds to wait for each task (default 3600). A task the provider took is never "
    .. "given up: it stays in the journal, and the same batch again or resume polls it on."):convert(tonumber)
end

local function common(cmd)
  -- provider names are the profiles' lower-case names: BFL and bfl are one provider
  cmd:option("-p --provider", "The provider: " .. table.concat(providers.built_in, ", ")
    .. " (with --sim: foxapi by default).")
    :convert(string.lower)
  per_provider(cmd)
  cmd:flag("--sim", "Run against a simulator started for the occasion: offline, no key.")
end

local function retries(cmd)
  cmd:flag("--retry-failed", "Send again the lines that failed with a retryable error and were not sent "
    .. "(submitted: no), as new requests.")
  cmd:flag("--retry-unknown", "With --retry-failed, also the lines the provider may have received "
    .. "(submitted: unknown): you accept paying twice for them.")
end

local function progress(cmd)
  cmd:option("--progress", "bar on a terminal, json lines otherwise.", "auto"):choices { "auto", "bar", "json" }
end

function args.parser()
  local parser = argparse("gentask", "Generate images and videos with asynchronous APIs (submit, poll, save).")
    :epilog("Keys come from " .. providers.key_envs_text() .. ", "
      .. "or --key-file.\nExit status: 0 every file saved, 1 some lines failed or a file is missing, "
      .. "2 usage error (nothing paid), 3 could not run (nothing paid).")
  parser:command_target("command")
  parser:flag("--version", "Print gentask's version and exit."):action(function()
    io.stdout:write(require("gentask")._VERSION, "\n")
    os.exit(0)
  end)

  local run = parser:command("run", "One generation: the file is saved and its path printed.")
  run:argument("prompt", "What to generate.")
  run:option("-m --model", "The model."):count(1)
  run:option("--param", "A parameter as key=value (a JSON value, else a string); repeatable."):count("*")
  run:option("--image", "A local image to send as the input image.")
  run:option("-o --out", "Directory for the file.", ".")
  timeout(run)
  common(run)

  local batch = parser:command("batch", "A JSON line per task: live progress, an index.html, resumable.")
  batch:argument("prompts", "The prompts file: one JSON object per line (model, params, key, provider).")
  batch:option("-o --out", "Directory for the files and index.html."):count(1)
  batch:option("--journal", "The journal file (default: OUT/gentask-journal.db): re-running resumes from it.")
  batch:option("--concurrency", "Tasks in flight at once (default: the provider's documented cap).")
    :convert(tonumber)
  timeout(batch)
  progress(batch)
  retries(batch)
  common(batch)

  local resume = parser:command("resume", "Re-run the batch a journal belongs to: pays only for the rest.")
  resume:option("--journal", "The batch's journal file."):count(1)
  per_provider(resume)
  progress(resume)
  retries(resume)

  local status = parser:command("status", "What every process sharing a journal is doing, then what a batch's "
    .. "lines came to, from its journal's record.")
  status:option("--journal", "The journal: a file, or a redis:// address (needs the key)."):count(1)
  status:option("-p --provider", "A journal in Redis: the provider whose key variable holds its key.")
    :convert(string.lower)
  status:option("--key-file", "A journal in Redis: read its API key from this file (mode 600).")

  local fetch = parser:command("fetch", "Save the files of a batch's finished lines that are not on disk, "
    .. "from the provider: never submits.")
  fetch:option("--journal", "The batch's journal file."):count(1)
  per_provider(fetch)
  return parser
end

return args
