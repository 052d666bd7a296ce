-- A strict reader of Prometheus' text exposition format (0.0.4), for specs: every line is a HELP, a
-- TYPE or a sample `name{label="value",…} number`; every sample's family was described (HELP and
-- TYPE) before it; a histogram's buckets do not decrease and its +Inf bucket is its _count. It
-- raises on the first fault, saying which line.
local prometheus = {}

local function unescape(value)
  return (value:gsub("\\(.)", { ["\\"] = "\\", ['"'] = '"', n = "\n" }))
end

-- label="value",… → { label = value }, refusing anything else
local function parse_labels(text, line)
  local labels, pos = {}, 1
  while pos <= #text do
    local name, first = text:match('^([%a_][%w_]*)="()', pos)
    assert(name, "a label is not name=\"value\": " .. line)
    local close = first   -- the value runs to its first unescaped quote
    while text:sub(close, close) ~= '"' do
      assert(close <= #text, "a label value is not closed: " .. line)
      close = close + (text:sub(close, close) == "\\" and 2 or 1)
    end
    local value = text:sub(first, close - 1)
    assert(labels[name] == nil, "a label twice: " .. line)
    labels[name] = unescape(value)
    pos = close + 1
    if text:sub(pos, pos) == "," then pos = pos + 1 else break end
  end
  assert(pos > #text, "something after the labels: " .. line)
  return labels
end

local function family_of(name, types)
  for _, suffix in ipairs { "_bucket", "_sum", "_count" } do
    local base = name:sub(1, #name - #suffix)
    if name:sub(-#suffix) == suffix and types[base] == "histogram" then return base end
  end
  return name
end

-- the labels but le, as one key: a histogram's series
local function series_key(labels)
  local names = {}
  for k in pairs(labels) do if k ~= "le" then names[#names + 1] = k end end
  table.sort(names)
  for i, k in ipairs(names) do names[i] = k .. "=" .. labels[k] end
  return table.concat(names, ",")
end

--- prometheus.parse(text) → { families = { [name] = { help =, type =, samples = { { name =, labels =,
--- value = }, … } } } }, after checking everything above.
function prometheus.parse(text)
  assert(text:sub(-1) == "\n", "the text does not end with a newline")
  local families, helps, types = {}, {}, {}
  for line in text:gmatch "([^\n]*)\n" do
    local help_name, help = line:match "^# HELP ([%a_:][%w_:]*) (.+)$"
    local type_name, kind = line:match "^# TYPE ([%a_:][%w_:]*) (%a+)$"
    if help_name then
      assert(not helps[help_name], "HELP twice for " .. help_name)
      helps[help_name] = help
    elseif type_name then
      assert(kind == "counter" or kind == "gauge" or kind == "histogram", "unknown type: " .. line)
      assert(helps[type_name], "TYPE before HELP for " .. type_name)
      types[type_name] = kind
      families[type_name] = { help = helps[type_name], type = kind, samples = {} }
    else
      local name, rest = line:match "^([%a_:][%w_:]*)(.*)$"
      assert(name, "not a sample line: " .. line)
      local label_text, value = rest:match "^{(.*)} (%S+)$"
      if not label_text then value = rest:match "^ (%S+)$" end
      assert(value, "a sample without a value: " .. line)
      local number = value == "+Inf" and math.huge or tonumber(value)
      assert(number, "a value that is not a number: " .. line)
      local family = families[family_of(name, types)]
      assert(family, "a sample before its family's HELP and TYPE: " .. line)
      family.samples[#family.samples + 1] =
        { name = name, labels = label_text and parse_labels(label_text, line) or {}, value = number }
    end
  end
  for name, family in pairs(families) do
    if family.type == "histogram" then prometheus.check_histogram(name, family) end
  end
  return { families = families }
end

--- Every series of a histogram: buckets in order of le, never decreasing, +Inf last and equal
--- to _count; a _sum beside it.
function prometheus.check_histogram(name, family)
  local series = {}
  local function of(labels)
    local key = series_key(labels)
    series[key] = series[key] or { buckets = {} }
    return series[key]
  end
  for _, s in ipairs(family.samples) do
    local one = of(s.labels)
    if s.name == name .. "_bucket" then
      assert(s.labels.le, "a bucket without le in " .. name)
      one.buckets[#one.buckets + 1] = { le = s.labels.le == "+Inf" and math.huge or tonumber(s.labels.le), value = s.value }
    elseif s.name == name .. "_count" then one.count = s.value
    elseif s.name == name .. "_sum" then one.sum = s.value end
  end
  for key, one in pairs(series) do
    assert(one.count and one.sum, name .. "{" .. key .. "} lacks _count or _sum")
    local last = one.buckets[#one.buckets]
    assert(last and last.le == math.huge, name .. "{" .. key .. "} has no +Inf bucket last")
    assert(last.value == one.count, name .. "{" .. key .. "}: +Inf bucket " .. last.value .. " ~= _count " .. one.count)
    for i = 2, #one.buckets do
      assert(one.buckets[i].le > one.buckets[i - 1].le, name .. "{" .. key .. "}: le not ascending")
      assert(one.buckets[i].value >= one.buckets[i - 1].value, name .. "{" .. key .. "}: a bucket decreases")
    end
  end
end

--- The sum of a family's samples named `name` whose labels hold every pair of `where`.
function prometheus.total(parsed, family, where, name)
  local f = parsed.families[family]
  if not f then return 0 end
  local total = 0
  for _, s in ipairs(f.samples) do
    local fits = s.name == (name or family)
    for k, v in pairs(where or {}) do fits = fits and s.labels[k] == tostring(v) end
    if fits then total = total + s.value end
  end
  return total
end

return prometheus
