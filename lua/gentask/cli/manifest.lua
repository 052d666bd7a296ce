-- gentask.cli.manifest — the batch record, beside the journal (JOURNAL.batch.json): the batch's
-- command and each line's record (queued, its task id once the provider answered, how it ended).
-- It is written before the first submit, so `status`, `resume` and `fetch` find it after a crash at
-- any point; the journal stays the truth about what was paid, and this file says what to run
-- again and what to show. It says where the key goes (the providers' addresses), so, like a key
-- file, it is written for its owner alone and read only when nobody else could have written it;
-- it holds every prompt and the signed result URLs, another reason to keep it private.

local cjson = require "cjson.safe"
local core = require "gentask.core"
local fail = require "gentask.cli.fail"
local outdir = require "gentask.cli.outdir"

local manifest = {}

-- A record larger than this is not one the command wrote (a line's record is a few hundred bytes).
local MAX_BYTES = 512 * 1024 * 1024

function manifest.path(journal)
  return journal .. ".batch.json"
end

--- Writes the batch's state ({ command, records }) in place of the last: true, or nil and why.
function manifest.save(journal, state)
  local text = cjson.encode(state)
  if not text then return nil, "the batch record cannot be written as JSON" end
  return outdir.write(manifest.path(journal), text, 384)
end

--- The batch's state, or nil, why and whether there is no record at all (rather than one refused).
function manifest.load(journal)
  local path = manifest.path(journal)
  local probe = io.open(path, "r")
  if not probe then return nil, ("no batch record beside %s (%s is not there)"):format(journal, path), true end
  probe:close()
  local text, why = core.read_private_file(path, MAX_BYTES)
  if not text then return nil, "the batch record " .. why end
  local state = cjson.decode(text)
  if type(state) ~= "table" or type(state.command) ~= "table" or type(state.command.prompts) ~= "string"
     or type(state.command.out) ~= "string" then
    return nil, path .. " is not a batch record"
  end
  if type(state.records) ~= "table" then state.records = {} end
  return state
end

--- The batch's state for status, resume and fetch: a journal without a record is the caller's
-- mistake (a wrong path), a record that cannot be trusted or read is the machine's.
function manifest.require(journal)
  local state, why, absent = manifest.load(journal)
  if state then return state end
  if absent then fail.usage(why) end
  fail.trouble(why)
end

--- The records of a loaded state by line key: what each line came to last time.
function manifest.by_key(state)
  local map = {}
  for _, r in ipairs(state and state.records or {}) do
    if type(r) == "table" and type(r.key) == "string" then map[r.key] = r end
  end
  return map
end

return manifest
