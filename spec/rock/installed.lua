-- The installed rocks, gentask and gentask-sim beside it, tested where luarocks put them. Run by
-- tools/rock-test.sh (`make rock-test`, part of `make test`) once per Lua version and stage, never
-- by the normal passes: its name does not match .busted's "_spec" pattern. The script gives it a
-- fresh tree (GENTASK_ROCK_TREE) as the working directory, package.path/cpath from `luarocks path
-- --tree`, GENTASK_SIM = the tree's bin/gentask-sim and GENTASK_ROCK_VERSION, the version luarocks
-- installed: scm-1 after `luarocks make` from the checkout, the release's (0.1.0-1) after
-- `luarocks install` of the source rocks `make dist` made, which are then in GENTASK_SRC_ROCKS.
-- GENTASK_SOURCE is the checkout, read only to compare against.
local tree = assert(os.getenv "GENTASK_ROCK_TREE", "run me with tools/rock-test.sh")
local source = assert(os.getenv "GENTASK_SOURCE")
local sim_bin = assert(os.getenv "GENTASK_SIM")
local rock_version = os.getenv "GENTASK_ROCK_VERSION" or "scm-1"
local src_rocks = os.getenv "GENTASK_SRC_ROCKS"
if src_rocks == "" then src_rocks = nil end
local lua_bin = os.getenv "GENTASK_LUA_BIN" or "lua"
local lua_version = _VERSION:match "%d+%.%d+"   -- LuaJIT says 5.1, as luarocks does
local luadir = tree .. "/share/lua/" .. lua_version
local libdir = tree .. "/lib/lua/" .. lua_version
-- where luarocks keeps what it installed: rock_manifest and the rockspec, per rock and version
local rocks_dir = tree .. "/lib/luarocks/rocks-" .. lua_version
local key = "sk-test-gentask"

