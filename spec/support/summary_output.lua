-- A busted output handler: busted's own gtest-style report, plus one line per run appended to
-- $GENTASK_SUMMARY ("<lua version> <passed> <failed> <pending>") for spec/total.sh to add up, and
-- each failure and error, with its message and where it happened, appended to
-- $GENTASK_SUMMARY.failures: spec/total.sh prints them again just above the last line, where a
-- CI log cut to its tail still shows why a run failed.
return function(options)
  local busted = require "busted"
  local handler = require "busted.outputHandlers.gtest"(options)

  busted.subscribe({ "suite", "end" }, function()
    local path = os.getenv "GENTASK_SUMMARY"
    if path then
      local f = assert(io.open(path, "a"))
      local lua = (jit and jit.version or _VERSION):gsub("%s", "_")
      f:write(("%s %d %d %d\n"):format(lua, handler.successesCount, handler.failuresCount + handler.errorsCount,
        handler.pendingsCount))
      f:close()
      local recap = assert(io.open(path .. ".failures", "a"))
      for _, list in ipairs { handler.failures, handler.errors } do
        for _, t in ipairs(list) do
          local where = t.trace and t.trace.short_src and (t.trace.short_src .. ":" .. tostring(t.trace.currentline))
          recap:write(("-- %s: %s\n%s\n%s\n"):format(lua, t.name, tostring(t.message), where or ""))
        end
      end
      recap:close()
    end
    return nil, true
  end)
  return handler
end
