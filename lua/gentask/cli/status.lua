-- gentask.cli.status — `gentask status`: first the journal's fleet (gentask.cli.fleet: every
-- process sharing it, its tasks by state, the key's cap and pause), then what each line of a batch
-- came to, from the batch record beside a journal file (written before the first submit, so a
-- batch killed at any point has one). A journal with no batch record shows its fleet alone. Sends
-- nothing to a provider; needs a key for a journal in Redis alone.

local batch = require "gentask.cli.batch"
local fail = require "gentask.cli.fail"
local fleet = require "gentask.cli.fleet"
local manifest = require "gentask.cli.manifest"
local money = require "gentask.cli.money"
local outcome = require "gentask.cli.outcome"

local status = {}

-- The batch's lines, as the batch record beside the journal keeps them.
local function batch_lines(state)
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

function status.run(opts)
  fleet.print(fleet.read(opts))
  if fleet.is_redis(opts.journal) then return fail.EXIT.ok end   -- no batch record beside a Redis journal
  local state, why, absent = manifest.load(opts.journal)
  if absent then return fail.EXIT.ok end
  if not state then fail.trouble(why) end
  return batch_lines(state)
end

return status