local function under(dir, file)
  return type(file) == "string" and file:sub(1, #dir + 1) == dir .. "/"
end

-- package.searchpath, which PUC 5.1 lacks
local function searchpath(name, path)
  if package.searchpath then return (package.searchpath(name, path)) end
  name = name:gsub("%.", "/")
  for template in path:gmatch "[^;]+" do
    local file = template:gsub("%?", name)
    local f = io.open(file, "rb")
    if f then f:close() return file end
  end
end

-- the checkout's test helpers, loaded by file: gentask itself must come from the tree alone
local read = dofile(source .. "/spec/support/host.lua").read

local function sh_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function command_lines(cmd)
  local pipe = assert(io.popen(cmd))
  local out = {}
  for line in pipe:lines() do out[#out + 1] = line end
  pipe:close()
  return out
end

-- a Lua-syntax data file (luarocks' rock_manifest) read into a table, on 5.1 and 5.2+
local function load_data(path)
  local env = {}
  local text = assert(read(path), "no " .. path)
  local chunk
  if setfenv then
    chunk = assert(loadstring(text, "@" .. path))
    setfenv(chunk, env)
  else
    chunk = assert(load(text, "@" .. path, "t", env))
  end
  chunk()
  return env
end

-- the checkout's Lua modules, relative to lua/: gentask/init.lua, gentask/loop/plain.lua, ...
local function source_modules()
  local files = command_lines("cd " .. sh_quote(source .. "/lua") .. " && find gentask -name '*.lua' | sort")
  assert(#files > 0, "no Lua files under " .. source .. "/lua")
  return files
end

local function module_name(rel)
  return (rel:gsub("%.lua$", ""):gsub("/init$", ""):gsub("/", "."))
end

describe("the installed rock", function()
  local gentask = require "gentask"

  it("is what require finds: package paths lead into the tree, never into the checkout", function()
    assert.is_nil(package.path:find(source, 1, true), "package.path names the checkout")
    assert.is_nil(package.cpath:find(source, 1, true), "package.cpath names the checkout")
    for _, rel in ipairs(source_modules()) do
      assert.equal(luadir .. "/" .. rel, searchpath(module_name(rel), package.path), module_name(rel))
    end
    assert.equal(libdir .. "/gentask/core.so", searchpath("gentask.core", package.cpath))
  end)

  it("ran every loaded gentask function from a file in the tree", function()
    assert.equal("@" .. luadir .. "/gentask/init.lua", debug.getinfo(gentask.client, "S").source)
    local modules, functions = 0, 0
    for name, mod in pairs(package.loaded) do
      if name == "gentask" or name:match "^gentask%." then
        if name ~= "gentask.core" then
          modules = modules + 1
          assert.is_true(under(luadir, searchpath(name, package.path)), name)
        end
        if type(mod) == "table" then
          for _, fn in pairs(mod) do
            if type(fn) == "function" then
              local info = debug.getinfo(fn, "S")
              if info.what ~= "C" then
                functions = functions + 1
                assert.is_true(under(luadir, info.source:match "^@(.*)"), name .. ": " .. info.source)
              end
            end
          end
        end
      end
    end
    assert.is_true(modules >= 3, "gentask and the modules it requires were loaded")
    assert.is_true(functions >= 10)
  end)

  it("loaded gentask.core from the tree's lib dir (the shared object this process mapped)", function()
    assert.truthy(package.loaded["gentask.core"], "gentask.core is loaded")
    local maps = read "/proc/self/maps"
    if not maps then return pending "no /proc/self/maps here" end
    local mapped = {}
    for path in maps:gmatch "(/%S*gentask/core%.so)\n" do mapped[path] = true end
    assert.same({ [libdir .. "/gentask/core.so"] = true }, mapped)
  end)

  it("holds every Lua module of the checkout, byte for byte, and luarocks' manifest lists them", function()
    local manifest = load_data(rocks_dir .. "/gentask/" .. rock_version .. "/rock_manifest").rock_manifest
    local function listed(root, rel)
      local node = root
      for part in rel:gmatch "[^/]+" do
        node = type(node) == "table" and node[part] or nil
      end
      return node ~= nil
    end
    local expected = {}
    for _, rel in ipairs(source_modules()) do
      expected[rel] = true
      local installed = read(luadir .. "/" .. rel)
      assert.truthy(installed, rel .. " is installed")
      assert.is_true(installed == read(source .. "/lua/" .. rel), rel .. " is the checkout's")
      assert.is_true(listed(manifest.lua, rel), rel .. " is in the rock manifest")
    end
    for _, rel in ipairs { "gentask/init.lua", "gentask/loop/plain.lua", "gentask/loop/uv.lua",
                           "gentask/providers/foxapi.lua" } do
      assert.is_true(expected[rel], rel .. " exists (the walk above found the tree)")
    end
    -- and nothing else: the tree's modules are exactly the checkout's
    local extra = {}
    for _, rel in ipairs(command_lines("cd " .. sh_quote(luadir) .. " && find gentask -type f | sort")) do
      if not expected[rel] then extra[#extra + 1] = rel end
    end
    assert.same({}, extra)
    assert.is_true(listed(manifest.lib, "gentask/core.so"), "gentask.core is in the rock manifest")
    -- the simulator is a rock of its own: the library's only executable is the gentask command
    assert.same({ "gentask" }, (function()
      local names = {}
      for name in pairs(manifest.bin or {}) do names[#names + 1] = name end
      return names
    end)(), "the library rock installs the gentask command alone")
    local sim_rock = rocks_dir .. "/gentask-sim/" .. rock_version .. "/rock_manifest"
    local sim_manifest = load_data(sim_rock).rock_manifest
    assert.is_true(listed(sim_manifest.bin, "gentask-sim"), "gentask-sim is in its own rock's manifest")
    assert.is_nil(sim_manifest.lua, "the simulator's rock installs no Lua module")
  end)

  it("has a gentask command whose --sim finds the tree's gentask-sim by itself", function()
    local out = tree .. "/cli-out"
    -- no GENTASK_SIM and a PATH without the tree: the command looks beside its own gentask.core
    local lines = command_lines(("cd %s && env -u GENTASK_SIM PATH=/usr/bin:/bin %s run --sim -m flux-dev 'rock' -o %s"
      .. "; echo \"exit $?\""):format(sh_quote(tree), sh_quote(tree .. "/bin/gentask"), sh_quote(out)))
    assert.equal("exit 0", lines[#lines], table.concat(lines, "\n"))
    assert.truthy(lines[1]:match("^" .. out:gsub("%p", "%%%0") .. "/.+%.png$"), lines[1])
    assert.equal("\137PNG", read(lines[1]):sub(1, 4))
  end)

  it("has a gentask --version that prints the installed rockspec's version, as _VERSION does", function()
    local rockspec = load_data(("%s/gentask/%s/gentask-%s.rockspec"):format(rocks_dir, rock_version, rock_version))
    assert.equal(rock_version, rockspec.version)
    local lines = command_lines(sh_quote(tree .. "/bin/gentask") .. " --version; echo \"exit $?\"")
    assert.same({ gentask._VERSION, "exit 0" }, lines)
    if rock_version == "scm-1" then
      -- a checkout's rock: the version is the checkout's, whatever it is
      assert.truthy(gentask._VERSION:match "^gentask %d+%.%d+%.%d+$", gentask._VERSION)
    else
      -- a release: "0.1.0-1" is gentask 0.1.0, rockspec revision 1
      assert.equal("gentask " .. rock_version:match "^(.+)%-%d+$", gentask._VERSION)
    end
  end)

  it("serves a plain script run with the tree's paths (no busted): require finds gentask in the tree", function()
    local script = "local g = require 'gentask'; local c = require 'gentask.core'; "
      .. "print(g._VERSION); print(debug.getinfo(g.client, 'S').source); print(type(c))"
    local lines = command_lines(("cd /tmp && %s -e %s 2>&1; echo \"exit $?\""):format(sh_quote(lua_bin), sh_quote(script)))
    assert.same({ gentask._VERSION, "@" .. luadir .. "/gentask/init.lua", "table", "exit 0" }, lines)
  end)

  if src_rocks then
    -- Each C library the build links is an external dependency: without one, luarocks stops with
    -- its own message naming it, before compiling anything. NAME_DIR=/nonexistent hides one.
    it("stops at each missing external dependency with LuaRocks' own message naming it", function()
      local checked = {}
      for _, rock in ipairs { "gentask", "gentask-sim" } do
        local rockspec = load_data(("%s/%s/%s/%s-%s.rockspec"):format(rocks_dir, rock, rock_version, rock, rock_version))
        local names = {}
        for name in pairs(rockspec.external_dependencies) do names[#names + 1] = name end
        table.sort(names)
        assert.is_true(#names >= 4, rock .. " names its C libraries")
        for _, name in ipairs(names) do
          local empty = os.tmpname()
          os.remove(empty)
          local out = table.concat(command_lines(("cd %s && luarocks --lua-version %s --tree %s install --deps-mode=one "
            .. "./%s-%s.src.rock %s_DIR=/nonexistent 2>&1; echo \"exit $?\"")
            :format(sh_quote(src_rocks), lua_version, sh_quote(empty), rock, rock_version, name)), "\n")
          assert.truthy(out:find("\nexit 1$"), out)
          assert.truthy(out:find("Could not find %a+ file for " .. name .. "\n"), out)
          assert.truthy(out:find("No file %S+ in /nonexistent/"), out)
          assert.is_nil(read(empty .. "/lib/luarocks/rocks-" .. lua_version .. "/manifest"), "nothing installed")
          os.execute("rm -rf " .. sh_quote(empty))
          checked[#checked + 1] = name
        end
      end
      assert.truthy(#checked >= 9, table.concat(checked, " "))
    end)
  end

  describe("with the installed gentask-sim", function()
    local sim = {}

    setup(function()
      assert.equal(tree .. "/bin/gentask-sim", sim_bin)
      sim.pipe = assert(io.popen(sh_quote(sim_bin) .. " --port 0 --duration-ms 200", "r"))
      local banner = sim.pipe:read "*l" or ""
      sim.port, sim.pid = banner:match "127%.0%.0%.1:(%d+) pid (%d+)"
      assert(sim.port, "gentask-sim did not start: " .. banner)
      -- for tools/rock-test.sh, to stop it should this process die before teardown
      local f = assert(io.open(tree .. "/sim.pid", "w"))
      f:write(sim.pid, "\n")
      f:close()
      sim.url = "http://127.0.0.1:" .. sim.port
    end)

    teardown(function()
      if sim.pid then
        os.execute("kill " .. sim.pid)
        os.remove(tree .. "/sim.pid")
      end
      if sim.pipe then sim.pipe:close() end
    end)

    it("is the tree's own binary, not the checkout's build", function()
      local exe = command_lines("readlink /proc/" .. sim.pid .. "/exe")[1]
      if not exe then return pending "no /proc/PID/exe here" end
      assert.equal(sim_bin, exe)
    end)

    it("runs FoxAPI tasks end to end: results, a typed error, the simulator's counts", function()
      local fox = gentask.client { provider = "foxapi", api_key = key, base_url = sim.url .. "/foxapi",
                                   poll_interval = 0.05, poll_max_interval = 0.1 }
      -- blocking, outside any coroutine
      local first = fox:submit("flux-dev", { prompt = "a red fox in snow", width = 1024, height = 768 }):wait(10)
      assert.truthy(first.url:match("^" .. sim.url .. "/files/.+%.png$"), first.url)
      assert.equal("foxapi", first.provider)
      assert.truthy(first.id:match "^task%-unified%-")

      -- many at once on one thread, one refused by moderation on purpose
      local outcomes = gentask.run(function()
        return gentask.settle({
          fox:submit("flux-dev", { prompt = "a lighthouse in a storm" }),
          fox:submit("flux-dev", { prompt = "three foxes [shape=output] [n=3]" }),
          fox:submit("flux-dev", { prompt = "refused [fail=content_policy_violation]" }),
        }, 10)
      end)
      assert.is_true(outcomes[1].ok)
      assert.truthy(outcomes[1].value.url:match "%.png$")
      assert.is_true(outcomes[2].ok)
      assert.equal(3, #outcomes[2].value.urls)
      assert.is_false(outcomes[3].ok)
      local err = outcomes[3].error
      assert.equal("moderated", err.kind)
      assert.equal("foxapi", err.provider)
      assert.is_false(err.retryable)
      assert.is_true(gentask.errors.is(err, "moderated"))
      assert.is_nil(tostring(err):find(key, 1, true), "the key never shows")

      local stats = require("cjson").decode(table.concat(
        command_lines("curl -s " .. sh_quote(sim.url .. "/_sim/stats?tasks=0")), "\n"))
      assert.equal(4, stats.submissions)
    end)

    it("serves the replay files compiled into it: FoxAPI's documented flow under /foxapi_replay", function()
      local dir = tree .. "/replay-downloads"
      local fox = gentask.client { provider = "foxapi", api_key = key, base_url = sim.url .. "/foxapi_replay",
                                   poll_interval = 0.05, poll_max_interval = 0.1, download = { dir = dir } }
      local result = fox:submit("flux-dev", { prompt = "a replayed fox" }):wait(10)
      assert.equal(sim.url .. "/foxapi_replay/results/" .. result.id .. "-0.png", result.url)
      assert.equal(1, #result.files)
      local _, err = fox:submit("flux-dev", { prompt = "replay:moderated a fox" }):result(10)
      assert.equal("moderated", err.kind)
      fox:close()
      local stats = require("cjson").decode(table.concat(
        command_lines("curl -s " .. sh_quote(sim.url .. "/_sim/stats?tasks=0")), "\n"))
      assert.equal(0, stats.replay.unmatched)
      assert.equal(2, stats.replay.tasks)
      -- every file of replay/ is compiled in, each named by where it came from
      local origins = {}
      for _, file in ipairs(stats.replay.files) do origins[file.name] = file.origin end
      assert.equal("built-in replay/foxapi_replay.json", origins.foxapi_replay)
      assert.equal("built-in replay/replicate.json", origins.replicate)
    end)
  end)
end)
