-- gentask.cli — the `gentask` command on the library: run, batch, resume, status, fetch. bin/gentask
-- calls main(arg) and exits with what it returns. Each command is a module of its own; this one
-- parses the line and turns every way a command stops into words and an exit status.

local args = require "gentask.cli.args"
local fail = require "gentask.cli.fail"

local cli = {}

local function dispatch(opts)
  if opts.command == "run" then return require("gentask.cli.run_command").run(opts) end
  local batch_command = require "gentask.cli.batch_command"
  if opts.command == "batch" then return batch_command.run(batch_command.from_options(opts), opts) end
  if opts.command == "resume" then return batch_command.run(batch_command.from_record(opts), opts) end
  if opts.command == "status" then return require("gentask.cli.status").run(opts) end
  return require("gentask.cli.fetch").run(opts)
end

--- main(argv) → exit status. Whatever is raised is said as text, on every runtime (Lua 5.1's
-- interpreter would print a table as "(error object is not a string)").
function cli.main(argv)
  local parser = args.parser()
  local parsed_ok, opts = parser:pparse(argv)
  if not parsed_ok then
    io.stderr:write(parser:get_usage(), "\n\ngentask: ", tostring(opts), "\n")
    return fail.EXIT.usage
  end
  local ok, status = pcall(dispatch, opts)
  if ok then return status end
  if type(status) == "table" and status.exit then
    fail.say(status.message)
    return status.exit
  end
  if type(status) == "table" and status.kind then   -- an error of the library's
    fail.say(tostring(status))
    return status.kind == "usage" and fail.EXIT.usage or fail.EXIT.trouble
  end
  fail.say(tostring(status))
  return fail.EXIT.trouble
end

return cli
