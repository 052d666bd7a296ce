-- The fenced code blocks of the project's Markdown (README.md, docs/**/*.md) and the marker each
-- may carry, for spec/docs_spec.lua. A marker is an HTML comment on the line just before the
-- fence (invisible once rendered), made of clauses `WORD: TEXT` separated by `;` (a `;` that no
-- `WORD:` follows belongs to the text):
--
--   <!-- excerpt: WHY -->            shown, not run (a fragment, a signature); WHY says why
--   <!-- synopsis: WHAT -->          a command's usage line, not run
--   <!-- output: WHAT -->            what something prints or holds, not run
--   <!-- given: NAME, NAME (note) --> run after the spec sets up each NAME (fox, bfl, key, …)
--   <!-- host: MODULE -->            run only where the Lua under test can require MODULE
--   <!-- then: NAME -->              after the block, the spec runs its check NAME
--   <!-- prompts: WHY -->            lines of a prompts file: run with `gentask batch --sim`
local docs = {}

local function read(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read "*a"
  f:close()
  return text
end

--- The Markdown files whose blocks are checked: README.md and every .md under docs/, sorted.
function docs.files()
  local files = { "README.md" }
  local pipe = assert(io.popen "find docs -name '*.md' 2>/dev/null | LC_ALL=C sort")
  for path in pipe:lines() do files[#files + 1] = path end
  pipe:close()
  return files
end

--- The clauses of a marker line (`<!-- a: x; b: y -->`) as { {word =, text =}, … }, or nil when
--- the line is no HTML comment.
function docs.marker(line)
  local body = line and line:match "^%s*<!%-%-(.-)%-%->%s*$"
  if not body then return nil end
  local clauses = {}
  for piece in body:gmatch "[^;]+" do
    local word, text = piece:match "^%s*([%a][%w%-]*)%s*:%s*(.-)%s*$"
    if word or #clauses == 0 then
      clauses[#clauses + 1] = { word = word or piece:match "^%s*(.-)%s*$", text = text or "" }
    else   -- a `;` inside a clause's text, not before a new `word:`
      local last = clauses[#clauses]
      last.text = last.text .. ";" .. piece:gsub("%s+$", "")
    end
  end
  return clauses
end

--- The names a `given:` clause lists: parenthesised notes dropped, then split on commas.
function docs.names(text)
  local names = {}
  for name in text:gsub("%b()", ""):gmatch "[^,]+" do
    name = name:match "^%s*(.-)%s*$"
    if name ~= "" then names[#names + 1] = name end
  end
  return names
end

--- Every fenced block of one file: { file, line (the opening fence's), lang, text, marker }.
--- An unclosed fence raises: the rest of the file would be read as code.
function docs.blocks(path)
  local lines = {}
  for line in (read(path) .. "\n"):gmatch "(.-)\n" do lines[#lines + 1] = line end
  local blocks, i = {}, 1
  while i <= #lines do
    local indent, fence, lang = lines[i]:match "^(%s*)(```+)%s*([%w%-]*)%s*$"
    if fence then
      local block = { file = path, line = i, lang = lang, marker = docs.marker(lines[i - 1]) }
      local body, j = {}, i + 1
      while j <= #lines and not lines[j]:match("^%s*" .. fence .. "%s*$") do
        -- a block inside a list item is indented: its lines lose that indentation
        local line = lines[j]
        if line:sub(1, #indent) == indent then line = line:sub(#indent + 1) end
        body[#body + 1] = line
        j = j + 1
      end
      assert(j <= #lines, ("%s:%d: the fence opened here is never closed"):format(path, i))
      block.text = table.concat(body, "\n") .. "\n"
      blocks[#blocks + 1] = block
      i = j + 1
    else
      i = i + 1
    end
  end
  return blocks
end

return docs
