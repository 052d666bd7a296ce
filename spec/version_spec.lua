-- One version, said the same everywhere: _VERSION in lua/gentask/init.lua (the one place it is
-- written), the release rockspecs `make dist` writes from it (tools/rockspec.lua), the gentask
-- command's --version, CHANGELOG.md's newest entry; and LICENSE is the MIT licence both rockspecs
-- name. (tools/rock-test.sh checks the same of the source rocks themselves, installed.)
local read = require("support.host").read
local cli = require "support.cli"
local rockspec = assert(loadfile "tools/rockspec.lua")()
local gentask = require "gentask"

local load_rockspec = rockspec.load

describe("the version", function()
  local version = gentask._VERSION:match "^gentask (%d+%.%d+%.%d+)$"

  it("is _VERSION, \"gentask X.Y.Z\", which is what make dist reads from the file", function()
    assert.truthy(version, gentask._VERSION)
    assert.equal(version, rockspec.version_of(assert(read "lua/gentask/init.lua")))
  end)

  it("is the release rockspecs' version (revision 1), their archive gentask-X.Y.Z.tar.gz", function()
    for _, name in ipairs { "gentask", "gentask-sim" } do
      local text = assert(rockspec.versioned(assert(read(name .. "-scm-1.rockspec")), version .. "-1",
        "file:///dist/gentask-" .. version .. ".tar.gz", ("0"):rep(32)))
      local spec = load_rockspec(text, name)
      assert.equal(version .. "-1", spec.version)
      assert.equal("gentask-" .. version, spec.source.dir)
    end
  end)

  it("is what the gentask command's --version prints", function()
    local out, err, status = cli.run "--version"
    assert.equal(0, status, err)
    assert.equal("gentask " .. version .. "\n", out)
    assert.equal("", err)
  end)

  it("is CHANGELOG.md's newest entry", function()
    local changelog = assert(read "CHANGELOG.md")
    local newest = changelog:match "\n## ([^\n]+)"
    assert.equal(version, newest)
  end)
end)

describe("LICENSE", function()
  it("is the MIT licence the rockspecs name, the gentask authors' of 2026", function()
    local license = assert(read "LICENSE", "LICENSE is there")
    local head = "MIT License\n\nCopyright (c) 2026 the gentask authors\n"
    assert.equal(head, license:sub(1, #head))
    assert.truthy(license:find("Permission is hereby granted, free of charge, to any person obtaining a copy", 1, true))
    assert.truthy(license:find('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND', 1, true))
    for _, name in ipairs { "gentask-scm-1.rockspec", "gentask-sim-scm-1.rockspec" } do
      assert.equal("MIT", load_rockspec(assert(read(name)), name).description.license, name)
    end
  end)
end)
