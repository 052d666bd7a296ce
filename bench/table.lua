-- bench/table.lua RESULTS.tsv "PEER ..." — the table of `make bench` (bench/run.sh writes the TSV).
-- A row per (peer, N): the median of each column over the repeated runs. Marginal CPU is the
-- median CPU at N less the same peer's median at N = 0 (start-up excluded); "x floor" divides it
-- by the floor's marginal CPU at the same N.
local path, peer_list = arg[1], arg[2]
local columns = { "config", "peer", "n", "rep", "ok", "cpu", "wall", "rss", "submissions", "polls", "connections",
                  "full_handshakes" }

local runs = {} -- runs[peer][n] = { row, ... }
local ns, seen_n, config = {}, {}, "http"
for line in io.lines(path) do
  local row, i = {}, 1
  for value in (line .. "\t"):gmatch "([^\t]*)\t" do
    row[columns[i]] = tonumber(value) or value
    i = i + 1
  end
  config = row.config
  runs[row.peer] = runs[row.peer] or {}
  runs[row.peer][row.n] = runs[row.peer][row.n] or {}
  table.insert(runs[row.peer][row.n], row)
  if not seen_n[row.n] then
    seen_n[row.n] = true
    ns[#ns + 1] = row.n
  end
end
table.sort(ns)

local function median(rows, name)
  local values = {}
  for _, row in ipairs(rows) do
    if type(row[name]) == "number" then values[#values + 1] = row[name] end
  end
  if #values == 0 then return nil end
  table.sort(values)
  local middle = (#values + 1) / 2
  return (values[math.floor(middle)] + values[math.ceil(middle)]) / 2
end

local function per_task(value, n)
  if not value or n == 0 then return "-" end
  return ((value > 0 and value < 0.1 * n) and "%.3f" or "%.2f"):format(value / n)
end

local peers = {}
for peer in peer_list:gmatch "%S+" do
  if runs[peer] then peers[#peers + 1] = peer end
end

local function marginal(peer, n)
  local at_n = runs[peer] and runs[peer][n] and median(runs[peer][n], "cpu")
  local at_0 = runs[peer] and runs[peer][0] and median(runs[peer][0], "cpu")
  return at_n and at_0 and at_n - at_0
end

local tls = config == "tls"
local header = { "peer", "N", "ok/N", "CPU s", "wall s", "RSS MB", "req/task", "polls/task", "conn/task" }
if tls then header[#header + 1] = "full TLS hs/task" end
for _, h in ipairs { "marginal CPU s", "ms/task", "µs/req", "x floor" } do header[#header + 1] = h end

local lines = { header }
for _, n in ipairs(ns) do
  for _, peer in ipairs(peers) do
    local rows = runs[peer][n]
    if rows then
      local submissions, polls = median(rows, "submissions"), median(rows, "polls")
      local cpu, extra = marginal(peer, n), marginal("floor", n)
      local line = {
        peer, tostring(n), ("%g/%d"):format(median(rows, "ok"), n), ("%.3f"):format(median(rows, "cpu")),
        ("%.2f"):format(median(rows, "wall")), ("%.1f"):format(median(rows, "rss") / 1024),
        per_task(submissions and polls and submissions + polls, n), per_task(polls, n),
        per_task(median(rows, "connections"), n),
      }
      if tls then line[#line + 1] = per_task(median(rows, "full_handshakes"), n) end
      line[#line + 1] = n == 0 and "-" or ("%.3f"):format(cpu)
      line[#line + 1] = n == 0 and "-" or ("%.3f"):format(cpu * 1000 / n)
      local requests = submissions and polls and submissions + polls
      line[#line + 1] = (n == 0 or not requests or requests == 0) and "-" or ("%.0f"):format(cpu * 1e6 / requests)
      -- a run where tasks failed did another job: its ratio is marked
      local mark = median(rows, "ok") < n and "*" or ""
      line[#line + 1] = (n == 0 or not extra or extra <= 0) and "-" or ("%.1f%s"):format(cpu / extra, mark)
      lines[#lines + 1] = line
    end
  end
end

dofile((arg[0]:match "^(.*)/" or ".") .. "/markdown.lua").print_table(lines)
print(("medians of %d runs; marginal CPU = CPU at N - CPU at N = 0 (per task: ms/task, per request the simulator"
  .. " counted: µs/req); x floor = marginal CPU / the floor's at the same N"):format(#runs[peers[1]][ns[1]]))
print("*: not every task succeeded, so that run did less (or other) work than the floor's;"
  .. " req/task, polls/task: counted by gentask-sim; conn/task: TCP connections the client opened"
  .. (tls and " (counted at nginx); full TLS hs/task: connections whose TLS session was not resumed" or ""))
