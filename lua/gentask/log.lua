--- Debug lines: one per request sent and one per answer, from the core's events.
-- GENTASK_LOG=debug prints them on stderr; a client's log = function(line) gets them instead.
-- The URL in an event was cleaned by the core (no user info, no spelling of the key); nothing
-- else in a line comes from outside gentask but the task id and curl's words.
-- @module gentask.log

local log = {}

local function text(value)
  return value == nil and "-" or tostring(value):gsub("%c", "?")
end

--- One event as one line.
-- @tparam table event a request or response event of the core (client:take_log())
-- @treturn string the line
-- @usage
-- -- gentask: request  foxapi submit #1 POST http://127.0.0.1:8080/foxapi/v1/images/generations
-- -- gentask: response foxapi poll #3 GET http://…/v1/tasks/t-1 -> 200 in 0.004 s task t-1
function log.format(event)
  local head = ("gentask: %-8s %s %s #%d %s %s"):format(event.kind, text(event.provider), text(event.phase),
    event.attempt or 0, text(event.method), text(event.url))
  if event.kind == "request" then
    return event.task_id and head .. " task " .. text(event.task_id) or head
  end
  local outcome = event.failure and ("failed (%s)"):format(text(event.failure)) or tostring(event.status)
  local line = ("%s -> %s in %.3f s"):format(head, outcome, event.seconds or 0)
  return event.task_id and line .. " task " .. text(event.task_id) or line
end

--- Where a client's lines go: its own log function, else stderr when GENTASK_LOG=debug.
-- @tparam[opt] func option the client's log option
-- @treturn ?func the sink, or nil: nowhere (the core keeps no events)
function log.sink(option)
  if option ~= nil then return option end
  local level = os.getenv "GENTASK_LOG"
  if level and level:lower() == "debug" then
    return function(line) io.stderr:write(line, "\n") end
  end
  return nil
end

return log
