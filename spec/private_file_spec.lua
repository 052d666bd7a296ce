-- core.read_private_file(path, max_bytes): a key file or a batch record is read only when nobody
-- else could have read or written it (as ssh treats a private key); what is refused says the
-- chmod that fixes it. core.utf8_invalid_at(text): where text stops being UTF-8.
local core = require "gentask.core"
local host = require "support.host"

describe("core.read_private_file", function()
  local dir
  setup(function()
    dir = host.temp_path()
    assert(host.sh("mkdir -p " .. host.quote(dir)))
  end)
  teardown(function() os.execute("rm -rf " .. host.quote(dir)) end)

  local function file(name, text, mode)
    local path = dir .. "/" .. name
    host.write(path, text)
    assert(host.sh(("chmod %s %s"):format(mode, host.quote(path))))
    return path
  end

  it("reads a file only its owner can read and write", function()
    assert.equal("sk-1\n", core.read_private_file(file("private", "sk-1\n", "600"), 100))
    assert.equal("sk-2", core.read_private_file(file("read-only", "sk-2", "400"), 100))
  end)

  it("refuses one others could read or write, saying the chmod to run", function()
    for _, mode in ipairs { "644", "640", "604", "620", "602" } do
      local path = file("open-" .. mode, "sk-3", mode)
      local text, why = core.read_private_file(path, 100)
      assert.is_nil(text)
      assert.equal(("%s can be read or written by other users (mode 0%s): run chmod 600 %s"):format(path, mode, path), why)
      assert.is_nil(why:find("sk-3", 1, true), "the file's contents are in the message")
    end
  end)

  it("refuses what is not a regular file, is missing, or is too large", function()
    local _, why = core.read_private_file(dir, 100)
    assert.matches("is not a regular file", why)
    _, why = core.read_private_file(dir .. "/missing", 100)
    assert.matches("cannot read .*No such file", why)
    _, why = core.read_private_file(file("large", ("x"):rep(200), "600"), 100)
    assert.matches("is larger than expected %(100 bytes or more%)", why)
    assert.has_error(function() core.read_private_file(dir .. "/x", 0) end)
  end)
end)

describe("core.utf8_invalid_at", function()
  it("says where text stops being UTF-8, or nil", function()
    local cases = {
      { "plain ascii", nil }, { "caf\195\169 \226\130\172 \240\159\166\138", nil },
      { "caf\233", 4 },                 -- Latin-1
      { "a\192\128", 2 },               -- an overlong NUL
      { "\237\160\128", 1 },            -- a surrogate (U+D800)
      { "\244\144\128\128", 1 },        -- above U+10FFFF
      { "ok\226\130", 3 },              -- cut short
      { "\128", 1 },                    -- a continuation byte alone
    }
    for _, case in ipairs(cases) do assert.equal(case[2], core.utf8_invalid_at(case[1]), case[1]) end
  end)
end)
