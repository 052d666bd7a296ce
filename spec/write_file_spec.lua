-- core.write_file(path, bytes [, mode]): the command's own files (the contact sheet, the batch
-- record) written whole through a temporary file that mkstemp creates (a name nobody can guess),
-- given the mode asked whatever the umask, flushed and renamed into place: nothing planted in the
-- directory beforehand — a symbolic link at the old fixed temporary names, or at the path itself
-- — is opened or followed.
local core = require "gentask.core"
local host = require "support.host"

local sh_quote, read, write, is_symlink = host.quote, host.read, host.write, host.is_symlink

local LUA = arg and arg[-1] or "lua"

local function sh(command)
  local pipe = assert(io.popen(command .. " 2>&1"))
  local output = pipe:read "*a"
  pipe:close()
  return output
end

local function mode_of(path)
  return sh("stat -c %a " .. sh_quote(path)):match "%d+"
end

local function listing(dir)
  return sh("ls -A " .. sh_quote(dir))
end

local OCTAL_600, OCTAL_640 = tonumber("600", 8), tonumber("640", 8)

describe("core.write_file", function()
  local dir
  before_each(function()
    dir = os.tmpname()
    os.remove(dir)
    assert.truthy(os.execute("mkdir " .. sh_quote(dir)))
  end)
  after_each(function()
    os.execute("chattr -i " .. sh_quote(dir) .. " 2>/dev/null; chmod 755 " .. sh_quote(dir) .. "; rm -rf " .. sh_quote(dir))
  end)

  it("writes the bytes whole, 0600 by default, and leaves nothing else in the directory", function()
    local path = dir .. "/index.html"
    local bytes = ("<p>a fox</p>\n"):rep(10000) .. "\0binary\255"
    assert.is_true(core.write_file(path, bytes))
    assert.equal(bytes, read(path))
    assert.equal("600", mode_of(path))
    assert.is_true(core.write_file(path, "again", OCTAL_640)) -- replaces what was there
    assert.equal("again", read(path))
    assert.equal("640", mode_of(path))
    assert.equal("index.html\n", listing(dir))
  end)

  it("gives the mode asked whatever the process's umask", function()
    local cases = { { umask = "000", mode = OCTAL_600, want = "600" }, { umask = "777", mode = OCTAL_640, want = "640" } }
    for _, case in ipairs(cases) do
      local path = dir .. "/record-" .. case.umask .. ".json"
      local script = ("package.cpath = %q; local ok, why = require('gentask.core').write_file(%q, '{}', %d); print(ok, why)")
        :format(package.cpath, path, case.mode)
      local output = sh(("umask %s; %s -e %s"):format(case.umask, LUA, sh_quote(script)))
      assert.equal("true\tnil\n", output)
      assert.equal(case.want, mode_of(path))
    end
  end)

  it("never opens nor follows a symbolic link planted at a fixed temporary name or at the path", function()
    local victim = os.tmpname()
    write(victim, "the victim's own bytes")
    local path = dir .. "/gentask-journal.db.batch.json"
    local planted = { path .. ".tmp", dir .. "/index.html.tmp", dir .. "/.gentask.tmp", path .. "~",
                      dir .. "/.gentask-journal.db.batch.json.tmp" }
    for _, name in ipairs(planted) do assert.truthy(os.execute("ln -s " .. sh_quote(victim) .. " " .. sh_quote(name))) end
    assert.is_true(core.write_file(path, "{\"prompts\": []}"))
    assert.equal("{\"prompts\": []}", read(path))
    for _, name in ipairs(planted) do assert.is_true(is_symlink(name), name) end
    assert.equal("the victim's own bytes", read(victim))
    -- a link at the path itself is replaced by the file, its target untouched
    local sheet = dir .. "/index.html"
    assert.truthy(os.execute("ln -s " .. sh_quote(victim) .. " " .. sh_quote(sheet)))
    assert.is_true(core.write_file(sheet, "<html></html>"))
    assert.is_false(is_symlink(sheet))
    assert.equal("<html></html>", read(sheet))
    assert.equal("600", mode_of(sheet))
    assert.equal("the victim's own bytes", read(victim))
    os.remove(victim)
  end)

  it("returns nil and why for a read-only directory, writing nothing", function()
    assert.truthy(os.execute("chmod 555 " .. sh_quote(dir)))
    -- root writes where the mode says not: an immutable directory refuses root too
    if sh("id -u"):match "^0" then assert.truthy(os.execute("chattr +i " .. sh_quote(dir))) end
    local ok, why = core.write_file(dir .. "/index.html", "<html></html>")
    assert.is_nil(ok)
    assert.equal("string", type(why))
    assert.truthy(why:find("cannot create a temporary file in " .. dir, 1, true), why)
    assert.truthy(why:match "Permission denied" or why:match "Operation not permitted", why)
    assert.equal("", listing(dir))
  end)

  it("removes its temporary file when the rename fails, and says why", function()
    local taken = dir .. "/index.html"
    assert.truthy(os.execute("mkdir " .. sh_quote(taken) .. " && touch " .. sh_quote(taken .. "/x")))
    local ok, why = core.write_file(taken, "<html></html>")
    assert.is_nil(ok)
    assert.truthy(why:find("cannot rename a temporary file to " .. taken, 1, true), why)
    assert.equal("index.html\n", listing(dir)) -- no temporary file left beside it
    local missing, because = core.write_file(dir .. "/no/such/dir/index.html", "x")
    assert.is_nil(missing)
    assert.truthy(because:match "No such file or directory", because)
  end)

  it("refuses a mode Lua wrote in decimal by mistake, and a path that names no file", function()
    local ok, err = pcall(core.write_file, dir .. "/x", "y", 600)
    assert.is_false(ok)
    assert.truthy(tostring(err):match "0777", tostring(err))
    local written, why = core.write_file(dir .. "/", "y")
    assert.is_nil(written)
    assert.truthy(why:match "names no file", why)
    assert.equal("", listing(dir))
  end)
end)
