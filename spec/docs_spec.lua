-- Every code block of README.md and docs/**/*.md runs here, on each Lua of `make test`, or its
-- marker says why it is not run (spec/support/docs.lua reads the blocks and their markers): a
-- snippet cannot rot unseen. Each block is run as a reader would run it, in a directory of its
-- own, by the Lua under test, against a simulator this spec starts, with the environment a reader
-- has: every provider's key variable (FOXAPI_API_KEY, …) holds the simulator's key.
--
-- What the spec adds around a block, never inside it:
--   ```lua   runs after `gentask = require "gentask"`, with gentask.client wrapped so that a
--            client made without base_url (or region) talks to the simulator's address for its
--            provider. This is the harness's doing, in the block's process only: the library
--            itself reads no base URL from the environment.
--   ```sh    runs with `sh -e` where `gentask` is this checkout's bin/gentask on the Lua under
--            test; with `given: sim`, `gentask run` and `gentask batch` get --sim unless they have
--            it (or --base-url) already.
-- A `given:` marker names what the block assumes exists (see GIVEN below); `then:` names a check
-- run after it (see THEN).
local Sim = require "support.sim"
local docs = require "support.docs"
local cli = require "support.cli"
local host = require "support.host"

local TIMEOUT = 60   -- seconds a block may take: the copas example once never returned

local capture, write = host.capture, host.write

local ROOT = capture("pwd"):match "^(.-)%s*$"

-- package.path and cpath with every relative entry made absolute: blocks run elsewhere
local function absolute(paths)
  return (paths:gsub("[^;]+", function(entry)
    if entry:sub(1, 1) ~= "/" then return ROOT .. "/" .. entry end
  end))
end

local PROVIDER_KEYS = { "FOXAPI_API_KEY", "BFL_API_KEY", "FLORA_API_KEY", "MODELSLAB_API_KEY", "APIXO_API_KEY" }

local LUA_PREAMBLE = [[
-- spec/docs_spec.lua's harness, run before the block (not part of it)
gentask = require "gentask"
local client, sim_url = gentask.client, os.getenv "GENTASK_DOCS_SIM"
gentask.client = function(options)
  if type(options) ~= "table" or options.base_url ~= nil or options.region ~= nil then return client(options) end
  local copy = {}
  for name, value in pairs(options) do copy[name] = value end
  local provider = type(options.provider) == "table" and options.provider.name or options.provider
  copy.base_url = sim_url .. "/" .. tostring(provider)
  return client(copy)
end
]]

-- Runs the block's file and prints an error with tostring: Lua 5.1's interpreter prints an error
-- table as "(error object is not a string)", which would hide what went wrong.
local LUA_RUNNER = [[
return function(path)
  local ok, err = xpcall(function() dofile(path) end, function(e) return debug.traceback(tostring(e), 2) end)
  if not ok then
    io.stderr:write(err, "\n")
    os.exit(1)
  end
end
]]

-- The Lua under test, in a shell: under `make sanitize` the ASan runtime is for it alone
local DOCS_LUA = 'docs_lua() { LD_PRELOAD="$GENTASK_DOCS_PRELOAD" "$GENTASK_DOCS_LUA" "$@"; }\n'

local SH_PREAMBLE = DOCS_LUA .. [[
# spec/docs_spec.lua's harness, sourced before the block (not part of it)
gentask() { docs_lua "$GENTASK_DOCS_ROOT/bin/gentask" "$@"; }
]]

local PROMPTS = '{"model": "flux-dev", "prompt": "a red fox in snow"}\n'
  .. '{"model": "flux-dev", "key": "lighthouse", "prompt": "a lighthouse in a storm"}\n'

-- What a `given:` marker may name: code run before a lua block (lua) or an sh block (sh), and
-- files put in the block's directory (files: name → function returning the content).
local GIVEN = {
  fox = { lua = 'fox = gentask.client { provider = "foxapi", api_key = os.getenv "FOXAPI_API_KEY" }' },
  bfl = { lua = 'bfl = gentask.client { provider = "bfl", api_key = os.getenv "BFL_API_KEY" }' },
  key = { lua = 'key = os.getenv "FOXAPI_API_KEY"' },
  ["day.png"] = { file = "day.png" },
  ["prompts.jsonl"] = { file = "prompts.jsonl" },
  sim = { sh = [[
gentask() {
  subcommand=$1; shift
  case "$subcommand: $* " in
    run:*" --sim "*|batch:*" --sim "*|run:*" --base-url "*|batch:*" --base-url "*) ;;
    run:*|batch:*) set -- --sim "$@" ;;
  esac
  docs_lua "$GENTASK_DOCS_ROOT/bin/gentask" "$subcommand" "$@"
}
]] },
}

