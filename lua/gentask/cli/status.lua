-- gentask.cli.status — `gentask status`: what each line of a batch came to, from the batch record
-- beside its journal (written before the first submit, so a batch killed at any point has one).
-- Needs no key and sends nothing.

local batch = require "gentask.cli.batch"
local fail = require "gentask.cli.fail"
local manifest = require "gentask.cli.manifest"
local money = require "gentask.cli.money"
local outcome = require "gentask.cli.outcome"

local status = {}

function status.run(opts)
  local state = manifest.require(opts.journal)
  local records = state.records
  batch.check_files(records)
  local succeeded, failed, missing, unfinished = 0, 0, 0, 0
  for _, r in ipairs(records) do
    if r.state == "succeeded" and not r.missing then
      succeeded = succeeded + 1
    elseif r.state == "succeeded" then
      missing = missing + 1
      print(outcome.describe(r))
    elseif r.state == "failed" then
      failed = failed + 1
      print(outcome.describe(r))
    else
      unfinished = unfinished + 1
      if r.task_id then
        print(("line %d is not finished: the provider has it (task %s): resume polls it"):format(r.line, r.task_id))
      end
    end
  end
  local spent_words = money.summary_text(money.total(records))
  print(("%d lines: %d succeeded, %d failed, %d not finished%s (%s)"):format(#records, succeeded, failed,
    unfinished, spent_words and "; " .. spent_words or "", state.command.prompts))
  if missing > 0 then print(("%d succeeded with a file not on disk: gentask fetch --journal FILE"):format(missing)) end
  return (failed == 0 and missing == 0 and unfinished == 0) and fail.EXIT.ok or fail.EXIT.failed
end

return status
