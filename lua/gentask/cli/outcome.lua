-- gentask.cli.outcome — what the command says about a line that did not end well: the error as a
-- record keeps it, and whether it may have been paid, in words, wherever a failure is shown (the
-- terminal, the JSON lines, the contact sheet, status): a retry that might pay twice must never
-- look like a free one.

local core = require "gentask.core"

local outcome = {}

-- The library's error.submitted, in words.
outcome.SUBMITTED = {
  yes = "accepted and paid",
  unknown = "the provider may have received this request: check before retrying",
  no = "not sent: nothing was paid",
}

-- An error's fields as the core lists them (core.error_fields), its cause's too: a plain table
-- that JSON can hold, with the same names as the library's error and the journal's record.
local function fields_of(err)
  local record = {}
  for _, name in ipairs(core.error_fields) do
    local value = err[name]
    if name == "cause" and type(value) == "table" then value = fields_of(value) end
    record[name] = value
  end
  return record
end

--- The record of an error (a library error table, or anything else raised).
function outcome.error_record(err)
  if type(err) ~= "table" then
    return { kind = "usage", message = tostring(err), submitted = "no", submitted_words = outcome.SUBMITTED.no }
  end
  local record = fields_of(err)
  record.retryable = err.retryable or false
  -- the library says `submitted` on submit failures; a task that failed later (a poll, its
  -- download) or that has the provider's id was taken by the provider: paid
  local taken = err.task_id or err.phase == "poll" or err.phase == "download" or err.phase == "webhook"
  record.submitted = err.submitted or (taken and "yes") or "no"
  record.submitted_words = outcome.SUBMITTED[record.submitted]
  return record
end

--- Whether --retry-failed sends this failed record again: a retryable error that was never sent
-- (a deadline that came before the submit too: the clock ended it, the provider has nothing), or
-- (unknown_too: --retry-unknown) one the provider may have received. Nothing else is resent.
function outcome.retryable(record, unknown_too)
  local e = record.state == "failed" and record.error
  if not e then return false end
  if e.submitted == "no" then return e.retryable == true or e.kind == "deadline_exceeded" end
  return unknown_too and e.submitted == "unknown" or false
end

--- One line saying what a record came to, for the terminal and status.
function outcome.describe(r)
  if r.state == "failed" and r.error then
    return ("line %d failed: %s: %s (%s)"):format(r.line, tostring(r.error.kind), tostring(r.error.message),
      r.error.submitted_words or outcome.SUBMITTED[r.error.submitted or "no"])
  end
  if r.missing then
    return ("line %d succeeded but %s is missing: %s; %s"):format(r.line, tostring(r.missing.path),
      r.missing.why, r.missing.advice or "")
  end
  return ("line %d %s"):format(r.line, tostring(r.state))
end

return outcome
