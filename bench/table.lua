-- bench/table.lua RESULTS.tsv "PEER ..." — the tables of `make bench` (bench/run.sh writes the TSV).
-- A row per (peer, N): the median of each column over the repeated runs. Marginal CPU is the
-- median CPU at N less the same peer's median at N = 0 (start-up excluded); "x floor" divides it
-- by the floor's marginal CPU at the same N, "x floor/req" divides the marginal CPU per request the
-- simulator counted by the floor's same figure, and "x ideal" divides the wall time by the job's
-- ideal makespan: every task submitted at once, ended after its duration and seen by the next poll
-- (duration + one poll interval). A second table gives the headline figures' spread (median and
-- min–max), and over TLS a third counts connections, full handshakes and resumptions per task.
local path, peer_list = arg[1], arg[2]
local columns = { "config", "dialect", "duration_ms", "poll_s", "peer", "n", "rep", "ok", "cpu", "wall", "rss",
                  "submissions", "accepted", "polls", "connections", "tls_connections", "full_handshakes",
                  "resumptions" }

local runs = {} -- runs[peer][n] = { row, ... }
local ns, seen_n, job = {}, {}, nil
for line in io.lines(path) do
  local row, i = {}, 1
  for value in (line .. "\t"):gmatch "([^\t]*)\t" do
    row[columns[i]] = tonumber(value) or value
    i = i + 1
  end
  job = job or row
  runs[row.peer] = runs[row.peer] or {}
  runs[row.peer][row.n] = runs[row.peer][row.n] or {}
  table.insert(runs[row.peer][row.n], row)
  if not seen_n[row.n] then
    seen_n[row.n] = true
    ns[#ns + 1] = row.n
  end
end
if not job then
  io.stderr:write("bench: ", path, " holds no results\n")
  os.exit(1)
end
table.sort(ns)

local function sorted_values(rows, name)
  local values = {}
  for _, row in ipairs(rows) do
    if type(row[name]) == "number" then values[#values + 1] = row[name] end
  end
  table.sort(values)
  return values
end

local function median(rows, name)
  local values = sorted_values(rows, name)
  if #values == 0 then return nil end
  local middle = (#values + 1) / 2
  return (values[math.floor(middle)] + values[math.ceil(middle)]) / 2
end

-- "median (min–max)" of a column, each value through scale, in format
local function spread(rows, name, format, scale)
  scale = scale or function(v) return v end
  local values = sorted_values(rows, name)
  if #values == 0 then return "-" end
  local mid = format:format(scale(median(rows, name)))
  if #values == 1 then return mid end
  return ("%s (%s–%s)"):format(mid, format:format(scale(values[1])), format:format(scale(values[#values])))
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

local function requests(peer, n)
  local rows = runs[peer] and runs[peer][n]
  local submissions, polls = rows and median(rows, "submissions"), rows and median(rows, "polls")
  return submissions and polls and submissions + polls
end

-- marginal CPU per request the simulator counted, or nil
local function per_request(peer, n)
  local cpu, count = marginal(peer, n), requests(peer, n)
  return cpu and count and count > 0 and cpu / count or nil
end

-- fn(peer, n, rows) for each peer's runs at each N, in the tables' order; N = 0 too when with_zero
local function each_cell(with_zero, fn)
  for _, n in ipairs(ns) do
    for _, peer in ipairs(peers) do
      local rows = runs[peer][n]
      if rows and (with_zero or n > 0) then fn(peer, n, rows) end
    end
  end
end

local ideal_s = (job.duration_ms / 1000) + job.poll_s
local function ratio(value, floor_value, mark)
  if not value or not floor_value or floor_value <= 0 then return "-" end
  return ("%.2f%s"):format(value / floor_value, mark)
end

local tls = job.config == "tls"
local markdown = dofile((arg[0]:match "^(.*)/" or ".") .. "/markdown.lua")
print(("%s, %s dialect: tasks of %d ms polled every %g s (ideal makespan %g s)"):format(
  tls and "HTTPS (HTTP/2, TLS 1.3, through nginx)" or "plain HTTP", job.dialect, job.duration_ms, job.poll_s, ideal_s))
print()

local lines = { { "peer", "N", "ok/N", "CPU s", "wall s", "RSS MB", "req/task", "polls/task", "conn/task",
                  "marginal CPU s", "ms/task", "µs/req", "x floor", "x floor/req", "x ideal" } }
each_cell(true, function(peer, n, rows)
  local cpu, count = marginal(peer, n), requests(peer, n)
  -- a run where tasks failed did another job: its ratios are marked
  local mark = median(rows, "ok") < n and "*" or ""
  local wall, cost = median(rows, "wall"), per_request(peer, n)
  lines[#lines + 1] = {
    peer, tostring(n), ("%g/%d"):format(median(rows, "ok"), n), ("%.3f"):format(median(rows, "cpu")),
    ("%.2f"):format(wall), ("%.1f"):format(median(rows, "rss") / 1024),
    per_task(count, n), per_task(median(rows, "polls"), n), per_task(median(rows, "connections"), n),
    n == 0 and "-" or ("%.3f"):format(cpu),
    n == 0 and "-" or ("%.3f"):format(cpu * 1000 / n),
    (n == 0 or not cost) and "-" or ("%.0f"):format(cost * 1e6),
    n == 0 and "-" or ratio(cpu, marginal("floor", n), mark),
    n == 0 and "-" or ratio(cost, per_request("floor", n), mark),
    n == 0 and "-" or ("%.2f%s"):format(wall / ideal_s, mark),
  }
end)
markdown.print_table(lines)
print(("medians of %d runs; marginal CPU = CPU at N - CPU at N = 0 (per task: ms/task, per request the simulator"
  .. " counted: µs/req); x floor = marginal CPU / the floor's at the same N; x floor/req = marginal CPU per request"
  .. " / the floor's; x ideal = wall / (task duration + one poll interval)"):format(#runs[peers[1]][ns[1]]))
print("*: not every task succeeded, so that run did less (or other) work than the floor's;"
  .. " req/task, polls/task: counted by gentask-sim; conn/task: TCP connections the client opened"
  .. (tls and " (counted at nginx)" or ""))

-- the headline figures' spread: median (min–max) over the runs
print()
lines = { { "peer", "N", "CPU s", "wall s", "x ideal" } }
each_cell(false, function(peer, n, rows)
  lines[#lines + 1] = { peer, tostring(n), spread(rows, "cpu", "%.3f"), spread(rows, "wall", "%.2f"),
                        spread(rows, "wall", "%.2f", function(wall) return wall / ideal_s end) }
end)
markdown.print_table(lines)
print("median (min–max) of each peer's runs at each N, start-up included")

if tls then
  print()
  lines = { { "peer", "N", "conn/task", "full hs/task", "resumed/task", "req/conn" } }
  each_cell(false, function(peer, n, rows)
    local connections, count = median(rows, "tls_connections"), requests(peer, n)
    lines[#lines + 1] = {
      peer, tostring(n), per_task(connections, n), per_task(median(rows, "full_handshakes"), n),
      per_task(median(rows, "resumptions"), n),
      (connections and connections > 0 and count) and ("%.1f"):format(count / connections) or "-",
    }
  end)
  markdown.print_table(lines)
  print("from nginx's access log ($connection, $ssl_session_reused of each request): connections that carried"
    .. " requests; full hs: their TLS session was new; resumed: it was resumed; medians")
end
