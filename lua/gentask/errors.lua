--- The error kinds, the error table's metatable, is() and the usage error.
-- Every failure, whatever its provider or phase, is one table of this shape (core.error_fields
-- lists the names: the journal's record and the command's records carry the same):
-- kind, retryable, message, provider, phase, status, code, stage, request_id, task_id,
-- submitted, retry_after, attempts, body (a bounded excerpt of the raw response),
-- idempotency_key (what the submits carried, where the provider honours one), and cause: for a
-- deadline_exceeded after answers that were no answer (429, 503, a refused connection), the
-- last of them, an error table itself. The core has already scrubbed the API key from every
-- string it copied from a response.
-- @module gentask.errors

local core = require "gentask.core"

local errors = {}

-- kind → whether trying again can help: the core's defaults (core.kinds: name, retryable,
-- meaning); the core decides per error.
errors.kinds = {}
for _, kind in ipairs(core.kinds) do errors.kinds[kind.name] = kind.retryable end

local Error = {}
Error.__index = Error

local function describe(e)
  local parts = {}
  local function add(s) parts[#parts + 1] = s end
  if e.provider then add(e.provider) end
  if e.phase then add(e.phase) end
  -- a 200 that carried a task failure says nothing; a 200 that could not be read does
  if e.status and (e.kind == "protocol" or not (e.status >= 200 and e.status < 300)) then
    add("HTTP " .. tostring(e.status))
  end
  if e.code then add("code " .. tostring(e.code)) end
  if e.stage then add(e.stage .. " moderated") end
  if e.submitted == "unknown" then add("submission state unknown") end
  if e.task_id then add("task " .. tostring(e.task_id)) end
  if e.request_id then add("request " .. tostring(e.request_id)) end
  if e.retry_after then add(("retry after %gs"):format(e.retry_after)) end
  if type(e.cause) == "table" then add("last answer: " .. tostring(e.cause.kind)) end
  return #parts > 0 and (" (" .. table.concat(parts, ", ") .. ")") or ""
end

function Error.__tostring(e)
  return ("gentask: %s%s: %s"):format(tostring(e.kind), describe(e), tostring(e.message or "no message"))
end

--- Gives t the error metatable; fills retryable from the kind when absent.
-- @tparam table t an error table: kind, message, …
-- @treturn table t
function errors.new(t)
  if t.retryable == nil then t.retryable = errors.kinds[t.kind] or false end
  if type(t.cause) == "table" then errors.new(t.cause) end
  return setmetatable(t, Error)
end

--- True when err is a gentask error (of the given kind, when one is given).
-- @param err any value
-- @string[opt] kind an error kind
-- @treturn boolean
-- @usage if gentask.errors.is(err, "rate_limited") then gentask.sleep(err.retry_after or 1) end
function errors.is(err, kind)
  return type(err) == "table" and getmetatable(err) == Error and (kind == nil or err.kind == kind)
end

--- Raises a usage error at the caller's caller (level 2 from the function that checks).
-- @string message what is wrong
-- @int[opt=2] level as error()'s
function errors.usage(message, level)
  error(errors.new { kind = "usage", retryable = false, message = message }, (level or 2) + 1)
end

return errors