-- What a `then:` marker may name: Lua appended to the block (its locals in scope), checking that
-- what it defined works.
local THEN = {
  -- the profile table of "Adding a provider" drives a task at the simulator's /acme service
  acme = [[

local checked = gentask.client { provider = acme, api_key = os.getenv "FOXAPI_API_KEY", poll_interval = 0.05 }
local result = checked:submit("portrait", { prompt = "a fox [n=2]" }):wait()
assert(result.provider == "acme" and #result.urls == 2, "the acme profile gave " .. #result.urls .. " URLs")
local _, err = checked:submit("portrait", { prompt = "x [fail=nsfw]" }):result()
assert(err and err.kind == "moderated" and err.stage == "output", "fail=nsfw: " .. tostring(err))
]],
}

local NOT_RUN = { excerpt = true, synopsis = true, output = true }
local TOP_DIRS = { spec = true, examples = true, lua = true, bin = true, csrc = true, docs = true, tools = true,
                   bench = true, fuzz = true }

-- A block's marker as { word → text }; an unknown word or a repeated one raises.
local function clauses_of(block)
  local by_word = {}
  for _, clause in ipairs(block.marker or {}) do
    local known = NOT_RUN[clause.word] or clause.word == "given" or clause.word == "host"
      or clause.word == "then" or clause.word == "prompts"
    assert(known, ("unknown marker clause %q (excerpt, synopsis, output, given, host, then, prompts)"):format(clause.word))
    assert(by_word[clause.word] == nil, "marker clause repeated: " .. clause.word)
    assert(clause.word ~= "host" or clause.text:match "^[%w_%.]+$", "host: names one Lua module: " .. clause.text)
    by_word[clause.word] = clause.text
  end
  return by_word
end

-- A block shown and not run: its marker must say why, and the repository files it names (the
-- spec or example that covers it) must exist.
local function check_not_run(word, text)
  assert(text ~= "", ("a %q marker says why the block is not run: <!-- %s: WHY -->"):format(word, word))
  for path in text:gmatch "([%w_%.%-]+/[%w_%./%-]*%w)" do
    if TOP_DIRS[path:match "^[^/]+"] then
      local named = assert(io.open(ROOT .. "/" .. path), "the marker names " .. path .. ", which is not in the repository")
      named:close()
    end
  end
end

describe("the code blocks of README.md and docs/", function()
  local sim, work, png

  setup(function()
    sim = Sim.start "--duration-ms 100"
    work = cli.tmpdir()
    -- a real image for blocks given day.png: one the simulator made
    local made = sim:foxapi():submit("flux-dev", { prompt = "day" }):download(work .. "/day.png")
    png = assert(cli.read(assert(made)[1].path))
  end)
  teardown(function()
    sim:stop()
    os.execute("rm -rf " .. cli.quote(work))
  end)

  local FILES = { ["day.png"] = function() return png end, ["prompts.jsonl"] = function() return PROMPTS end }

  -- The block's directory with its environment (env.sh), its givens' files and its scripts
  -- (name → text); runs the command there and returns what it printed (stdout and stderr) and its
  -- exit status.
  local function run_in_dir(block, names, scripts, command)
    local dir = ("%s/%s-%d"):format(work, block.file:gsub("[/.]", "_"), block.line)
    assert(os.execute("mkdir -p " .. cli.quote(dir)))
    for _, name in ipairs(names) do
      if GIVEN[name].file then write(dir .. "/" .. name, FILES[GIVEN[name].file]()) end
    end
    local env = {
      ("export LUA_PATH=%s LUA_CPATH=%s"):format(cli.quote(absolute(package.path) .. ";;"),
        cli.quote(absolute(package.cpath) .. ";;")),
      "export GENTASK_SIM=" .. cli.quote(absolute(os.getenv "GENTASK_SIM" or "build/gentask-sim")),
      "export GENTASK_DOCS_SIM=" .. cli.quote(sim.url),
      "export GENTASK_DOCS_LUA=" .. cli.quote(arg[-1]),
      "export GENTASK_DOCS_ROOT=" .. cli.quote(ROOT),
      -- under `make sanitize` the ASan runtime is for the Lua processes alone (docs_lua), not sh
      "export GENTASK_DOCS_PRELOAD=" .. cli.quote(os.getenv "LD_PRELOAD" or ""),
      "export LD_PRELOAD=",
      DOCS_LUA,
    }
    for _, name in ipairs(PROVIDER_KEYS) do env[#env + 1] = ("export %s=%s"):format(name, Sim.key) end
    write(dir .. "/env.sh", table.concat(env, "\n") .. "\n")
    for name, text in pairs(scripts) do write(dir .. "/" .. name, text) end
    write(dir .. "/docs_spec_run.sh", ". ./env.sh\n" .. command .. "\n")
    local out = capture(("cd %s && timeout -k 5 %d sh docs_spec_run.sh 2>&1; echo \"exit $?\""):format(
      cli.quote(dir), TIMEOUT))
    local status = tonumber(out:match "exit (%d+)\n$")
    return out:gsub("exit %d+\n$", ""), status
  end

  local function preamble(names, language)
    local parts = { language == "lua" and LUA_PREAMBLE or SH_PREAMBLE }
    for _, name in ipairs(names) do
      assert(GIVEN[name], ("given %q: the spec knows no such thing (see GIVEN in spec/docs_spec.lua)"):format(name))
      parts[#parts + 1] = GIVEN[name][language] or ""
    end
    if language == "lua" then parts[#parts + 1] = LUA_RUNNER end
    return table.concat(parts, "\n") .. "\n"
  end

  -- The script is named after the Markdown file and starts at the block's line (blank lines before
  -- it), so an error's position reads as the file's: README.md.lua:20 is README.md's line 20.
  local function run_block(block, clauses)
    local names = clauses.given and docs.names(clauses.given) or {}
    local base = block.file:gsub("/", "_")
    local code = ("\n"):rep(block.line) .. block.text
    if clauses.prompts then
      return run_in_dir(block, names, { ["prompts.jsonl"] = block.text },
        'docs_lua "$GENTASK_DOCS_ROOT/bin/gentask" batch prompts.jsonl --sim -o out')
    elseif block.lang == "lua" then
      local after, check_name = "", clauses["then"] and clauses["then"]:match "^[%w_%-]*"
      if check_name then after = assert(THEN[check_name], "no check named " .. check_name .. " (see THEN)") end
      local scripts = { ["docs_spec_preamble.lua"] = preamble(names, "lua"), [base .. ".lua"] = code .. after }
      return run_in_dir(block, names, scripts,
        ("docs_lua -e \"dofile 'docs_spec_preamble.lua' '%s.lua'\""):format(base))
    elseif block.lang == "sh" then
      local scripts = { ["docs_spec_preamble.sh"] = preamble(names, "sh"), [base .. ".sh"] = code }
      return run_in_dir(block, names, scripts, ("sh -e -c '. ./docs_spec_preamble.sh; . ./%s.sh'"):format(base))
    end
    error(("a %s block can only be run marked prompts:"):format(block.lang ~= "" and block.lang or "bare"))
  end

  local function check(block)
    local clauses = clauses_of(block)
    for word in pairs(NOT_RUN) do
      if clauses[word] then return check_not_run(word, clauses[word]) end
    end
    local runnable = block.lang == "lua" or block.lang == "sh" or clauses.prompts
    assert(runnable, ("a %s block is neither run nor marked: put <!-- excerpt: WHY --> (or output:, synopsis:) "
      .. "on the line before its fence"):format(block.lang ~= "" and block.lang or "bare"))
    local out, status = run_block(block, clauses)
    assert(status == 0, ("%s:%d exited %s%s:\n%s"):format(block.file, block.line, tostring(status),
      status == 124 and (" (still running after " .. TIMEOUT .. " s)") or "", out))
  end

  local found = 0
  for _, file in ipairs(docs.files()) do
    for _, block in ipairs(docs.blocks(file)) do
      found = found + 1
      local name = ("%s:%d %s"):format(block.file, block.line, block.lang ~= "" and block.lang or "block")
      local read, clauses = pcall(clauses_of, block)
      local needs = read and clauses.host
      if needs and not pcall(require, needs) then
        pending(("%s: needs %s, which %s cannot load here (Debian's lua-%s is not built for it)"):format(
          name, needs, _VERSION, needs))
      else
        it(name, function() check(block) end)
      end
    end
  end

  it("finds the blocks (a reader that found none would pass everything)", function()
    assert.is_true(found >= 20, "blocks found: " .. found)
  end)
end)

describe("spec/support/docs.lua (how the blocks are read)", function()
  local function blocks_of(markdown)
    local path = os.tmpname()
    write(path, markdown)
    local ok, blocks = pcall(docs.blocks, path)
    os.remove(path)
    assert(ok, blocks)
    return blocks
  end

  it("reads top-level and indented fences, and the marker on the line before each", function()
    local blocks = blocks_of(table.concat({
      "text", "<!-- excerpt: a; b; given: fox, day.png (an image); typo: x -->", "```lua", "x = 1", "```",
      "- item", "  <!-- prompts: lines -->", "  ```json", "  {}", "  ```", "```", "bare", "```", "" }, "\n"))
    assert.equal(3, #blocks)
    assert.same({ 3, "lua", "x = 1\n" }, { blocks[1].line, blocks[1].lang, blocks[1].text })
    -- a `;` followed by no `word:` stays in the clause's text; any `word:` starts a clause, so that a
    -- misspelt one is refused rather than read as text
    assert.same({ { word = "excerpt", text = "a; b" }, { word = "given", text = "fox, day.png (an image)" },
                  { word = "typo", text = "x" } }, blocks[1].marker)
    assert.same({ "fox", "day.png" }, docs.names(blocks[1].marker[2].text))
    assert.same({ 8, "json", "{}\n", "prompts" }, { blocks[2].line, blocks[2].lang, blocks[2].text, blocks[2].marker[1].word })
    assert.same({ 11, "", "bare\n" }, { blocks[3].line, blocks[3].lang, blocks[3].text })
    assert.is_nil(blocks[3].marker)
  end)

  it("refuses a fence never closed: the rest of the file would be read as code", function()
    local ok, err = pcall(docs.blocks, (function()
      local path = os.tmpname()
      write(path, "```sh\necho\n")
      return path
    end)())
    assert.is_false(ok)
    assert.matches("never closed", err)
  end)
end)
