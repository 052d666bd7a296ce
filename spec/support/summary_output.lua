-- A busted output handler: busted's own gtest-style report, plus one line per run appended to
-- $GENTASK_SUMMARY ("<lua version> <passed> <failed> <pending>") for spec/total.sh to add up.
return function(options)
  local busted = require "busted"
  local handler = require "busted.outputHandlers.gtest"(options)

  busted.subscribe({ "suite", "end" }, function()
    local path = os.getenv "GENTASK_SUMMARY"
    if path then
      local f = assert(io.open(path, "a"))
      f:write(("%s %d %d %d\n"):format((jit and jit.version or _VERSION):gsub("%s", "_"),
        handler.successesCount, handler.failuresCount + handler.errorsCount, handler.pendingsCount))
      f:close()
    end
    return nil, true
  end)
  return handler
end
