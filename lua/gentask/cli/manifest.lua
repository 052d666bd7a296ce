-- gentask.cli.manifest — what `gentask status` and `gentask resume` read: beside the journal
-- (JOURNAL.batch.json), the batch's command and the outcome of each line that has ended. The
-- journal stays the truth about what was paid; this file only says what to re-run and what to
-- show. Written whole to a temporary file and renamed, so a killed process leaves the last
-- complete version.

local cjson = require "cjson.safe"

local manifest = {}

function manifest.path(journal)
  return journal .. ".batch.json"
end

function manifest.save(journal, state)
  local path = manifest.path(journal)
  local f, err = io.open(path .. ".tmp", "w")
  if not f then return nil, err end
  f:write(cjson.encode(state))
  f:close()
  return os.rename(path .. ".tmp", path)
end

function manifest.load(journal)
  local f, err = io.open(manifest.path(journal), "r")
  if not f then return nil, ("no batch record beside %s (%s)"):format(journal, tostring(err)) end
  local state = cjson.decode(f:read("*a") or "")
  f:close()
  if type(state) ~= "table" or type(state.command) ~= "table" then
    return nil, manifest.path(journal) .. " is not a batch record"
  end
  return state
end

return manifest
