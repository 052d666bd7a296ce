-- gentask.cli.progress — what a batch shows while it runs. On a terminal: one line, redrawn in
-- place, with the tasks counted by state, done and failed, the rate and the time left. Otherwise
-- (a pipe, a file, CI): a JSON object per line, one per task as it ends and a summary at the end,
-- for other programs to read.

local cjson = require "cjson.safe"
local core = require "gentask.core"
local money = require "gentask.cli.money"

local progress = {}

--- Whether fd 1 is a terminal (the shell's test -t sees the same stdout as this process).
function progress.stdout_is_terminal()
  local ok = os.execute "test -t 1"
  return ok == true or ok == 0
end

local function clock(seconds)
  if not seconds or seconds ~= seconds or seconds == math.huge then return "--:--" end
  seconds = math.floor(seconds + 0.5)
  return ("%d:%02d"):format(math.floor(seconds / 60), seconds % 60)
end

-- The states shown, in the core's order (core.states): those a task goes through before its
-- result, then "downloading", the CLI's own name for a succeeded task whose files are still
-- being written.
progress.STATES = {}
for _, state in ipairs(core.states) do
  if state == "succeeded" then break end
  progress.STATES[#progress.STATES + 1] = state
end
progress.STATES[#progress.STATES + 1] = "downloading"
local STATES = progress.STATES

--- The bar's one line, from counts = { total, ended, succeeded, failed, [state] = n, elapsed, spent
-- (gentask.cli.money's total of the lines ended) }.
function progress.line(c, width)
  local ended = c.succeeded + c.failed
  local bar_width = 20
  local filled = c.total > 0 and math.floor(bar_width * ended / c.total) or bar_width
  local parts = { ("[%s%s] %d/%d"):format(("#"):rep(filled), ("."):rep(bar_width - filled), ended, c.total) }
  for _, state in ipairs(STATES) do
    if (c[state] or 0) > 0 then parts[#parts + 1] = ("%s %d"):format(state, c[state]) end
  end
  local rate = c.elapsed > 0 and c.rate_ended / c.elapsed or 0
  local left = c.total - ended
  parts[#parts + 1] = ("| done %d failed %d | %.1f/s ETA %s"):format(c.succeeded, c.failed, rate,
    left == 0 and clock(0) or rate > 0 and clock(left / rate) or "--:--")
  local spent = c.spent and money.spent_text(c.spent)
  if spent then parts[#parts + 1] = "| spent " .. spent end
  local line = table.concat(parts, " ")
  if width and #line > width then line = line:sub(1, width) end
  return line
end

--- A reporter: start(total), tick(counts), ended(record), finish(summary).
function progress.reporter(kind, out)
  out = out or io.stdout
  if kind == "bar" then
    return {
      start = function() end,
      tick = function(_, counts)
        -- \r and "erase to the end of the line": a shorter line leaves nothing of the last one
        out:write("\r", progress.line(counts, 160), "\27[K")
        out:flush()
      end,
      ended = function() end,
      finish = function(_, counts)
        out:write("\r", progress.line(counts, 160), "\27[K\n")
        out:flush()
      end,
    }
  elseif kind == "json" then
    return {
      -- each line is flushed as it is written: a reader acts on it at once (a pipe buffers otherwise)
      start = function(_, total)
        out:write(cjson.encode { event = "start", total = total }, "\n")
        out:flush()
      end,
      tick = function() end,
      ended = function(_, record)
        local line = { event = "task" }
        for k, v in pairs(record) do line[k] = v end
        out:write(cjson.encode(line), "\n")
        out:flush()
      end,
      finish = function() end,
    }
  end
  return { start = function() end, tick = function() end, ended = function() end, finish = function() end }
end

return progress
