-- gentask.cli.outdir — the output directory, handled as a place others may have touched: it is
-- made and proved writable before anything is paid; the command's own files (the batch record, the
-- contact sheet) are written to a fresh temporary file (exclusive creation, a name nobody can
-- guess) renamed into place, owner-only, as they hold every prompt and the signed result URLs;
-- and a line counts as saved only when its files are there, whole.

local core = require "gentask.core"

local outdir = {}

local function sh_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- os.execute's success: true (5.2 and later, LuaJIT with 5.2 compatibility) or 0 (5.1)
local function succeeded(first)
  return first == true or first == 0
end

--- Writes text to path in place of what was there: true, or nil and why. mode: 0x180 (0600) by default.
function outdir.write(path, text, mode)
  return core.write_file(path, text, mode or 384)
end

--- Makes dir (and its parents) and proves that files can be written in it: true, or nil and why.
function outdir.prepare(dir)
  if not succeeded(os.execute("mkdir -p -- " .. sh_quote(dir) .. " 2>/dev/null")) then
    return nil, ("cannot make the output directory %s (is it a file, or in a directory you cannot write?)"):format(dir)
  end
  local probe = dir:gsub("/+$", "") .. "/.gentask-probe"
  local ok, why = outdir.write(probe, "", 384)
  if not ok then return nil, ("cannot write in the output directory %s: %s"):format(dir, tostring(why)) end
  os.remove(probe)
  return true
end

--- The names taken in dir by files already there, without their extension and without the
-- "-N" a task's second and later results get: { [name] = true }.
function outdir.names_taken(dir)
  local taken = {}
  local pipe = io.popen("ls -A -- " .. sh_quote(dir) .. " 2>/dev/null")
  for file in (pipe and pipe:lines() or function() end) do
    local base = file:match("^(.+)%.[^.]*$") or file
    taken[base] = true
    taken[base:gsub("%-%d+$", "")] = true
  end
  if pipe then pipe:close() end
  return taken
end

--- The first of a result's files (result.files: path, bytes, sha256) that is not on disk as it
-- was saved (a regular file of that size and SHA-256), and why; nil when every one is.
function outdir.missing(files)
  for _, f in ipairs(files or {}) do
    if type(f.path) ~= "string" then return tostring(f.path), "not on disk" end
    if not core.file_is(f.path, tonumber(f.bytes) or -1, tostring(f.sha256)) then
      local handle = io.open(f.path, "rb")
      if not handle then return f.path, "not on disk" end
      handle:close()
      return f.path, "not the file that was saved (its size or SHA-256 differs, or it is a link)"
    end
  end
  return nil
end

return outdir
