-- The journal's storage layer (csrc/core/store/journal.h) has no Lua face yet: its tests are a C program,
-- csrc/tests/journal_test.c, that `make` builds into $GENTASK_BUILD/tests/journal_test. This spec
-- builds nothing: each case runs the program once with the case's name; exit status 0 is a pass,
-- anything else fails with what the program printed.
local build = os.getenv "GENTASK_BUILD" or "build"
local bin = build .. "/tests/journal_test"
-- `make valgrind` runs the specs with LUA_WRAPPER set (valgrind): the program runs under it too
local wrapper = os.getenv "LUA_WRAPPER" or ""

local function sh_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- stdout and stderr of `journal_test ARG`, and its exit status. LD_PRELOAD= : under `make sanitize`
-- the program carries its own ASan runtime.
local function run(arg)
  local pipe = assert(io.popen(("LD_PRELOAD= %s %s %s 2>&1; echo \"rc=$?\""):format(wrapper, sh_quote(bin), arg)))
  local out = pipe:read "*a"
  pipe:close()
  local rc = tonumber(out:match "rc=(%d+)%s*$")
  return out:gsub("rc=%d+%s*$", ""), rc
end

-- the program's cases, in its order, and what each shows
local cases = {
  { "create", "creates a 0600 file (and 0600 -wal, -shm) in WAL mode with synchronous NORMAL" },
  { "round_trip", "gives back what add and update wrote, through find_key, unended, rollback, commit and a reopen" },
  { "killed", "keeps every committed record of a process killed with SIGKILL, and nothing uncommitted" },
  { "busy", "answers BUSY at once, changing nothing, while another connection holds the lock; succeeds after" },
  { "newer_schema", "refuses a journal written by a newer schema, saying so, and leaves it as it was" },
  { "not_a_journal", "refuses another program's database, a text file, a directory or no path, touching none" },
  { "account", "matches the key it fingerprinted, not another, and keeps the key's bytes out of every file" },
  { "request_hash", "hashes a request's canonical JSON: key order does not matter, values do, not JSON is nil" },
  { "shared", "counts the key's places across owners, frees a place given back or an expired lease's, shares pause and cap" },
  { "deliveries", "hands webhook deliveries and their verifier between connections per provider, drops taken and old ones" },
  { "delivery_bounds", "keeps a provider's deliveries within their count and bytes, the verified ones first" },
  { "migrate", "migrates a journal of schema 3, 4 or 5 to 6 on open, keeping its records, counting its totals" },
  { "budget", "writes a record as sent only within max_cost (spent, held) and max_submits; keeps the totals" },
}

describe("the journal store (C: " .. bin .. ")", function()
  it("is built, and every case it has is run here", function()
    local out, rc = run "--list"
    assert.equal(0, rc, "cannot run " .. bin .. " (make builds it): " .. out)
    local listed, here = {}, {}
    for name in out:gmatch "[^\n]+" do listed[#listed + 1] = name end
    for i, case in ipairs(cases) do here[i] = case[1] end
    assert.same(here, listed)
  end)

  for _, case in ipairs(cases) do
    it(case[2] .. " (" .. case[1] .. ")", function()
      local out, rc = run(case[1])
      assert.equal(0, rc, out)
    end)
  end
end)
