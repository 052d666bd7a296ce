-- gentask.cli.fail — how a command stops before its work is done, with the exit status that tells
-- a script "called wrongly: fix the call" (usage) from "could not run here" (trouble). Both are
-- raised before anything is paid; "some lines failed" is an outcome, not a stop. And how the
-- command speaks on stderr (stdout is for paths and JSON lines).

local fail = {}

fail.EXIT = { ok = 0, failed = 1, usage = 2, trouble = 3 }

--- A line on stderr, "gentask: " first.
function fail.say(...)
  io.stderr:write("gentask: ", ...)
  io.stderr:write("\n")
end

function fail.usage(message)
  error({ exit = fail.EXIT.usage, message = message }, 0)
end

function fail.trouble(message)
  error({ exit = fail.EXIT.trouble, message = message }, 0)
end

--- Several problems at once (every bad line of a prompts file, say), as one usage stop.
function fail.usage_list(problems, what)
  local shown = {}
  for i = 1, math.min(#problems, 20) do shown[i] = "  " .. problems[i] end
  if #problems > 20 then shown[#shown + 1] = ("  ... and %d more"):format(#problems - 20) end
  fail.usage(("%s; nothing was sent:\n%s"):format(what, table.concat(shown, "\n")))
end

return fail
