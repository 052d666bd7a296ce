-- bench/markdown.lua — the bench tables' one printer: rows of text cells as a Markdown table,
-- the first row the header, the first column left-aligned and the others right-aligned (numbers).
-- Loaded by path (dofile) by bench/table.lua and bench/counts_table.lua.
local markdown = {}

-- a cell's width in characters: µ and – are two bytes each in UTF-8 (utf8 is 5.3+)
local function width(cell)
  return utf8 and utf8.len(cell) or #cell
end

function markdown.print_table(lines)
  local widths = {}
  for _, line in ipairs(lines) do
    for i, cell in ipairs(line) do widths[i] = math.max(widths[i] or 0, width(cell)) end
  end
  for k, line in ipairs(lines) do
    local cells = {}
    for i, cell in ipairs(line) do
      local pad = (" "):rep(widths[i] - width(cell))
      cells[i] = i == 1 and cell .. pad or pad .. cell
    end
    print("| " .. table.concat(cells, " | ") .. " |")
    if k == 1 then
      local rule = {}
      for i = 1, #line do rule[i] = (i == 1 and ":" or "") .. ("-"):rep(widths[i] - 1) .. (i == 1 and "" or ":") end
      print("| " .. table.concat(rule, " | ") .. " |")
    end
  end
end

return markdown
