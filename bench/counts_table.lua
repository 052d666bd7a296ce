-- bench/counts_table.lua RAW N1 N2 — the table of `make bench-counts` (bench/counts.sh writes RAW:
-- one line of name=value pairs per run). Per request = (count at N2 - count at N1) / (requests
-- at N2 - requests at N1), the median over the repeated runs, with min–max beside it.
local path, n1, n2 = arg[1], arg[2], arg[3]

local runs, peers = {}, {} -- runs[peer][rep][n] = { name = value }
for line in io.lines(path) do
  local row = {}
  for name, value in line:gmatch "(%S+)=(%S+)" do row[name] = tonumber(value) or value end
  if not runs[row.peer] then
    runs[row.peer] = {}
    peers[#peers + 1] = row.peer
  end
  runs[row.peer][row.rep] = runs[row.peer][row.rep] or {}
  runs[row.peer][row.rep][tostring(row.n)] = row
end

local rows = {
  { "curl_multi_socket_action (a socket)", "socket_action_fd" },
  { "curl_multi_socket_action (timeout)", "socket_action_timeout" },
  { "curl_multi_perform", "multi_perform" },
  { "all socket_action + perform", function(r)
    return r.socket_action_fd + r.socket_action_timeout + r.multi_perform
  end },
  { "waits (poll(2) / curl_multi_poll)", function(r) return r.poll_waits + r.multi_poll end },
  { "curl_multi_info_read", "info_read" },
  { "curl_multi_timeout", "multi_timeout" },
  { "timer callbacks", "timer_cb" },
  { "socket callbacks", "socket_cb" },
  { "curl_easy_setopt", "easy_setopt" },
  { "curl_easy_getinfo", "easy_getinfo" },
  { "curl_slist_append", "slist_append" },
  { "allocations: app C (core.so / floor)", "alloc_app" },
  { "allocations: cJSON", "alloc_cjson" },
  { "allocations: libc (stdio, resolver)", "alloc_libc" },
  { "allocations: Lua (realloc; LuaJIT: own allocator)", "alloc_lua" },
  { "allocations: libcurl", "alloc_curl" },
  { "allocations: other (TLS, zlib, loader)", "alloc_other" },
  { "allocations: all", function(r)
    return r.alloc_app + r.alloc_cjson + r.alloc_libc + r.alloc_lua + r.alloc_curl + r.alloc_other
  end },
}

local function value(row, how)
  if type(how) == "function" then return how(row) end
  return row[how]
end

local function per_request(peer, how)
  local values = {}
  for _, rep in pairs(runs[peer]) do
    local a, b = rep[n1], rep[n2]
    if a and b and b.requests > a.requests then
      values[#values + 1] = (value(b, how) - value(a, how)) / (b.requests - a.requests)
    end
  end
  table.sort(values)
  if #values == 0 then return "-" end
  local mid = (#values + 1) / 2
  local median = (values[math.floor(mid)] + values[math.ceil(mid)]) / 2
  if #values == 1 then return ("%.2f"):format(median) end
  return ("%.2f (%.2f–%.2f)"):format(median, values[1], values[#values])
end

local lines = { { "per request" } }
for _, peer in ipairs(peers) do lines[1][#lines[1] + 1] = peer end
for _, spec in ipairs(rows) do
  local line = { spec[1] }
  for _, peer in ipairs(peers) do line[#line + 1] = per_request(peer, spec[2]) end
  lines[#lines + 1] = line
end
local requests = { "requests at N1 / N2 (simulator)" }
for _, peer in ipairs(peers) do
  local _, rep = next(runs[peer])
  requests[#requests + 1] = ("%s / %s"):format(rep[n1] and rep[n1].requests or "-", rep[n2] and rep[n2].requests or "-")
end
lines[#lines + 1] = requests

dofile((arg[0]:match "^(.*)/" or ".") .. "/markdown.lua").print_table(lines)
print(("per request = (count at N=%s - count at N=%s) / (requests at N=%s - at N=%s), requests = submits + polls"
  .. " the simulator answered; median (min–max) over the runs"):format(n2, n1, n2, n1))
