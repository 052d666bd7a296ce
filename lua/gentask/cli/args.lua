-- gentask.cli.args — the command line, parsed by argparse (Debian's lua-argparse). No option takes
-- an API key: a command line is visible to every user of the machine (ps, /proc/*/cmdline).

local argparse = require "argparse"

local args = {}

local function common(cmd)
  -- provider names are the profiles' lower-case names: BFL and bfl are one provider
  cmd:option("-p --provider", "The provider: bfl, foxapi, flora, modelslab, apixo (with --sim: foxapi by default).")
    :convert(string.lower)
  cmd:option("--key-file", "Read the API key from this file instead of the provider's environment variable.")
  cmd:option("--base-url", "Send requests here instead of the provider's own address (a proxy, a simulator).")
  cmd:flag("--sim", "Run against a simulator started for the occasion: offline, no key.")
end

function args.parser()
  local parser = argparse("gentask", "Generate images and videos with asynchronous APIs (submit, poll, save).")
    :epilog("Keys come from BFL_API_KEY, FOXAPI_API_KEY, FLORA_API_KEY, MODELSLAB_API_KEY or APIXO_API_KEY, "
      .. "or --key-file.\nExit status: 0 all succeeded, 1 some failed, 2 usage error, 3 could not run.")
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
  common(run)

  local batch = parser:command("batch", "A JSON line per task: live progress, an index.html, resumable.")
  batch:argument("prompts", "The prompts file: one JSON object per line (model, params, key, provider).")
  batch:option("-o --out", "Directory for the files and index.html."):count(1)
  batch:option("--journal", "The journal file (default: OUT/gentask-journal.db): re-running resumes from it.")
  batch:option("--concurrency", "Tasks in flight at once (default: the provider's documented cap).")
    :convert(tonumber)
  batch:option("--progress", "bar on a terminal, json lines otherwise.", "auto"):choices { "auto", "bar", "json" }
  common(batch)

  local resume = parser:command("resume", "Re-run the batch a journal belongs to: pays only for the rest.")
  resume:option("--journal", "The batch's journal file."):count(1)
  resume:option("--key-file", "Read the API key from this file.")
  resume:option("--progress", "bar on a terminal, json lines otherwise.", "auto"):choices { "auto", "bar", "json" }

  local status = parser:command("status", "What a batch's lines came to, from its journal's record.")
  status:option("--journal", "The batch's journal file."):count(1)
  return parser
end

return args
