-- gentask's rock: every Lua module under lua/gentask/ and the C module gentask.core. The
-- simulator, gentask-sim, is a rock of its own (gentask-sim-scm-1.rockspec): this one needs
-- neither libmicrohttpd nor the simulator.
--
-- From a checkout, offline on Debian (lua-cjson from apt):
--   luarocks --lua-version 5.4 make --deps-mode=none gentask-scm-1.rockspec   (or 5.1)
-- (name the rockspec: the checkout holds two, and luarocks will not pick one)
--
-- build.type = "make": luarocks runs `make rock`, then `make install`, with the variables below.
-- The Makefile finds the sources and the Lua modules by wildcard, so nothing here lists files:
-- a module added under lua/gentask/ is installed without touching this file.
rockspec_format = "3.0"
package = "gentask"
version = "scm-1"
source = { url = "git+file:///dev/null" }   -- built from a checkout with `luarocks make`
description = {
  summary = "Drive asynchronous generative-media APIs (submit, poll, result) from Lua",
  detailed = [[
A C core (libcurl multi, cJSON; SQLite and libcrypto for its task journal) with a thin Lua layer: submit hundreds of generation tasks from
one thread, wait on them with a coroutine-friendly wait(), and get back results or typed error
tables. Speaks BFL, FoxAPI, FLORA, ModelsLab and APIXO; providers are profiles (data) in
gentask.providers. The rock gentask-sim has a local simulator of those APIs for offline tests.]],
  license = "MIT",
}
-- argparse: the gentask command's argument parsing (Debian's lua-argparse)
dependencies = { "lua >= 5.1", "lua-cjson", "argparse" }
external_dependencies = {
  -- Debian keeps curl.h under the multiarch include dir (/usr/include/x86_64-linux-gnu/curl),
  -- where luarocks' header test does not look; the compiler does. So the test is curl-config,
  -- which only the development package ships, and the Makefile asks it for --cflags (empty on
  -- Debian, -I... wherever curl lives elsewhere). libcurl.so is found in lib/<multiarch>.
  CURL = { program = "curl-config", library = "curl" },
  CJSON = { header = "cjson/cJSON.h", library = "cjson" },
  -- the journal: SQLite for the file, libcrypto (OpenSSL) for its hashes
  SQLITE3 = { header = "sqlite3.h", library = "sqlite3" },
  OPENSSL = { header = "openssl/hmac.h", library = "crypto" },
  -- the key's shared state in Redis (journal = "redis://…")
  HIREDIS = { header = "hiredis/async.h", library = "hiredis" },
}
build = {
  type = "make",
  build_target = "rock",
  install_target = "install",
  -- passed to both passes, so that `make install` sees the build `make rock` made
  variables = {
    CC = "$(CC)",
    ROCK_CFLAGS = "$(CFLAGS)",
    LIBFLAG = "$(LIBFLAG)",
    LUA_INCDIR = "$(LUA_INCDIR)",
    CURL_CONFIG = "$(CURL_BINDIR)/curl-config",
    CURL_LIBDIR = "$(CURL_LIBDIR)",
    CJSON_INCDIR = "$(CJSON_INCDIR)",
    CJSON_LIBDIR = "$(CJSON_LIBDIR)",
    SQLITE3_INCDIR = "$(SQLITE3_INCDIR)",
    SQLITE3_LIBDIR = "$(SQLITE3_LIBDIR)",
    OPENSSL_INCDIR = "$(OPENSSL_INCDIR)",
    OPENSSL_LIBDIR = "$(OPENSSL_LIBDIR)",
    HIREDIS_INCDIR = "$(HIREDIS_INCDIR)",
    HIREDIS_LIBDIR = "$(HIREDIS_LIBDIR)",
  },
  install_variables = {
    INST_LUADIR = "$(LUADIR)",
    INST_LIBDIR = "$(LIBDIR)",
  },
  -- the command line: luarocks puts a wrapper in the tree's bin/ that sets the tree's paths
  install = { bin = { gentask = "bin/gentask" } },
  -- the editor's type definitions (docs/editor.md): in the rock's directory, for LuaLS to read
  copy_directories = { "library" },
}
-- `luarocks test` (from a checkout or an unpacked release): builds for the --lua-version's
-- interpreter and runs busted over spec/ with it, all of it or the files given after `--`
-- (tools/luarocks-test.lua says why this is not type "busted": that one needs busted as a rock).
test = { type = "command", script = "tools/luarocks-test.lua" }
