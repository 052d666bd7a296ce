-- gentask-sim's rock: the provider simulator (csrc/sim/), an executable in the tree's bin/. Apart
-- from gentask's rock so that the library installs without libmicrohttpd; tests, benchmarks and
-- offline scripts install this one too.
--
-- From a checkout, offline on Debian (libmicrohttpd-dev and libcjson-dev from apt):
--   luarocks --lua-version 5.4 make --deps-mode=none gentask-sim-scm-1.rockspec
--
-- build.type = "make" (the builtin type builds Lua modules, not executables): luarocks runs
-- `make sim-rock`, then `make sim-install`, with the variables below. The Makefile finds the
-- sources by wildcard, so nothing here lists files.
rockspec_format = "3.0"
package = "gentask-sim"
version = "scm-1"
source = { url = "git+file:///dev/null" }   -- built from a checkout with `luarocks make`
description = {
  summary = "A local simulator of asynchronous generative-media APIs, for gentask's tests",
  detailed = [[
gentask-sim is a real HTTP server on 127.0.0.1 (libmicrohttpd, cJSON) that speaks the dialects of
BFL, FoxAPI, FLORA, ModelsLab, APIXO and a made-up ACME, each under its own path prefix: tasks
progress with time, and scenario words in a prompt make a task fail or the server misbehave
(resets, slow answers, broken bodies, 429s), so that clients can be tested offline.
`gentask-sim --help` documents it.]],
  license = "MIT",
}
dependencies = {}
external_dependencies = {
  MICROHTTPD = { header = "microhttpd.h", library = "microhttpd" },
  CJSON = { header = "cjson/cJSON.h", library = "cjson" },
  -- the result files it serves are real PNGs (zlib) with a SHA-256 on record (libcrypto)
  ZLIB = { header = "zlib.h", library = "z" },
  OPENSSL = { header = "openssl/evp.h", library = "crypto" },
}
build = {
  type = "make",
  build_target = "sim-rock",
  install_target = "sim-install",
  -- passed to both passes, so that `make sim-install` sees the build `make sim-rock` made
  variables = {
    CC = "$(CC)",
    ROCK_CFLAGS = "$(CFLAGS)",
    CJSON_INCDIR = "$(CJSON_INCDIR)",
    CJSON_LIBDIR = "$(CJSON_LIBDIR)",
    MHD_INCDIR = "$(MICROHTTPD_INCDIR)",
    MHD_LIBDIR = "$(MICROHTTPD_LIBDIR)",
    ZLIB_INCDIR = "$(ZLIB_INCDIR)",
    ZLIB_LIBDIR = "$(ZLIB_LIBDIR)",
    OPENSSL_INCDIR = "$(OPENSSL_INCDIR)",
    OPENSSL_LIBDIR = "$(OPENSSL_LIBDIR)",
  },
  install_variables = {
    INST_BINDIR = "$(BINDIR)",
  },
}
