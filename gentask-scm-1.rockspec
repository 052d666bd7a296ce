-- gentask's rock: the Lua modules and the C module gentask.core.
-- Offline on Debian (lua-cjson from apt): luarocks make --deps-mode=none
rockspec_format = "3.0"
package = "gentask"
version = "scm-1"
source = { url = "git+file:///dev/null" }   -- built from a checkout with `luarocks make`
description = {
  summary = "Drive asynchronous generative-media APIs (submit, poll, result) from Lua",
  detailed = [[
A C core (libcurl multi, cJSON) with a thin Lua layer: submit hundreds of generation tasks from
one thread, wait on them with a coroutine-friendly wait(), and get back results or typed error
tables. Speaks BFL, FoxAPI, FLORA, ModelsLab and APIXO; providers are profiles (data) in gentask.providers.]],
  license = "MIT",
}
dependencies = { "lua >= 5.1", "lua-cjson" }
external_dependencies = {
  CURL = { library = "curl" },   -- Debian keeps curl.h under a multiarch include dir
  CJSON = { header = "cjson/cJSON.h", library = "cjson" },
}
build = {
  type = "builtin",
  modules = {
    ["gentask"] = "lua/gentask/init.lua",
    ["gentask.errors"] = "lua/gentask/errors.lua",
    ["gentask.scheduler"] = "lua/gentask/scheduler.lua",
    ["gentask.task"] = "lua/gentask/task.lua",
    ["gentask.request"] = "lua/gentask/request.lua",
    ["gentask.loop.plain"] = "lua/gentask/loop/plain.lua",
    ["gentask.providers.apixo"] = "lua/gentask/providers/apixo.lua",
    ["gentask.providers.bfl"] = "lua/gentask/providers/bfl.lua",
    ["gentask.providers.flora"] = "lua/gentask/providers/flora.lua",
    ["gentask.providers.foxapi"] = "lua/gentask/providers/foxapi.lua",
    ["gentask.providers.modelslab"] = "lua/gentask/providers/modelslab.lua",
    ["gentask.core"] = {
      sources = {
        "csrc/classify.c", "csrc/client.c", "csrc/endpoint.c", "csrc/engine.c", "csrc/error.c", "csrc/jsonpath.c",
        "csrc/profile.c", "csrc/task.c", "csrc/timerheap.c", "csrc/transfer.c", "csrc/util.c",
        "csrc/lconvert.c", "csrc/lgentask.c", "csrc/ltask.c",
      },
      defines = { "_GNU_SOURCE" },
      incdirs = { "$(CJSON_INCDIR)/cjson" },
      libdirs = { "$(CURL_LIBDIR)", "$(CJSON_LIBDIR)" },
      libraries = { "curl", "cjson", "m" },
    },
  },
}
test = { type = "busted" }
