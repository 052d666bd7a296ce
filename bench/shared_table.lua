-- bench/shared_table.lua RESULTS.tsv "BACKEND ..." — the table of `make bench-shared`
-- (bench/shared.sh writes the TSV: backend, n, rep, ok, user_s, sys_s, wall_s). Medians per backend; the
-- extra CPU per submit is the backend's median CPU less "none"'s, over N; "x file" divides it by
-- the file's extra CPU per submit.
local path, backend_list = arg[1], arg[2]
local runs, n = {}, 0
for line in io.lines(path) do
  local backend, count, _, ok, user, sys, wall = line:match "^(%S+)\t(%d+)\t(%d+)\t(%d+)\t(%S+)\t(%S+)\t(%S+)$"
  if backend then
    n = tonumber(count)
    runs[backend] = runs[backend] or {}
    table.insert(runs[backend], { ok = tonumber(ok), cpu = tonumber(user) + tonumber(sys), wall = tonumber(wall) })
  end
end

local function median(rows, name)
  local values = {}
  for _, row in ipairs(rows) do values[#values + 1] = row[name] end
  table.sort(values)
  local k = #values
  if k == 0 then return 0 end
  return k % 2 == 1 and values[(k + 1) / 2] or (values[k / 2] + values[k / 2 + 1]) / 2
end

local backends = {}
for name in backend_list:gmatch "%S+" do backends[#backends + 1] = name end
local none = runs.none and median(runs.none, "cpu") or 0
local file_extra = runs.file and (median(runs.file, "cpu") - none) / n or 0

print(("N = %d tasks per run; medians of %d runs each"):format(n, runs.none and #runs.none or 0))
print(("%-11s %9s %9s %9s %16s %8s"):format("backend", "ok", "cpu s", "wall s", "extra cpu/submit", "x file"))
for _, name in ipairs(backends) do
  local rows = runs[name]
  if rows then
    local cpu = median(rows, "cpu")
    local extra = (cpu - none) / n
    local ratio = name ~= "none" and file_extra > 0 and ("%.2f"):format(extra / file_extra) or "-"
    print(("%-11s %9d %9.3f %9.3f %13.1f µs %8s"):format(name, median(rows, "ok"), cpu, median(rows, "wall"),
      extra * 1e6, ratio))
  end
end
